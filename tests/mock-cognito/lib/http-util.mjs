// http-util.mjs — small HTTP helpers: capped body reading, form/cookie/Basic parsing, JSON/HTML/redirect replies.

export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  constructor(status, error, description) {
    super(description || error);
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

/** Read the request body, refusing more than `limit` bytes (413). */
export function readBody(req, limit = MAX_BODY_BYTES) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, 'invalid_request', 'Request body too large'));
      return;
    }
    const chunks = [];
    let size = 0;
    let done = false;
    req.on('data', (c) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.resume();
        reject(new HttpError(413, 'invalid_request', 'Request body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
    req.on('close', () => {
      if (!done) {
        done = true;
        reject(new HttpError(400, 'invalid_request', 'Request aborted'));
      }
    });
  });
}

/** application/x-www-form-urlencoded → plain object (first occurrence of each name wins). */
export function parseForm(buf) {
  const out = Object.create(null);
  const text = Buffer.isBuffer(buf) ? buf.toString('utf8') : String(buf || '');
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v;
  return out;
}

export function searchToObject(searchParams) {
  const out = Object.create(null);
  for (const [k, v] of searchParams) if (!(k in out)) out[k] = v;
  return out;
}

export function isFormContentType(req) {
  const ct = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  return ct === 'application/x-www-form-urlencoded';
}

export function parseCookies(header) {
  const out = Object.create(null);
  if (!header) return out;
  for (const part of String(header).split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (k && !(k in out)) out[k] = v;
  }
  return out;
}

function formDecode(s) {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/**
 * Parse `Authorization: Basic ...`. Per RFC 6749 §2.3.1 the id and secret are form-urlencoded before
 * base64. Returns null (no Basic header), {malformed:true}, or {clientId, clientSecret}.
 */
export function parseBasicAuth(header) {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=._~-]*)\s*$/i.exec(String(header));
  if (!m) return /^Basic\b/i.test(String(header)) ? { malformed: true } : null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return { malformed: true };
  const clientId = formDecode(decoded.slice(0, i));
  const clientSecret = formDecode(decoded.slice(i + 1));
  if (clientId == null || clientSecret == null) return { malformed: true };
  return { clientId, clientSecret };
}

export function send(res, status, headers, body) {
  if (res.headersSent || res.destroyed) return;
  const buf = body == null ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(String(body), 'utf8');
  res.writeHead(status, { ...headers, 'Content-Length': buf.length });
  res.end(buf);
}

export const JSON_CT = 'application/json;charset=UTF-8';

export function sendJson(res, status, obj, headers = {}) {
  send(res, status, { 'Content-Type': JSON_CT, ...headers }, JSON.stringify(obj));
}

/** OAuth error body the way Cognito writes it: {"error":"..."} (+ error_description when we have one). */
export function sendOAuthError(res, status, error, description, headers = {}) {
  const body = description ? { error, error_description: description } : { error };
  sendJson(res, status, body, { 'Cache-Control': 'no-store', ...headers });
}

export function sendHtml(res, status, html, headers = {}) {
  send(res, status, { 'Content-Type': 'text/html;charset=UTF-8', 'Cache-Control': 'no-cache, no-store', ...headers }, html);
}

export function redirect(res, location, headers = {}) {
  send(res, 302, { Location: location, 'Cache-Control': 'no-cache, no-store', ...headers }, '');
}

/** Append query parameters to a URI that may already carry a query (undefined/null values are skipped). */
export function appendQuery(uri, params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) qs.append(k, v);
  const s = qs.toString();
  if (!s) return uri;
  return uri + (uri.includes('?') ? '&' : '?') + s;
}

export function htmlEscape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
