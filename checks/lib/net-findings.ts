// Turns a connection outcome into a coded cause and the exact fix. Shared by the network checks,
// which spread NET_CODES into their own code tables. Causes are decided from error codes and
// certificate data, never from message text.
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { freshPath } from "../../src/ca/pem-out.js";
import { fillTemplate, type FindingSpec, type Vars } from "../../src/check.js";
import type { CheckContext } from "../../src/context.js";
import type { EstablishFailure, PresentedChain } from "../../src/net/establish.js";
import type { ProxyDecision } from "../../src/net/proxy.js";
import { proxyUrlFix } from "../../src/net/proxy-url.js";
import type { FoundCertificate } from "../../src/net/locate.js";
import { chainNames, hostKey, type Interception } from "../../src/net/connection.js";
import { vendorFromHeaders, vendorFromNames } from "../../src/net/vendors.js";
import { interceptionAsCodexSees, locateAsCodexSees } from "./codex-net.js";

export const NET_CODES = {
  NET_DNS: {
    level: "error",
    message: "{host} could not be resolved ({code}){route}.",
    hint: "Check DNS/VPN. If your network only reaches the internet through a proxy, export HTTPS_PROXY=http://proxy.example:8080",
  },
  NET_REFUSED: {
    level: "error",
    message: "{host} refused the connection ({code}){route}.",
    hint: "Nothing listens there, or a firewall rejects it. Check the URL and the proxy settings.",
  },
  NET_RESET: {
    level: "error",
    message: "The connection to {host} was reset ({code}){route}.",
    hint: "A firewall or proxy is cutting the connection; ask for {host} to be allowed.",
  },
  NET_UNREACHABLE: {
    level: "error",
    message: "{host} is unreachable ({code}){route}.",
    hint: "Check the network route, VPN, or whether a proxy is required.",
  },
  NET_TIMEOUT: {
    level: "error",
    message: "No answer from {host} within {timeoutMs} ms{route}.",
    hint: "A silent proxy or firewall drops the traffic. Re-run with --timeout 30000 to tell slow from dropped; check HTTPS_PROXY.",
  },
  PROXY_UNREACHABLE: {
    level: "error",
    message: "The proxy {proxy} (from {via}) cannot be reached ({code}): Codex fails every request with \"error sending request\".",
    hint: "{proxyFix:text}",
  },
  PROXY_TLS_FAILED: {
    level: "error",
    message: "TLS to the https:// proxy {proxy} failed ({code}): {detail}.",
    hint: "Codex verifies an https:// proxy with the same roots as the servers. Add the proxy's CA to CODEX_CA_CERTIFICATE, or use the proxy's plain http:// port: {useHttp:text}",
  },
  PROXY_AUTH_REQUIRED: {
    level: "error",
    message: "The proxy {proxy} answered 407 Proxy Authentication Required (asks for {schemes}); credentials were {sent}.",
    hint: "{authFix:text}",
  },
  PROXY_BLOCKED: {
    level: "error",
    message: "The proxy {proxy} refused CONNECT to {host} with {status} {reason}{vendor}.",
    hint: "The proxy's policy blocks {host}. Ask your network team to allow CONNECT to {host}:443 for Codex.",
  },
  PROXY_BAD_RESPONSE: {
    level: "error",
    message: "The proxy {proxy} did not answer CONNECT properly ({detail}).",
    hint: "Check that {via} points at an HTTP proxy port (not a SOCKS or PAC URL).",
  },
  TLS_NOT_TLS: {
    level: "error",
    message: "{host} does not speak TLS on that port ({code}): something answered in plain text{route}.",
    hint: "Check the URL's port and scheme; a captive portal or a misconfigured proxy can answer like this.",
  },
  TLS_RESET: {
    level: "error",
    message: "The TLS handshake with {host} was cut off ({code}){route}.",
    hint: "A firewall or proxy drops TLS to {host}; ask your network team to allow it.",
  },
  TLS_HANDSHAKE_FAILED: {
    level: "error",
    message: "The TLS handshake with {host} failed ({code}){route}.",
    hint: "Run with -v for details; compare with: openssl s_client -connect {host:sh} -servername {hostname:sh}",
  },
  TLS_UNKNOWN_ISSUER: {
    level: "error",
    message: "Codex will reject {host}: the certificate chain ends at \"{issuer}\", which none of Codex's roots ({trust}) vouches for (webpki UnknownIssuer; OpenSSL: {openssl}){vendor}.",
    hint: "{caFix:text}",
  },
  TLS_SHORT_CHAIN: {
    level: "error",
    message: "The proxy sends a short chain for {host}: only the leaf, issued by \"{issuer}\", which is not among Codex's roots. Codex does no AIA fetching, so a root-only bundle is not enough.",
    hint: "{caFix:text}",
  },
  TLS_SELF_SIGNED: {
    level: "error",
    message: "{host} presented a self-signed certificate (\"{subject}\") that Codex does not trust.",
    hint: "If this is your proxy's own certificate, capture it and compare its SHA-256 with IT's: codex-doctor export-ca --out {out:sh}\nthen: export CODEX_CA_CERTIFICATE={out:sh}",
  },
  TLS_CERT_EXPIRED: {
    level: "error",
    message: "The {which} certificate \"{subject}\" for {host} expired on {date}: Codex rejects it.",
    hint: "The server or your proxy must present a current certificate; report it to whoever runs {issuerOrg}.",
  },
  TLS_CERT_NOT_YET_VALID: {
    level: "error",
    message: "The {which} certificate \"{subject}\" for {host} is not valid before {date}: Codex rejects it.",
    hint: "Check this machine's clock (date -u); otherwise report it to whoever runs the proxy.",
  },
  TLS_WRONG_HOST: {
    level: "error",
    message: "The certificate presented for {host} is valid for {names}, not for {hostname}: Codex rejects it.",
    hint: "Something answers for {hostname} with another site's certificate (a captive portal or a misrouted proxy). Check DNS and the proxy.",
  },
  TLS_VERIFY_FAILED: {
    level: "error",
    message: "Codex will reject the certificate chain of {host}: {detail} (webpki {code}).",
    hint: "Run with -v to see the presented chain; ask your network team to fix the certificate the proxy presents.",
  },
  TLS_INTERCEPTED: {
    level: "info",
    message: "TLS to {host} is intercepted{vendor}: the chain ends at \"{issuer}\", not at a public root.",
  },
} satisfies Record<string, FindingSpec>;

export type NetCode = keyof typeof NET_CODES;

export interface Diagnosis {
  code: NetCode;
  vars: Vars;
}

function routeText(route: ProxyDecision): string {
  return route.proxy ? ` (through ${route.proxy.display})` : " (direct)";
}

function org(subject: string): string {
  return /O=([^,]+)/.exec(subject)?.[1] ?? "the proxy";
}

/** The PEM copy a fix converts a refused DER bundle into (never over an existing file). */
function derBundle(ctx: CheckContext): string | undefined {
  const bundle = ctx.ca.bundle;
  const path = ctx.ca.selection.path;
  return path && bundle && !bundle.codexLoads && bundle.shape?.shape === "der-certificate" ? path : undefined;
}

/**
 * The fix for a chain whose `issuer` Codex lacks: a file on this machine that holds it, the refused
 * DER bundle converted, or the certificate captured with export-ca — never a placeholder path when
 * the real one is known, never a command that overwrites a file. Every value goes in through
 * fillTemplate: `{x}` echoed safely in the prose, `{x:sh}` quoted in the commands.
 */
function caFix(ctx: CheckContext, found: FoundCertificate[], issuer: string, role: "root" | "intermediate"): string {
  const inSystem = found.find((f) => f.path === undefined);
  const file = found.find((f) => f.path !== undefined);
  const sel = ctx.ca.selection;
  const what = fillTemplate(role === "intermediate" ? 'the intermediate "{issuer}"' : '"{issuer}"', { issuer });
  const lines: string[] = [];
  const der = derBundle(ctx);
  if (file?.path && role === "intermediate" && sel.path) {
    const vars = { what, where: file.where, bundle: sel.path, file: file.path, combined: freshPath(join(ctx.homedir, "codex-ca-bundle.pem")) };
    lines.push(
      fillTemplate("{what:text} is in {where}. Codex needs it beside your root: write both into a new bundle and use that:", vars),
      fillTemplate("cat {bundle:sh} {file:sh} > {combined:sh}", vars),
      fillTemplate("export CODEX_CA_CERTIFICATE={combined:sh}", vars),
    );
  } else if (file?.path) {
    const vars = { what, where: file.where, file: file.path };
    lines.push(
      fillTemplate("{what:text} is in {where}. Point Codex at it (it ADDS to the system roots):", vars),
      fillTemplate("export CODEX_CA_CERTIFICATE={file:sh}", vars),
    );
  } else if (inSystem && ctx.ca.baseRoots.origin === "env") {
    lines.push(fillTemplate("{what:text} is in {where}, but SSL_CERT_FILE/SSL_CERT_DIR replace that store for Codex:", { what, where: inSystem.where }), "unset SSL_CERT_FILE SSL_CERT_DIR");
  } else if (der && role === "root") {
    const vars = { what, der, pem: freshPath(der.replace(/\.(der|cer|crt)$/i, "") + ".pem") };
    lines.push(
      fillTemplate("Codex refuses {der}: it is binary DER. If it is {what:text}, convert it and point Codex at the PEM copy:", vars),
      fillTemplate("openssl x509 -inform der -in {der:sh} -out {pem:sh}", vars),
      fillTemplate("export CODEX_CA_CERTIFICATE={pem:sh}", vars),
    );
  } else if (role === "intermediate") {
    lines.push(
      fillTemplate("Get {what:text} (an intermediate CA, not a root) from your IT team or your browser's certificate viewer, add it to your bundle{bundle}, or ask for the proxy to send it.", {
        what,
        bundle: sel.path ? fillTemplate(" ({path})", { path: sel.path }) : "",
      }),
    );
  } else {
    const vars = { what, out: freshPath(join(ctx.homedir, "corporate-root.pem")) };
    lines.push(
      fillTemplate("Capture {what:text} on Codex's own route (compare the SHA-256 it prints with the one your IT team publishes):", vars),
      fillTemplate("codex-doctor export-ca --out {out:sh}", vars),
      fillTemplate("export CODEX_CA_CERTIFICATE={out:sh}", vars),
    );
  }
  if (sel.selectedBy === "SSL_CERT_FILE") lines.push("(SSL_CERT_FILE replaces the system roots; CODEX_CA_CERTIFICATE is the safer variable.)");
  if (!file && found.length === 0) lines.push("Then re-run: codex-doctor tls");
  return lines.join("\n");
}

/** How to set the proxy URL: a variable to export, or --proxy when that is where it came from. */
function setProxy(via: string, url: string): string {
  return via === "--proxy" ? fillTemplate("re-run with --proxy {url:sh}", { url }) : fillTemplate("export {via:sh}={url:sh}", { via, url });
}

function authFix(route: ProxyDecision, schemes: string[]): string {
  const proxy = route.proxy;
  const via = route.via ?? "HTTPS_PROXY";
  const basic = schemes.length === 0 || schemes.some((s) => s.toLowerCase() === "basic");
  if (!basic) {
    return fillTemplate("The proxy only offers {schemes}, which Codex cannot do. Run a local relay that authenticates for you (cntlm or px) and point Codex at it: {fix:text}", {
      schemes: schemes.join(", "),
      fix: setProxy(via, "http://127.0.0.1:3128"),
    });
  }
  const hostPort = proxy ? `${proxy.host}:${proxy.port}` : "proxy.example:8080";
  const fix = setProxy(via, `http://USER:PASSWORD@${hostPort}`);
  if (proxy?.username !== undefined) {
    return fillTemplate("The proxy rejected the credentials in {via}. Fix them (percent-encode special characters): {fix:text}", { via, fix });
  }
  return fillTemplate("Put your proxy credentials in the URL (percent-encode special characters): {fix:text}", { fix });
}

function proxyFix(ctx: CheckContext, route: ProxyDecision): string {
  const via = route.via ?? "HTTPS_PROXY";
  if (route.proxy?.problem === "broken") return proxyUrlFix(route.proxy, via);
  if (via === "--proxy") return "Nothing listens at the --proxy URL: check its host and port.";
  if (ctx.origins[via] === "dotenv") {
    return fillTemplate("{via} comes from {path}, which overrides your shell: remove that line if the proxy is no longer used, or start the proxy.", { via, path: ctx.dotenv.path });
  }
  return fillTemplate("Start the proxy, or fix/unset {via} if it is stale: unset {via:sh}", { via });
}

/** `vendor` for the message (" (looks like Zscaler)"), `vendorName` for the finding's data. */
function vendorVars(chain: PresentedChain | undefined, headers?: Record<string, string>, body?: string): Vars {
  const vendor = (chain ? vendorFromNames(chainNames(chain)) : undefined) ?? (headers ? vendorFromHeaders(headers, body) : undefined);
  return vendor ? { vendor: ` (looks like ${vendor.name})`, vendorName: vendor.name } : { vendor: "" };
}

/**
 * The cause of a failed connection. `found` is where the chain's missing issuer is on disk, when the
 * caller already knows (a gathered connection); otherwise it is looked up when the cause needs it.
 */
export async function diagnoseFailure(ctx: CheckContext, url: URL, route: ProxyDecision, failure: EstablishFailure, found?: FoundCertificate[]): Promise<Diagnosis> {
  const host = hostKey(url);
  const base: Vars = { host, hostname: url.hostname, code: failure.code, route: routeText(route), proxy: route.proxy?.display, timeoutMs: ctx.options.timeoutMs };
  const proxyVars: Vars = { proxy: route.proxy?.display ?? "", via: route.via ?? "" };
  switch (failure.stage) {
    case "dns":
      return { code: "NET_DNS", vars: base };
    case "tcp":
      if (failure.code === "ECONNREFUSED") return { code: "NET_REFUSED", vars: base };
      if (failure.code === "ECONNRESET" || failure.code === "EPIPE") return { code: "NET_RESET", vars: base };
      return { code: "NET_UNREACHABLE", vars: base };
    case "timeout":
      return { code: "NET_TIMEOUT", vars: base };
    case "proxy-tcp":
      return { code: "PROXY_UNREACHABLE", vars: { ...base, ...proxyVars, proxyFix: proxyFix(ctx, route) } };
    case "proxy-tls":
      return {
        code: "PROXY_TLS_FAILED",
        vars: {
          ...base,
          ...proxyVars,
          detail: failure.message,
          useHttp: setProxy(route.via ?? "HTTPS_PROXY", `http://${route.proxy?.host ?? "proxy"}:${route.proxy?.port ?? 8080}`),
        },
      };
    case "proxy-connect": {
      const refusal = failure.refusal;
      if (!refusal) return { code: "PROXY_BAD_RESPONSE", vars: { ...base, ...proxyVars, detail: failure.message } };
      if (refusal.status === 407) {
        return {
          code: "PROXY_AUTH_REQUIRED",
          vars: {
            ...base,
            ...proxyVars,
            schemes: refusal.authSchemes.join(", ") || "an unnamed scheme",
            sent: route.proxy?.username !== undefined ? "sent but rejected" : "not sent (none in the proxy URL)",
            authFix: authFix(route, refusal.authSchemes),
          },
        };
      }
      return {
        code: "PROXY_BLOCKED",
        vars: { ...base, ...proxyVars, status: refusal.status, reason: refusal.reason, ...vendorVars(undefined, refusal.headers, refusal.body) },
      };
    }
    case "tls": {
      const c = failure.code;
      if (c === "ERR_SSL_WRONG_VERSION_NUMBER" || c === "ERR_SSL_PACKET_LENGTH_TOO_LONG" || c === "ERR_SSL_HTTP_REQUEST") {
        return { code: "TLS_NOT_TLS", vars: base };
      }
      if (c === "ECONNRESET" || c === "EPIPE") return { code: "TLS_RESET", vars: base };
      return { code: "TLS_HANDSHAKE_FAILED", vars: base };
    }
    case "verify":
      return diagnoseVerify(ctx, failure, base, found);
  }
}

async function diagnoseVerify(ctx: CheckContext, failure: EstablishFailure, base: Vars, found?: FoundCertificate[]): Promise<Diagnosis> {
  const chain = failure.chain ?? { der: [], summaries: [] };
  const verify = failure.verify;
  const index = verify?.error?.certIndex ?? 0;
  const cert = chain.summaries[index];
  const which = index === 0 ? "server (leaf)" : "intermediate";
  const vendor = vendorVars(chain);
  switch (failure.code) {
    case "Expired":
      return { code: "TLS_CERT_EXPIRED", vars: { ...base, which, subject: cert?.subject ?? "?", date: cert?.notAfter.slice(0, 10) ?? "?", issuerOrg: org(cert?.issuer ?? "") } };
    case "NotValidYet":
      return { code: "TLS_CERT_NOT_YET_VALID", vars: { ...base, which, subject: cert?.subject ?? "?", date: cert?.notBefore.slice(0, 10) ?? "?" } };
    case "CertNotValidForName":
      return { code: "TLS_WRONG_HOST", vars: { ...base, names: chain.summaries[0] ? sanNames(chain.der[0]) : "other names" } };
    case "UnknownIssuer": {
      const top = chain.summaries[chain.summaries.length - 1];
      const leaf = chain.summaries[0];
      if (leaf && chain.der.length === 1 && leaf.selfSigned) {
        return { code: "TLS_SELF_SIGNED", vars: { ...base, subject: leaf.subject, out: freshPath(join(ctx.homedir, "proxy-ca.pem")) } };
      }
      const issuer = verify?.missingIssuer ?? top?.issuer ?? "?";
      const onDisk = found ?? (top ? await locateAsCodexSees(ctx, top.issuerDer) : []);
      const bundleConfigured = ctx.ca.bundle?.codexLoads === true;
      // A leaf whose issuer is a root in the platform store (which SSL_CERT_FILE/SSL_CERT_DIR replaced)
      // is not a short chain: the fix is the store, not an intermediate.
      const issuerIsPlatformRoot = onDisk.some((f) => f.path === undefined);
      if (chain.der.length === 1 && bundleConfigured && !issuerIsPlatformRoot) {
        // Only the leaf arrived: what is missing is the intermediate that signed it, not a root.
        return { code: "TLS_SHORT_CHAIN", vars: { ...base, issuer, caFix: caFix(ctx, onDisk, issuer, "intermediate") } };
      }
      const fix = caFix(ctx, onDisk, issuer, "root");
      return {
        code: "TLS_UNKNOWN_ISSUER",
        vars: {
          ...base,
          issuer,
          trust: ctx.ca.trust.description,
          openssl: verify?.opensslStyle ?? "unable to get local issuer certificate",
          ...vendor,
          topSubject: top?.subject,
          topSha256: top?.sha256,
          foundAt: onDisk.find((f) => f.path)?.path,
          caFix: fix,
        },
      };
    }
    default:
      return { code: "TLS_VERIFY_FAILED", vars: { ...base, detail: verify?.error?.detail ?? failure.message } };
  }
}

function sanNames(der: Uint8Array | undefined): string {
  if (!der) return "other names";
  try {
    const san = new X509Certificate(Buffer.from(der)).subjectAltName;
    return san ? san.replace(/DNS:|IP Address:/g, "") : "no subjectAltName";
  } catch {
    return "other names";
  }
}

/** The TLS_INTERCEPTED finding for a chain no public root vouches for. */
export function interceptionDiagnosis(url: URL, found: Interception): Diagnosis {
  return {
    code: "TLS_INTERCEPTED",
    vars: {
      host: hostKey(url),
      vendor: found.vendor ? ` (looks like ${found.vendor.name})` : "",
      vendorName: found.vendor?.name,
      issuer: found.issuer,
    },
  };
}

/** Whether a chain that Codex accepted is an interception (no public root vouches for it). */
export async function interception(ctx: CheckContext, url: URL, chain: PresentedChain): Promise<Diagnosis | undefined> {
  const found = await interceptionAsCodexSees(ctx, url, chain);
  return found ? interceptionDiagnosis(url, found) : undefined;
}
