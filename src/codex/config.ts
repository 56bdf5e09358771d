// `$CODEX_HOME/config.toml`, read with smol-toml. A missing file is normal (Codex defaults); a
// syntax error is reported with line and column. The selected profile's keys override the top level.
import { join } from "node:path";
import { parse, TomlError } from "smol-toml";
import { readBoundedFile } from "../ca/file.js";

export type TomlTable = Record<string, unknown>;

export interface CodexConfigReport {
  path: string;
  exists: boolean;
  /** The file as written (empty when missing or broken). Read settings through codexSetting(). */
  raw: TomlTable;
  profile?: string;
  /**
   * kind: "syntax" (TOML parse error, with line/column), "read" (the file could not be read) or
   * "too-large" (over CONFIG_FILE_LIMIT, the doctor's own limit: Codex reads it, the doctor did not).
   */
  error?: { message: string; line?: number; column?: number; kind?: "syntax" | "read" | "too-large"; size?: number; limit?: number };
}

/** codex-doctor reads at most this much of config.toml (Codex reads all of it). */
export const CONFIG_FILE_LIMIT = 4 * 1024 * 1024;

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function parseCodexConfig(text: string, path: string): CodexConfigReport {
  let raw: TomlTable;
  try {
    raw = parse(text) as TomlTable;
  } catch (err) {
    const e = err as TomlError & { line?: number; column?: number };
    const firstLine = String(e.message ?? err).split("\n")[0];
    return { path, exists: true, raw: {}, error: { message: firstLine, line: e.line, column: e.column, kind: "syntax" } };
  }
  const profile = typeof raw.profile === "string" ? raw.profile : undefined;
  return { path, exists: true, raw, profile };
}

export async function loadCodexConfig(codexHome: string): Promise<CodexConfigReport> {
  const path = join(codexHome, "config.toml");
  const read = await readBoundedFile(path, CONFIG_FILE_LIMIT);
  if (!read.ok) {
    if (read.problem === "missing") return { path, exists: false, raw: {} };
    if (read.problem === "too-large") {
      return { path, exists: true, raw: {}, error: { message: read.rustError, kind: "too-large", size: read.size, limit: CONFIG_FILE_LIMIT } };
    }
    return { path, exists: true, raw: {}, error: { message: `cannot read: ${read.rustError}`, kind: "read" } };
  }
  return parseCodexConfig(Buffer.from(read.bytes).toString("utf8"), path);
}

/** Keys Codex reads from a `[profiles.<name>]` table (codex-rs `ConfigProfile`); others are ignored there. */
export const PROFILE_KEYS = [
  "model", "service_tier", "model_provider", "approval_policy", "approvals_reviewer", "sandbox_mode",
  "model_reasoning_effort", "plan_mode_reasoning_effort", "model_reasoning_summary", "model_verbosity",
  "model_catalog_json", "personality", "chatgpt_base_url", "openai_file_api_base_url", "model_instructions_file",
  "js_repl_node_path", "js_repl_node_module_dirs", "zsh_path", "experimental_instructions_file",
  "experimental_compact_prompt_file", "include_apply_patch_tool", "include_permissions_instructions",
  "include_apps_instructions", "include_environment_context", "experimental_use_unified_exec_tool",
  "experimental_use_freeform_apply_patch", "tools_view_image", "tools", "web_search", "analytics", "windows",
  "features", "oss_provider",
] as const;

export interface SelectedProfile {
  name?: string;
  /** The profile table, when it exists and is a table. */
  table?: TomlTable;
  /** `profile = "x"` names no [profiles.x] table (Codex refuses to start). */
  missing: boolean;
}

/** The active profile as Codex picks it: top-level `profile` naming a `[profiles.<name>]` table. */
export function selectedProfile(config: CodexConfigReport): SelectedProfile {
  const name = config.profile ?? (typeof config.raw.profile === "string" ? config.raw.profile : undefined);
  if (name === undefined) return { missing: false };
  const profiles = isTable(config.raw.profiles) ? config.raw.profiles : {};
  const table = profiles[name];
  return isTable(table) ? { name, table, missing: false } : { name, missing: true };
}

/**
 * The value Codex acts on for a top-level key: the active profile's when the key is one a profile
 * can set (PROFILE_KEYS) and the profile sets it, else the top-level value.
 */
export function codexSetting(config: CodexConfigReport, key: string): unknown {
  const profile = selectedProfile(config).table;
  if (profile && (PROFILE_KEYS as readonly string[]).includes(key) && profile[key] !== undefined) return profile[key];
  return config.raw[key];
}
