// The egress probe's child process: started by src/net/egress.ts with `process.execPath` and EXACTLY
// the environment Codex would give a sandboxed command (nothing inherited from the doctor). It picks
// the proxy from that environment with the rules resolveProxy() applies (HTTPS_PROXY, then
// ALL_PROXY, NO_PROXY; npm would also fall back to HTTP_PROXY), lets Node verify the
// chain with its bundled roots plus NODE_EXTRA_CA_CERTS (read by Node at startup), sends one HEAD
// request (no credentials) once the chain is trusted, and prints ONE JSON line with the outcome.
// Before that it prints EGRESS_CHILD_READY (its code is loaded: the timeout starts now), and it
// exits as soon as its stdin closes: the parent holds it open, so EOF means the parent is gone.
// Usage: node egress-child.js <https-url> <timeout-ms>   (stdin: a pipe the parent keeps open)
import https from "node:https";
import type { ClientRequest, IncomingMessage } from "node:http";
import { HttpsProxyAgent } from "https-proxy-agent";
import { resolveProxy } from "./proxy.js";
import { EGRESS_CHILD_READY } from "./egress-protocol.js";

export type EgressOutcome = "trusted" | "untrusted" | "proxy-refused" | "connect-failed" | "timeout" | "error";

export interface EgressChildReport {
  outcome: EgressOutcome;
  /** Node's err.code (e.g. UNABLE_TO_GET_ISSUER_CERT_LOCALLY, ECONNREFUSED). */
  code?: string;
  /** HTTP status of the answer (any status means TLS was fine). */
  status?: number;
  /** Status of the proxy's answer to CONNECT. */
  proxyStatus?: number;
  /** "proxy" when the failure happened before the tunnel was up, "origin" after. */
  stage?: "proxy" | "origin";
  /** The variable that supplied the proxy, or null (direct). */
  via: string | null;
  bypassedBy?: string;
}

// Node's certificate verification failures (OpenSSL X509_V_ERR names plus Node's own host check).
const UNTRUSTED = /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_|ERR_TLS_CERT_ALTNAME_INVALID|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE|HOSTNAME_MISMATCH)/;

/** Exit when the parent is gone (its end of our stdin closed), even if it died without cleaning up. */
function exitWithParent(): void {
  const leave = () => process.exit(0);
  process.stdin.on("data", () => {
    /* the parent never writes; reading keeps us told about EOF */
  });
  process.stdin.once("end", leave);
  process.stdin.once("close", leave);
  process.stdin.once("error", leave);
}

function main(): void {
  exitWithParent();
  process.stdout.write(`${EGRESS_CHILD_READY}\n`);
  const target = process.argv[2] ?? "";
  const timeoutMs = Number(process.argv[3] ?? "5000");
  let done = false;
  let req: ClientRequest | undefined;
  const finish = (report: EgressChildReport) => {
    if (done) return;
    done = true;
    process.stdout.write(`${JSON.stringify(report)}\n`);
    req?.destroy();
    // Exit once stdout is flushed; a half-open tunnel must not keep the process alive.
    process.stdout.write("", () => process.exit(0));
  };

  let route;
  try {
    route = resolveProxy(target, process.env);
  } catch {
    finish({ outcome: "error", code: "BAD_TARGET", via: null });
    return;
  }
  const via = route.via;
  const base: Pick<EgressChildReport, "via" | "bypassedBy"> = { via };
  if (route.bypassedBy) base.bypassedBy = route.bypassedBy;
  if (route.proxy && !route.proxy.supported) {
    finish({ ...base, outcome: "error", code: route.proxy.problem === "socks" ? "PROXY_SOCKS" : "PROXY_UNSUPPORTED" });
    return;
  }

  let proxyStatus: number | undefined;
  let tunnelUp = !route.proxy;
  const timer = setTimeout(() => finish({ ...base, outcome: "timeout", code: "ETIMEDOUT", stage: tunnelUp ? "origin" : "proxy" }), timeoutMs);
  timer.unref();

  const agent = route.proxy ? new HttpsProxyAgent(rebuildProxyUrl(process.env, via)) : undefined;
  req = https.request(target, { method: "HEAD", agent, headers: { "user-agent": "codex-doctor-egress/1" } }, (res: IncomingMessage) => {
    res.resume();
    if (proxyStatus !== undefined && proxyStatus !== 200) {
      finish({ ...base, outcome: "proxy-refused", proxyStatus, status: res.statusCode });
      return;
    }
    finish({ ...base, outcome: "trusted", status: res.statusCode, ...(proxyStatus !== undefined ? { proxyStatus } : {}) });
  });
  req.on("proxyConnect", (connect: { statusCode?: number }) => {
    proxyStatus = connect.statusCode;
    tunnelUp = connect.statusCode === 200;
  });
  req.on("error", (err: NodeJS.ErrnoException) => {
    const code = err.code ?? "ERROR";
    if (proxyStatus !== undefined && proxyStatus !== 200) {
      finish({ ...base, outcome: "proxy-refused", proxyStatus, code });
    } else if (UNTRUSTED.test(code)) {
      finish({ ...base, outcome: "untrusted", code, ...(proxyStatus !== undefined ? { proxyStatus } : {}) });
    } else {
      finish({ ...base, outcome: "connect-failed", code, stage: tunnelUp ? "origin" : "proxy" });
    }
  });
  req.end();
}

/** The proxy URL as written in the variable (credentials included: they go only to the proxy). */
function rebuildProxyUrl(env: NodeJS.ProcessEnv, via: string | null): string {
  const raw = (via ? env[via] : undefined)?.trim() ?? "";
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
}

main();
