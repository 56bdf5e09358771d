// Which proxy Codex uses for a URL, from environment variables the way reqwest reads them:
// https (and wss) targets use HTTPS_PROXY/https_proxy, then ALL_PROXY/all_proxy; HTTP_PROXY never
// applies to https; NO_PROXY/no_proxy bypasses. Pure: the env check and the network checks share it.
import { isIP } from "node:net";
import type { Env } from "../env.js";
import { parseProxyUrl, type ProxyUrl } from "./proxy-url.js";
import { displayUrl, maskUserinfo } from "./url-text.js";

export { displayUrl, parseProxyUrl };
export type { ProxyProblem, ProxyUrl } from "./proxy-url.js";

export interface ProxyDecision {
  target: string;
  /** The variable that supplied the proxy, or why there is none. */
  via: string | null;
  proxy: ProxyUrl | null;
  bypassedBy?: string;
  /** HTTP_PROXY is set but does not apply to https targets. */
  httpProxyIgnored?: boolean;
  /** Values hyper-util cannot parse are skipped as if unset (the next variable, or direct, wins). */
  ignored?: { via: string; proxy: ProxyUrl }[];
}

/** A URL-ish value with its userinfo (to the last "@") masked; the rest as written. */
export function redactUrl(raw: string): string {
  return maskUserinfo(raw);
}

/** reqwest/hyper-util `get_first_env`: the first variable that is SET, even to "" (then: no proxy). */
function firstDefined(env: Env, names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return [name, value];
  }
  return undefined;
}

/**
 * hyper-util's NoProxy: `*` alone matches everything; IPs and CIDRs match addresses; a domain
 * matches itself and its subdomains (a leading "." is allowed). Nothing else: "*.x.com" and
 * "host:443" match nothing, exactly as in reqwest.
 */
export function noProxyMatch(host: string, noProxy: string): string | undefined {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const rawEntry of noProxy.split(",")) {
    const entry = rawEntry.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return entry;
    if (isIP(entry.split("/")[0]) && entry.includes("/")) {
      if (isIP(h) && cidrContains(entry, h)) return rawEntry.trim();
      continue;
    }
    if (isIP(entry)) {
      if (entry === h) return rawEntry.trim();
      continue;
    }
    if (entry === h || entry === `.${h}`) return rawEntry.trim();
    if (h.endsWith(entry) && (entry.startsWith(".") || h[h.length - entry.length - 1] === ".")) return rawEntry.trim();
  }
  return undefined;
}

function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  if (isIP(base) !== 4 || isIP(ip) !== 4 || !(bits >= 0 && bits <= 32)) return false;
  const toInt = (a: string) => a.split(".").reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(base) & mask) === (toInt(ip) & mask);
}

export function resolveProxy(target: string, env: Env, override?: string): ProxyDecision {
  const url = new URL(target);
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const decision: ProxyDecision = { target, via: null, proxy: null };
  if (override !== undefined) {
    return { ...decision, via: "--proxy", proxy: parseProxyUrl(override) };
  }
  // CGI programs never take a proxy from the environment (httpoxy).
  if (env.REQUEST_METHOD !== undefined) return decision;
  // hyper-util: the first SET of HTTPS_PROXY/https_proxy; if it is empty or unparseable, the first
  // set of ALL_PROXY/all_proxy. A lower-case variable is never consulted when the upper-case one is set.
  const candidates = [
    firstDefined(env, secure ? ["HTTPS_PROXY", "https_proxy"] : ["HTTP_PROXY", "http_proxy"]),
    firstDefined(env, ["ALL_PROXY", "all_proxy"]),
  ].filter((c): c is [string, string] => c !== undefined);
  let found: [string, ProxyUrl] | undefined;
  const ignored: { via: string; proxy: ProxyUrl }[] = [];
  for (const [name, value] of candidates) {
    if (value === "") continue;
    const parsed = parseProxyUrl(value);
    if (parsed.problem === "malformed" || parsed.problem === "unsupported-scheme") {
      ignored.push({ via: name, proxy: parsed });
      continue;
    }
    found = [name, parsed];
    break;
  }
  if (ignored.length > 0) decision.ignored = ignored;
  if (secure && !found && (env.HTTP_PROXY || env.http_proxy)) decision.httpProxyIgnored = true;
  if (!found) return decision;
  const noProxy = firstDefined(env, ["NO_PROXY", "no_proxy"]);
  const bypass = noProxy ? noProxyMatch(url.hostname, noProxy[1]) : undefined;
  if (bypass !== undefined && noProxy) {
    return { ...decision, bypassedBy: `${noProxy[0]} entry "${bypass}"` };
  }
  return { ...decision, via: found[0], proxy: found[1] };
}
