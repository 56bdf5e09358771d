// Property-based tests of config.toml reading and linting (src/codex/config.ts parseCodexConfig,
// src/codex/config-lint.ts lintConfig): edits of every fixture under fixtures/config, random
// TOML-shaped tables built from the keys Codex and the lint know, and large documents. Reading
// never throws (a syntax error is a result), linting never throws on anything TOML can express,
// and both stay within the time bound.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { TomlDate } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parseCodexConfig, type CodexConfigReport } from "../../src/codex/config.js";
import { lintConfig } from "../../src/codex/config-lint.js";
import { bounded, largeParams, mutated, params, testTimeout } from "./fuzz.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/config/", import.meta.url));
const fixtureFiles = readdirSync(FIXTURES, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".toml"));
const BASES = fixtureFiles.map((f) => new Uint8Array(readFileSync(join(FIXTURES, f))));
const PIECES = ["[", "]", "[[", "]]", "=", '"', "'", '"""', "'''", "\n", "\r\n", "#", ".", ",", "{", "}", "\\", "\\u0000", "profiles.", "mcp_servers.", "model_providers.", "otel.", "sandbox_mode", "shell_environment_policy", "true", "1", "-0", "inf", "nan", "1979-05-27T07:32:00Z", "\0", "\u00e9", "\u202e"];
const PATH = "/home/u/.codex/config.toml";

/** Keys the lint, the policy parser and Codex know, at any level. */
const VOCAB = [
  "model", "model_provider", "model_providers", "profile", "profiles", "openai_base_url", "chatgpt_base_url", "base_url", "name",
  "env_key", "wire_api", "query_params", "http_headers", "env_http_headers", "requires_openai_auth", "supports_websockets",
  "sandbox_mode", "sandbox_workspace_write", "network_access", "writable_roots", "default_permissions", "permissions",
  "shell_environment_policy", "shell_environment", "inherit", "ignore_default_excludes", "exclude", "include_only", "set",
  "experimental_use_profile", "include", "features", "respect_system_proxy", "network_proxy", "otel", "exporter",
  "trace_exporter", "metrics_exporter", "otlp-http", "otlp-grpc", "endpoint", "protocol", "headers", "tls",
  "ca-certificate", "client-certificate", "client-private-key", "environment", "mcp_servers", "url", "command", "args",
  "env", "enabled", "bearer_token_env_var", "bearer_token", "cli_auth_credentials_store", "auth", "projects",
  "trust_level", "sandbox", "sandbox_mode_", "sanbox_mode", "model_provder", "openai",
];
const WORDS = [
  "workspace-write", "read-only", "danger-full-access", "all", "core", "none", "responses", "chat", "openai", "ollama",
  "file", "keyring", "auto", "trusted", "binary", "json", "https://api.openai.com/v1", "http://127.0.0.1:8080/mcp?token=x",
  "wss://x", "HTTPS_PROXY", "*KEY*", "/etc/ssl/ca.pem", "",
];
const ODD_KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "", " ", "a.b", "\u0000"];

type Toml = string | number | boolean | TomlDate | Toml[] | { [k: string]: Toml };
/** A table as smol-toml builds it: no prototype, so "__proto__" is an ordinary key. */
function table(entries: [string, Toml][]): { [k: string]: Toml } {
  const t = Object.create(null) as { [k: string]: Toml };
  for (const [k, v] of entries) t[k] = v;
  return t;
}
const keyArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...VOCAB) }, { weight: 2, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) });
const leafArb: fc.Arbitrary<Toml> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.date({ noInvalidDate: true, min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z") }).map((d) => new TomlDate(d.toISOString())),
);
const { value: valueArb } = fc.letrec<{ value: Toml; array: Toml[]; table: { [k: string]: Toml } }>((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leafArb, tie("array"), tie("table")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  table: fc.array(fc.tuple(keyArb, tie("value")), { maxLength: 6 }).map(table),
}));
const rawArb = fc.array(fc.tuple(keyArb, valueArb), { maxLength: 10 }).map(table);
const envArb = fc.dictionary(fc.constantFrom("OPENAI_API_KEY", "HTTPS_PROXY", "TOKEN", "HOME", "X"), fc.string({ maxLength: 10 }), { maxKeys: 3 });

/** Big documents, as [shape, size]. */
const largeArb = fc.tuple(fc.constantFrom("quoted-key", "dotted-key", "tables", "long-value", "array"), fc.integer({ min: 10, max: 100_000 }));
function large([shape, n]: [string, number]): string {
  switch (shape) {
    case "quoted-key":
      return `"${"k".repeat(n * 10)}" = 1\n[profiles."${"p".repeat(n * 5)}"]\nsandbox_mod = "x"\n`;
    case "dotted-key":
      return `${"a.".repeat(Math.min(n, 5000))}b = 1\n`;
    case "tables":
      return Array.from({ length: Math.ceil(n / 10) }, (_, i) => `[mcp_servers.s${i}]\nurl = "https://h${i}.example/mcp"\nbearer_token_env_var = "T${i}"\n`).join("");
    case "long-value":
      return `openai_base_url = "https://${"x".repeat(n * 10)}.example/v1?key=${"y".repeat(n)}"\n`;
    default:
      return `[shell_environment_policy]\nexclude = [${Array.from({ length: Math.ceil(n / 10) }, (_, i) => `"V${i}"`).join(", ")}]\n`;
  }
}

function check(text: string, env: Record<string, string>): void {
  const config = bounded(() => parseCodexConfig(text, PATH));
  if (config.error) expect(config.error.message.length).toBeGreaterThan(0);
  lint(config, env);
}

function lint(config: CodexConfigReport, env: Record<string, string>): void {
  const issues = bounded(() => lintConfig(config, env));
  expect(issues.filter((issue) => typeof issue.code !== "string")).toEqual([]);
}

describe("config.toml reading and lint", () => {
  it("the fixtures are there (what the mutations start from)", () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(40);
  });
  it("mutated fixtures", { timeout: testTimeout("config: mutated fixtures", 10) }, () => {
    fc.assert(fc.property(mutated(BASES, PIECES), envArb, (b, env) => check(Buffer.from(b).toString("utf8"), env)), params("config: mutated fixtures"));
  });
  it("random TOML tables", { timeout: testTimeout("config: random tables", 10) }, () => {
    fc.assert(
      fc.property(rawArb, envArb, (raw, env) => {
        const profile = typeof raw.profile === "string" ? raw.profile : undefined;
        lint({ path: PATH, exists: true, raw: raw as CodexConfigReport["raw"], profile }, env);
      }),
      params("config: random tables"),
    );
  });
  it("large documents", { timeout: testTimeout("config: large inputs", 3000) }, () => {
    fc.assert(fc.property(largeArb, (shape) => check(large(shape), {})), largeParams("config: large inputs"));
  });
});
