// Table-driven cases for the config check: every mistake fixture under fixtures/config/, the .env
// staleness probes (a real closed and a real listening loopback port), unreadable and malformed
// files. Every declared code must be produced by some row, and every TOML hint must parse.
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "smol-toml";
import { configCheck } from "../../checks/config.js";
import type { Check, Status } from "../../src/check.js";
import { lintConfig } from "../../src/codex/config-lint.js";
import { parseCodexConfig } from "../../src/codex/config.js";
import { closedPort, openPort, runScenario, Workspace, type Scenario } from "../codex/harness.js";

const ws = new Workspace();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
  ws.cleanup();
});

/** Strings that must never appear in a finding or in data. */
const SECRETS = ["sk-do-not-echo-this-token", "do-not-echo-this", "hunter2"];

interface Row {
  name: string;
  scenario: () => Promise<Scenario> | Scenario;
  status: Status;
  codes: string[];
  /** Exact multiset of codes (sorted), when the row pins everything. */
  exactly?: string[];
  absent?: string[];
  /** code -> substrings its hint must contain */
  hints?: Record<string, string[]>;
  messages?: Record<string, string[]>;
}

const rows: Row[] = [
  { name: "no config.toml is normal", scenario: () => ({}), status: "pass", codes: ["CONFIG_MISSING"], exactly: ["CONFIG_MISSING"] },
  {
    name: "a correct corporate config has no finding",
    scenario: () => ({ fixture: "mistakes/clean.toml", env: { CORP_LLM_API_KEY: "k-123456" } }),
    status: "pass",
    codes: ["CONFIG_LOADED"],
    exactly: ["CONFIG_LOADED"],
  },
  {
    name: "malformed TOML: file, line and column",
    scenario: () => ({ fixture: "mistakes/syntax-error.toml" }),
    status: "fail",
    codes: ["CONFIG_SYNTAX_ERROR"],
    exactly: ["CONFIG_SYNTAX_ERROR"],
    messages: { CONFIG_SYNTAX_ERROR: ["config.toml", "line 4", "column"] },
  },
  {
    name: "config.toml that cannot be read (a directory)",
    scenario: () => ({ configIsDirectory: true }),
    status: "fail",
    codes: ["CONFIG_UNREADABLE"],
    messages: { CONFIG_UNREADABLE: ["Is a directory"] },
  },
  {
    name: "config.toml over the doctor's 4 MiB cap: its own limit (warn), never 'Codex fails to start'",
    scenario: () => ({ config: `# ${"x".repeat(4 * 1024 * 1024)}\n` }),
    status: "warn",
    codes: ["CONFIG_TOO_LARGE"],
    exactly: ["CONFIG_TOO_LARGE"],
    messages: { CONFIG_TOO_LARGE: ["is 4.0 MiB (4,194,307 bytes): codex-doctor reads at most 4 MiB of it (its own limit, not Codex's), so it did not check the file. Codex reads all of it."] },
  },
  {
    name: "respect_system_proxies (plural) under [features]",
    scenario: () => ({ fixture: "mistakes/respect-system-proxies.toml" }),
    status: "warn",
    codes: ["CONFIG_MISSPELT_KEY"],
    hints: { CONFIG_MISSPELT_KEY: ["[features]\nrespect_system_proxy = true"] },
    messages: { CONFIG_MISSPELT_KEY: ["features.respect_system_proxies", "features.respect_system_proxy"] },
  },
  {
    name: "respect_system_proxy at the top level",
    scenario: () => ({ fixture: "mistakes/respect-system-proxy-top-level.toml" }),
    status: "warn",
    codes: ["CONFIG_MISSPELT_KEY"],
    hints: { CONFIG_MISSPELT_KEY: ["[features]\nrespect_system_proxy = true"] },
  },
  {
    name: "network_access at the top level",
    scenario: () => ({ fixture: "mistakes/network-access-top-level.toml" }),
    status: "warn",
    codes: ["CONFIG_MISSPELT_KEY"],
    exactly: ["CONFIG_LOADED", "CONFIG_MISSPELT_KEY"],
    hints: { CONFIG_MISSPELT_KEY: ["[sandbox_workspace_write]\nnetwork_access = true"] },
  },
  {
    name: "[model_providers.openai] reuses a reserved id: use openai_base_url",
    scenario: () => ({ fixture: "mistakes/reserved-provider.toml" }),
    status: "fail",
    codes: ["CONFIG_RESERVED_PROVIDER"],
    hints: { CONFIG_RESERVED_PROVIDER: ['openai_base_url = "https://llm-gateway.example.com/v1"'] },
    messages: { CONFIG_RESERVED_PROVIDER: ["model_providers contains reserved built-in provider IDs: openai. Built-in providers cannot be overridden."] },
  },
  {
    name: "[model_providers.ollama]: rename it, never echoing the bearer token",
    scenario: () => ({ fixture: "mistakes/reserved-provider-ollama.toml" }),
    status: "fail",
    codes: ["CONFIG_RESERVED_PROVIDER"],
    hints: { CONFIG_RESERVED_PROVIDER: ['model_provider = "ollama-custom"', "[model_providers.ollama-custom]", "<keep your current value>"] },
  },
  {
    name: 'wire_api = "chat"',
    scenario: () => ({ fixture: "mistakes/wire-api-chat.toml" }),
    status: "fail",
    codes: ["CONFIG_WIRE_API_CHAT"],
    hints: { CONFIG_WIRE_API_CHAT: ['[model_providers.corp]\nwire_api = "responses"'] },
  },
  {
    name: "OTEL exporter as a named table (the article's [otel.exporter.corp])",
    scenario: () => ({ fixture: "mistakes/otel-named-exporter.toml" }),
    status: "fail",
    codes: ["CONFIG_OTEL_NAMED_EXPORTER"],
    hints: {
      CONFIG_OTEL_NAMED_EXPORTER: [
        '[otel.exporter."otlp-http"]',
        'endpoint = "https://otel.internal.example.com:4318"',
        'protocol = "binary"',
        '[otel.exporter."otlp-http".tls]',
        'ca-certificate = "/etc/pki/tls/certs/corporate-root-ca.pem"',
      ],
    },
  },
  { name: "the valid OTEL shape", scenario: () => ({ fixture: "mistakes/otel-valid.toml" }), status: "pass", codes: ["CONFIG_LOADED"], exactly: ["CONFIG_LOADED"] },
  {
    name: "cli_auth_credentials_store under [auth]",
    scenario: () => ({ fixture: "mistakes/auth-table.toml" }),
    status: "warn",
    codes: ["CONFIG_AUTH_TABLE"],
    hints: { CONFIG_AUTH_TABLE: ['cli_auth_credentials_store = "keyring"'] },
  },
  {
    name: "env_key of the active provider unset; of a spare one: info",
    scenario: () => ({ fixture: "mistakes/env-key-unset.toml", env: { SPARE_LLM_API_KEY: "" } }),
    status: "fail",
    codes: ["CONFIG_ENV_KEY_UNSET", "CONFIG_ENV_KEY_UNSET_UNUSED"],
    messages: { CONFIG_ENV_KEY_UNSET: ["CORP_LLM_API_KEY", "not set"], CONFIG_ENV_KEY_UNSET_UNUSED: ["SPARE_LLM_API_KEY", "empty"] },
  },
  {
    name: "env_key supplied by $CODEX_HOME/.env counts (Codex applies .env first)",
    scenario: () => ({ fixture: "mistakes/env-key-unset.toml", dotenv: "CORP_LLM_API_KEY=hunter2\nSPARE_LLM_API_KEY=hunter2\n" }),
    status: "pass",
    codes: ["CONFIG_LOADED"],
    exactly: ["CONFIG_LOADED"],
  },
  {
    name: "bearer_token_env_var unset (disabled servers ignored)",
    scenario: () => ({ fixture: "mistakes/bearer-unset.toml" }),
    status: "warn",
    codes: ["CONFIG_BEARER_ENV_UNSET"],
    messages: { CONFIG_BEARER_ENV_UNSET: ["DOCS_MCP_TOKEN"] },
    absent: [],
  },
  {
    name: "profile names a missing [profiles.x]",
    scenario: () => ({ fixture: "mistakes/profile-missing.toml" }),
    status: "fail",
    codes: ["CONFIG_PROFILE_NOT_FOUND"],
    hints: { CONFIG_PROFILE_NOT_FOUND: ['profile = "home"'] },
  },
  {
    name: "a profile carrying shell_environment_policy (ignored there)",
    scenario: () => ({ fixture: "mistakes/profile-key-ignored.toml" }),
    status: "warn",
    codes: ["CONFIG_PROFILE_KEY_IGNORED", "CONFIG_LOADED"],
    hints: { CONFIG_PROFILE_KEY_IGNORED: ['[shell_environment_policy]\ninherit = "core"'] },
    messages: { CONFIG_LOADED: ['profile "corp"'] },
  },
  {
    name: "model_provider without its table",
    scenario: () => ({ fixture: "mistakes/provider-not-found.toml" }),
    status: "fail",
    codes: ["CONFIG_PROVIDER_NOT_FOUND"],
  },
  {
    name: "wrong types: strings and booleans where tables are expected",
    scenario: () => ({ fixture: "mistakes/wrong-types.toml" }),
    status: "fail",
    codes: ["CONFIG_WRONG_TYPE"],
    exactly: ["CONFIG_LOADED", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE"],
    hints: { CONFIG_WRONG_TYPE: ["[sandbox_workspace_write]\nnetwork_access = true"] },
  },
  {
    name: 'shell_environment_policy = "core" (a string, not a table)',
    scenario: () => ({ fixture: "policy/policy-not-a-table.toml" }),
    status: "fail",
    codes: ["CONFIG_WRONG_TYPE"],
    hints: { CONFIG_WRONG_TYPE: ['[shell_environment_policy]\ninherit = "core"'] },
  },
  {
    name: "wrong types and values inside [shell_environment_policy]",
    scenario: () => ({ fixture: "policy/policy-wrong-types.toml" }),
    status: "fail",
    codes: ["CONFIG_WRONG_TYPE", "CONFIG_INVALID_VALUE"],
    hints: { CONFIG_WRONG_TYPE: ['exclude = ["*PROXY*"]'] },
  },
  {
    name: "invalid enum values",
    scenario: () => ({ fixture: "mistakes/invalid-values.toml" }),
    status: "fail",
    codes: ["CONFIG_INVALID_VALUE"],
    exactly: ["CONFIG_INVALID_VALUE", "CONFIG_INVALID_VALUE", "CONFIG_LOADED"],
    hints: { CONFIG_INVALID_VALUE: ['sandbox_mode = "workspace-write"'] },
  },
  {
    name: "near-miss keys: sandbox-mode, shell_environment_polcy, sandbox_workspace_write.network",
    scenario: () => ({ fixture: "mistakes/misspelt-keys.toml" }),
    status: "warn",
    codes: ["CONFIG_MISSPELT_KEY"],
    exactly: ["CONFIG_LOADED", "CONFIG_MISSPELT_KEY", "CONFIG_MISSPELT_KEY", "CONFIG_MISSPELT_KEY"],
    hints: { CONFIG_MISSPELT_KEY: ['sandbox_mode = "danger-full-access"', '[shell_environment_policy]\ninherit = "core"', "[sandbox_workspace_write]\nnetwork_access = true"] },
  },
  {
    name: "the article's complete enterprise profile",
    scenario: () => ({ fixture: "mistakes/article-enterprise-profile.toml" }),
    status: "fail",
    codes: ["CONFIG_OTEL_NAMED_EXPORTER", "CONFIG_AUTH_TABLE", "CONFIG_ENV_KEY_UNSET_UNUSED"],
    absent: ["CONFIG_MISSPELT_KEY"],
  },
  {
    name: "an inline MCP bearer_token: Codex refuses it; the fix names an environment variable",
    scenario: () => ({ config: '[mcp_servers.docs]\nurl = "https://mcp.corp.example/mcp"\nbearer_token = "tok-do-not-print"\n' }),
    status: "fail",
    codes: ["CONFIG_MCP_INLINE_BEARER"],
    absent: ["CONFIG_WRONG_TYPE"],
    hints: { CONFIG_MCP_INLINE_BEARER: ['bearer_token_env_var = "DOCS_MCP_TOKEN"'] },
  },
  {
    // What the mcp/otel checks only note as "not checked here" is an error here, once.
    name: "malformed MCP and OTLP entries are the config check's errors",
    scenario: () => ({
      config:
        '[mcp_servers]\nplain = "https://mcp.internal.example/mcp"\n\n[mcp_servers.headers]\nurl = "https://m.example/mcp"\nenv_http_headers = { "X-Key" = 5 }\n\n' +
        '[otel.exporter]\n"otlp-http" = "https://collector.example/v1/logs"\n\n[otel.trace_exporter."otlp-grpc"]\nprotocol = "binary"\n',
    }),
    status: "fail",
    codes: ["CONFIG_WRONG_TYPE"],
    exactly: ["CONFIG_LOADED", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE"],
  },
  {
    name: "wrong types inside MCP and OTLP exporter tables stop Codex like any other",
    scenario: () => ({
      config: '[mcp_servers.docs]\nurl = "https://mcp.corp.example/mcp"\nrequired = "yes"\n\n[otel.exporter."otlp-http"]\nendpoint = 4318\n[otel.exporter."otlp-http".tls]\nca-certificate = 5\n',
    }),
    status: "fail",
    codes: ["CONFIG_WRONG_TYPE"],
    exactly: ["CONFIG_LOADED", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE", "CONFIG_WRONG_TYPE"],
  },
  {
    name: ".env proxy that is not listening (real closed port, with credentials redacted)",
    scenario: async () => ({ dotenv: `# stale\nHTTPS_PROXY=http://me:hunter2@127.0.0.1:${await closedPort()}\n`, options: { offline: false } }),
    status: "fail",
    codes: ["CONFIG_DOTENV_PROXY_DEAD"],
    messages: { CONFIG_DOTENV_PROXY_DEAD: ["line 2", "ECONNREFUSED", "me:****@127.0.0.1"] },
    hints: { CONFIG_DOTENV_PROXY_DEAD: ["HTTPS_PROXY[[:space:]]*=/d'"] },
  },
  {
    // Codex never uses HTTP_PROXY for https, and https_proxy is hidden by HTTPS_PROXY: neither breaks it.
    name: ".env proxies Codex does not use are not probed, even when dead",
    scenario: async () => {
      const open = await openPort();
      cleanups.push(open.close);
      const dead = await closedPort();
      return {
        dotenv: `HTTP_PROXY=http://127.0.0.1:${dead}\nHTTPS_PROXY=http://127.0.0.1:${open.port}\nhttps_proxy=http://127.0.0.1:${dead}\n`,
        options: { offline: false },
      };
    },
    status: "pass",
    codes: [],
    absent: ["CONFIG_DOTENV_PROXY_DEAD"],
  },
  {
    name: ".env proxy that is listening: fine",
    scenario: async () => {
      const open = await openPort();
      cleanups.push(open.close);
      return { dotenv: `HTTPS_PROXY=http://127.0.0.1:${open.port}\nhttps_proxy=127.0.0.1:${open.port}\n`, options: { offline: false } };
    },
    status: "pass",
    codes: [],
    absent: ["CONFIG_DOTENV_PROXY_DEAD"],
  },
  {
    name: ".env proxy with --offline: not probed",
    scenario: () => ({ dotenv: "HTTPS_PROXY=http://127.0.0.1:9\n" }),
    status: "pass",
    codes: ["CONFIG_DOTENV_PROXY_UNCHECKED"],
  },
  {
    name: ".env CA paths that do not exist (and ~, which .env does not expand)",
    scenario: () => ({
      files: { "corp.pem": "x" },
      dotenv: "SSL_CERT_FILE={dir}/missing.pem\nNODE_EXTRA_CA_CERTS=~/corp.pem\nREQUESTS_CA_BUNDLE={dir}/corp.pem\nCURL_CA_BUNDLE=relative.pem\nCODEX_CA_CERTIFICATE={dir}/nope.pem\n",
    }),
    status: "fail",
    codes: ["CONFIG_DOTENV_CA_MISSING"],
    exactly: ["CONFIG_DOTENV_CA_MISSING", "CONFIG_DOTENV_CA_MISSING", "CONFIG_MISSING"],
    messages: { CONFIG_DOTENV_CA_MISSING: ["SSL_CERT_FILE", "not shell-expanded"] },
  },
];

function tomlPart(hint: string): string {
  // Hints are TOML snippets, sometimes with a leading comment line: keep it all (comments are TOML).
  return hint;
}

const TOML_HINT_CODES = new Set([
  "CONFIG_WRONG_TYPE", "CONFIG_INVALID_VALUE", "CONFIG_PROFILE_NOT_FOUND", "CONFIG_PROFILE_KEY_IGNORED", "CONFIG_MISSPELT_KEY",
  "CONFIG_RESERVED_PROVIDER", "CONFIG_PROVIDER_NOT_FOUND", "CONFIG_WIRE_API_CHAT", "CONFIG_OTEL_NAMED_EXPORTER", "CONFIG_AUTH_TABLE",
]);

const seen = new Set<string>();

describe("config check", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const run = await runScenario(ws, [configCheck as Check], await row.scenario());
      const result = run.results.config;
      const codes = run.codes.config;
      codes.forEach((c) => seen.add(c));
      expect(codes).not.toContain("INTERNAL_ERROR");
      expect(result.status, JSON.stringify(result.findings, null, 1)).toBe(row.status);
      for (const c of row.codes) expect(codes).toContain(c);
      for (const c of row.absent ?? []) expect(codes).not.toContain(c);
      if (row.exactly) expect([...codes].sort()).toEqual([...row.exactly].sort());
      for (const [code, parts] of Object.entries(row.hints ?? {})) {
        const hints = result.findings.filter((f) => f.code === code).map((f) => f.hint ?? "").join("\n---\n");
        for (const p of parts) expect(hints).toContain(p);
      }
      for (const [code, parts] of Object.entries(row.messages ?? {})) {
        const messages = result.findings.filter((f) => f.code === code).map((f) => f.message).join("\n");
        for (const p of parts) expect(messages).toContain(p);
      }
      // Pasteable: every TOML snippet hint parses.
      for (const f of result.findings) {
        if (TOML_HINT_CODES.has(f.code) && f.hint) expect(() => parse(tomlPart(f.hint!)), `${f.code}: ${f.hint}`).not.toThrow();
      }
      const json = JSON.stringify(result);
      for (const secret of SECRETS) expect(json).not.toContain(secret);
    });
  }

  it("every declared finding code is produced by some row", () => {
    expect(Object.keys(configCheck.codes).filter((c) => !seen.has(c))).toEqual([]);
  });
});

describe("lintConfig never throws on odd TOML", () => {
  it("every key that matters, with every TOML type", () => {
    const keys = [
      "profile", "profiles", "profiles.p", "model_provider", "model_providers", "model_providers.x", "model_providers.x.env_key",
      "model_providers.x.wire_api", "model_providers.x.http_headers", "sandbox_mode", "sandbox_workspace_write",
      "sandbox_workspace_write.network_access", "shell_environment_policy", "shell_environment_policy.set", "features",
      "features.respect_system_proxies", "otel", "otel.exporter", "otel.exporter.corp", "auth", "auth.cli_auth_credentials_store",
      "mcp_servers", "mcp_servers.m", "mcp_servers.m.bearer_token_env_var", "cli_auth_credentials_store", "shell_environment",
    ];
    const values = ['"s"', "1", "1.5", "true", "[]", "[1, \"a\"]", "{}", "{ a = 1 }", "1979-05-27T07:32:00Z"];
    let n = 0;
    for (const key of keys) {
      for (const value of values) {
        const parts = key.split(".");
        const text =
          parts.length === 1
            ? `${key} = ${value}\n${key === "profile" ? "" : 'profile = "p"\n'}`
            : `[${parts.slice(0, -1).join(".")}]\n${parts[parts.length - 1]} = ${value}\n`;
        const config = parseCodexConfig(text, "config.toml");
        // The TOML itself must parse, or lintConfig returns early and this proves nothing.
        expect(config.error, text).toBeUndefined();
        expect(() => lintConfig(config, {}), text).not.toThrow();
        n++;
      }
    }
    expect(n).toBe(keys.length * values.length);
  });
});
