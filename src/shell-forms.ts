// A fix is pasted into the user's shell: POSIX sh/bash/zsh or PowerShell. Every value goes through
// the shell's own quoting, so a path with spaces, quotes or `$(...)` stays a path.
import { shellQuote } from "./shell.js";

export type ShellKind = "posix" | "powershell";

/** PowerShell's literal string: single quotes, a quote doubled inside. */
export function powershellQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Sets a variable for this shell session. */
export function setVariable(shell: ShellKind, name: string, value: string): string {
  return shell === "posix" ? `export ${name}=${shellQuote(value)}` : `$env:${name} = ${powershellQuote(value)}`;
}

/** How to make the variable permanent, for every new shell (and for Codex started from an IDE). */
export function persistVariable(shell: ShellKind, name: string, value: string): string[] {
  if (shell === "powershell") {
    return [`[Environment]::SetEnvironmentVariable(${powershellQuote(name)}, ${powershellQuote(value)}, 'User')`];
  }
  const line = `export ${name}=${shellQuote(value)}`;
  return [`printf '%s\\n' ${shellQuote(line)} >> ~/.bashrc   # or ~/.zshrc, ~/.profile`];
}

/** The shell the user most likely pastes into. */
export function defaultShell(platform: NodeJS.Platform): ShellKind {
  return platform === "win32" ? "powershell" : "posix";
}

/** Reads one POSIX shell word (bare, or single-quoted as shellQuote writes it) from the start of `text`. */
function readWord(text: string): { word: string; rest: string } | undefined {
  let i = 0;
  let word = "";
  while (i < text.length && !/[\s;]/.test(text[i]!)) {
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += text.slice(i + 1, end);
      i = end + 1;
    } else if (text[i] === "\\" && i + 1 < text.length) {
      word += text[i + 1];
      i += 2;
    } else if (text[i] === '"' || text[i] === "$" || text[i] === "`") {
      return undefined; // double quotes and expansions: not ours to translate
    } else {
      word += text[i++];
    }
  }
  return { word, rest: text.slice(i) };
}

function words(text: string): string[] | undefined {
  const out: string[] = [];
  let rest = text.trim();
  while (rest !== "") {
    const w = readWord(rest);
    if (!w) return undefined;
    out.push(w.word);
    rest = w.rest.trim();
  }
  return out;
}

/** One POSIX command (as our hints write them) in PowerShell, or undefined when we have no equivalent. */
function commandToPowerShell(command: string): string | undefined {
  const exp = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(command);
  if (exp) {
    const value = readWord(exp[2]!);
    return value && value.rest.trim() === "" ? `$env:${exp[1]} = ${powershellQuote(value.word)}` : undefined;
  }
  const unset = /^unset ((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)$/.exec(command);
  if (unset) return `Remove-Item ${unset[1]!.trim().split(/\s+/).map((n) => `Env:${n}`).join(", ")} -ErrorAction SilentlyContinue`;
  const cat = /^cat (.+?) (>>?) (\S+)$/.exec(command);
  if (cat) {
    const inputs = words(cat[1]!);
    const output = words(cat[3]!);
    if (!inputs || !output || output.length !== 1) return undefined;
    const sink = cat[2] === ">>" ? "Add-Content" : "Set-Content";
    return `Get-Content ${inputs.map(powershellQuote).join(", ")} | ${sink} ${powershellQuote(output[0]!)}`;
  }
  return undefined;
}

/**
 * A hint written for POSIX shells, with its `export`, `unset` and `cat … > file` commands in
 * PowerShell form. Prose and commands that read the same in both shells (openssl …) are kept.
 */
export function hintForShell(hint: string, shell: ShellKind): string {
  if (shell === "posix") return hint;
  return hint
    .split("\n")
    .map((line) => {
      // A command may follow prose on the same line ("then: export X=…", "…: unset A").
      const m = /^(.*?(?:^|: |; ))((?:export|unset|cat) .*)$/.exec(line);
      if (!m) return line;
      const parts = m[2]!.split("; ");
      const translated = parts.map((p) => commandToPowerShell(p.trim()));
      if (translated.some((t) => t === undefined)) return line;
      return m[1] + translated.join("; ");
    })
    .join("\n");
}
