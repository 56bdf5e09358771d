// --json: exactly one JSON document. Uint8Array fields (DER) never belong in the contract.
// Values are bounded (PASTE_LIMIT: a real path survives whole, a 1 MB variable does not), and the
// characters JSON.stringify leaves raw that a terminal may still act on (DEL, C1, bidi controls)
// are written as \u escapes: `codex-doctor tls --json` on a terminal is as safe as the human view.
import type { CheckResult, Finding } from "../check.js";
import { bound, PASTE_LIMIT } from "../echo.js";
import type { Report } from "./model.js";

function boundDeep(value: unknown): unknown {
  if (typeof value === "string") return bound(value, PASTE_LIMIT);
  if (Array.isArray(value)) return value.map(boundDeep);
  if (value instanceof Uint8Array) return undefined;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = boundDeep(v);
    return out;
  }
  return value;
}

/** Messages and hints are bounded per value when filled; cutting one again could split a quoted path. */
function boundFinding(f: Finding): Finding {
  return f.data ? { ...f, data: boundDeep(f.data) as Finding["data"] } : f;
}

function boundCheck(c: CheckResult): CheckResult {
  return { ...c, summary: bound(c.summary, PASTE_LIMIT), findings: c.findings.map(boundFinding), data: boundDeep(c.data) as CheckResult["data"] };
}

// eslint-disable-next-line no-control-regex
const RAW_BUT_ACTIVE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function renderJson(report: Report): string {
  const bounded: Report = { ...report, ca: { ...report.ca, path: report.ca.path === null ? null : bound(report.ca.path, PASTE_LIMIT) }, checks: report.checks.map(boundCheck) };
  const text = JSON.stringify(bounded, (_key, value: unknown) => (value instanceof Uint8Array ? undefined : value), 2);
  // Outside strings JSON has only ASCII punctuation, so every match is inside a string.
  return text.replace(RAW_BUT_ACTIVE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) + "\n";
}
