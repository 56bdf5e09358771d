// Shared by the hostile-input tests: main() with a hermetic io (its own env, HOME, "platform store"
// and clock), the hint lines of a human or JSON report, and pasting commands into a real `sh`.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, type CliIo } from "../../src/cli.js";

export interface DoctorRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DoctorIo {
  env: Record<string, string>;
  home: string;
  /** The Linux platform-store file the doctor finds. */
  systemBundle: string;
  tty?: boolean;
}

/** Midnight UTC today: fixed for a run, never before the lab certificates' notBefore. */
const NOW = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);

export async function runDoctor(argv: string[], input: DoctorIo): Promise<DoctorRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: input.env,
    homedir: input.home,
    platform: "linux",
    stdoutIsTTY: input.tty ?? false,
    stderrIsTTY: false,
    now: () => NOW,
    linuxBundleCandidates: [input.systemBundle],
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The lines of the "Fix:" block and of every "→ hint" block of the human view, without their indentation. */
export function humanHintLines(text: string): string[] {
  const out: string[] = [];
  let block: "fix" | "hint" | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("Fix:  ")) {
      block = "fix";
      out.push(line.slice(6));
    } else if (line.startsWith("      → ")) {
      block = "hint";
      out.push(line.slice("      → ".length));
    } else if (block === "fix" && line.startsWith("      ")) {
      out.push(line.slice(6));
    } else if (block === "hint" && line.startsWith("        ")) {
      out.push(line.slice(8));
    } else {
      block = undefined;
    }
  }
  return out;
}

/** Every line of every hint (and of the diagnosis' fix) in a JSON report. */
export function jsonHintLines(text: string): string[] {
  const report = JSON.parse(text) as { diagnosis: { fix: string | null } | null; checks: { findings: { hint?: string }[] }[] };
  const hints = report.checks.flatMap((c) => c.findings.flatMap((f) => (f.hint ? [f.hint] : [])));
  if (report.diagnosis?.fix) hints.push(report.diagnosis.fix);
  return hints.flatMap((h) => h.split("\n"));
}

/** The commands the doctor's hints ask users to run (the first word of what they would paste). */
const PROGRAMS = ["cat", "openssl", "sed", "tail", "iconv", "chmod", "ls", "python3", "date"];
const COMMAND = new RegExp(`^(export|unset|printf|codex-doctor|${PROGRAMS.join("|")})\\s`);

/**
 * What a user might select and paste from one hint line: the text from a command word (at the
 * start, or after ": ", "; ", "(" or "&& ") to the end of the line, and that text cut before a ")",
 * " or ", ", " or ". " where the prose resumes. Every candidate is pasted on its own.
 */
export function pasteCandidates(line: string): string[] {
  const starts = [0, ...[...line.matchAll(/: |; |\(|&& /g)].map((m) => m.index! + m[0].length)];
  const out = new Set<string>();
  for (const start of starts) {
    const rest = line.slice(start);
    if (!COMMAND.test(rest)) continue;
    out.add(rest);
    for (const cut of rest.matchAll(/\)| or |, |\. /g)) out.add(rest.slice(0, cut.index));
  }
  return [...out];
}

export interface PasteResult {
  /** The candidates after which a file named PWNED existed. */
  pwned: string[];
  ran: number;
}

/**
 * Pastes each candidate into `sh` (eval, as typed at a prompt) in its own empty directory, with a
 * throwaway HOME and nothing but PATH in the environment, then looks for the marker file. What a
 * pasted line runs is decided by sh's parsing alone, so the programs the hints name are shell
 * functions that do nothing (a loaded machine starts openssl in a quarter of a second, and every
 * exec counts); `touch` stays the real program.
 */
export function pasteIntoSh(candidates: string[]): PasteResult {
  const root = mkdtempSync(join(tmpdir(), "codex-doctor-paste-"));
  try {
    const home = join(root, "home");
    mkdirSync(home);
    candidates.forEach((_, i) => mkdirSync(join(root, String(i + 1))));
    const stubs = PROGRAMS.map((p) => `${p}() { :; }; `).join("");
    const script = `${stubs}i=0; for f in "$@"; do i=$((i+1)); (cd "$R/$i" && eval "$f") </dev/null >/dev/null 2>&1; done; exit 0`;
    execFileSync("sh", ["-c", script, "sh", ...candidates], {
      env: { PATH: "/usr/bin:/bin", HOME: home, R: root },
      stdio: ["ignore", "ignore", "ignore"],
      timeout: 60_000,
    });
    const pwned: string[] = [];
    candidates.forEach((c, i) => {
      if (readdirSync(join(root, String(i + 1))).includes("PWNED")) pwned.push(c);
    });
    if (readdirSync(home).includes("PWNED")) pwned.push("(in HOME)");
    return { pwned, ran: candidates.length };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
