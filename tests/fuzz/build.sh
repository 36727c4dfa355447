#!/usr/bin/env bash
# tests/fuzz/build.sh [outdir] — builds the libFuzzer targets of mod_auth_cognito.
#
# Each target is linked from its harness and the pure module sources it needs
# (listed below), all compiled with
#   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
# None of them needs an httpd symbol: the module files that do (config.c,
# directives.c, identity.c, bearer.c, session.c, login.c, cache.c, challenge.c,
# context.c, authz.c, log.c, mod_auth_cognito.c) are never compiled here.
# scrub.c only uses request_rec's layout and APR functions, so it links as is.
# oauth.c's network calls need cog_http_request: fuzz_token_response links the
# stub in link_stubs_http.c instead of http.c (never called; aborts if it were).
#
# outdir defaults to build-fuzz/ at the repository root.  Needs clang and
# libclang-rt-14-dev (the fuzzer runtime), plus apache2-dev libcjson-dev
# libcurl4-openssl-dev libssl-dev; run with INSTALL_DEPS=1 to apt-get them.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SRC="$ROOT/mod_auth_cognito"
OUT="${1:-$ROOT/build-fuzz}"
CC="${CC:-clang}"

# target → module sources (relative to mod_auth_cognito/)
declare -A SOURCES=(
    [fuzz_jwt]="token/jwt.c util/json.c util/util.c util/crypto.c cfg/error.c"
    [fuzz_jwks]="token/jwk.c util/json.c util/util.c util/crypto.c"
    [fuzz_cookie]="util/cookie.c edge/scrub.c util/util.c"
    [fuzz_query]="util/query.c"
    [fuzz_return_path]="util/query.c util/return_path.c"
    [fuzz_session_record]="store/record.c util/json.c util/crypto.c util/util.c"
    [fuzz_token_response]="proto/oauth.c util/json.c util/query.c util/util.c util/crypto.c cfg/error.c"
    [fuzz_claims]="token/claims.c util/json.c"
    [fuzz_json]="util/json.c"
    [fuzz_bearer_header]="util/bearer_header.c"
    [fuzz_form]="util/form.c util/json.c util/query.c"
    [fuzz_identity_response]="proto/identity.c util/json.c cfg/error.c"
)

# target → harness-local link stubs (tests/fuzz/)
declare -A STUBS=(
    [fuzz_token_response]="link_stubs_http.c"
    [fuzz_identity_response]="link_stubs_http.c"
)
TARGETS=(fuzz_jwt fuzz_jwks fuzz_cookie fuzz_query fuzz_return_path fuzz_session_record
         fuzz_token_response fuzz_claims fuzz_json fuzz_bearer_header fuzz_form fuzz_identity_response)

need_pkgs=()
command -v "$CC" >/dev/null 2>&1 || need_pkgs+=(clang)
if [ -z "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ]; then
    need_pkgs+=(libclang-rt-14-dev)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    if [ "${INSTALL_DEPS:-0}" = 1 ]; then
        apt-get update -qq && apt-get install -y -qq "${need_pkgs[@]}"
    else
        echo "build.sh: missing ${need_pkgs[*]} (apt-get install ${need_pkgs[*]}, or INSTALL_DEPS=1)" >&2
        exit 2
    fi
fi

SAN=("-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined)
# shellcheck disable=SC2207
PKG_CFLAGS=($(pkg-config --cflags apr-1 libcjson libcrypto libcurl))
# shellcheck disable=SC2207
PKG_LIBS=($(pkg-config --libs apr-1 libcjson libcrypto libcurl))
# util.c calls apr_uri_parse, which lives in apr-util.
# shellcheck disable=SC2207
PKG_LIBS+=($(pkg-config --libs apr-util-1))
CFLAGS=(-g -O1 "${SAN[@]}" -std=c11 -D_GNU_SOURCE -DCOG_VERSION='"fuzz"'
        -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration
        "${PKG_CFLAGS[@]}" -I/usr/include/apache2 -I"$SRC" -I"$HERE")

mkdir -p "$OUT/obj"

# Each module source once, with the fuzzer's coverage instrumentation.
declare -A done_obj=()
for t in "${TARGETS[@]}"; do
    for s in ${SOURCES[$t]}; do
        [ -n "${done_obj[$s]:-}" ] && continue
        done_obj[$s]=1
        mkdir -p "$(dirname "$OUT/obj/$s")"
        "$CC" "${CFLAGS[@]}" -c "$SRC/$s" -o "$OUT/obj/${s%.c}.o"
    done
done

for t in "${TARGETS[@]}"; do
    objs=()
    for s in ${SOURCES[$t]}; do objs+=("$OUT/obj/${s%.c}.o"); done
    for s in ${STUBS[$t]:-}; do objs+=("$HERE/$s"); done
    "$CC" "${CFLAGS[@]}" "$HERE/$t.c" "${objs[@]}" "${PKG_LIBS[@]}" -lm -o "$OUT/$t"
    echo "built $OUT/$t"
done
