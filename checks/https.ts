// Runbook step 3: a harmless POST to the login token endpoint (and a GET of the model API), over
// the proxy and trust Codex would use. Any HTTP answer from the origin over verified TLS passes —
// 400/401 are expected without credentials. A proxy's block page is not the origin's answer.
// The TLS verdict is the proxy check's: when it failed, this check is skipped (dependsOn); run alone
// (--only https) it reports the gathered connection's cause itself.
import { defineCheck, type Finding } from "../src/check.js";
import { probeHttp } from "../src/net/http-probe.js";
import { NET_CODES, diagnoseFailure } from "./lib/net-findings.js";
import { connectAsCodex, connectionAsCodex } from "./lib/codex-net.js";
import { blockPage } from "../src/net/block-page.js";
import { chainData } from "../src/net/chain-table.js";
import type { PresentedChain } from "../src/net/establish.js";
import type { Target } from "../src/codex/endpoints.js";
import { displayUrl } from "../src/net/url-text.js";

const codes = {
  ...NET_CODES,
  ORIGIN_ANSWERED: {
    level: "info",
    message: "{method} {url} → HTTP {status} from the server over verified TLS{route} (an error status is expected without credentials).",
  },
  PROXY_BLOCK_PAGE: {
    level: "error",
    message: "{method} {url} got HTTP {status} from a proxy block page{vendor}, not from the real server.",
    hint: "Your proxy's policy blocks {host}. Ask your network team to allow {host} for Codex (category/URL allow-list).",
  },
  LOGIN_BUNDLE_REFUSED: {
    level: "error",
    message: "`codex login` fails before sending anything: Codex refuses the CA bundle ({codexMessage}), and Codex holds no credentials yet, so login is needed now.",
    hint: "Fix the bundle first (see the bundle check), then re-run.",
  },
  LOGIN_AFFECTED_BY_BUNDLE: {
    level: "warn",
    message: "Codex refuses the CA bundle ({codexMessage}): `codex login` would fail and every start reports the error, but Codex already holds credentials ({auth}) and its model traffic falls back to the base roots, which verify {host}.",
    hint: "Fix the bundle (see the bundle check) before you next need `codex login`.",
  },
  NO_TARGETS: { level: "info", message: "No https endpoints to probe." },
} as const;

function requestData(target: Target, status: number | null, stage: string, code: string | null, chain: PresentedChain | undefined) {
  return { id: target.id, url: displayUrl(target.url), method: target.method, status, stage, code, chain: chainData(chain) };
}

export const httpsCheck = defineCheck({
  id: "https",
  title: "HTTPS to the token endpoint and model API",
  network: true,
  dependsOn: ["proxy"],
  codes,
  async run(ctx, { finding, signal }) {
    const targets = ctx.targets.filter((t) => t.kind === "https");
    if (targets.length === 0) return { summary: "nothing to probe", findings: [finding("NO_TARGETS")], status: "skip" };
    const results = await Promise.all(
      targets.map(async (target) => {
        const url = new URL(target.url);
        const host = `${url.hostname}:${url.port || 443}`;
        const findings: Finding[] = [];
        const facts = await connectionAsCodex(ctx, url, signal);
        if (url.pathname.endsWith("/oauth/token") && ctx.ca.trust.loginFails) {
          const codexMessage = ctx.ca.bundle?.codexMessage ?? "";
          // Observed with the real CLI: a refused bundle breaks login, but `codex exec` with saved
          // credentials still works when the base roots verify the model host. Not when the refused
          // file is SSL_CERT_FILE: the base roots come from that same file, and the e2e showed the
          // HTTPS path failing with it although rustls-native-certs would load its first blocks.
          findings.push(
            ctx.auth.credentials && facts.ok && ctx.ca.selection.sourceEnv !== "SSL_CERT_FILE"
              ? finding("LOGIN_AFFECTED_BY_BUNDLE", { codexMessage, auth: ctx.auth.why, host })
              : finding("LOGIN_BUNDLE_REFUSED", { codexMessage }),
          );
        }
        const route = facts.route.proxy ? ` through ${facts.route.proxy.display}` : "";
        if (!facts.ok && facts.failure) {
          const d = await diagnoseFailure(ctx, url, facts.route, facts.failure, facts.missingIssuerFound);
          findings.push(finding(d.code, d.vars));
          return { target, findings, data: requestData(target, null, facts.failure.stage, facts.failure.code, facts.chain) };
        }
        const probe = await probeHttp({ target, route: facts.route, connect: () => connectAsCodex(ctx, url, facts.route, signal), timeoutMs: ctx.options.timeoutMs, signal });
        if (probe.ok) {
          const block = blockPage(probe.answer, facts.interception !== undefined);
          const vars = { method: target.method, url: displayUrl(target.url), status: probe.answer.status, host, route, vendor: block?.vendor ?? "" };
          findings.push(finding(block ? "PROXY_BLOCK_PAGE" : "ORIGIN_ANSWERED", vars));
        } else {
          const d = await diagnoseFailure(ctx, url, probe.route, probe.failure);
          findings.push(finding(d.code, d.vars));
        }
        return {
          target,
          findings,
          data: probe.ok
            ? requestData(target, probe.answer.status, "answered", null, probe.tls.chain)
            : requestData(target, null, probe.failure.stage, probe.failure.code, probe.failure.chain),
        };
      }),
    );
    const findings = results.flatMap((r) => r.findings);
    const failed = results.filter((r) => r.findings.some((f) => f.level === "error")).map((r) => r.target.label);
    return {
      summary: failed.length === 0 ? `${results.length} endpoint(s) answered over verified TLS` : `failed: ${failed.join(", ")}`,
      findings,
      data: { requests: results.map((r) => r.data) },
    };
  },
});
