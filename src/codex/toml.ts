// Small TOML helpers shared by the config lint and the checks: how to name a value's TOML type in
// a message, and how to write keys and strings into a pasteable snippet.
import { isTable } from "./config.js";
import { bound, PASTE_LIMIT } from "../echo.js";

export function tomlType(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return "a string";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) return "an integer";
  if (typeof value === "number") return "a float";
  if (value instanceof Date) return "a date";
  if (Array.isArray(value)) return "an array";
  if (isTable(value)) return "a table";
  return typeof value;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

// Snippets are shown in hints: a value from config.toml is written back bounded (PASTE_LIMIT) and
// JSON-escaped, so a newline or an escape sequence in it stays inside its quotes on one line.
export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : JSON.stringify(bound(key, PASTE_LIMIT));
}

export function tomlString(value: string): string {
  return JSON.stringify(bound(value, PASTE_LIMIT));
}
