// `$CODEX_HOME/.env`, loaded by Codex at startup (dotenvy) before anything else: each entry
// overrides the shell's value, except keys whose upper-cased name starts with CODEX_.
import type { Env, VarOrigin } from "../env.js";
import { readBoundedFile } from "../ca/file.js";
import { shellQuote } from "../shell.js";

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

type Lookup = (name: string) => string | undefined;

/** dotenvy substitution: `$NAME` or `${NAME}`, the process environment first, then earlier lines. */
function substituteAt(text: string, i: number, lookup: Lookup): { value: string; next: number } | undefined {
  const braced = /^\$\{([A-Za-z0-9_]+)\}/.exec(text.slice(i));
  const bare = /^\$([A-Za-z0-9_]+)/.exec(text.slice(i));
  const m = braced ?? bare;
  if (!m) return undefined;
  return { value: lookup(m[1]) ?? "", next: i + m[0].length };
}

function unquote(raw: string, lookup: Lookup): string {
  const value = raw.trim();
  if (value.startsWith("'")) {
    // Single quotes: literal, no escapes, no substitution.
    const end = value.indexOf("'", 1);
    return end > 0 ? value.slice(1, end) : value.slice(1);
  }
  const quoted = value.startsWith('"');
  // Unquoted: a " #" starts a comment.
  const body = quoted ? value.slice(1) : value.slice(0, value.search(/\s#/) >= 0 ? value.search(/\s#/) : undefined).trim();
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\" && i + 1 < body.length) {
      const n = body[++i];
      out += quoted && n === "n" ? "\n" : quoted && n === "t" ? "\t" : n;
    } else if (quoted && c === '"') {
      return out;
    } else if (c === "$") {
      const sub = substituteAt(body, i, lookup);
      if (sub) {
        out += sub.value;
        i = sub.next - 1;
      } else {
        out += c;
      }
    } else {
      out += c;
    }
  }
  return out;
}

/** `processEnv` is what substitution sees first (Codex's own environment), then earlier lines. */
export function parseDotenv(text: string, processEnv: Env = {}): { entries: Omit<DotenvEntry, "ignored">[]; badLines: number[] } {
  const entries: Omit<DotenvEntry, "ignored">[] = [];
  const badLines: number[] = [];
  const lookup: Lookup = (name) => processEnv[name] ?? [...entries].reverse().find((e) => e.key === name)?.value;
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)$/.exec(line);
    if (!match) {
      badLines.push(i + 1);
      return;
    }
    entries.push({ key: match[1], value: unquote(match[2], lookup), line: i + 1 });
  });
  return { entries, badLines };
}

export async function readDotenv(path: string, processEnv: Env = {}): Promise<DotenvFile> {
  const read = await readBoundedFile(path, 1024 * 1024);
  if (!read.ok) {
    return read.problem === "missing"
      ? { path, exists: false, entries: [], badLines: [] }
      : { path, exists: true, entries: [], badLines: [], readError: read.rustError };
  }
  const { entries, badLines } = parseDotenv(Buffer.from(read.bytes).toString("utf8"), processEnv);
  return {
    path,
    exists: true,
    badLines,
    entries: entries.map((e) => ({ ...e, ignored: e.key.toUpperCase().startsWith("CODEX_") })),
  };
}

/**
 * How to remove variables, as a pasteable step: `unset` only helps for the shell's; a value from
 * $CODEX_HOME/.env overrides the shell on every start, so that line has to go.
 */
export function unsetStep(names: string[], origins: Record<string, VarOrigin>, dotenv: DotenvFile): string {
  const fromDotenv = names.filter((n) => origins[n] === "dotenv");
  const fromShell = names.filter((n) => origins[n] !== "dotenv");
  const steps: string[] = [];
  if (fromShell.length > 0) steps.push(`unset ${fromShell.join(" ")}`);
  for (const name of fromDotenv) {
    const line = dotenv.entries.filter((e) => e.key === name).at(-1)?.line;
    steps.push(`delete the ${name} line${line ? ` (line ${line})` : ""} from ${shellQuote(dotenv.path)}`);
  }
  return steps.join("; ");
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
