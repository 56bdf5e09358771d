// `$CODEX_HOME/.env`, loaded by Codex at startup (dotenvy) before anything else: each entry
// overrides the shell's value, except keys whose upper-cased name starts with CODEX_.
import type { Env, VarOrigin } from "../env.js";
import { readBoundedFile } from "../ca/file.js";
import { shellQuote } from "../shell.js";

/**
 * codex-doctor's own bounds on `$NAME` substitution (dotenvy has none: Codex builds every value in
 * full, however large). Past them the doctor stops expanding and says so; the entry is marked.
 */
export const DOTENV_VALUE_LIMIT = 1024 * 1024;
/** Characters substitution may add across the whole file (literal text is bounded by the file cap). */
export const DOTENV_EXPANSION_BUDGET = 8 * 1024 * 1024;
/** The doctor reads at most this much of .env (Codex reads all of it). */
export const DOTENV_FILE_LIMIT = 1024 * 1024;

export interface DotenvEntry {
  key: string;
  value: string;
  line: number;
  /** CODEX_* keys are never applied by Codex. */
  ignored: boolean;
  /**
   * The doctor stopped expanding this value at its own limit: `value` is only a prefix, and
   * `fullLength` is the length Codex would build (saturating at Number.MAX_SAFE_INTEGER).
   */
  truncated?: { fullLength: number };
}

export interface DotenvFile {
  path: string;
  exists: boolean;
  entries: DotenvEntry[];
  /** Lines dotenvy could not parse (Codex skips them). */
  badLines: number[];
  readError?: string;
  /** Larger than the doctor reads (DOTENV_FILE_LIMIT): nothing in it is known. */
  tooLarge?: { size?: number; limit: number };
}

/** What a name substitutes to, and the length Codex would give it (larger than value when truncated). */
interface Known {
  value: string;
  fullLength: number;
}
type Lookup = (name: string) => Known | undefined;

const BRACED = /\$\{([A-Za-z0-9_]+)\}/y;
const BARE = /\$([A-Za-z0-9_]+)/y;

/** dotenvy substitution at `$`: `$NAME` or `${NAME}`; sticky regexes, so no copy of the rest of the line. */
function referenceAt(text: string, i: number): { name: string; next: number } | undefined {
  for (const re of [BRACED, BARE]) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (m) return { name: m[1], next: i + m[0].length };
  }
  return undefined;
}

const saturatingAdd = (a: number, b: number) => Math.min(a + b, Number.MAX_SAFE_INTEGER);

/** Appends substituted text within the value limit and what is left of the file's budget. */
class Expansion {
  out = "";
  /** The length Codex would reach (the doctor's `out` stops growing at its limits). */
  fullLength = 0;
  truncated = false;

  constructor(private readonly budget: { left: number }) {}

  literal(text: string): void {
    this.fullLength = saturatingAdd(this.fullLength, text.length);
    if (this.truncated) return;
    if (this.out.length + text.length > DOTENV_VALUE_LIMIT) return this.cut(text);
    this.out += text;
  }

  substitution(known: Known | undefined): void {
    if (!known) return;
    this.fullLength = saturatingAdd(this.fullLength, known.fullLength);
    if (this.truncated) return;
    // A truncated source value makes this one truncated too: its real text is not known.
    const room = Math.min(DOTENV_VALUE_LIMIT - this.out.length, this.budget.left);
    if (known.value.length > room || known.fullLength > known.value.length) {
      this.budget.left -= Math.min(room, known.value.length);
      return this.cut(known.value.slice(0, room));
    }
    this.budget.left -= known.value.length;
    this.out += known.value;
  }

  private cut(text: string): void {
    this.out += text.slice(0, Math.max(0, DOTENV_VALUE_LIMIT - this.out.length));
    this.truncated = true;
  }
}

function unquote(raw: string, lookup: Lookup, budget: { left: number }): Expansion {
  const value = raw.trim();
  const x = new Expansion(budget);
  if (value.startsWith("'")) {
    // Single quotes: literal, no escapes, no substitution.
    const end = value.indexOf("'", 1);
    x.literal(end > 0 ? value.slice(1, end) : value.slice(1));
    return x;
  }
  const quoted = value.startsWith('"');
  // Unquoted: a " #" starts a comment.
  const comment = quoted ? -1 : value.search(/\s#/);
  const body = quoted ? value.slice(1) : (comment >= 0 ? value.slice(0, comment) : value).trim();
  // Runs of plain characters are appended in one piece: the loop only stops at \, " and $.
  let run = 0;
  const flush = (i: number) => {
    if (i > run) x.literal(body.slice(run, i));
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\" && i + 1 < body.length) {
      flush(i);
      const n = body[++i];
      x.literal(quoted && n === "n" ? "\n" : quoted && n === "t" ? "\t" : n);
      run = i + 1;
    } else if (quoted && c === '"') {
      flush(i);
      return x;
    } else if (c === "$") {
      const ref = referenceAt(body, i);
      if (!ref) continue;
      flush(i);
      x.substitution(lookup(ref.name));
      i = ref.next - 1;
      run = ref.next;
    }
  }
  flush(body.length);
  return x;
}

type ParsedEntry = Omit<DotenvEntry, "ignored">;

/**
 * `processEnv` is what substitution sees first (Codex's own environment), then earlier lines.
 * Linear in the input: earlier lines are looked up in a map, and substitution adds at most
 * DOTENV_EXPANSION_BUDGET characters in all.
 */
export function parseDotenv(text: string, processEnv: Env = {}): { entries: ParsedEntry[]; badLines: number[] } {
  const entries: ParsedEntry[] = [];
  const badLines: number[] = [];
  const earlier = new Map<string, Known>();
  const lookup: Lookup = (name) => {
    const fromEnv = processEnv[name];
    return fromEnv !== undefined ? { value: fromEnv, fullLength: fromEnv.length } : earlier.get(name);
  };
  const budget = { left: DOTENV_EXPANSION_BUDGET };
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)$/.exec(line);
    if (!match) {
      badLines.push(i + 1);
      return;
    }
    const x = unquote(match[2], lookup, budget);
    const entry: ParsedEntry = { key: match[1], value: x.out, line: i + 1 };
    if (x.truncated) entry.truncated = { fullLength: x.fullLength };
    entries.push(entry);
    earlier.set(entry.key, { value: x.out, fullLength: x.fullLength });
  });
  return { entries, badLines };
}

export async function readDotenv(path: string, processEnv: Env = {}): Promise<DotenvFile> {
  const read = await readBoundedFile(path, DOTENV_FILE_LIMIT);
  if (!read.ok) {
    if (read.problem === "missing") return { path, exists: false, entries: [], badLines: [] };
    if (read.problem === "too-large") return { path, exists: true, entries: [], badLines: [], tooLarge: { size: read.size, limit: DOTENV_FILE_LIMIT } };
    return { path, exists: true, entries: [], badLines: [], readError: read.rustError };
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
