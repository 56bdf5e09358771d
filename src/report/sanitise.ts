// Values from peers and files (certificate names, proxy reason phrases, config values) may carry
// terminal control sequences; they are shown as visible escapes, never passed to a terminal.
// Newline and tab stay: the report's own multi-line hints use them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function neutralise(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
