// Table-driven cases for the mcp check: remote MCP servers on the lab origin (real sockets on
// 127.0.0.1, CAs minted at test time), required vs optional failures, disabled and stdio servers,
// token variables that are unset (by name only: values never reach the report), malformed config.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mintCorporateChain,
  mintIntermediate,
  mintLeaf,
  mintRoot,
  startOrigin,
  startProxy,
  startRefusedPort,
  type CorporateChain,
  type LabServer,
  type Minted,
  type Origin,
} from "../lab/index.js";
import { mcpCheck } from "../../checks/mcp.js";
import type { Check, Status } from "../../src/check.js";
import { runWithConfig, type ConfigRun, type ConfigScenario } from "./config-harness.js";

const CHECKS = [mcpCheck] as Check[];
const SECRET = "mcp-secret-value-7f3a9c";

let publicRoot: Minted;
let origin: Origin;
let untrusted: Origin;
let zscaler: CorporateChain;
const servers: LabServer[] = [];
const produced = new Set<string>();

beforeAll(async () => {
  publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" });
  const publicInt = await mintIntermediate(publicRoot, { cn: "Lab Public Issuing CA", o: "Lab Trust Services" });
  origin = await startOrigin({ cert: await mintLeaf(publicInt, { dnsNames: ["mcp.lab.test"] }), chain: [publicInt] });
  const privateRoot = await mintRoot({ cn: "Somebody's Private Root", o: "Elsewhere" });
  untrusted = await startOrigin({ cert: await mintLeaf(privateRoot, { dnsNames: ["mcp.lab.test"] }) });
  zscaler = await mintCorporateChain({ vendor: "zscaler" });
  servers.push(origin, untrusted);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const mcpUrl = (s: LabServer) => `https://127.0.0.1:${s.port}/mcp`;

interface Row {
  name: string;
  scenario: () => Promise<ConfigScenario> | ConfigScenario;
  status: Status;
  codes?: string[];
  absent?: string[];
  check?: (run: ConfigRun) => void;
}

const rows: Row[] = [
  {
    name: "healthy required server",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nrequired = true\n` }),
    status: "pass",
    codes: ["MCP_REACHABLE"],
    absent: ["MCP_INTERCEPTED"],
    check: () => expect(origin.requests.some((r) => r.path === "/mcp" && r.headers.authorization === undefined)).toBe(true),
  },
  {
    name: "a credential in the URL's query string is never sent",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}?token=q5ecret-in-query"\n` }),
    status: "pass",
    codes: ["MCP_REACHABLE"],
    check: () => expect(JSON.stringify(origin.requests)).not.toContain("q5ecret-in-query"),
  },
  {
    name: "required server failing (nothing listens): fail",
    scenario: async () => ({ config: `[mcp_servers.tickets]\nurl = "https://127.0.0.1:${await startRefusedPort()}/mcp"\nrequired = true\n` }),
    status: "fail",
    codes: ["MCP_REQUIRED_FAILED"],
    check: (run) => {
      const f = run.results.mcp.findings.find((x) => x.code === "MCP_REQUIRED_FAILED");
      expect(f?.message).toContain("[NET_REFUSED]");
      expect(f?.hint).toContain("required = false");
      expect(run.results.mcp.data.servers).toEqual([expect.objectContaining({ name: "tickets", cause: "NET_REFUSED" })]);
    },
  },
  {
    name: "optional server failing (untrusted certificate): warn",
    scenario: () => ({ config: `[mcp_servers.wiki]\nurl = "${mcpUrl(untrusted)}"\n` }),
    status: "warn",
    codes: ["MCP_OPTIONAL_FAILED"],
    check: (run) => {
      const f = run.results.mcp.findings.find((x) => x.code === "MCP_OPTIONAL_FAILED");
      expect(f?.message).toContain("[TLS_UNKNOWN_ISSUER]");
      expect(untrusted.requests).toHaveLength(0);
    },
  },
  {
    name: "healthy required + failing optional: warn",
    scenario: () => ({
      config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nrequired = true\n\n[mcp_servers.wiki]\nurl = "${mcpUrl(untrusted)}"\nrequired = false\n`,
    }),
    status: "warn",
    codes: ["MCP_REACHABLE", "MCP_OPTIONAL_FAILED"],
    absent: ["MCP_REQUIRED_FAILED"],
  },
  {
    name: "disabled servers are not probed",
    scenario: async () => ({ config: `[mcp_servers.old]\nurl = "https://127.0.0.1:${await startRefusedPort()}/mcp"\nrequired = true\nenabled = false\n` }),
    status: "skip",
    codes: ["MCP_DISABLED"],
    absent: ["MCP_REQUIRED_FAILED"],
  },
  {
    name: "stdio servers are noted, not probed",
    scenario: () => ({ config: `[mcp_servers.fs]\ncommand = "/usr/local/bin/mcp-fs"\nargs = ["--token", "${SECRET}"]\n` }),
    status: "skip",
    codes: ["MCP_STDIO"],
    check: (run) => expect(run.results.mcp.findings[0].message).toContain('command = "mcp-fs"'),
  },
  {
    name: "bearer_token_env_var names an unset variable",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nbearer_token_env_var = "DOCS_MCP_TOKEN"\n` }),
    status: "pass",
    codes: ["MCP_TOKEN_ENV_UNSET", "MCP_REACHABLE"],
    check: (run) => expect(run.results.mcp.findings.find((f) => f.code === "MCP_TOKEN_ENV_UNSET")?.message).toContain("DOCS_MCP_TOKEN, which is not set"),
  },
  {
    name: "bearer_token_env_var names an empty variable",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nbearer_token_env_var = "DOCS_MCP_TOKEN"\n`, env: { DOCS_MCP_TOKEN: "" } }),
    status: "pass",
    codes: ["MCP_TOKEN_ENV_UNSET"],
    check: (run) => expect(run.results.mcp.findings.find((f) => f.code === "MCP_TOKEN_ENV_UNSET")?.message).toContain("is empty"),
  },
  {
    name: "a set token variable: no finding, the value is never sent nor shown",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nbearer_token_env_var = "DOCS_MCP_TOKEN"\n`, env: { DOCS_MCP_TOKEN: SECRET } }),
    status: "pass",
    codes: ["MCP_REACHABLE"],
    absent: ["MCP_TOKEN_ENV_UNSET"],
    check: () => expect(JSON.stringify(origin.requests)).not.toContain(SECRET),
  },
  {
    name: "env_http_headers naming an unset variable",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\n[mcp_servers.docs.env_http_headers]\n"X-Api-Key" = "DOCS_API_KEY"\n` }),
    status: "pass",
    codes: ["MCP_HEADER_ENV_UNSET", "MCP_REACHABLE"],
  },
  {
    // The inline token itself is the config check's finding (CONFIG_MCP_INLINE_BEARER, with the
    // DOCS_MCP_TOKEN fix asserted in test/checks/config.test.ts); here it is never sent or shown.
    name: "an inline bearer_token is neither sent nor shown",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nbearer_token = "${SECRET}"\n` }),
    status: "pass",
    codes: ["MCP_REACHABLE"],
    check: (run) => {
      expect(JSON.stringify(run.results.mcp)).not.toContain(SECRET);
      expect(JSON.stringify(origin.requests)).not.toContain(SECRET);
    },
  },
  {
    name: "plain http servers have no TLS to check",
    scenario: () => ({ config: `[mcp_servers.local]\nurl = "http://localhost:3000/mcp?key=${SECRET}"\n` }),
    status: "skip",
    codes: ["MCP_PLAIN_HTTP"],
  },
  {
    name: "intercepted, proxy root in CODEX_CA_CERTIFICATE: reachable, interception noted",
    scenario: async () => {
      const p = await startProxy({
        mode: "intercept",
        interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] },
        upstream: { host: "127.0.0.1", port: origin.port, ca: [publicRoot.certPem] },
      });
      servers.push(p);
      return {
        config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nrequired = true\n`,
        files: { "corp.pem": zscaler.root.certPem },
        env: { HTTPS_PROXY: p.url, CODEX_CA_CERTIFICATE: "{dir}/corp.pem" },
      };
    },
    status: "pass",
    codes: ["MCP_REACHABLE", "MCP_INTERCEPTED"],
    check: (run) => expect(run.results.mcp.findings.find((f) => f.code === "MCP_INTERCEPTED")?.message).toContain("Zscaler"),
  },
  {
    name: "required server behind a proxy block page: fail",
    scenario: async () => {
      const p = await startProxy({ mode: "blockpage-tls", interceptWith: { issuer: zscaler.intermediate, chain: [zscaler.intermediate] } });
      servers.push(p);
      return {
        config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nrequired = true\n`,
        files: { "corp.pem": zscaler.root.certPem },
        env: { HTTPS_PROXY: p.url, CODEX_CA_CERTIFICATE: "{dir}/corp.pem" },
      };
    },
    status: "fail",
    codes: ["MCP_REQUIRED_FAILED"],
    check: (run) => expect(run.results.mcp.findings.find((f) => f.code === "MCP_REQUIRED_FAILED")?.message).toContain("[PROXY_BLOCK_PAGE]"),
  },
  { name: "no MCP servers", scenario: () => ({ config: 'model = "gpt-5"\n' }), status: "skip", codes: ["MCP_NONE"] },
  { name: "no config.toml at all", scenario: () => ({}), status: "skip", codes: ["MCP_NONE"] },
  { name: "config.toml does not parse", scenario: () => ({ config: "[mcp_servers.docs\nurl = " }), status: "skip", codes: ["MCP_CONFIG_UNREADABLE"] },
  // Malformed types: coded findings, never a crash.
  { name: "mcp_servers is a string", scenario: () => ({ config: 'mcp_servers = "docs"\n' }), status: "skip", codes: ["MCP_CONFIG_INVALID"] },
  { name: "a server entry is a string", scenario: () => ({ config: `[mcp_servers]\ndocs = "${mcpUrl(origin)}"\n` }), status: "skip", codes: ["MCP_ENTRY_INVALID"] },
  { name: "required is a string", scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nrequired = "yes"\n` }), status: "skip", codes: ["MCP_ENTRY_INVALID"] },
  { name: "url is a number", scenario: () => ({ config: "[mcp_servers.docs]\nurl = 443\n" }), status: "skip", codes: ["MCP_ENTRY_INVALID"] },
  { name: "url is not a URL", scenario: () => ({ config: '[mcp_servers.docs]\nurl = "not a url"\n' }), status: "warn", codes: ["MCP_ENTRY_UNUSABLE"] },
  { name: "url with another scheme", scenario: () => ({ config: '[mcp_servers.docs]\nurl = "ws://127.0.0.1/mcp"\n' }), status: "warn", codes: ["MCP_ENTRY_UNUSABLE"] },
  { name: "both command and url", scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\ncommand = "x"\n` }), status: "warn", codes: ["MCP_ENTRY_UNUSABLE"] },
  { name: "neither command nor url", scenario: () => ({ config: "[mcp_servers.docs]\nrequired = true\n" }), status: "warn", codes: ["MCP_ENTRY_UNUSABLE"] },
  {
    name: "env_http_headers is a string",
    scenario: () => ({ config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\nenv_http_headers = "X"\n` }),
    status: "skip",
    codes: ["MCP_ENTRY_INVALID"],
  },
];

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/config/${name}`, import.meta.url), "utf8");

rows.push(
  {
    name: "fixture mcp-mixed.toml: every kind of entry",
    scenario: async () => ({ config: fixture("mcp-mixed.toml").replaceAll("{refused}", String(await startRefusedPort())) }),
    status: "fail",
    codes: ["MCP_STDIO", "MCP_REQUIRED_FAILED", "MCP_OPTIONAL_FAILED", "MCP_PLAIN_HTTP", "MCP_DISABLED", "MCP_TOKEN_ENV_UNSET"],
    check: (run) => expect(run.results.mcp.summary).toBe("unreachable MCP server(s): tickets, wiki"),
  },
  {
    name: "fixture mcp-malformed.toml: coded findings, nothing probed, no secret echoed",
    scenario: () => ({ config: fixture("mcp-malformed.toml") }),
    status: "warn",
    codes: ["MCP_PLAIN_HTTP"],
    check: (run) => {
      // Three wrong types (the config check's errors) and one unusable entry (command + url).
      expect(run.codes.mcp.filter((c) => c === "MCP_ENTRY_INVALID")).toHaveLength(3);
      expect(run.codes.mcp.filter((c) => c === "MCP_ENTRY_UNUSABLE")).toHaveLength(1);
      expect(JSON.stringify(run.results.mcp)).not.toContain("do-not-echo");
    },
  },
);

describe("mcp check against the lab", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const run = await runWithConfig(CHECKS, await row.scenario(), [publicRoot]);
      const result = run.results.mcp;
      for (const code of run.codes.mcp) produced.add(code);
      expect({ status: result.status, codes: run.codes.mcp }).toMatchObject({ status: row.status });
      for (const code of row.codes ?? []) expect(run.codes.mcp).toContain(code);
      for (const code of row.absent ?? []) expect(run.codes.mcp).not.toContain(code);
      expect(run.codes.mcp).not.toContain("INTERNAL_ERROR");
      expect(JSON.stringify(result)).not.toContain(SECRET);
      row.check?.(run);
    });
  }

  it("is skipped as a network check with --offline", async () => {
    const run = await runWithConfig(CHECKS, { config: `[mcp_servers.docs]\nurl = "${mcpUrl(origin)}"\n`, offline: true }, [publicRoot]);
    expect(run.results.mcp).toMatchObject({ status: "skip", findings: [expect.objectContaining({ code: "OFFLINE" })] });
  });

  it("every code the check declares is produced by some row", () => {
    expect(Object.keys(mcpCheck.codes).filter((c) => !produced.has(c))).toEqual([]);
  });
});
