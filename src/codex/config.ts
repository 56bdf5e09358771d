// `$CODEX_HOME/config.toml`, read with smol-toml. A missing file is normal (Codex defaults); a
// syntax error is reported with line and column. The selected profile's keys override the top level.
import { join } from "node:path";
import { parse, TomlError } from "smol-toml";
import type { Env } from "../env.js";
import { readCaFile } from "../ca/file.js";

export type TomlTable = Record<string, unknown>;

export interface CodexConfigReport {
  path: string;
  exists: boolean;
  /** The file as written (empty when missing or broken). */
  raw: TomlTable;
  /** raw with the active profile applied: what Codex acts on. */
  effective: TomlTable;
  profile?: string;
  error?: { message: string; line?: number; column?: number };
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function mergeTables(base: TomlTable, over: TomlTable): TomlTable {
  const out: TomlTable = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isTable(value) && isTable(out[key]) ? mergeTables(out[key] as TomlTable, value) : value;
  }
  return out;
}

export function parseCodexConfig(text: string, path: string, profileOverride?: string): CodexConfigReport {
  let raw: TomlTable;
  try {
    raw = parse(text) as TomlTable;
  } catch (err) {
    const e = err as TomlError & { line?: number; column?: number };
    const firstLine = String(e.message ?? err).split("\n")[0];
    return { path, exists: true, raw: {}, effective: {}, error: { message: firstLine, line: e.line, column: e.column } };
  }
  const profile = profileOverride ?? (typeof raw.profile === "string" ? raw.profile : undefined);
  let effective = raw;
  if (profile !== undefined) {
    const profiles = isTable(raw.profiles) ? raw.profiles : {};
    const chosen = profiles[profile];
    if (isTable(chosen)) effective = mergeTables(raw, chosen);
  }
  return { path, exists: true, raw, effective, profile };
}

export async function loadCodexConfig(codexHome: string, env: Env): Promise<CodexConfigReport> {
  const path = join(codexHome, "config.toml");
  const read = await readCaFile(path, 4 * 1024 * 1024);
  if (!read.ok) {
    if (read.problem === "missing") return { path, exists: false, raw: {}, effective: {} };
    return { path, exists: true, raw: {}, effective: {}, error: { message: `cannot read: ${read.rustError}` } };
  }
  void env;
  return parseCodexConfig(Buffer.from(read.bytes).toString("utf8"), path);
}
