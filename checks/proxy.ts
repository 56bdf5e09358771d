// Runbook step 1b: for each distinct host:port Codex talks to, the route (direct or CONNECT through
// the proxy Codex picks), the TLS handshake, the presented chain, interception and its vendor, and
// the verdict Codex's own verifier would reach — with the missing certificate and the fix on failure.
// This check owns the TLS verdict; https, websocket and mcp judge only what runs on top of it.
import { defineCheck, type Finding } from "../src/check.js";
import { NET_CODES, diagnoseFailure, interceptionDiagnosis, type NetCode } from "./lib/net-findings.js";
import { connectionAsCodex } from "./lib/codex-net.js";
import { chainData, chainTable } from "../src/net/chain-table.js";
import type { ConnectionFacts } from "../src/net/connection.js";
import type { Table } from "../src/report/model.js";

const codes = {
  ...NET_CODES,
  TLS_VERIFIED: {
    level: "info",
    message: "{host}: TLS verified the way Codex verifies it{route}; chain of {length} ending at \"{anchor}\" (from {source}).",
  },
} as const;

/** What a failure is, in a headline's words: the cause first, never "TLS fails" for a refused port. */
const HEADLINE: Partial<Record<NetCode, string>> = {
  NET_DNS: "DNS lookup failed",
  NET_REFUSED: "connection refused",
  NET_RESET: "connection reset",
  NET_UNREACHABLE: "host unreachable",
  NET_TIMEOUT: "no answer (timeout)",
  PROXY_UNREACHABLE: "the proxy cannot be reached",
  PROXY_TLS_FAILED: "TLS to the proxy fails",
  PROXY_AUTH_REQUIRED: "the proxy wants credentials (407)",
  PROXY_BLOCKED: "the proxy blocks the connection",
  PROXY_BAD_RESPONSE: "the proxy answers CONNECT wrongly",
  TLS_NOT_TLS: "no TLS on that port",
  TLS_RESET: "TLS handshake cut off",
  TLS_HANDSHAKE_FAILED: "TLS handshake fails",
};

function distinctHosts(urls: string[]): URL[] {
  const seen = new Map<string, URL>();
  for (const raw of urls) {
    const url = new URL(raw.replace(/^wss:/i, "https:").replace(/^ws:/i, "http:"));
    const key = `${url.hostname}:${url.port || 443}`;
    if (!seen.has(key)) seen.set(key, url);
  }
  return [...seen.values()];
}

interface HostOutcome {
  facts: ConnectionFacts;
  cause?: { code: NetCode; finding: Finding };
  findings: Finding[];
}

/**
 * One finding per cause: hosts that fail the same way (same code, same fix) are named together,
 * so a refused proxy is one error, not one per endpoint.
 */
function groupByCause(outcomes: HostOutcome[]): Finding[] {
  const out: Finding[] = [];
  const groups = new Map<string, { finding: Finding; hosts: string[] }>();
  for (const o of outcomes) {
    for (const f of o.findings) {
      const key = `${f.code}\u0000${f.hint ?? ""}`;
      const group = groups.get(key);
      if (group) {
        group.hosts.push(o.facts.host);
        continue;
      }
      const entry = { finding: { ...f }, hosts: [o.facts.host] };
      groups.set(key, entry);
      out.push(entry.finding);
    }
  }
  for (const { finding, hosts } of groups.values()) {
    if (hosts.length > 1) finding.message += ` The same for ${hosts.slice(1).join(", ")}.`;
  }
  return out;
}

function headline(outcomes: HostOutcome[]): string {
  const failed = outcomes.filter((o) => !o.facts.ok);
  if (failed.length === 0) return `TLS to ${outcomes.map((o) => o.facts.host).join(", ")} verifies the way Codex verifies it`;
  const byCause = new Map<string, string[]>();
  for (const o of failed) {
    const cause = o.cause ? (HEADLINE[o.cause.code] ?? "Codex's TLS verification fails") : "Codex's TLS verification fails";
    byCause.set(cause, [...(byCause.get(cause) ?? []), o.facts.host]);
  }
  return [...byCause].map(([cause, hosts]) => `${cause}: ${hosts.join(", ")}`).join("; ");
}

export const proxyCheck = defineCheck({
  id: "proxy",
  title: "Proxy route and TLS handshake",
  network: true,
  codes,
  async run(ctx, { finding, signal }) {
    const hosts = distinctHosts(ctx.targets.map((t) => t.url));
    const outcomes = await Promise.all(
      hosts.map(async (url): Promise<HostOutcome> => {
        const facts = await connectionAsCodex(ctx, url, signal);
        const routeText = facts.route.proxy ? ` through ${facts.route.proxy.display}` : " (direct)";
        const findings: Finding[] = [];
        let cause: HostOutcome["cause"];
        if (facts.ok) {
          const anchor = facts.verify?.path?.anchor;
          findings.push(
            finding("TLS_VERIFIED", { host: facts.host, route: routeText, length: facts.chain?.der.length ?? 0, anchor: anchor?.label ?? "?", source: anchor?.source ?? "?" }),
          );
        } else if (facts.failure) {
          const d = await diagnoseFailure(ctx, url, facts.route, facts.failure, facts.missingIssuerFound);
          cause = { code: d.code, finding: finding(d.code, d.vars) };
          findings.push(cause.finding);
        }
        if (facts.interception) {
          const d = interceptionDiagnosis(url, facts.interception);
          findings.push(finding(d.code, d.vars));
        }
        return { facts, cause, findings };
      }),
    );
    const tables = outcomes.flatMap((o) => (o.facts.chain ? [chainTable(`Chain presented for ${o.facts.host}`, o.facts.chain)] : []));
    return {
      summary: headline(outcomes),
      findings: groupByCause(outcomes),
      data: {
        hosts: outcomes.map(({ facts }) => ({
          host: facts.host,
          route: facts.route.proxy ? { proxy: facts.route.proxy.display, via: facts.route.via } : { proxy: null, via: facts.route.bypassedBy ?? null },
          ok: facts.ok,
          stage: facts.ok ? "verified" : (facts.failure?.stage ?? null),
          code: facts.ok ? null : (facts.failure?.code ?? null),
          openssl: facts.openssl,
          intercepted: facts.interception ? { issuer: facts.interception.issuer, vendor: facts.interception.vendor?.name ?? null } : null,
          chain: chainData(facts.chain),
        })),
        tables: tables satisfies Table[],
      },
    };
  },
});
