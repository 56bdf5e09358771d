// Last line of defence before anything is rendered: proxy passwords, API keys and tokens never
// reach stdout, whatever a check put into its messages or data.
import { isSecretName, type Env } from "../env.js";
import { passwordOf, percentDecodeLossy, redactUrlsInText } from "../net/url-text.js";

/**
 * The secrets one variable holds: its whole value when its name says it is a secret; the password
 * of a URL in it (proxy variables also without a scheme), as written and percent-decoded. The
 * password runs to the LAST "@", whatever it contains ("#", "/", "?", "%", spaces), so a password
 * that breaks the URL is still known and scrubbed from every output.
 */
export function secretsOf(name: string, value: string): string[] {
  const out: string[] = [];
  if (isSecretName(name) && value.length >= 6) out.push(value);
  const trimmed = value.trim();
  // reqwest takes "user:pass@host:port" without a scheme for proxies (npm's *_proxy too).
  const password = passwordOf(trimmed, /proxy$/i.test(name));
  if (password) out.push(password, percentDecodeLossy(password));
  return out;
}

/** Secret values taken from the environment, longest first. */
export function secretsFrom(env: Env): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    for (const s of secretsOf(name, value)) secrets.add(s);
  }
  return [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export function redactText(text: string, secrets: string[]): string {
  // URLs anywhere in the text: userinfo (to the last "@") masked, query and fragment dropped.
  let out = redactUrlsInText(text);
  out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, "$1 <redacted>");
  out = out.replace(/\bsk-[A-Za-z0-9_-]{8,}/g, "<redacted>");
  for (const secret of secrets) {
    // Short proxy passwords are only masked inside userinfo (above) to avoid mangling prose.
    if (secret.length >= 4) out = out.split(secret).join("<redacted>");
  }
  return out;
}

export function redactDeep<T>(value: T, secrets: string[]): T {
  if (typeof value === "string") return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value instanceof Uint8Array) return value;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}
