// `$CODEX_HOME/.env`, loaded by Codex at startup (dotenvy) before anything else: each entry
// overrides the shell's value, except keys whose upper-cased name starts with CODEX_.
import type { Env, VarOrigin } from "../env.js";
import { readBoundedFile } from "../ca/file.js";

export interface DotenvEntry {
  key: string;
  value: string;
  line: number;
  /** CODEX_* keys are never applied by Codex. */
  ignored: boolean;
}

export interface DotenvFile {
  path: string;
  exists: boolean;
  entries: DotenvEntry[];
  /** Lines dotenvy could not parse (Codex skips them). */
  badLines: number[];
  readError?: string;
}

function unquote(raw: string): string {
  const value = raw.trim();
  if (value.startsWith("'")) {
    const end = value.indexOf("'", 1);
    return end > 0 ? value.slice(1, end) : value.slice(1);
  }
  if (value.startsWith('"')) {
    let out = "";
    for (let i = 1; i < value.length; i++) {
      const c = value[i];
      if (c === "\\" && i + 1 < value.length) {
        const n = value[++i];
        out += n === "n" ? "\n" : n === "t" ? "\t" : n;
      } else if (c === '"') {
        return out;
      } else {
        out += c;
      }
    }
    return out;
  }
  // Unquoted: a " #" starts a comment.
  const hash = value.search(/\s#/);
  return (hash >= 0 ? value.slice(0, hash) : value).trim();
}

export function parseDotenv(text: string): { entries: Omit<DotenvEntry, "ignored">[]; badLines: number[] } {
  const entries: Omit<DotenvEntry, "ignored">[] = [];
  const badLines: number[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)$/.exec(line);
    if (!match) {
      badLines.push(i + 1);
      return;
    }
    entries.push({ key: match[1], value: unquote(match[2]), line: i + 1 });
  });
  return { entries, badLines };
}

export async function readDotenv(path: string): Promise<DotenvFile> {
  const read = await readBoundedFile(path, 1024 * 1024);
  if (!read.ok) {
    return read.problem === "missing"
      ? { path, exists: false, entries: [], badLines: [] }
      : { path, exists: true, entries: [], badLines: [], readError: read.rustError };
  }
  const { entries, badLines } = parseDotenv(Buffer.from(read.bytes).toString("utf8"));
  return {
    path,
    exists: true,
    badLines,
    entries: entries.map((e) => ({ ...e, ignored: e.key.toUpperCase().startsWith("CODEX_") })),
  };
}

/** The environment Codex runs with: the shell's, overlaid by the applicable .env entries. */
export function applyDotenv(shell: Env, dotenv: DotenvFile): { env: Env; origins: Record<string, VarOrigin> } {
  const env: Record<string, string | undefined> = { ...shell };
  const origins: Record<string, VarOrigin> = {};
  for (const key of Object.keys(shell)) if (shell[key] !== undefined) origins[key] = "shell";
  for (const entry of dotenv.entries) {
    if (entry.ignored) continue;
    env[entry.key] = entry.value;
    origins[entry.key] = "dotenv";
  }
  return { env, origins };
}
