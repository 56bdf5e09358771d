// A proxy variable's value read the way Codex reads it. reqwest 0.12.28 takes proxies from the
// environment through hyper-util 0.1.19's `Matcher` (`parse_env_uri`), which parses with the `http`
// crate's `Uri` (1.x), not with the WHATWG/url-crate parser:
// - the authority ends at the first "/", "?" or "#", even inside a password; what follows is a
//   path/query/fragment that is thrown away ("/" is put back as the path);
// - the port is not checked while parsing: one that is not a u16 means the scheme's default;
// - the credentials end at the FIRST "@" of the authority (`split_once('@')`), user and password
//   at the first ":", each percent-decoded lossily (`percent_decode_str(..).decode_utf8_lossy()`);
//   the host is what follows the LAST "@";
// - a value `http::Uri` refuses (control characters, NUL, spaces, "<>\"{}|\\^`" in the authority, a
//   second port colon, "%" in the host, nothing after "@") or a scheme other than http, https,
//   socks4/4a/5/5h makes `parse_env_uri` return None: Codex ignores the variable as if unset.
// The display is built from the text (never from this parse), so the password is masked up to the
// last "@" whatever this parse made of it.
import { displayProxyValue, percentDecodeLossy } from "./url-text.js";

export type ProxyProblem = "socks" | "malformed" | "unsupported-scheme" | "broken";

export interface ProxyUrl {
  /** As written (http:// added when there is no scheme), password masked, no query or fragment. */
  display: string;
  scheme: string;
  /** Where Codex connects (for "broken": what Codex would make of the value). */
  host: string;
  port: number;
  username?: string;
  /** Never rendered; used only for the Proxy-Authorization header. */
  password?: string;
  supported: boolean;
  problem?: ProxyProblem;
  /** Why the value is malformed or broken, in words that hold no part of the value. */
  reason?: string;
  /** For "broken" values cut inside the credentials: the character that ends the address there. */
  cutAt?: "#" | "/" | "?";
  /** The host:port written after the last "@" (what the user meant), when it differs from `host`. */
  intended?: string;
  /** An unencoded "@" inside the credentials: Codex sends only the part before it. */
  passwordTruncated?: boolean;
}

/** http::Uri::MAX_LEN */
const MAX_LEN = 65534;
/** `http::uri::URI_CHARS` for an authority: unreserved, sub-delims, ":", "@", "[", "]". */
const AUTHORITY_CHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]]$/;
/** `PathAndQuery::from_shared`: bytes allowed in a path (non-ASCII passes as UTF-8). */
const PATH_CHAR = /^[!$-;=@-Z[\\\]^_a-z|~"{}\u{7f}-\u{10ffff}]$/u;
/** ... and in a query. */
const QUERY_CHAR = /^[!$-;=?-~\u{7f}-\u{10ffff}]$/u;
const SCHEME_CHAR = /^[A-Za-z0-9+.-]$/;
const MAX_SCHEME_LEN = 64;
const CODEX_SCHEMES = new Set(["http", "https", "socks4", "socks4a", "socks5", "socks5h"]);

type Verdict = { ok: true } | { ok: false; reason: string };
const bad = (reason: string): Verdict => ({ ok: false, reason });

function charReason(ch: string): string {
  if (ch === "\0") return "it contains a NUL byte";
  if (/\s/.test(ch)) return "it contains whitespace";
  if (ch < " " || (ch >= "\u007f" && ch <= "\u009f")) return "it contains a control character";
  if (ch > "\u007f") return "it contains a non-ASCII character";
  return `it contains a character a URL cannot hold unencoded ("${ch}")`;
}

/** `Authority::parse` of the http crate (1.x). */
function checkAuthority(authority: string): Verdict {
  let colons = 0;
  let openBracket = false;
  let closeBracket = false;
  let percent = false;
  let at = -1;
  for (let i = 0; i < authority.length; i++) {
    const ch = authority[i];
    if (ch === ":") {
      if (colons >= 8) return bad("it has too many \":\"");
      colons++;
    } else if (ch === "[") {
      if (percent || openBracket) return bad("its \"[\" is misplaced");
      openBracket = true;
    } else if (ch === "]") {
      if (!openBracket || closeBracket) return bad("its \"]\" is misplaced");
      closeBracket = true;
      colons = 0;
      percent = false;
    } else if (ch === "@") {
      at = i;
      colons = 0;
      percent = false;
    } else if (ch === "%") {
      percent = true;
    } else if (!AUTHORITY_CHAR.test(ch)) {
      return bad(charReason(ch));
    }
  }
  if (openBracket !== closeBracket) return bad("its \"[ ]\" do not pair up");
  if (colons > 1) return bad("its host has more than one \":\"");
  if (authority.length > 0 && at === authority.length - 1) return bad("nothing follows its \"@\"");
  if (percent) return bad("its host holds a \"%\"");
  return { ok: true };
}

/** `PathAndQuery::from_shared`: the fragment is not looked at. */
function checkPathAndQuery(rest: string): Verdict {
  let inQuery = false;
  for (const ch of rest) {
    if (ch === "#") return { ok: true };
    if (!inQuery && ch === "?") {
      inQuery = true;
      continue;
    }
    if (!(inQuery ? QUERY_CHAR : PATH_CHAR).test(ch)) return bad(charReason(ch));
  }
  return { ok: true };
}

/** `Scheme2::parse`: "http://"/"https://" case-insensitively, else `[A-Za-z0-9+.-]+://`. */
function schemeOf(raw: string): { scheme: string; length: number } | undefined {
  const lower = raw.slice(0, 8).toLowerCase();
  if (lower.startsWith("http://")) return { scheme: "http", length: 7 };
  if (lower.startsWith("https://")) return { scheme: "https", length: 8 };
  if (raw.length <= 3) return undefined;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === ":") {
      if (raw.slice(i + 1, i + 3) !== "//" || i === 0) return undefined;
      return i > MAX_SCHEME_LEN ? { scheme: "", length: -1 } : { scheme: raw.slice(0, i), length: i + 3 };
    }
    if (!SCHEME_CHAR.test(ch)) return undefined;
  }
  return undefined;
}

/** `Authority::host()`: after the last "@", inside "[ ]" or up to the first ":". */
function hostOf(hostPort: string): string {
  const h = hostPort.slice(hostPort.lastIndexOf("@") + 1);
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]"));
  return h.split(":")[0];
}

/** `Authority::port()`: after the last ":" when that parses as a u16, else none. */
function portOf(hostPort: string): number | undefined {
  const i = hostPort.lastIndexOf(":");
  if (i === -1) return undefined;
  const text = hostPort.slice(i + 1);
  if (!/^\+?\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

function defaultPort(scheme: string): number {
  return scheme === "https" ? 443 : scheme.startsWith("socks") ? 1080 : 80;
}

export function parseProxyUrl(raw: string): ProxyUrl {
  const parsedScheme = schemeOf(raw);
  // reqwest assumes http:// without a scheme; so does the display (unless one is merely indented).
  const display = displayProxyValue(parsedScheme || /^\s*[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  const malformed = (reason: string): ProxyUrl => ({ display, scheme: "", host: "", port: 0, supported: false, problem: "malformed", reason });
  if (raw.length > MAX_LEN) return malformed("it is longer than any URL Codex accepts");
  // No real environment variable holds a NUL (execve cannot pass one); in $CODEX_HOME/.env it
  // never reaches the proxy parser intact. Refused wherever it is.
  if (raw.includes("\0")) return malformed(charReason("\0"));
  if (parsedScheme?.length === -1) return malformed("its scheme is too long");

  const afterScheme = parsedScheme ? raw.slice(parsedScheme.length) : raw;
  const end = afterScheme.search(/[/?#]/);
  const authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
  const tail = end === -1 ? "" : afterScheme.slice(end);
  const checked = checkAuthority(authority);
  if (!checked.ok) return malformed(checked.reason);
  // Without a scheme the whole value must be an authority ("host:port/" is refused).
  if (!parsedScheme && tail !== "") return malformed("without a scheme it may only be [user:password@]host:port");
  if (parsedScheme && authority === "") return malformed("it names no host");
  const tailChecked = checkPathAndQuery(tail);
  if (!tailChecked.ok) return malformed(tailChecked.reason);

  const scheme = parsedScheme ? parsedScheme.scheme : "http";
  const httpish = scheme === "http" || scheme === "https";
  if (!CODEX_SCHEMES.has(scheme)) {
    return { display, scheme: scheme.toLowerCase(), host: "", port: 0, supported: false, problem: "unsupported-scheme" };
  }

  // hyper-util: credentials end at the FIRST "@"; the rest is the proxy's authority.
  const firstAt = authority.indexOf("@");
  const hostPort = firstAt === -1 ? authority : authority.slice(firstAt + 1);
  const proxy: ProxyUrl = {
    display,
    scheme,
    host: hostOf(hostPort),
    port: portOf(hostPort) ?? defaultPort(scheme),
    supported: httpish,
  };
  if (firstAt !== -1) {
    const userinfo = authority.slice(0, firstAt);
    const colon = userinfo.indexOf(":");
    proxy.username = percentDecodeLossy(colon === -1 ? userinfo : userinfo.slice(0, colon));
    if (colon !== -1) proxy.password = percentDecodeLossy(userinfo.slice(colon + 1));
    if (hostPort.includes("@")) proxy.passwordTruncated = true;
  }

  // An "@" after the end of the authority: the user meant credentials, but a "#", "/" or "?" in
  // them ended the address early. Codex still selects this proxy and connects to a host taken from
  // the credentials, so every request fails. "host:8080/path@x" reads as a real address with an
  // odd path: that one is probed like any other (Codex connects to host:8080).
  const lastAt = afterScheme.lastIndexOf("@");
  const looksLikeAddress = afterScheme[end] === "/" && portOf(hostPort) !== undefined;
  if (end !== -1 && lastAt > end && !looksLikeAddress) {
    const intendedHostPort = afterScheme.slice(lastAt + 1).split(/[/?#]/)[0];
    return {
      ...proxy,
      supported: false,
      problem: "broken",
      cutAt: afterScheme[end] as "#" | "/" | "?",
      intended: intendedHostPort,
      reason: `the "${afterScheme[end]}" in its credentials ends the proxy address there (it needs percent-encoding)`,
    };
  }
  if (proxy.host === "") return { ...proxy, supported: false, problem: "broken", reason: "it names no host" };
  if (scheme.startsWith("socks")) proxy.problem = "socks";
  return proxy;
}

/** The fix for a value Codex cannot use or reads differently than meant; never echoes the value. */
export function proxyUrlFix(proxy: ProxyUrl, via: string): string {
  if (proxy.cutAt || proxy.passwordTruncated) {
    return `Percent-encode the special characters of the password in ${via} ("#" %23, "/" %2F, "?" %3F, "@" %40, "%" %25, ":" %3A); this prints your password encoded: python3 -c 'import getpass, urllib.parse; print(urllib.parse.quote(getpass.getpass(), safe=""))'`;
  }
  return `Set ${via} to http://[user:password@]host:port, or unset ${via}`;
}
