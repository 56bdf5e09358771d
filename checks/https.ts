// Runbook step 3: a harmless POST to the login token endpoint (and a GET of the model API), over
// the proxy and trust Codex would use. Any HTTP answer from the origin over verified TLS passes —
// 400/401 are expected without credentials. A proxy's block page is not the origin's answer.
import { defineCheck, type Finding } from "../src/check.js";
import { probeHttp } from "../src/net/http-probe.js";
import { NET_CODES, diagnoseFailure, interception } from "../src/net/diagnose.js";
import { blockPage } from "../src/net/block-page.js";
import { chainData } from "../src/net/chain-table.js";

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
    message: "`codex login` fails before sending anything: Codex refuses the CA bundle ({codexMessage}).",
    hint: "Fix the bundle first (see the bundle check), then re-run.",
  },
  NO_TARGETS: { level: "info", message: "No https endpoints to probe." },
} as const;

export const httpsCheck = defineCheck({
  id: "https",
  title: "HTTPS to the token endpoint and model API",
  network: true,
  codes,
  async run(ctx, { finding, signal }) {
    const targets = ctx.targets.filter((t) => t.kind === "https");
    if (targets.length === 0) return { summary: "nothing to probe", findings: [finding("NO_TARGETS")], status: "skip" };
    const results = await Promise.all(
      targets.map(async (target) => {
        const url = new URL(target.url);
        const host = `${url.hostname}:${url.port || 443}`;
        const probe = await probeHttp(ctx, target, signal);
        const findings: Finding[] = [];
        if (url.pathname.endsWith("/oauth/token") && ctx.ca.trust.loginFails) {
          findings.push(finding("LOGIN_BUNDLE_REFUSED", { codexMessage: ctx.ca.bundle?.codexMessage ?? "" }));
        }
        const route = probe.route.proxy ? ` through ${probe.route.proxy.display}` : "";
        if (probe.ok) {
          const intercepted = await interception(ctx, url, probe.tls.chain);
          const block = blockPage(probe.answer, intercepted !== undefined);
          const vars = { method: target.method, url: target.url, status: probe.answer.status, host, route, vendor: block?.vendor ?? "" };
          findings.push(finding(block ? "PROXY_BLOCK_PAGE" : "ORIGIN_ANSWERED", vars));
          if (intercepted) findings.push(finding(intercepted.code, intercepted.vars));
        } else {
          const d = await diagnoseFailure(ctx, url, probe.route, probe.failure);
          findings.push(finding(d.code, d.vars));
        }
        return {
          target,
          findings,
          data: {
            id: target.id,
            url: target.url,
            method: target.method,
            status: probe.ok ? probe.answer.status : null,
            stage: probe.ok ? "answered" : probe.failure.stage,
            code: probe.ok ? null : probe.failure.code,
            chain: chainData(probe.ok ? probe.tls.chain : probe.failure.chain),
          },
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
