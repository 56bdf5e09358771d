// A fix is pasted into the user's shell: POSIX sh/bash/zsh or PowerShell. Every value goes through
// the shell's own quoting, so a path with spaces, quotes or `$(...)` stays a path.
import { shellQuote } from "./report/shell.js";

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
