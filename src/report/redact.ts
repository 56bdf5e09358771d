// Last line of defence before anything is rendered: proxy passwords, API keys and tokens never
// reach stdout, whatever a check put into its messages or data.
import { isSecretName, type Env } from "../env.js";
import { redactUrl } from "../net/proxy.js";

const PROXY_NAME = /PROXY$/i;

/** Secret values taken from the environment: whole values of secret-named variables, proxy passwords. */
export function secretsFrom(env: Env): string[] {
  const secrets = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (isSecretName(name) && value.length >= 6) secrets.add(value);
    if (PROXY_NAME.test(name)) {
      // reqwest accepts "user:pass@host:port" without a scheme. The password runs to the LAST "@"
      // of the authority (it may itself contain "@").
      const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^:@/?#]*:([^/?#]+)@/i.exec(value);
      if (m && m[1].length >= 1) {
        secrets.add(m[1]);
        try {
          secrets.add(decodeURIComponent(m[1]));
        } catch {
          /* not percent-encoded */
        }
      }
    }
  }
  return [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export function redactText(text: string, secrets: string[]): string {
  let out = redactUrl(text);
  // URLs anywhere inside the text, not only at its start.
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s@/?#:]*):([^\s/?#]*)@/gi, (_m, scheme: string, user: string) => `${scheme}${user}:****@`);
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
