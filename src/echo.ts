// Values from outside the doctor (paths, environment and config values, certificate names, a
// proxy's reason phrase) are echoed into the report bounded and with every control character made
// visible, so a hostile value can neither drive the terminal (escape sequences, OSC-8 links, title
// changes, bidi overrides) nor forge report lines, nor blow the output up to megabytes.

/**
 * C0 (tab and newline included), DEL, C1, and the invisible format characters that reorder or
 * split text on screen (bidi embeddings/overrides/isolates, LRM/RLM/ALM, line/paragraph separators).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What one echoed value may occupy in a message or hint (the report stays readable). */
export const ECHO_LIMIT = 400;
/** What a value that is meant to be pasted back (a path in a command, a JSON field) may occupy. */
export const PASTE_LIMIT = 4096;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

export function isControl(c: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(c);
}

/**
 * Control characters as visible escapes (`\u001b`, `\n`). `keepNewlines` is for text the doctor
 * composed itself (multi-line hints), whose values were already escaped when they were filled in.
 */
export function neutralise(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, visible);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * `text` cut to about `limit` characters: the start and the end survive (a long path keeps its
 * file name, a long message its conclusion), the middle says how much was cut.
 */
export function bound(text: string, limit = ECHO_LIMIT): string {
  if (text.length <= limit) return text;
  let head = Math.ceil(limit * 0.75);
  let tail = limit - head;
  if (isHighSurrogate(text.charCodeAt(head - 1))) head--;
  if (isLowSurrogate(text.charCodeAt(text.length - tail))) tail--;
  return `${text.slice(0, head)}…(${text.length - head - tail} characters cut)…${text.slice(text.length - tail)}`;
}

/** A value as it may appear inside a message or hint: bounded, one line, no control characters. */
export function echo(value: string | number): string {
  return neutralise(bound(String(value)));
}
