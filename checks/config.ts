// `$CODEX_HOME/config.toml` and `.env` read the way Codex reads them, and the mistakes people
// really make there (several copied from a widely shared article), each with what Codex does about
// it and the corrected snippet. The only network use is a quick TCP connect to a proxy named in
// .env (skipped with --offline), so the check itself is not a network check.
import { defineCheck, type Finding } from "../src/check.js";
import { CONFIG_FILE_LIMIT, selectedProfile } from "../src/codex/config.js";
import { formatBytes } from "../src/ca/file.js";
import { lintConfig, lintDotenv, type ConfigIssue } from "../src/codex/config-lint.js";
import { resolveProxy } from "../src/net/proxy.js";

/** Snippets show the corrected lines with their table: pasting a second copy of a header breaks TOML. */
const MERGE = "# Make {file} read like this (edit the existing lines; each [table] header may appear only once):\n";

const codes = {
  CONFIG_MISSING: {
    level: "info",
    message: "No {path}: Codex runs with its defaults (that is normal).",
  },
  CONFIG_LOADED: {
    level: "info",
    message: "Read {path}{profile}.",
  },
  CONFIG_SYNTAX_ERROR: {
    level: "error",
    message: "{path} is not valid TOML (line {line}, column {column}): {message}. Codex refuses to start with it.",
    hint: "Fix line {line} of {path}, then check the file: python3 -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], \"rb\"))' {path:sh}",
  },
  CONFIG_UNREADABLE: {
    level: "error",
    message: "{path} exists but cannot be read ({detail}): Codex fails to start.",
    hint: "ls -ld {path:sh} && chmod u+r {path:sh}",
  },
  CONFIG_TOO_LARGE: {
    level: "warn",
    message: "{path} is {size}: codex-doctor reads at most {limit} of it (its own limit, not Codex's), so it did not check the file. Codex reads all of it.",
    hint: "Check that {path} is the config.toml you meant; under {limit}, codex-doctor can check it.",
  },
  CONFIG_WRONG_TYPE: {
    level: "error",
    message: "{key} is {got} in {file}, but Codex expects {expected}: Codex refuses to load the file (\"invalid type\").",
    hint: MERGE + "{example:text}",
  },
  CONFIG_INVALID_VALUE: {
    level: "error",
    message: "{key} = {got} in {file} is not valid (Codex expects {expected}): Codex refuses to load the file.",
    hint: MERGE + "{example:text}",
  },
  CONFIG_PROFILE_NOT_FOUND: {
    level: "error",
    message: "profile = \"{profile}\" names no [profiles.{profile}] table (defined: {available}): Codex stops with \"config profile `{profile}` not found\".",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_PROFILE_KEY_IGNORED: {
    level: "warn",
    message: "[profiles.{profile}] sets {key}, which Codex does not read from a profile: the top-level value (or the default) applies.",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_MISSPELT_KEY: {
    level: "warn",
    message: "{key} is not a Codex setting ({effect}); you probably meant {suggestion}.",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_RESERVED_PROVIDER: {
    level: "error",
    message: "[model_providers.{id}] reuses a built-in provider id: Codex refuses to start with \"model_providers contains reserved built-in provider IDs: {id}. Built-in providers cannot be overridden.\"",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_PROVIDER_NOT_FOUND: {
    level: "error",
    message: "model_provider = \"{id}\", but there is no [model_providers.{id}] table: Codex stops with \"Model provider `{id}` not found\".",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_WIRE_API_CHAT: {
    level: "error",
    message: "[model_providers.{id}] has wire_api = \"chat\", which Codex no longer supports (it refuses to start): only \"responses\" works.",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_OTEL_NAMED_EXPORTER: {
    level: "error",
    message: "[{key}] is a named exporter table (the shape a widely shared article shows): Codex only accepts \"otlp-http\" or \"otlp-grpc\" there and refuses to load the file (unknown variant `{name}`).",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_AUTH_TABLE: {
    level: "warn",
    message: "cli_auth_credentials_store = \"{value}\" sits under [auth], where Codex ignores it: credentials stay in the default file store ($CODEX_HOME/auth.json).",
    hint: MERGE + "{snippet:text}",
  },
  CONFIG_ENV_KEY_UNSET: {
    level: "error",
    message: "The active provider [model_providers.{id}] reads its API key from {var}, which is {state} in the environment Codex runs with: every request fails before it is sent.",
    hint: "export {var:sh}=<your key>   # or add the line {var}=<your key> to $CODEX_HOME/.env",
  },
  CONFIG_ENV_KEY_UNSET_UNUSED: {
    level: "info",
    message: "[model_providers.{id}] reads its API key from {var}, which is {state}; harmless while another provider is active.",
    hint: "export {var:sh}=<your key>",
  },
  CONFIG_BEARER_ENV_UNSET: {
    level: "warn",
    message: "[mcp_servers.{server}] reads its bearer token from {var}, which is {state} in the environment Codex runs with: that MCP server cannot authenticate.",
    hint: "export {var:sh}=<token>   # or add the line {var}=<token> to $CODEX_HOME/.env",
  },
  CONFIG_MCP_INLINE_BEARER: {
    level: "error",
    message: "[{path}] has an inline bearer_token: Codex refuses it (a secret must not live in config.toml).",
    hint: "Move the token into an environment variable and name it instead:\n[{path}]\nbearer_token_env_var = \"{tokenVar}\"",
  },
  CONFIG_DOTENV_PROXY_DEAD: {
    level: "error",
    message: "{path} line {line} sets {var}={proxy}, but nothing answers there ({code}). A .env value overrides the shell's, so Codex's requests (and sandboxed commands) fail with only \"error sending request\".",
    hint: "Start that proxy, or remove the stale line: {fix:text}",
  },
  CONFIG_DOTENV_PROXY_UNCHECKED: {
    level: "info",
    message: "{path} sets {var}={proxy}; whether that proxy is listening was not checked (--offline).",
  },
  CONFIG_DOTENV_CA_MISSING: {
    level: "error",
    message: "{path} line {line} sets {var}={value}, which does not exist ({why}). The .env value overrides the shell's, for Codex and for sandboxed commands.",
    hint: "Point it at the real file, or remove the stale line: {fix:text}",
  },
} as const;

type Code = keyof typeof codes;

export const configCheck = defineCheck({
  id: "config",
  title: "Codex configuration (config.toml, .env)",
  codes,
  async run(ctx, { finding, signal }) {
    const config = ctx.config;
    const findings: Finding[] = [];
    const emit = (issue: ConfigIssue) => findings.push(finding(issue.code as Code, issue.vars));

    if (config.error) {
      if (config.error.kind === "too-large") {
        const { size, limit = CONFIG_FILE_LIMIT } = config.error;
        findings.push(finding("CONFIG_TOO_LARGE", { path: config.path, size: size !== undefined ? formatBytes(size) : `more than ${formatBytes(limit)}`, limit: formatBytes(limit) }));
      } else if (config.error.kind === "read" || config.error.line === undefined) {
        findings.push(finding("CONFIG_UNREADABLE", { path: config.path, detail: config.error.message.replace(/^cannot read:\s*/, "") }));
      } else {
        findings.push(
          finding("CONFIG_SYNTAX_ERROR", { path: config.path, line: config.error.line, column: config.error.column ?? "?", message: config.error.message }),
        );
      }
    } else if (!config.exists) {
      findings.push(finding("CONFIG_MISSING", { path: config.path }));
    } else {
      const profile = selectedProfile(config);
      findings.push(finding("CONFIG_LOADED", { path: config.path, profile: profile.name && !profile.missing ? ` (profile "${profile.name}")` : "" }));
    }

    const issues = lintConfig(config, ctx.env);
    issues.forEach(emit);
    const usedProxyVars = new Set(
      ctx.targets.flatMap((t) => {
        const via = URL.canParse(t.url) ? resolveProxy(t.url, ctx.env).via : null;
        return via ? [via] : [];
      }),
    );
    const dotenvIssues = await lintDotenv(ctx.dotenv, {
      usedProxyVars,
      offline: ctx.options.offline,
      timeoutMs: Math.min(ctx.options.timeoutMs, 1500),
      signal,
    });
    dotenvIssues.forEach(emit);

    const problems = findings.filter((f) => f.level !== "info").length;
    const what = config.error?.kind === "too-large" ? `${config.path} not checked (over codex-doctor's size limit)` : config.error ? `${config.path} cannot be loaded` : config.exists ? "config.toml read" : "no config.toml (Codex defaults)";
    return {
      summary: problems === 0 ? what : `${what}; ${problems} problem(s)`,
      findings,
      data: {
        path: config.path,
        exists: config.exists,
        profile: selectedProfile(config).name ?? null,
        error: config.error ?? null,
        dotenv: { path: ctx.dotenv.path, exists: ctx.dotenv.exists },
        issues: [...issues, ...dotenvIssues].map((i) => i.code),
      },
    };
  },
});
