// What sandboxed commands see: Codex's `[shell_environment_policy]` algorithm (codex-rs
// `config/src/shell_environment.rs` `populate_env`), applied to the environment Codex itself runs
// with, plus the sandbox's network switch. Pure: no I/O, no process.env; every step is traced so a
// check can say which rule removed a variable.
import { isProxyVar, OTHER_TOOL_CA_VARS, type Env } from "../env.js";
import { isTable, type TomlTable } from "./config.js";
import { tomlKey, tomlString, tomlType } from "./toml.js";

export type Inherit = "all" | "core" | "none";

export interface ShellEnvPolicy {
  inherit: Inherit;
  /** TOML default is TRUE (`unwrap_or(true)`): the default excludes are off unless set to false. */
  ignoreDefaultExcludes: boolean;
  exclude: string[];
  /** Insertion order kept (TOML order). */
  set: [string, string][];
  includeOnly: string[];
  experimentalUseProfile: boolean;
}

export const DEFAULT_POLICY: ShellEnvPolicy = {
  inherit: "all",
  ignoreDefaultExcludes: true,
  exclude: [],
  set: [],
  includeOnly: [],
  experimentalUseProfile: false,
};

export const DEFAULT_EXCLUDES = ["*KEY*", "*SECRET*", "*TOKEN*"] as const;

/** Newer Codex core list: COMMON_CORE_VARS + PLATFORM_CORE_VARS. */
export const CORE_VARS_COMMON = ["PATH", "SHELL", "TMPDIR", "TEMP", "TMP"] as const;
export const CORE_VARS_UNIX = ["HOME", "LANG", "LC_ALL", "LC_CTYPE", "LOGNAME", "USER"] as const;
export const CORE_VARS_WINDOWS = [
  "APPDATA", "COMSPEC", "HOMEDRIVE", "HOMEPATH", "LOCALAPPDATA", "PATHEXT", "PROGRAMDATA", "PROGRAMFILES",
  "PROGRAMFILES(X86)", "PROGRAMW6432", "SYSTEMROOT", "USERNAME", "USERPROFILE", "WINDIR",
] as const;

export const POLICY_KEYS = ["inherit", "ignore_default_excludes", "exclude", "set", "include_only", "experimental_use_profile"] as const;

export function coreVars(platform: NodeJS.Platform): string[] {
  return [...CORE_VARS_COMMON, ...(platform === "win32" ? CORE_VARS_WINDOWS : CORE_VARS_UNIX)];
}

/** The CA and proxy variables sandboxed tools read, in both cases. */
export const SANDBOX_CA_VARS = ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "SSL_CERT_DIR", ...OTHER_TOOL_CA_VARS] as const;
export const SANDBOX_PROXY_VARS = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"] as const;

export function sandboxWatchList(): string[] {
  const out: string[] = [];
  for (const name of [...SANDBOX_CA_VARS, ...SANDBOX_PROXY_VARS]) out.push(name, name.toLowerCase());
  return out;
}

export { isProxyVar };

/**
 * wildmatch's `WildMatchPattern<'*','?'>` built case-insensitive: `*` is any run (also empty), `?`
 * one character, everything else literal (no character classes).
 */
export function wildmatch(pattern: string, name: string): boolean {
  const p = [...pattern.toLowerCase()];
  const s = [...name.toLowerCase()];
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === "?" || (p[pi] !== "*" && p[pi] === s[si]))) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

export function matchingPattern(name: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => wildmatch(p, name));
}

// ---------------------------------------------------------------------------------------------
// Reading the TOML table (wrong types become issues, never exceptions)

export interface PolicyIssue {
  /** Dotted path, e.g. "shell_environment_policy.set.SSL_CERT_FILE". */
  path: string;
  problem: "wrong-type" | "invalid-value" | "unknown-key";
  expected: string;
  got: string;
}

export interface ParsedPolicy {
  policy: ShellEnvPolicy;
  /** A table was written (possibly empty). */
  present: boolean;
  issues: PolicyIssue[];
}


function stringList(value: unknown, path: string, issues: PolicyIssue[]): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push({ path, problem: "wrong-type", expected: "an array of strings", got: tomlType(value) });
    return [];
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === "string") out.push(item);
    else issues.push({ path: `${path}[${i}]`, problem: "wrong-type", expected: "a string", got: tomlType(item) });
  });
  return out;
}

function bool(value: unknown, path: string, fallback: boolean, issues: PolicyIssue[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  issues.push({ path, problem: "wrong-type", expected: "a boolean (true or false)", got: tomlType(value) });
  return fallback;
}

/** Reads a `[shell_environment_policy]` value the way Codex's serde struct would. */
export function parsePolicy(value: unknown, where = "shell_environment_policy"): ParsedPolicy {
  const issues: PolicyIssue[] = [];
  if (value === undefined) return { policy: { ...DEFAULT_POLICY }, present: false, issues };
  if (!isTable(value)) {
    issues.push({ path: where, problem: "wrong-type", expected: "a table", got: tomlType(value) });
    return { policy: { ...DEFAULT_POLICY }, present: true, issues };
  }
  const t = value as TomlTable;
  let inherit: Inherit = "all";
  if (t.inherit !== undefined) {
    if (typeof t.inherit !== "string") {
      issues.push({ path: `${where}.inherit`, problem: "wrong-type", expected: 'one of "all", "core", "none"', got: tomlType(t.inherit) });
    } else if (t.inherit === "all" || t.inherit === "core" || t.inherit === "none") {
      inherit = t.inherit;
    } else {
      issues.push({ path: `${where}.inherit`, problem: "invalid-value", expected: 'one of "all", "core", "none"', got: JSON.stringify(t.inherit) });
    }
  }
  const set: [string, string][] = [];
  if (t.set !== undefined) {
    if (!isTable(t.set)) {
      issues.push({ path: `${where}.set`, problem: "wrong-type", expected: "a table of strings", got: tomlType(t.set) });
    } else {
      for (const [k, v] of Object.entries(t.set)) {
        if (typeof v === "string") set.push([k, v]);
        else issues.push({ path: `${where}.set.${k}`, problem: "wrong-type", expected: "a string", got: tomlType(v) });
      }
    }
  }
  for (const key of Object.keys(t)) {
    if (!(POLICY_KEYS as readonly string[]).includes(key)) {
      issues.push({ path: `${where}.${key}`, problem: "unknown-key", expected: POLICY_KEYS.join(", "), got: key });
    }
  }
  return {
    present: true,
    issues,
    policy: {
      inherit,
      ignoreDefaultExcludes: bool(t.ignore_default_excludes, `${where}.ignore_default_excludes`, true, issues),
      exclude: stringList(t.exclude, `${where}.exclude`, issues),
      set,
      includeOnly: stringList(t.include_only, `${where}.include_only`, issues),
      experimentalUseProfile: bool(t.experimental_use_profile, `${where}.experimental_use_profile`, false, issues),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The algorithm, traced

export type Removal =
  | { rule: "inherit"; inherit: "core" | "none" }
  | { rule: "default-excludes"; pattern: string }
  | { rule: "exclude"; pattern: string }
  | { rule: "include-only"; patterns: string[] };

export interface VarFate {
  name: string;
  /** Set in the environment Codex runs with (shell + .env overlay). */
  inCodexEnv: boolean;
  reaches: boolean;
  /** Where the sandbox value comes from when it reaches. */
  source?: "inherited" | "set";
  /** The value commands see (when it reaches). */
  value?: string;
  /** Why it does not reach (absent when it was never set anywhere). */
  removedBy?: Removal;
  /** `set` assigned it, then include_only dropped it (include_only runs after set). */
  setDroppedByIncludeOnly?: boolean;
  /** An earlier rule removed the inherited value and `set` put one back. */
  restoredBySet?: Removal;
}

export interface PolicyEvaluation {
  /** Steps 1-5: what populate_env returns (before CODEX_THREAD_ID and the spawn layer). */
  env: Record<string, string>;
  fate(name: string): VarFate;
}

export function evaluatePolicy(codexEnv: Env, policy: ShellEnvPolicy, platform: NodeJS.Platform): PolicyEvaluation {
  const map = new Map<string, { value: string; source: "inherited" | "set" }>();
  const removed = new Map<string, Removal>();
  const restored = new Map<string, Removal>();
  const droppedSet = new Set<string>();
  const defined = Object.entries(codexEnv).filter((e): e is [string, string] => e[1] !== undefined);

  // Step 1: inherit.
  if (policy.inherit === "all") {
    for (const [k, v] of defined) map.set(k, { value: v, source: "inherited" });
  } else {
    const core = coreVars(platform);
    const isCore = (name: string) =>
      policy.inherit === "core" && (platform === "win32" ? core.some((c) => c.toUpperCase() === name.toUpperCase()) : core.includes(name));
    for (const [k, v] of defined) {
      if (isCore(k)) map.set(k, { value: v, source: "inherited" });
      else removed.set(k, { rule: "inherit", inherit: policy.inherit as "core" | "none" });
    }
  }
  // Step 2: default excludes, only when ignore_default_excludes = false.
  if (!policy.ignoreDefaultExcludes) {
    for (const k of [...map.keys()]) {
      const pattern = matchingPattern(k, DEFAULT_EXCLUDES);
      if (pattern) {
        map.delete(k);
        removed.set(k, { rule: "default-excludes", pattern });
      }
    }
  }
  // Step 3: exclude.
  for (const k of [...map.keys()]) {
    const pattern = matchingPattern(k, policy.exclude);
    if (pattern) {
      map.delete(k);
      removed.set(k, { rule: "exclude", pattern });
    }
  }
  // Step 4: set.
  for (const [k, v] of policy.set) {
    const before = removed.get(k);
    if (before) restored.set(k, before);
    removed.delete(k);
    map.set(k, { value: v, source: "set" });
  }
  // Step 5: include_only (after set: it can drop what set added).
  if (policy.includeOnly.length > 0) {
    for (const [k, entry] of [...map.entries()]) {
      if (matchingPattern(k, policy.includeOnly) === undefined) {
        map.delete(k);
        removed.set(k, { rule: "include-only", patterns: policy.includeOnly });
        if (entry.source === "set") droppedSet.add(k);
      }
    }
  }

  const env: Record<string, string> = {};
  for (const [k, e] of map) env[k] = e.value;
  return {
    env,
    fate(name: string): VarFate {
      const inCodexEnv = codexEnv[name] !== undefined;
      const entry = map.get(name);
      if (entry) {
        const fate: VarFate = { name, inCodexEnv, reaches: true, source: entry.source, value: entry.value };
        const r = restored.get(name);
        if (r) fate.restoredBySet = r;
        return fate;
      }
      const fate: VarFate = { name, inCodexEnv, reaches: false };
      const r = removed.get(name);
      if (r) fate.removedBy = r;
      if (droppedSet.has(name)) fate.setDroppedByIncludeOnly = true;
      return fate;
    },
  };
}

/** What the spawn layer adds after the policy (Codex's populate_env step 6 and exec). */
export function sandboxSpawnEnv(
  policyEnv: Record<string, string>,
  input: { platform: NodeJS.Platform; networkDisabled: boolean; sandboxed: boolean; threadId?: string },
): Record<string, string> {
  const env = { ...policyEnv };
  env.CODEX_THREAD_ID = input.threadId ?? "codex-doctor";
  if (input.platform === "win32" && !Object.keys(env).some((k) => k.toUpperCase() === "PATHEXT")) env.PATHEXT = ".COM;.EXE;.BAT;.CMD";
  if (input.sandboxed && input.networkDisabled) env.CODEX_SANDBOX_NETWORK_DISABLED = "1";
  if (input.sandboxed && input.platform === "darwin") env.CODEX_SANDBOX = "seatbelt";
  return env;
}

export function describeRemoval(r: Removal, platform: NodeJS.Platform): string {
  switch (r.rule) {
    case "inherit":
      return r.inherit === "none"
        ? 'inherit = "none" starts sandboxed commands from an empty environment'
        : `inherit = "core" keeps only ${coreVars(platform).join(", ")}`;
    case "default-excludes":
      return `ignore_default_excludes = false removes names matching "${r.pattern}"`;
    case "exclude":
      return `exclude pattern "${r.pattern}" removes it`;
    case "include-only":
      return `include_only (${r.patterns.map((p) => JSON.stringify(p)).join(", ")}) does not match it`;
  }
}

// ---------------------------------------------------------------------------------------------
// The sandbox's network switch

export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access";

export interface SandboxNetwork {
  mode: SandboxMode | null;
  /** config: top-level sandbox_mode; profile: [profiles.X] sandbox_mode; assumed: not set. */
  modeSource: "config" | "profile" | "assumed" | "invalid";
  /** true / false, or null when a [permissions] profile decides (not evaluated). */
  network: boolean | null;
  networkAccess: boolean;
  why: string;
  /** sandbox_workspace_write.network_access = true with a mode that ignores it. */
  networkAccessIgnored: boolean;
  defaultPermissions?: string;
  /** [projects] entries with a trust decision (they turn an unset sandbox_mode into workspace-write there). */
  trustedProjects: number;
}

function sandboxModeOf(value: unknown): SandboxMode | "invalid" | undefined {
  if (value === undefined) return undefined;
  return value === "read-only" || value === "workspace-write" || value === "danger-full-access" ? value : "invalid";
}

export function sandboxNetwork(raw: TomlTable, profile: TomlTable | undefined): SandboxNetwork {
  const fromProfile = profile ? sandboxModeOf(profile.sandbox_mode) : undefined;
  const fromTop = sandboxModeOf(raw.sandbox_mode);
  const chosen = fromProfile ?? fromTop;
  const modeSource: SandboxNetwork["modeSource"] =
    chosen === "invalid" ? "invalid" : fromProfile !== undefined ? "profile" : fromTop !== undefined ? "config" : "assumed";
  const mode: SandboxMode | null = chosen === "invalid" ? null : (chosen ?? "read-only");
  const sww = isTable(raw.sandbox_workspace_write) ? raw.sandbox_workspace_write : {};
  const networkAccess = sww.network_access === true;
  const projects = isTable(raw.projects) ? Object.values(raw.projects) : [];
  const trustedProjects = projects.filter((p) => isTable(p) && p.trust_level === "trusted").length;
  const base = { modeSource, networkAccess, trustedProjects };
  if (typeof raw.default_permissions === "string") {
    return {
      ...base,
      mode,
      network: null,
      networkAccessIgnored: false,
      defaultPermissions: raw.default_permissions,
      why: `default_permissions = "${raw.default_permissions}" selects a [permissions] profile, which decides network access`,
    };
  }
  if (mode === "danger-full-access") {
    return { ...base, mode, network: true, networkAccessIgnored: false, why: 'sandbox_mode = "danger-full-access" does not sandbox commands' };
  }
  if (mode === "workspace-write") {
    return networkAccess
      ? { ...base, mode, network: true, networkAccessIgnored: false, why: 'sandbox_mode = "workspace-write" with sandbox_workspace_write.network_access = true' }
      : { ...base, mode, network: false, networkAccessIgnored: false, why: 'sandbox_mode = "workspace-write" without sandbox_workspace_write.network_access = true' };
  }
  const why =
    modeSource === "assumed" ? "sandbox_mode is not set, so read-only is assumed"
    : modeSource === "invalid" ? "sandbox_mode has an invalid value"
    : 'sandbox_mode = "read-only"';
  return { ...base, mode, network: false, networkAccessIgnored: networkAccess && mode === "read-only", why };
}

// ---------------------------------------------------------------------------------------------
// TOML rendering for pasteable snippets


export interface RenderEntry {
  value: string;
  /** Appended as a TOML comment (e.g. "replace **** with the proxy password"). */
  comment?: string;
}

/** A complete `[<table>]` for the policy, set as a sub-table so entries can carry comments. */
export function renderPolicyToml(
  table: string,
  policy: { inherit: Inherit; ignoreDefaultExcludes?: boolean; exclude: string[]; includeOnly: string[]; set: [string, RenderEntry][]; experimentalUseProfile?: boolean },
): string {
  const lines = [`[${table}]`, `inherit = ${tomlString(policy.inherit)}`];
  if (policy.ignoreDefaultExcludes === false) lines.push("ignore_default_excludes = false");
  if (policy.experimentalUseProfile) lines.push("experimental_use_profile = true");
  if (policy.exclude.length > 0) lines.push(`exclude = [${policy.exclude.map(tomlString).join(", ")}]`);
  if (policy.includeOnly.length > 0) lines.push(`include_only = [${policy.includeOnly.map(tomlString).join(", ")}]`);
  if (policy.set.length > 0) {
    lines.push("", `[${table}.set]`);
    for (const [k, e] of policy.set) lines.push(`${tomlKey(k)} = ${tomlString(e.value)}${e.comment ? `  # ${e.comment}` : ""}`);
  }
  return lines.join("\n");
}
