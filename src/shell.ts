// The one way a value gets into a command the report asks the user to paste: a path with a space,
// a quote, `;`, `$(…)`, a backtick or a newline must stay one literal argument, never run.
import { bound, isControl, PASTE_LIMIT } from "./echo.js";

/** Words sh takes literally. `~` only after the first character: a leading one is tilde-expanded. */
const LITERAL = /^[A-Za-z0-9_./:@%+=,-][A-Za-z0-9_./:@%+=,~-]*$/;

/** One character inside printf's %b argument: control characters as octal UTF-8 bytes. */
function printfChar(c: string): string {
  if (c === "\\") return "\\\\";
  if (c === "'") return "'\\''";
  if (!isControl(c)) return c;
  return [...Buffer.from(c, "utf8")].map((b) => `\\0${b.toString(8).padStart(3, "0")}`).join("");
}

/**
 * `value` as one POSIX sh word. Plain words stay as they are; anything else is single-quoted. A
 * value with control characters (newline, ESC, bidi overrides…) becomes "$(printf '%b' '…')" so
 * the hint stays one printable line yet pastes as the exact value (except trailing newlines,
 * which command substitution drops). Values longer than PASTE_LIMIT are shortened first.
 */
export function shellQuote(value: string): string {
  const v = bound(value, PASTE_LIMIT);
  if (LITERAL.test(v)) return v;
  if (![...v].some(isControl)) return `'${v.replace(/'/g, "'\\''")}'`;
  return `"$(printf '%b' '${[...v].map(printfChar).join("")}')"`;
}
