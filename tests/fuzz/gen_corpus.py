#!/usr/bin/env python3
"""gen_corpus.py — (re)writes the seed corpora under tests/fuzz/corpus/.

Optional maintenance tool: the seeds are committed, so neither build.sh nor run.sh
needs it.  Needs python3-cryptography (RSA signing, AES-GCM for sealed records).
Keys are generated afresh on each run and thrown away: the seed tokens are signed
consistently with the seed JWKS, but nothing secret is kept or committed.

The constants below must match the harnesses (fuzz_jwt.c policy, and the session
id in fuzz_session_record.c).
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

REGION = "eu-west-1"
POOL = "eu-west-1_Fuzz0Pool"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"   # fuzz_jwt.c ISSUER
CLIENT = "7d8kkq0fuzzclient0example1a"                           # fuzz_jwt.c CLIENT
NONCE = "fuzz-nonce-0123456789"                                  # fuzz_jwt.c NONCE
NOW = 1700000000                                                 # fuzz_jwt.c NOW
SESSION_ID = "fuzzSessionIdAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"      # fuzz_session_record.c
FUZZ_SERVER_SECRET = "fuzz-server-secret-0123456789abcdef0123456789"
FUZZ_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fuzz"
FUZZ_CLIENT = "fuzzclient"
KIDS = ["abcdEXAMPLEkid1+ZxQ8uM0v3J5ZYh0H4RrU2e1fOQ9Yo=", "efghEXAMPLEkid2/AbC9pL1uYh6aN3qW8zV0xK2tR7mE4s="]
SUB = "8f4e2b6a-91c3-4d7e-a0b5-3c2d1e0f9a87"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def js(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def uint_b64u(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def write(target: str, name: str, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def jwt(key, header: dict, payload: dict, raw_header: bytes = None, raw_payload: bytes = None) -> str:
    h = b64u(raw_header if raw_header is not None else js(header))
    p = b64u(raw_payload if raw_payload is not None else js(payload))
    sig = key.sign(f"{h}.{p}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{h}.{p}.{b64u(sig)}"


def access_claims(**over):
    c = {
        "sub": SUB, "cognito:groups": ["admins", "eu-users"], "iss": ISSUER, "version": 2,
        "client_id": CLIENT, "origin_jti": "5c1f7e0a-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
        "event_id": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d", "token_use": "access",
        "scope": "openid email profile", "auth_time": NOW - 600, "exp": NOW + 3000, "iat": NOW - 600,
        "jti": "e3b0c442-98fc-4c14-9afb-f4c8996fb924", "username": "alice",
    }
    c.update(over)
    return c


def id_claims(**over):
    c = {
        "at_hash": "mG4xKcY2n1sQ3v8u0pRw6A", "sub": SUB, "cognito:groups": ["admins"], "email_verified": True,
        "iss": ISSUER, "cognito:username": "alice", "origin_jti": "5c1f7e0a-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
        "aud": CLIENT, "event_id": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d", "token_use": "id",
        "auth_time": NOW - 600, "nonce": NONCE, "exp": NOW + 3000, "iat": NOW - 600,
        "jti": "b5d1f3a2-6c4e-4f8a-9b0c-1d2e3f4a5b6c", "email": "alice@example.com",
        "custom:tenant_id": "tenant-42",
    }
    c.update(over)
    return c


def gen_jwt(keys):
    k1 = keys[0]
    hdr = {"kid": KIDS[0], "alg": "RS256"}
    t = "fuzz_jwt"
    write(t, "access_token.jwt", jwt(k1, hdr, access_claims()))
    write(t, "id_token.jwt", jwt(k1, hdr, id_claims()))
    write(t, "id_token_aud_array_nbf.jwt", jwt(k1, hdr, id_claims(aud=["other-client", CLIENT], nbf=NOW - 600)))
    write(t, "access_expired.jwt", jwt(k1, hdr, access_claims(exp=NOW - 3600, iat=NOW - 7200)))
    write(t, "id_token_wrong_nonce.jwt", jwt(k1, hdr, id_claims(nonce="attacker-nonce")))
    write(t, "id_as_bearer.jwt", jwt(k1, hdr, id_claims(client_id=CLIENT)))
    write(t, "alg_none.jwt", f"{b64u(js({'alg': 'none', 'kid': KIDS[0]}))}.{b64u(js(access_claims()))}.AA")
    write(t, "alg_hs256.jwt", f"{b64u(js({'alg': 'HS256', 'kid': KIDS[0]}))}.{b64u(js(access_claims()))}."
          + b64u(hmac.new(b"secret", b"x", hashlib.sha256).digest()))
    write(t, "crit_header.jwt", jwt(k1, {"alg": "RS256", "kid": KIDS[0], "crit": ["exp"]}, access_claims()))
    write(t, "jku_header.jwt", jwt(k1, {"alg": "RS256", "kid": KIDS[0], "jku": "https://evil.example/jwks.json",
                                       "x5u": "https://evil.example/cert.pem"}, access_claims()))
    write(t, "padded_b64.jwt", jwt(k1, hdr, access_claims()).replace(".", "=.", 1))
    write(t, "four_segments.jwt", jwt(k1, hdr, access_claims()) + ".AAAA")
    write(t, "dup_claim.jwt", jwt(k1, hdr, {}, raw_payload=js(access_claims())[:-1]
                                  + b',"client_id":"attacker-client"}'))
    write(t, "nul_in_kid.jwt", jwt(k1, {}, access_claims(), raw_header=b'{"alg":"RS256","kid":"abc\\u0000def"}'))
    # decoded form: header JSON \n payload JSON \n signature bytes (the harness base64url-encodes)
    sig = os.urandom(256)
    write(t, "decoded_access.txt", js(hdr) + b"\n" + js(access_claims()) + b"\n" + sig)
    write(t, "decoded_id.txt", js(hdr) + b"\n" + js(id_claims()) + b"\n" + sig)
    write(t, "decoded_id_types.txt", js(hdr) + b"\n" + js(id_claims(email_verified="true", exp=1e300,
                                                                    **{"cognito:roles": ["arn:aws:iam::1:role/r"]}))
          + b"\n" + sig[:8])
    write(t, "decoded_numbers.txt", js(hdr) + b"\n"
          + b'{"iss":"' + ISSUER.encode() + b'","sub":"s","token_use":"access","client_id":"' + CLIENT.encode()
          + b'","exp":1700003600.5e0,"iat":-0,"nbf":0.0}\n' + sig)


def gen_jwks(keys):
    t = "fuzz_jwks"
    doc = {"keys": [{"alg": "RS256", "e": uint_b64u(k.public_key().public_numbers().e), "kid": kid, "kty": "RSA",
                     "n": uint_b64u(k.public_key().public_numbers().n), "use": "sig"}
                    for k, kid in zip(keys, KIDS)]}
    write(t, "cognito_two_keys.json", js(doc))
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_numbers()
    ecpub = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    n2 = doc["keys"][0]["n"]
    mixed = {"keys": [
        doc["keys"][0],
        {"kty": "RSA", "kid": "weak-1024", "alg": "RS256", "use": "sig", "n": uint_b64u(weak.n), "e": "AQAB"},
        {"kty": "EC", "kid": "ec-p256", "crv": "P-256", "x": uint_b64u(ecpub.x), "y": uint_b64u(ecpub.y)},
        {"kty": "RSA", "kid": "enc-key", "use": "enc", "n": n2, "e": "AQAB"},
        {"kty": "RSA", "kid": "ps256", "alg": "PS256", "n": n2, "e": "AQAB"},
        {"kty": "RSA", "kid": "even-e", "n": n2, "e": "AQAA"},
        {"kty": "RSA", "kid": "padded-n", "n": n2 + "==", "e": "AQAB"},
        {"kty": "RSA", "kid": "no-e", "n": n2},
        {"kty": "RSA", "kid": KIDS[0], "n": n2, "e": "Aw"},
        {"kty": "RSA", "n": n2, "e": "AQAB"},
        "not an object",
    ]}
    write(t, "mixed_keys.json", js(mixed))
    write(t, "leading_zero_n.json", js({"keys": [{"kty": "RSA", "kid": "kid-1", "n": b64u(b"\0\0" + base64.urlsafe_b64decode(n2 + "==")), "e": "AAEAAQ"}]}))
    write(t, "empty_keys.json", b'{"keys":[]}')
    write(t, "no_keys.json", b'{"keys":{"kid":"kid-1"}}')
    write(t, "dup_member.json", b'{"keys":[],"keys":[]}')


def gen_cookie():
    t = "fuzz_cookie"
    sid = b64u(os.urandom(32))
    seeds = {
        "session_only.txt": f"cognito_session={sid}",
        "browser_mix.txt": f"_ga=GA1.2.1234567890.1700000000; cognito_session={sid}; theme=dark",
        "state_cookies.txt": f"cognito_session_state_AAAAAAAAAAAAAAAA=1700000000.{b64u(os.urandom(32))}; "
                             f"cognito_session_state_BbBbBbBbBbBbBbBb=1699999900.{b64u(os.urandom(32))}",
        "two_sessions_comma.txt": f"cognito_session={sid}, cognito_session={b64u(os.urandom(32))};other=1",
        "quoted_spaces.txt": f' cognito_session = "{sid}" ;\tx="a b" ; =novalue; noequals; ;;',
        "weird_names.txt": "x-cognito-sub=admin; Remote_User=root; a:b=1; \x01bad=2; cognito_session\t=x",
        "headers_lines.txt": "X-Cognito-Sub\nREMOTE_USER\nx_amzn_oidc_data\nAuth-Type\nX-Forwarded-User\nCognito-Groups\nAccept",
    }
    for name, data in seeds.items():
        write(t, name, data)


def gen_query():
    t = "fuzz_query"
    code = "3c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"
    state = b64u(os.urandom(32))
    seeds = {
        "callback.txt": f"code={code}&state={state}",
        "callback_error.txt": f"error=access_denied&error_description=User+is+not+authorized%2E&state={state}",
        "dup_state.txt": f"state={state}&code={code}&state=AAAA",
        "case_variant.txt": f"state={state}&State=other&CODE=x&code={code}",
        "case_variant_upper_first.txt": f"CODE=attacker&code={code}&state={state}",
        "escapes.txt": "a=%41%42%43&b=%e2%82%ac&c=%zz&d=%0a&e=+&f=%",
        "empty_parts.txt": "&&=&a&=b&state=&code",
        "many.txt": "&".join(f"p{i}={i}" for i in range(40)),
    }
    for name, data in seeds.items():
        write(t, name, data)


def gen_return_path():
    t = "fuzz_return_path"
    seeds = {
        "plain.txt": "/app/dashboard?tab=1#top",
        "root.txt": "/",
        "query.txt": "/search?q=a%20b&x=%2F",
        "double_slash.txt": "//evil.example/",
        "backslash.txt": "/\\evil.example/",
        "enc_slash.txt": "/%2F%2Fevil.example",
        "enc_slash_lower.txt": "/%2f/evil.example",
        "enc_backslash.txt": "/%5Cevil.example",
        "double_enc.txt": "/%252F%252Fevil.example",
        "triple_enc.txt": "/%25252F%25252Fevil.example",
        "quad_enc.txt": "/%2525252F%2525252Fevil.example",
        "tab.txt": "/\t/evil.example",
        "enc_tab.txt": "/%09/evil.example",
        "enc_nul.txt": "/%00/evil.example",
        "absolute.txt": "https://evil.example/",
        "scheme_relative.txt": "/https:/evil.example",
        "utf8.txt": "/caf%C3%A9/%E2%80%AE",
        "bad_escape.txt": "/a%zz%",
        "dot_segments.txt": "/../..//evil.example",
        "stray_percent.txt": "/50%25off/100%",
        "percent_percent.txt": "/%%2f/evil.example",
        "nine_layers.txt": "/%" + "25" * 8 + "2F%" + "25" * 8 + "2Fevil.example",
    }
    for name, data in seeds.items():
        write(t, name, data)


def seal(plain: bytes) -> bytes:
    # store.h's derivation, with fuzz_session_record.c's secret, owner and id
    label = "mod_auth_cognito record v2\n%s\n%s\n%s" % (FUZZ_ISSUER, FUZZ_CLIENT, SESSION_ID)
    family = hmac.new(FUZZ_SERVER_SECRET.encode(), label.encode(), hashlib.sha256).digest()
    slot = hmac.new(family, b"slot session", hashlib.sha256).digest()
    key = hmac.new(family, b"key session", hashlib.sha256).digest()
    iv = os.urandom(12)
    return b"\x01" + iv + AESGCM(key).encrypt(iv, plain, slot)   # ciphertext || tag


def gen_records(keys):
    t = "fuzz_session_record"
    k1 = keys[0]
    hdr = {"kid": KIDS[0], "alg": "RS256"}
    idt, at = jwt(k1, hdr, id_claims()), jwt(k1, hdr, access_claims())
    # Field order and number format as cog_session_encode / cog_state_encode (cJSON) print them.
    session = (b'{"v":2,"iss":"%s","client":"%s","created":%d,"seen":%d,"refreshed":%d,"access_exp":%d,"id_token":%s,"access_token":%s,'
               b'"refresh_token":%s,"scope":"openid email profile","claims":%s}'
               % (FUZZ_ISSUER.encode(), FUZZ_CLIENT.encode(), NOW - 600, NOW - 30, NOW - 600, NOW + 3000, js(idt), js(at),
                  js("eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ." + b64u(os.urandom(48))),
                  js(id_claims())))
    state = (b'{"v":2,"created":%d,"return":"/app/dashboard?tab=1","redirect_uri":"https://app.example.com/oauth2/callback",'
             b'"verifier":"%s","nonce":"%s"}'
             % (NOW, b64u(os.urandom(32)).encode(), b64u(os.urandom(32)).encode()))
    write(t, "session.json", session)
    write(t, "state.json", state)
    write(t, "session_no_refresh.json", session.replace(b',"refresh_token":', b',"x_refresh_token":'))
    write(t, "session_wrong_version.json", session.replace(b'"v":2', b'"v":1', 1))
    write(t, "seen.json", b'{"v":1,"seen":%d}' % NOW)
    write(t, "state_number_field.json", state.replace(b'"return":"/app/dashboard?tab=1"', b'"return":42'))
    write(t, "session.sealed", seal(session))
    write(t, "state.sealed", seal(state))


def gen_token_response(keys):
    t = "fuzz_token_response"
    k1 = keys[0]
    hdr = {"kid": KIDS[0], "alg": "RS256"}
    idt, at = jwt(k1, hdr, id_claims()), jwt(k1, hdr, access_claims())
    rt = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ." + b64u(os.urandom(64))
    write(t, "code_grant.json", js({"id_token": idt, "access_token": at, "refresh_token": rt,
                                    "expires_in": 3600, "token_type": "Bearer"}))
    write(t, "refresh_grant.json", js({"id_token": idt, "access_token": at, "expires_in": 3600, "token_type": "Bearer"}))
    write(t, "refresh_no_id.json", js({"access_token": at, "expires_in": 3600, "token_type": "bearer"}))
    write(t, "error_invalid_grant.json", b'{"error":"invalid_grant"}')
    write(t, "error_described.json", b'{"error":"invalid_client","error_description":"Client authentication failed"}')
    write(t, "error_injection.json", b'{"error":"invalid_grant\\r\\nX-Injected: \\"1\\" \\\\ \\u0000\\u007f"}')
    write(t, "expires_weird.json", b'{"access_token":"a","token_type":"Bearer","expires_in":"3600","id_token":""}')
    write(t, "expires_huge.json", b'{"access_token":"a","token_type":"Bearer","expires_in":1e400}')
    write(t, "html_502.txt", b"<html><head><title>502 Bad Gateway</title></head><body>502</body></html>")
    write(t, "array.json", b'[{"access_token":"a"}]')
    write(t, "trailing.json", b'{"access_token":"a","token_type":"Bearer"} {"x":1}')


def gen_claims():
    t = "fuzz_claims"
    write(t, "id_claims.json", js(id_claims()))
    write(t, "access_claims.json", js(access_claims()))
    write(t, "types.json", b'{"sub":12345,"cognito:username":true,"email":null,"cognito:groups":["a",["b","c"],'
                           b'{"d":1},2.5,false,null],"custom:tenant_id":{"id":"t1","tags":["x","y"]},'
                           b'"scope":"a b","token_use":"access","client_id":["c1","c2"],"exp":1e300,'
                           b'"big":9007199254740993,"neg":-0,"frac":0.1,"tiny":5e-324}')
    write(t, "controls.json", b'{"sub":"alice\\r\\nX-Injected: 1","email":"a\\u0000b@example.com",'
                              b'"custom:note":"tab\\there\\u007fdel","na\\u0001me":"v","nested":{"k\\n":"v\\u001b[31m"},'
                              b'"arr":["\\u0007bell",{"x\\u007f":"\\b"}],"":"empty name","username":"\\u0000"}')
    write(t, "unicode_names.json", '{"custom:café":"ü","custom:日本":"x","custom:a-b.c":"d","X-Cognito-Sub":"spoof"}'.encode())
    write(t, "scalar.json", b'"just a string\\u0001"')
    write(t, "array_top.json", b'[1,"two",{"three":3},[4]]')


def gen_json():
    t = "fuzz_json"
    seeds = {
        "object.json": b'{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-1.5e-7,"g":""}',
        "numbers.json": b'[0,-0,1e308,1e309,-1E-400,123456789012345678901234567890,0.1,2.5e+3,9007199254740993]',
        "strings.json": b'["\\u00e9\\ud83d\\ude00","\\"\\\\\\/\\b\\f\\n\\r\\t","\\u0000mid\\u0000","\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"]',
        "nul_keys.json": b'{"a\\u0000b":1,"a\\u0000c":2}',
        "dup.json": b'{"a":1,"b":{"x":1,"x":2}}',
        "deep32.json": b"[" * 32 + b"1" + b"]" * 32,
        "deep33.json": b"[" * 33 + b"1" + b"]" * 33,
        "lone_surrogate.json": b'["\\ud800","\\udc00x"]',
        "leading_zero.json": b'{"n":01}',
        "bad_utf8.json": b'["\xc0\xaf","\xed\xa0\x80","\xf4\x90\x80\x80"]',
        "trailing.json": b'{} x',
        "whitespace.json": b' \t\r\n{ "k" : [ 1 , 2 ] } \n',
        "dbl_max.json": b'[1.7976931348623157e308,-1.7976931348623157e308,2.2250738585072014e-308]',
        "many_members_dup.json": js({f"k{i:02d}": i for i in range(20)})[:-1] + b',"k07":0}',
        "many_members.json": js({f"k{i:02d}": [i, {"x": i}] for i in range(20)}),
    }
    for name, data in seeds.items():
        write(t, name, data)


def gen_bearer(keys):
    t = "fuzz_bearer_header"
    at = jwt(keys[0], {"kid": KIDS[0], "alg": "RS256"}, access_claims())
    seeds = {
        "bearer_jwt.txt": "Bearer " + at,
        "lowercase_spaces.txt": "bearer    abc-._~+/xyz==   ",
        "basic.txt": "Basic dXNlcjpwYXNzd29yZA==",
        "bare.txt": "Bearer",
        "two_tokens.txt": "Bearer abc def",
        "eq_inside.txt": "Bearer abc=def",
        "tab.txt": "Bearer\tabc",
        "glued.txt": "BearerX abc",
        "only_eq.txt": "Bearer ===",
        "comma.txt": "Bearer abc, Basic xyz",
    }
    for name, data in seeds.items():
        write(t, name, data)


def main():
    if os.path.isdir(CORPUS) and "--force" not in sys.argv:
        print("corpus/ exists; rerun with --force to rewrite it", file=sys.stderr)
        return 1
    shutil.rmtree(CORPUS, ignore_errors=True)
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in KIDS]
    gen_jwt(keys)
    gen_jwks(keys)
    gen_cookie()
    gen_query()
    gen_return_path()
    gen_records(keys)
    gen_token_response(keys)
    gen_claims()
    gen_json()
    gen_bearer(keys)
    return 0


if __name__ == "__main__":
    sys.exit(main())
