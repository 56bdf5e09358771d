// Runbook step 1b: for each distinct host:port Codex talks to, the route (direct or CONNECT through
// the proxy Codex picks), the TLS handshake, the presented chain, interception and its vendor, and
// the verdict Codex's own verifier would reach — with the missing certificate and the fix on failure.
import { defineCheck, type Finding } from "../src/check.js";
import { resolveProxy } from "../src/net/proxy.js";
import { establishAsCodex } from "../src/net/anchors.js";
import { NET_CODES, diagnoseFailure, interception } from "../src/net/diagnose.js";
import { chainData, chainTable } from "../src/net/chain-table.js";
import type { Table } from "../src/report/human.js";

const codes = {
  ...NET_CODES,
  TLS_VERIFIED: {
    level: "info",
    message: "{host}: TLS verified the way Codex verifies it{route}; chain of {length} ending at \"{anchor}\" (from {source}).",
  },
} as const;

function distinctHosts(urls: string[]): URL[] {
  const seen = new Map<string, URL>();
  for (const raw of urls) {
    const url = new URL(raw.replace(/^wss:/i, "https:").replace(/^ws:/i, "http:"));
    const key = `${url.hostname}:${url.port || 443}`;
    if (!seen.has(key)) seen.set(key, url);
  }
  return [...seen.values()];
}

export const proxyCheck = defineCheck({
  id: "proxy",
  title: "Proxy route and TLS handshake",
  network: true,
  codes,
  async run(ctx, { finding, signal }) {
    const hosts = distinctHosts(ctx.targets.map((t) => t.url));
    const results = await Promise.all(
      hosts.map(async (url) => {
        const route = resolveProxy(url.href, ctx.env, ctx.options.proxy);
        const routeText = route.proxy ? ` through ${route.proxy.display}` : " (direct)";
        const host = `${url.hostname}:${url.port || 443}`;
        const result = await establishAsCodex(ctx, url, route, signal);
        const findings: Finding[] = [];
        if (result.ok) {
          result.socket.destroy();
          const anchor = result.verify.path?.anchor;
          findings.push(
            finding("TLS_VERIFIED", { host, route: routeText, length: result.chain.der.length, anchor: anchor?.label ?? "?", source: anchor?.source ?? "?" }),
          );
          const intercepted = await interception(ctx, url, result.chain);
          if (intercepted) findings.push(finding(intercepted.code, intercepted.vars));
        } else {
          const d = await diagnoseFailure(ctx, url, route, result);
          findings.push(finding(d.code, d.vars));
          if (result.chain) {
            const intercepted = await interception(ctx, url, result.chain);
            if (intercepted) findings.push(finding(intercepted.code, intercepted.vars));
          }
        }
        const chain = result.chain;
        return {
          host,
          findings,
          data: {
            host,
            route: route.proxy ? { proxy: route.proxy.display, via: route.via } : { proxy: null, via: route.bypassedBy ?? null },
            ok: result.ok,
            stage: result.ok ? "verified" : result.stage,
            code: result.ok ? null : result.code,
            openssl: result.ok ? "ok" : (result.verify?.opensslStyle ?? null),
            chain: chainData(chain),
          },
          table: chain ? chainTable(`Chain presented for ${host}`, chain) : undefined,
        };
      }),
    );
    const findings = results.flatMap((r) => r.findings);
    const failed = results.filter((r) => !r.data.ok).map((r) => r.host);
    return {
      summary:
        failed.length === 0
          ? `TLS to ${results.map((r) => r.host).join(", ")} verifies the way Codex verifies it`
          : `Codex's TLS verification fails for ${failed.join(", ")}`,
      findings,
      data: { hosts: results.map((r) => r.data), tables: results.map((r) => r.table).filter((t): t is Table => t !== undefined) },
    };
  },
});
