// The configuration mistakes people really make in `$CODEX_HOME/config.toml` and `.env`, each with
// what Codex does about it and a corrected snippet. `lintConfig` is pure (TOML tree + environment);
// `lintDotenv` also looks at the disk (does the CA path exist?) and, unless offline, at the network
// (is the proxy listening?). Issues carry the finding code and template vars; the config check
// turns them into findings. Wrong TOML types are issues, never exceptions.
import { isProxyVar, OTHER_TOOL_CA_VARS, type Env } from "../env.js";
import { isTable, selectedProfile, PROFILE_KEYS, type CodexConfigReport, type TomlTable } from "./config.js";
import type { DotenvFile } from "./dotenv.js";
import { parsePolicy } from "./policy.js";
import { statAsync } from "../ca/file.js";
import { tomlKey, tomlString, tomlType } from "./toml.js";
import { parseProxyUrl } from "../net/proxy.js";
import { probeTcp } from "../net/connect.js";
import { shellQuote } from "../shell.js";

export type ConfigIssueCode =
  | "CONFIG_WRONG_TYPE"
  | "CONFIG_INVALID_VALUE"
  | "CONFIG_PROFILE_NOT_FOUND"
  | "CONFIG_PROFILE_KEY_IGNORED"
  | "CONFIG_MISSPELT_KEY"
  | "CONFIG_RESERVED_PROVIDER"
  | "CONFIG_PROVIDER_NOT_FOUND"
  | "CONFIG_WIRE_API_CHAT"
  | "CONFIG_OTEL_NAMED_EXPORTER"
  | "CONFIG_AUTH_TABLE"
  | "CONFIG_ENV_KEY_UNSET"
  | "CONFIG_ENV_KEY_UNSET_UNUSED"
  | "CONFIG_BEARER_ENV_UNSET"
  | "CONFIG_MCP_INLINE_BEARER"
  | "CONFIG_DOTENV_PROXY_DEAD"
  | "CONFIG_DOTENV_PROXY_UNCHECKED"
  | "CONFIG_DOTENV_CA_MISSING";

export interface ConfigIssue {
  code: ConfigIssueCode;
  vars: Record<string, string | number>;
}

/** Built-in provider ids a [model_providers.<id>] table may not reuse (RESERVED_MODEL_PROVIDER_IDS). */
export const RESERVED_PROVIDER_IDS = ["openai", "amazon-bedrock", "ollama", "lmstudio"] as const;
/** Provider ids Codex knows without a [model_providers] table. */
const BUILTIN_PROVIDER_IDS = [...RESERVED_PROVIDER_IDS, "oss"];

/** Top-level keys of codex-rs `ConfigToml` (so a valid key is never called a misspelling). */
const KNOWN_TOP_LEVEL = new Set([
  "model", "review_model", "model_provider", "model_context_window", "model_auto_compact_token_limit",
  "model_auto_compact_token_limit_scope", "model_max_output_tokens", "approval_policy", "approvals_reviewer", "auto_review",
  "shell_environment_policy", "allow_login_shell", "sandbox_mode", "sandbox_workspace_write", "default_permissions",
  "permissions", "notify", "instructions", "developer_instructions", "include_permissions_instructions",
  "include_apps_instructions", "include_collaboration_mode_instructions", "include_environment_context",
  "model_instructions_file", "compact_prompt", "forced_chatgpt_workspace_id", "forced_login_method",
  "cli_auth_credentials_store", "mcp_servers", "mcp_oauth_credentials_store", "mcp_oauth_callback_port",
  "mcp_oauth_callback_url", "model_providers", "project_doc_max_bytes", "project_doc_fallback_filenames",
  "tool_output_token_limit", "background_terminal_max_timeout", "js_repl_node_path", "js_repl_node_module_dirs",
  "profile", "profiles", "history", "sqlite_home", "sqlite", "log_dir", "debug", "file_opener", "tui",
  "hide_agent_reasoning", "show_raw_agent_reasoning", "model_reasoning_effort", "plan_mode_reasoning_effort",
  "model_reasoning_summary", "model_verbosity", "model_supports_reasoning_summaries", "model_catalog_json",
  "personality", "service_tier", "chatgpt_base_url", "apps_mcp_product_sku", "openai_base_url", "audio",
  "experimental_realtime_ws_base_url", "experimental_realtime_ws_model", "realtime",
  "experimental_realtime_ws_backend_prompt", "experimental_realtime_ws_startup_context",
  "experimental_realtime_start_instructions", "experimental_thread_config_endpoint",
  "experimental_thread_store_endpoint", "experimental_thread_store", "projects", "web_search", "tools",
  "tool_suggest", "agents", "memories", "skills", "hooks", "plugins", "marketplaces", "features",
  "suppress_unstable_features_warning", "ghost_snapshot", "project_root_markers", "check_for_update_on_startup",
  "disable_paste_burst", "analytics", "feedback", "apps", "desktop", "otel", "windows", "notice",
  "experimental_compact_prompt_file", "experimental_use_unified_exec_tool", "oss_provider",
  "experimental_instructions_file", "tools_web_search", "tools_view_image", "openai_file_api_base_url", "zsh_path",
  // Not Codex keys, but reported elsewhere (sandbox check: the article's table; here: [auth]).
  "shell_environment", "auth",
]);

/** Top-level keys that matter for TLS, proxies and the sandbox: near misses of these are reported. */
const RELEVANT_TOP_LEVEL = [
  "shell_environment_policy", "sandbox_mode", "sandbox_workspace_write", "model_provider", "model_providers",
  "openai_base_url", "chatgpt_base_url", "cli_auth_credentials_store", "features", "otel", "mcp_servers",
  "profile", "profiles", "default_permissions",
];
const RELEVANT_FEATURES = ["respect_system_proxy", "network_proxy"];
const SANDBOX_WW_KEYS = ["writable_roots", "network_access", "exclude_tmpdir_env_var", "exclude_slash_tmp"];
const PROVIDER_KEYS = [
  "name", "base_url", "env_key", "env_key_instructions", "experimental_bearer_token", "auth", "aws", "wire_api",
  "query_params", "http_headers", "env_http_headers", "request_max_retries", "stream_max_retries",
  "stream_idle_timeout_ms", "websocket_connect_timeout_ms", "requires_openai_auth", "supports_websockets",
];
/** Keys a [profiles.<name>] table can hold but Codex ignores there, and that matter to this tool. */
const PROFILE_IGNORED_RELEVANT = [
  "shell_environment_policy", "sandbox_workspace_write", "model_providers", "otel", "openai_base_url", "mcp_servers",
  "cli_auth_credentials_store", "default_permissions",
];

const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"];
const AUTH_STORES = ["file", "keyring", "auto", "ephemeral"];
const OTEL_EXPORTER_SLOTS = ["exporter", "trace_exporter", "metrics_exporter"];

// ---------------------------------------------------------------------------------------------
// helpers

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The largest length difference nearMiss accepts (2 edits, or "ies" for "y"). */
const MAX_LENGTH_GAP = 2;

const norm = (key: string) => key.toLowerCase().replace(/-/g, "_");

/** The candidate `key` most likely stands for (case, dash/underscore, plural, ≤2 edits on long keys). */
export function nearMiss(key: string, candidates: readonly string[]): string | undefined {
  if (candidates.includes(key)) return undefined;
  // Every rule below allows at most 2 characters of length difference, and the edit distance is at
  // least the length difference: a huge key (a 1 MB quoted key) is rejected without being compared.
  const longest = Math.max(0, ...candidates.map((c) => c.length));
  if (key.length > longest + MAX_LENGTH_GAP) return undefined;
  const k = norm(key);
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const n = norm(c);
    if (Math.abs(k.length - n.length) > MAX_LENGTH_GAP) continue;
    let d = editDistance(k, n);
    if (k === n || k === `${n}s` || `${k}s` === n || k === n.replace(/y$/, "ies") || k.replace(/ies$/, "y") === n) d = 0;
    const limit = n.length >= 12 ? 2 : n.length >= 6 ? 1 : 0;
    if (d <= limit && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === "";
}

function tomlValue(value: unknown): string {
  if (typeof value === "string") return tomlString(value);
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  return '"…"';
}

/** Names whose values must never be echoed into a snippet (the user keeps their own value). */
const SECRETISH = /(token|secret|password|passwd|credential|bearer|cookie)|(^|_)api_?key$|^authorization$/i;
const KEEP = '"<keep your current value>"';

/** `key = value` for a snippet, masking secret-looking values. */
function copyEntry(key: string, value: unknown): string {
  return `${tomlKey(key)} = ${SECRETISH.test(key) ? KEEP : tomlValue(value)}`;
}

/** A pasteable example of the right shape for `path` (dotted), given what Codex expects. */
function exampleFor(path: string, expected: string, value: unknown): string {
  const parts = path.split(".");
  const leaf = parts[parts.length - 1].replace(/\[\d+\]$/, "");
  const got = SECRETISH.test(leaf) ? undefined : value;
  const parent = parts.slice(0, -1);
  const header = parent.length > 0 ? `[${parent.map(tomlKey).join(".")}]\n` : "";
  if (expected.startsWith("a table")) {
    if (path === "shell_environment_policy" && typeof got === "string" && ["all", "core", "none"].includes(got)) {
      return `[shell_environment_policy]\ninherit = ${tomlString(got)}`;
    }
    if (path === "sandbox_workspace_write" && typeof got === "boolean") return `[sandbox_workspace_write]\nnetwork_access = ${got}`;
    if (path === "sandbox_workspace_write" && typeof got === "string" && SANDBOX_MODES.includes(got)) {
      return `sandbox_mode = ${tomlString(got)}`;
    }
    return `[${parts.map(tomlKey).join(".")}]\n# key = "value" lines go here`;
  }
  if (expected.startsWith("a boolean")) {
    const b = typeof got === "string" && /^(true|false)$/i.test(got) ? got.toLowerCase() : "true";
    return `${header}${tomlKey(leaf)} = ${b}`;
  }
  if (expected.startsWith("an array")) {
    const item = typeof got === "string" ? tomlString(got) : '"…"';
    return `${header}${tomlKey(leaf)} = [${item}]`;
  }
  if (expected.startsWith("one of")) {
    // The value the user most likely meant ("workspace_write" → "workspace-write"), else the first.
    const allowed = [...expected.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    const meant = (typeof got === "string" ? nearMiss(got, allowed) : undefined) ?? allowed[0] ?? "…";
    return `${header}${tomlKey(leaf)} = ${tomlString(meant)}`;
  }
  if (expected.startsWith("a string")) {
    const s = typeof got === "boolean" || typeof got === "number" ? String(got) : "…";
    return `${header}${tomlKey(leaf)} = ${tomlString(s)}`;
  }
  if (expected.startsWith("an integer")) return `${header}${tomlKey(leaf)} = 0`;
  return `${header}${tomlKey(leaf)} = …`;
}

class Lint {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly file: string) {}

  add(code: ConfigIssueCode, vars: Record<string, string | number>): void {
    this.issues.push({ code, vars: { file: this.file, ...vars } });
  }

  wrongType(path: string, expected: string, got: unknown): void {
    this.add("CONFIG_WRONG_TYPE", { key: path, expected, got: tomlType(got), example: exampleFor(path, expected, got) });
  }

  invalid(path: string, expected: string, got: unknown): void {
    this.add("CONFIG_INVALID_VALUE", { key: path, expected, got: typeof got === "string" ? JSON.stringify(got) : tomlType(got), example: exampleFor(path, expected, got) });
  }

  /** Type-checks; returns whether the value had the expected kind. */
  expect(path: string, value: unknown, kind: "string" | "boolean" | "table" | "integer" | "string-array"): boolean {
    if (value === undefined) return true;
    const ok =
      kind === "string" ? typeof value === "string"
      : kind === "boolean" ? typeof value === "boolean"
      : kind === "table" ? isTable(value)
      : kind === "integer" ? typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))
      : Array.isArray(value) && value.every((v) => typeof v === "string");
    if (!ok) {
      const expected =
        kind === "string" ? "a string" : kind === "boolean" ? "a boolean (true or false)" : kind === "table" ? "a table"
        : kind === "integer" ? "an integer" : "an array of strings";
      this.wrongType(path, expected, value);
    }
    return ok;
  }

  enumValue(path: string, value: unknown, allowed: string[]): void {
    if (value === undefined) return;
    const expected = `one of ${allowed.map((a) => `"${a}"`).join(", ")}`;
    if (typeof value !== "string") this.wrongType(path, expected, value);
    else if (!allowed.includes(value)) this.invalid(path, expected, value);
  }

  stringMap(path: string, value: unknown): void {
    if (value === undefined) return;
    if (!isTable(value)) {
      this.wrongType(path, "a table of strings", value);
      return;
    }
    for (const [k, v] of Object.entries(value)) this.expect(`${path}.${tomlKey(k)}`, v, "string");
  }
}

// ---------------------------------------------------------------------------------------------
// config.toml

function lintFeatures(lint: Lint, prefix: string, features: unknown): void {
  if (features === undefined) return;
  if (!lint.expect(prefix, features, "table")) return;
  for (const [key, value] of Object.entries(features as TomlTable)) {
    const suggestion = RELEVANT_FEATURES.includes(key) ? undefined : nearMiss(key, RELEVANT_FEATURES);
    if (suggestion) {
      lint.add("CONFIG_MISSPELT_KEY", {
        key: `${prefix}.${key}`,
        suggestion: `${prefix}.${suggestion}`,
        effect: "Codex ignores unknown [features] keys silently, so the feature stays off",
        snippet: `[${prefix}]\n${suggestion} = ${typeof value === "boolean" ? value : true}`,
      });
    } else {
      lint.expect(`${prefix}.${tomlKey(key)}`, value, "boolean");
    }
  }
}

function lintProviders(lint: Lint, raw: TomlTable, env: Env, activeProvider: string): void {
  const providers = raw.model_providers;
  if (providers === undefined || !lint.expect("model_providers", providers, "table")) return;
  for (const [id, entry] of Object.entries(providers as TomlTable)) {
    const path = `model_providers.${tomlKey(id)}`;
    if (!lint.expect(path, entry, "table")) continue;
    const p = entry as TomlTable;
    if ((RESERVED_PROVIDER_IDS as readonly string[]).includes(id)) {
      const newId = `${id}-custom`;
      const baseUrl = typeof p.base_url === "string" ? p.base_url : undefined;
      const snippet =
        id === "openai" && baseUrl
          ? `# remove [model_providers.openai]; to change the built-in provider's URL, at the top level:\nopenai_base_url = ${tomlString(baseUrl)}`
          : `# at the top level (above the first [table]):\nmodel_provider = ${tomlString(newId)}\n\n[model_providers.${newId}]\n${Object.entries(p)
              .filter(([, v]) => !isTable(v))
              .map(([k, v]) => copyEntry(k, v))
              .join("\n")}`;
      lint.add("CONFIG_RESERVED_PROVIDER", { id, snippet: snippet.trimEnd() });
    }
    for (const key of ["name", "base_url", "env_key", "env_key_instructions", "experimental_bearer_token"]) lint.expect(`${path}.${key}`, p[key], "string");
    for (const key of ["supports_websockets", "requires_openai_auth"]) lint.expect(`${path}.${key}`, p[key], "boolean");
    for (const key of ["request_max_retries", "stream_max_retries", "stream_idle_timeout_ms", "websocket_connect_timeout_ms"]) {
      lint.expect(`${path}.${key}`, p[key], "integer");
    }
    for (const key of ["query_params", "http_headers", "env_http_headers"]) lint.stringMap(`${path}.${key}`, p[key]);
    if (p.wire_api === "chat") {
      lint.add("CONFIG_WIRE_API_CHAT", { id, snippet: `[${path}]\nwire_api = "responses"` });
    } else {
      lint.enumValue(`${path}.wire_api`, p.wire_api, ["responses"]);
    }
    for (const key of Object.keys(p)) {
      if (PROVIDER_KEYS.includes(key)) continue;
      const suggestion = nearMiss(key, PROVIDER_KEYS);
      if (suggestion) {
        lint.add("CONFIG_MISSPELT_KEY", {
          key: `${path}.${key}`,
          suggestion: `${path}.${suggestion}`,
          effect: "Codex ignores unknown provider keys",
          snippet: `[${path}]\n${copyEntry(suggestion, p[key])}`,
        });
      }
    }
    if (typeof p.env_key === "string") {
      const envKey = p.env_key;
      if (isBlank(env[envKey])) {
        const active = id === activeProvider;
        lint.add(active ? "CONFIG_ENV_KEY_UNSET" : "CONFIG_ENV_KEY_UNSET_UNUSED", {
          id,
          var: envKey,
          state: env[envKey] === undefined ? "not set" : "empty",
        });
      }
    }
  }
}

function lintOtel(lint: Lint, otel: unknown): void {
  if (otel === undefined || !lint.expect("otel", otel, "table")) return;
  const o = otel as TomlTable;
  for (const slot of OTEL_EXPORTER_SLOTS) {
    const value = o[slot];
    if (value === undefined) continue;
    const path = `otel.${slot}`;
    if (typeof value === "string") {
      if (value !== "none" && value !== "statsig") {
        lint.invalid(path, 'one of "none", "statsig", or a [otel.exporter."otlp-http"] / [otel.exporter."otlp-grpc"] table', value);
      }
      continue;
    }
    if (!isTable(value)) {
      lint.wrongType(path, 'a string ("none", "statsig") or a table', value);
      continue;
    }
    const named = Object.keys(value).filter((k) => k !== "otlp-http" && k !== "otlp-grpc");
    // The article's shape is [otel.exporter.corp] with endpoint/tls inside; keys written straight
    // under [otel.exporter] (endpoint = …) are the same mistake, reported once.
    const groups: { name: string; table: TomlTable; key: string }[] = named.some((k) => isTable(value[k]))
      ? named.filter((k) => isTable(value[k])).map((k) => ({ name: k, table: value[k] as TomlTable, key: `${path}.${tomlKey(k)}` }))
      : named.length > 0
        ? [{ name: named[0], table: value, key: `${path} (keys written directly under it)` }]
        : [];
    for (const { name, table, key } of groups) {
      const endpoint = typeof table.endpoint === "string" ? table.endpoint : "https://otel-collector.example.com:4318";
      const lines = [`[otel.${slot}."otlp-http"]`, `endpoint = ${tomlString(endpoint)}`, `protocol = ${tomlString(typeof table.protocol === "string" ? table.protocol : "binary")}`];
      if (isTable(table.headers)) {
        // Header values are often credentials: never echoed.
        lines.push(`headers = { ${Object.keys(table.headers).map((k) => `${tomlKey(k)} = ${KEEP}`).join(", ")} }`);
      }
      if (isTable(table.tls)) {
        lines.push("", `[otel.${slot}."otlp-http".tls]`);
        for (const [k, v] of Object.entries(table.tls)) lines.push(copyEntry(k, v));
      }
      lint.add("CONFIG_OTEL_NAMED_EXPORTER", { key, slot, name, snippet: lines.join("\n") });
    }
    for (const kind of ["otlp-http", "otlp-grpc"] as const) {
      const exporter = value[kind];
      const at = `${path}.${tomlKey(kind)}`;
      if (exporter === undefined || !lint.expect(at, exporter, "table")) continue;
      const e = exporter as TomlTable;
      if (e.endpoint === undefined) lint.wrongType(`${at}.endpoint`, "a string (the collector URL)", undefined);
      lint.expect(`${at}.endpoint`, e.endpoint, "string");
      lint.expect(`${at}.protocol`, e.protocol, "string");
      lint.expect(`${at}.headers`, e.headers, "table");
      if (e.tls === undefined || !lint.expect(`${at}.tls`, e.tls, "table")) continue;
      for (const key of ["ca-certificate", "client-certificate", "client-private-key"]) {
        lint.expect(`${at}.tls.${tomlKey(key)}`, (e.tls as TomlTable)[key], "string");
      }
    }
  }
}

function lintSandbox(lint: Lint, raw: TomlTable): void {
  lint.enumValue("sandbox_mode", raw.sandbox_mode, SANDBOX_MODES);
  const sww = raw.sandbox_workspace_write;
  if (sww === undefined || !lint.expect("sandbox_workspace_write", sww, "table")) return;
  const t = sww as TomlTable;
  lint.expect("sandbox_workspace_write.network_access", t.network_access, "boolean");
  lint.expect("sandbox_workspace_write.exclude_tmpdir_env_var", t.exclude_tmpdir_env_var, "boolean");
  lint.expect("sandbox_workspace_write.exclude_slash_tmp", t.exclude_slash_tmp, "boolean");
  lint.expect("sandbox_workspace_write.writable_roots", t.writable_roots, "string-array");
  for (const key of Object.keys(t)) {
    if (SANDBOX_WW_KEYS.includes(key)) continue;
    const suggestion = /network|net_?access|internet/i.test(key) ? "network_access" : nearMiss(key, SANDBOX_WW_KEYS);
    if (suggestion) {
      lint.add("CONFIG_MISSPELT_KEY", {
        key: `sandbox_workspace_write.${key}`,
        suggestion: `sandbox_workspace_write.${suggestion}`,
        effect: suggestion === "network_access" ? "Codex ignores it, so sandboxed commands keep the default: no network" : "Codex ignores it",
        snippet: `[sandbox_workspace_write]\n${suggestion} = ${suggestion === "network_access" ? "true" : tomlValue(t[key])}`,
      });
    }
  }
}

function lintTopLevelKeys(lint: Lint, raw: TomlTable): void {
  for (const key of Object.keys(raw)) {
    if (/^respect[_-]system[_-]prox(y|ies)$/i.test(key)) {
      lint.add("CONFIG_MISSPELT_KEY", {
        key,
        suggestion: "features.respect_system_proxy",
        effect: "a top-level key Codex ignores: the feature lives under [features]",
        snippet: `[features]\nrespect_system_proxy = ${typeof raw[key] === "boolean" ? raw[key] : true}`,
      });
      continue;
    }
    if (/^network[_-]?access$/i.test(key)) {
      lint.add("CONFIG_MISSPELT_KEY", {
        key,
        suggestion: "sandbox_workspace_write.network_access",
        effect: "a top-level key Codex ignores: it belongs under [sandbox_workspace_write]",
        snippet: `sandbox_mode = "workspace-write"   # top level, above the first [table]\n\n[sandbox_workspace_write]\nnetwork_access = ${typeof raw[key] === "boolean" ? raw[key] : true}`,
      });
      continue;
    }
    if (KNOWN_TOP_LEVEL.has(key)) continue;
    const suggestion = nearMiss(key, RELEVANT_TOP_LEVEL);
    if (!suggestion) continue;
    const value = raw[key];
    const snippet = isTable(value)
      ? `[${suggestion}]\n${Object.entries(value).filter(([, v]) => !isTable(v)).map(([k, v]) => copyEntry(k, v)).join("\n")}`
      : copyEntry(suggestion, value);
    lint.add("CONFIG_MISSPELT_KEY", { key, suggestion, effect: "Codex ignores unknown top-level keys; 0.171 only warns at startup", snippet: snippet.trimEnd() });
  }
  // [auth] cli_auth_credentials_store (the article's shape): the key is top-level.
  if (isTable(raw.auth) && raw.auth.cli_auth_credentials_store !== undefined) {
    const value = raw.auth.cli_auth_credentials_store;
    lint.add("CONFIG_AUTH_TABLE", {
      value: typeof value === "string" ? value : tomlType(value),
      snippet: `# remove [auth]; at the top level (above the first [table]):\ncli_auth_credentials_store = ${tomlString(typeof value === "string" && AUTH_STORES.includes(value) ? value : "keyring")}`,
    });
  }
}

function lintProfiles(lint: Lint, config: CodexConfigReport): void {
  const raw = config.raw;
  lint.expect("profile", raw.profile, "string");
  if (raw.profiles !== undefined && lint.expect("profiles", raw.profiles, "table")) {
    for (const [name, table] of Object.entries(raw.profiles as TomlTable)) {
      const path = `profiles.${tomlKey(name)}`;
      if (!lint.expect(path, table, "table")) continue;
      const t = table as TomlTable;
      lint.expect(`${path}.model_provider`, t.model_provider, "string");
      lint.expect(`${path}.chatgpt_base_url`, t.chatgpt_base_url, "string");
      lint.enumValue(`${path}.sandbox_mode`, t.sandbox_mode, SANDBOX_MODES);
      lintFeatures(lint, `${path}.features`, t.features);
      for (const key of Object.keys(t)) {
        if ((PROFILE_KEYS as readonly string[]).includes(key) || !PROFILE_IGNORED_RELEVANT.includes(key)) continue;
        const value = t[key];
        const body = isTable(value)
          ? `[${key}]\n${Object.entries(value).filter(([, v]) => !isTable(v)).map(([k, v]) => copyEntry(k, v)).join("\n")}`
          : copyEntry(key, value);
        lint.add("CONFIG_PROFILE_KEY_IGNORED", { profile: name, key, snippet: `# move it out of [profiles.${tomlKey(name)}] to the top level:\n${body}`.trimEnd() });
      }
    }
  }
  const sel = selectedProfile(config);
  if (sel.missing && sel.name !== undefined) {
    const names = isTable(raw.profiles) ? Object.keys(raw.profiles) : [];
    lint.add("CONFIG_PROFILE_NOT_FOUND", {
      profile: sel.name,
      available: names.length > 0 ? names.join(", ") : "none",
      snippet: names.length > 0 ? `profile = ${tomlString(names[0])}` : `[profiles.${tomlKey(sel.name)}]\nsandbox_mode = "workspace-write"`,
    });
  }
}

function lintMcp(lint: Lint, raw: TomlTable, env: Env): void {
  const servers = raw.mcp_servers;
  if (servers === undefined || !lint.expect("mcp_servers", servers, "table")) return;
  for (const [name, entry] of Object.entries(servers as TomlTable)) {
    const path = `mcp_servers.${tomlKey(name)}`;
    if (!lint.expect(path, entry, "table")) continue;
    const s = entry as TomlTable;
    // Wrong types here make Codex refuse the whole config.toml, like anywhere else.
    lint.expect(`${path}.url`, s.url, "string");
    lint.expect(`${path}.command`, s.command, "string");
    lint.expect(`${path}.args`, s.args, "string-array");
    lint.expect(`${path}.enabled`, s.enabled, "boolean");
    lint.expect(`${path}.required`, s.required, "boolean");
    lint.expect(`${path}.http_headers`, s.http_headers, "table");
    lint.expect(`${path}.env_http_headers`, s.env_http_headers, "table");
    // Codex accepts `bearer_token` only to refuse it: a secret must not live in config.toml.
    if (s.bearer_token !== undefined) {
      lint.add("CONFIG_MCP_INLINE_BEARER", { path, tokenVar: `${name.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}_MCP_TOKEN` });
    }
    if (isTable(s.env_http_headers) && Object.values(s.env_http_headers).some((v) => typeof v !== "string")) {
      lint.wrongType(`${path}.env_http_headers`, "a table of header = \"VARIABLE_NAME\" strings", s.env_http_headers);
    }
    if (!lint.expect(`${path}.bearer_token_env_var`, s.bearer_token_env_var, "string")) continue;
    if (typeof s.bearer_token_env_var === "string" && s.enabled !== false && isBlank(env[s.bearer_token_env_var])) {
      lint.add("CONFIG_BEARER_ENV_UNSET", { server: name, var: s.bearer_token_env_var, state: env[s.bearer_token_env_var] === undefined ? "not set" : "empty" });
    }
  }
}

/** Every config.toml mistake this tool knows, in file order of concern. Never throws. */
export function lintConfig(config: CodexConfigReport, env: Env): ConfigIssue[] {
  const lint = new Lint(config.path);
  if (config.error || !config.exists) return lint.issues;
  const raw = config.raw;
  const profile = selectedProfile(config);
  const providerSetting = profile.table?.model_provider ?? raw.model_provider;

  lintProfiles(lint, config);
  lintTopLevelKeys(lint, raw);
  lint.expect("model_provider", raw.model_provider, "string");
  lint.expect("openai_base_url", raw.openai_base_url, "string");
  lint.expect("chatgpt_base_url", raw.chatgpt_base_url, "string");
  lint.expect("default_permissions", raw.default_permissions, "string");
  lint.enumValue("cli_auth_credentials_store", raw.cli_auth_credentials_store, AUTH_STORES);
  lintSandbox(lint, raw);
  for (const issue of parsePolicy(raw.shell_environment_policy).issues) {
    // Unknown keys inside the policy are the sandbox check's (it knows what they were meant to be).
    if (issue.problem === "unknown-key") continue;
    const got = issue.path.split(".").reduce<unknown>((t, k) => (isTable(t) ? t[k.replace(/\[\d+\]$/, "")] : undefined), raw);
    if (issue.problem === "wrong-type") lint.wrongType(issue.path, issue.expected, got);
    else lint.invalid(issue.path, issue.expected, got);
  }
  lintFeatures(lint, "features", raw.features);
  const activeProvider = typeof providerSetting === "string" ? providerSetting : "openai";
  lintProviders(lint, raw, env, activeProvider);
  if (typeof providerSetting === "string" && !BUILTIN_PROVIDER_IDS.includes(providerSetting)) {
    const providers = isTable(raw.model_providers) ? raw.model_providers : {};
    if (!isTable(providers[providerSetting])) {
      lint.add("CONFIG_PROVIDER_NOT_FOUND", {
        id: providerSetting,
        snippet: `[model_providers.${tomlKey(providerSetting)}]\nname = ${tomlString(providerSetting)}\nbase_url = "https://llm-gateway.example.com/v1"\nwire_api = "responses"`,
      });
    }
  }
  lintOtel(lint, raw.otel);
  lintMcp(lint, raw, env);
  return lint.issues;
}

// ---------------------------------------------------------------------------------------------
// $CODEX_HOME/.env

/** CA paths a .env may set (CODEX_CA_CERTIFICATE is never applied from .env). */
const DOTENV_CA_KEYS: readonly string[] = ["SSL_CERT_FILE", "SSL_CERT_DIR", ...OTHER_TOOL_CA_VARS];

export interface DotenvLintOptions {
  offline: boolean;
  /** Per-connect bound (kept short: a proxy either answers SYN at once or is not there). */
  timeoutMs: number;
  signal: AbortSignal;
  /**
   * The proxy variables Codex actually uses for its endpoints (resolveProxy). A dead HTTP_PROXY,
   * or an https_proxy hidden by HTTPS_PROXY, breaks nothing in Codex and is not probed.
   */
  usedProxyVars: ReadonlySet<string>;
}

/** Stale proxy and CA entries in $CODEX_HOME/.env (the entries Codex applies: the last per key). */
export async function lintDotenv(dotenv: DotenvFile, options: DotenvLintOptions): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const last = new Map<string, (typeof dotenv.entries)[number]>();
  for (const entry of dotenv.entries) if (!entry.ignored) last.set(entry.key, entry);
  // By key, not by line number: several fixes pasted one after another must not shift each other.
  const removeLine = (key: string) => `sed -i.bak '/^[[:space:]]*\\(export[[:space:]]\\{1,\\}\\)\\{0,1\\}${key}[[:space:]]*=/d' ${shellQuote(dotenv.path)}`;

  const probes: Promise<void>[] = [];
  const probed = new Map<string, Promise<{ ok: true } | { ok: false; code: string }>>();
  let uncheckedReported = false;
  for (const entry of last.values()) {
    // A value the doctor stopped expanding (its own limit) is only a prefix: nothing to check.
    if (entry.truncated) continue;
    if (isProxyVar(entry.key) && entry.value.trim() !== "") {
      if (!options.usedProxyVars.has(entry.key)) continue;
      const proxy = parseProxyUrl(entry.value.trim());
      if (!proxy.supported || !proxy.host) continue; // the env check explains malformed / SOCKS values
      if (options.offline) {
        if (!uncheckedReported) {
          issues.push({ code: "CONFIG_DOTENV_PROXY_UNCHECKED", vars: { path: dotenv.path, var: entry.key, proxy: proxy.display } });
          uncheckedReported = true;
        }
        continue;
      }
      const hostPort = `${proxy.host}:${proxy.port}`;
      let probe = probed.get(hostPort);
      if (!probe) {
        probe = probeTcp(proxy.host, proxy.port, options.timeoutMs, options.signal);
        probed.set(hostPort, probe);
      }
      probes.push(
        probe.then((r) => {
          if (r.ok) return;
          issues.push({
            code: "CONFIG_DOTENV_PROXY_DEAD",
            vars: { path: dotenv.path, var: entry.key, line: entry.line, proxy: proxy.display, code: r.code, fix: removeLine(entry.key) },
          });
        }),
      );
    } else if (DOTENV_CA_KEYS.includes(entry.key) && entry.value !== "") {
      const value = entry.value;
      const tilde = value.startsWith("~");
      if (!tilde && !/^([/\\]|[A-Za-z]:[/\\])/.test(value)) continue; // relative: depends on where Codex starts
      probes.push(
        (tilde ? Promise.resolve(false) : statAsync(value).then(() => true, (e: NodeJS.ErrnoException) => e.code !== "ENOENT" && e.code !== "ENOTDIR")).then((exists) => {
          if (exists) return;
          issues.push({
            code: "CONFIG_DOTENV_CA_MISSING",
            vars: {
              path: dotenv.path,
              var: entry.key,
              line: entry.line,
              value,
              why: tilde ? ".env values are not shell-expanded, so ~ is not your home directory" : "no such file or directory",
              fix: removeLine(entry.key),
            },
          });
        }),
      );
    }
  }
  await Promise.all(probes);
  // Stable order: by line.
  return issues.sort((a, b) => Number(a.vars.line ?? 0) - Number(b.vars.line ?? 0));
}
