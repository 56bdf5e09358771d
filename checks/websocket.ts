// Runbook step 4: the model WebSocket upgrade through the same proxy with the same trust. TLS or
// tunnel failures fail; a refused or stripped upgrade only warns, because Codex falls back to HTTPS
// after its retries (at a cost of seconds per turn).
import { defineCheck, type Finding } from "../src/check.js";
import { probeWebSocket } from "../src/net/ws-probe.js";
import { probeHttp } from "../src/net/http-probe.js";
import { NET_CODES, diagnoseFailure } from "./lib/net-findings.js";
import { connectAsCodex, connectionAsCodex } from "./lib/codex-net.js";
import { vendorFromHeaders } from "../src/net/vendors.js";
import { chainData } from "../src/net/chain-table.js";
import type { PresentedChain } from "../src/net/establish.js";
import type { Target } from "../src/codex/endpoints.js";
import { displayUrl } from "../src/net/url-text.js";

const FALLBACK_HINT =
  "Codex retries the WebSocket (stream_max_retries, default 5) and then falls back to HTTPS on every turn, costing seconds each time. Ask your network team to allow WebSocket upgrades to {host}; for a custom provider you can turn WebSockets off: [model_providers.<id>] supports_websockets = false";

const codes = {
  ...NET_CODES,
  WS_UPGRADED: { level: "info", message: "{url}: WebSocket upgrade accepted (101) over verified TLS{route}." },
  WS_ORIGIN_ANSWERED: {
    level: "info",
    message: "{url}: the server answered the upgrade with HTTP {status} over verified TLS{route} (expected without credentials).",
  },
  WS_UPGRADE_REFUSED: {
    level: "warn",
    message: "{url}: TLS and the tunnel work, but the upgrade was answered with HTTP {status}{vendor} instead of 101.",
    hint: FALLBACK_HINT,
  },
  WS_UPGRADE_STRIPPED: {
    level: "warn",
    message: "{url}: TLS and the tunnel work, but the upgrade reply is mangled ({detail}): something in the middle strips the Upgrade.",
    hint: FALLBACK_HINT,
  },
  WS_NO_ANSWER: {
    level: "warn",
    message: "{url}: TLS works, but the upgrade got no answer within the timeout.",
    hint: FALLBACK_HINT,
  },
  WS_FAILS_HTTPS_WORKS: {
    level: "warn",
    message: "HTTPS to {host} works with the same proxy and roots, but the WebSocket does not: the known Codex pattern where every turn burns its WebSocket retries before falling back to HTTPS.",
    hint: "Fix the WebSocket path (see above); until then Codex still completes turns over HTTPS, seconds late.",
  },
  NO_TARGETS: { level: "info", message: "No WebSocket endpoint: the active provider does not use WebSockets." },
} as const;

function httpsTwin(target: Target): Target {
  return { ...target, id: `${target.id}-https`, url: target.url.replace(/^wss:/i, "https:").replace(/\/responses$/, "/models"), kind: "https", method: "GET" };
}

function upgradeData(target: Target, outcome: string, status: number | null, stage: string | null, code: string | null, chain: PresentedChain | undefined) {
  return { url: displayUrl(target.url), outcome, status, stage, code, chain: chainData(chain) };
}

export const websocketCheck = defineCheck({
  id: "websocket",
  title: "WebSocket upgrade to the model API",
  network: true,
  dependsOn: ["proxy"],
  codes,
  async run(ctx, { finding, signal }) {
    const targets = ctx.targets.filter((t) => t.kind === "wss");
    if (targets.length === 0) return { summary: "no WebSocket endpoint", findings: [finding("NO_TARGETS")], status: "skip" };
    const results = await Promise.all(
      targets.map(async (target) => {
        const url = new URL(target.url);
        const host = `${url.hostname}:${url.port || 443}`;
        const findings: Finding[] = [];
        const facts = await connectionAsCodex(ctx, url, signal);
        const route = facts.route.proxy ? ` through ${facts.route.proxy.display}` : "";
        const base = { url: displayUrl(target.url), host, route };
        if (!facts.ok && facts.failure) {
          // Only when run without the proxy check (which otherwise owns this verdict).
          const d = await diagnoseFailure(ctx, url, facts.route, facts.failure, facts.missingIssuerFound);
          findings.push(finding(d.code, d.vars));
          return { target, findings, data: upgradeData(target, "failed", null, facts.failure.stage, facts.failure.code, facts.chain) };
        }
        const connect = () => connectAsCodex(ctx, url, facts.route, signal);
        const probe = await probeWebSocket({ target, route: facts.route, connect, timeoutMs: ctx.options.timeoutMs, signal });
        if (!probe.ok) {
          const d = await diagnoseFailure(ctx, url, probe.route, probe.failure);
          findings.push(finding(d.code, d.vars));
        } else {
          const o = probe.outcome;
          if (o.kind === "upgraded") findings.push(finding("WS_UPGRADED", base));
          else if (o.kind === "bad-handshake") findings.push(finding("WS_UPGRADE_STRIPPED", { ...base, detail: o.detail }));
          else if (o.kind === "timeout") findings.push(finding("WS_NO_ANSWER", base));
          else {
            const vendor = vendorFromHeaders(o.headers, o.body);
            const fromOrigin = (o.status === 401 || o.status === 403) && !vendor;
            findings.push(
              fromOrigin
                ? finding("WS_ORIGIN_ANSWERED", { ...base, status: o.status })
                : finding("WS_UPGRADE_REFUSED", { ...base, status: o.status, vendor: vendor ? ` by ${vendor.name}` : "" }),
            );
          }
        }
        // "HTTPS works but the WebSocket doesn't" is the pattern users report; say it in so many words.
        // Only when TLS worked: a failed tunnel or handshake fails the HTTPS path identically.
        if (probe.ok && findings.some((f) => f.level !== "info")) {
          const twin = await probeHttp({ target: httpsTwin(target), route: facts.route, connect, timeoutMs: ctx.options.timeoutMs, signal });
          if (twin.ok) findings.push(finding("WS_FAILS_HTTPS_WORKS", base));
        }
        return {
          target,
          findings,
          data: probe.ok
            ? upgradeData(target, probe.outcome.kind, probe.outcome.kind === "http" ? probe.outcome.status : null, null, null, probe.tls.chain)
            : upgradeData(target, "failed", null, probe.failure.stage, probe.failure.code, probe.failure.chain),
        };
      }),
    );
    const findings = results.flatMap((r) => r.findings);
    const bad = results.filter((r) => r.findings.some((f) => f.level !== "info"));
    return {
      summary: bad.length === 0 ? "WebSocket upgrade works over verified TLS" : `WebSocket problems: ${bad.map((r) => displayUrl(r.target.url)).join(", ")}`,
      findings,
      data: { upgrades: results.map((r) => r.data) },
    };
  },
});
