// URLs as text we may print. A URL that holds a secret is often malformed exactly because of the
// secret (an unencoded "#", "/", "?" or space in a password), so these work on the text, not on a
// parse: the userinfo runs from "scheme://" to the LAST "@" of the value, and query strings and
// fragments (?token=…, #access_token=…) are never shown.

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Where a WHATWG/RFC 3986 authority ends. */
const AUTHORITY_END = /[/?#]/;

export interface UserinfoSplit {
  /** "scheme://" or "" */
  prefix: string;
  /** Everything between the prefix and the last "@". */
  userinfo: string;
  /** After the last "@". */
  rest: string;
}

/**
 * The userinfo of a URL-ish value, up to its LAST "@". `schemeless` allows "user:pass@host:port"
 * without a scheme (reqwest takes proxy values that way). A candidate is userinfo when it holds no
 * "/", "?" or "#" (the ordinary case), or when a ":" comes before the first of them (a password
 * holding one of those characters). "https://registry.example/@scope/pkg" has neither: its "@" is
 * in the path.
 */
export function splitUserinfo(raw: string, schemeless = false): UserinfoSplit | undefined {
  const scheme = SCHEME.exec(raw);
  if (!scheme && !schemeless) return undefined;
  const prefix = scheme ? scheme[0] : "";
  const at = raw.lastIndexOf("@");
  if (at < prefix.length) return undefined;
  const userinfo = raw.slice(prefix.length, at);
  const delimiter = userinfo.search(AUTHORITY_END);
  if (delimiter !== -1) {
    const colon = userinfo.indexOf(":");
    if (colon === -1 || colon > delimiter) return undefined;
  }
  return { prefix, userinfo, rest: raw.slice(at + 1) };
}

/** The password part of a URL's userinfo (after its first ":"), as written; undefined without one. */
export function passwordOf(raw: string, schemeless = false): string | undefined {
  const split = splitUserinfo(raw, schemeless);
  if (!split) return undefined;
  const colon = split.userinfo.indexOf(":");
  return colon === -1 ? undefined : split.userinfo.slice(colon + 1);
}

/**
 * "user:****@" for a user and password, "****@" for anything else (a username alone is often a
 * token: https://ghp_…@github.com), "" without userinfo.
 */
function maskedUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(":");
  const user = colon === -1 ? "" : userinfo.slice(0, colon);
  return user !== "" && !/[\s/?#%]/.test(user) ? `${user}:****@` : "****@";
}

/** The value with its userinfo masked (to the last "@"); anything else unchanged. */
export function maskUserinfo(raw: string, schemeless = false): string {
  const split = splitUserinfo(raw, schemeless);
  if (!split) return raw;
  return `${split.prefix}${maskedUserinfo(split.userinfo)}${split.rest}`;
}

/** Cuts a URL's query and fragment: the first "?" or "#" after "scheme://" and the userinfo. */
function withoutQuery(masked: string, marker: boolean): string {
  const scheme = SCHEME.exec(masked);
  const from = scheme ? scheme[0].length : 0;
  const cut = masked.slice(from).search(/[?#]/);
  if (cut === -1) return masked;
  const at = from + cut;
  return masked.slice(0, at) + (marker ? `${masked[at]}<redacted>` : "");
}

/**
 * How a URL from config, the command line or a peer is shown: scheme, masked userinfo, host and
 * path; never a password, a query string or a fragment. Malformed values are masked the same way.
 */
export function displayUrl(raw: string): string {
  const shown = withoutQuery(maskUserinfo(raw), false);
  try {
    const u = new URL(shown);
    const userinfo = u.username !== "" || u.password !== "" ? shown.slice(u.protocol.length + 2, shown.indexOf("@") + 1) : "";
    return `${u.protocol}//${userinfo}${u.host}${u.pathname === "/" ? "" : u.pathname}`;
  } catch {
    return shown;
  }
}

/** A proxy value as written (schemeless allowed), masked and without query or fragment. */
export function displayProxyValue(raw: string): string {
  return withoutQuery(maskUserinfo(raw, true), false);
}

/** Sentence punctuation that follows a URL in prose, kept out of it. */
const TRAILING = new Set([")", ".", ",", ";", "!", "]"]);
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const LETTER = /[A-Za-z]/;
/** Where a URL in prose ends: whitespace or a quote. */
// A URL never holds a raw control character: one ends the token (a terminal escape is not a URL).
// eslint-disable-next-line no-control-regex
const TOKEN_END = /[\s"'<>`\u0000-\u001f\u007f-\u009f]/;

/** Our own hints show the form of a proxy URL ("http://USER:PASSWORD@host:port"): not a secret. */
const PLACEHOLDER_USERINFO = /^\[?[a-z]+:(password|\*\*\*\*)$/i;

function redactToken(token: string): string {
  let cut = token.length;
  while (cut > 0 && TRAILING.has(token[cut - 1])) cut--;
  const url = token.slice(0, cut);
  const split = splitUserinfo(url);
  const masked = split && PLACEHOLDER_USERINFO.test(split.userinfo) ? url : maskUserinfo(url);
  return withoutQuery(masked, true) + token.slice(cut);
}

/**
 * Every URL in a text: userinfo masked, query and fragment replaced by "?<redacted>". A scan from
 * each "://" (a regex with a leading scheme pattern is quadratic on text like "a.a.a.a…").
 */
export function redactUrlsInText(text: string): string {
  let out = "";
  let copied = 0;
  let from = 0;
  for (;;) {
    const sep = text.indexOf("://", from);
    if (sep === -1) break;
    let start = sep;
    while (start > copied && SCHEME_CHAR.test(text[start - 1])) start--;
    while (start < sep && !LETTER.test(text[start])) start++;
    from = sep + 3;
    if (start === sep) continue;
    let end = from;
    while (end < text.length && !TOKEN_END.test(text[end])) end++;
    out += text.slice(copied, start) + redactToken(text.slice(start, end));
    copied = end;
    from = end;
  }
  return out + text.slice(copied);
}

/**
 * Rust's `percent_decode_str(..).decode_utf8_lossy()`: valid %XX escapes become bytes, anything
 * else ("50%off", a lone "%") stays as written, and invalid UTF-8 becomes U+FFFD. Never throws,
 * unlike decodeURIComponent.
 */
export function percentDecodeLossy(text: string): string {
  if (!text.includes("%")) return text;
  const bytes = Buffer.from(text, "utf8");
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1], bytes[i + 2]), 16);
      i += 2;
    } else {
      out[n++] = b;
    }
  }
  return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(out.subarray(0, n));
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
}
