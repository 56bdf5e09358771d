// The check contract. A check declares its finding codes up front (message + hint templates),
// reads only the CheckContext and returns data; it never prints and never throws on purpose.
import type { CheckContext } from "./context.js";
import { echo } from "./echo.js";
import { shellQuote } from "./shell.js";

export type Status = "pass" | "warn" | "fail" | "skip";
export type Level = "info" | "warn" | "error";

export interface Finding {
  level: Level;
  code: string;
  message: string;
  hint?: string;
  /**
   * The facts the message was built from (host, proxy, path, subject, vendor, status…), so scripts
   * match on values, never on prose. Redacted like everything else in the report.
   */
  data?: Record<string, string | number>;
}

export interface CheckResult {
  id: string;
  title: string;
  status: Status;
  summary: string;
  findings: Finding[];
  durationMs: number;
  data: Record<string, unknown>;
}

/**
 * A finding template, filled from the vars given at emit time:
 * - `{name}`: a value (a path, a host, a certificate name…), echoed bounded and on one line, with
 *   control characters made visible: whatever it holds cannot drive a terminal or forge lines;
 * - `{name:sh}`: the same value as one shell word (shellQuote), for commands the user pastes;
 * - `{name:text}`: text the doctor composed itself (a multi-line fix, a TOML snippet), inserted as
 *   is: whoever builds it fills its values in with fillTemplate too.
 */
export interface FindingSpec {
  level: Level;
  message: string;
  hint?: string;
}

export type Vars = Record<string, string | number | undefined>;

/** What `run()` returns; the runner adds id, title and duration. */
export interface CheckOutcome {
  /** Omit to derive from findings: any error → fail, any warn → warn, else pass. */
  status?: Status;
  summary: string;
  findings: Finding[];
  data?: Record<string, unknown>;
}

export interface RunTools<C extends string> {
  signal: AbortSignal;
  /** Build a finding from this check's declared code table. */
  finding(code: C, vars?: Vars): Finding;
}

export interface Check<C extends string = string> {
  id: string;
  title: string;
  /** Checks whose failure makes this one meaningless (it is then skipped). */
  dependsOn?: string[];
  /** Network checks are skipped with --offline. */
  network?: boolean;
  codes: Record<C, FindingSpec>;
  run(ctx: CheckContext, tools: RunTools<C>): Promise<CheckOutcome>;
}

export function defineCheck<C extends string>(check: Check<C>): Check<C> {
  return check;
}

const PLACEHOLDER = /\{(\w+)(?::(sh|text))?\}/g;

export function fillTemplate(template: string, vars: Vars = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string, how: "sh" | "text" | undefined) => {
    const value = vars[name];
    if (value === undefined) return whole;
    if (how === "sh") return shellQuote(String(value));
    if (how === "text") return String(value);
    return echo(value);
  });
}

/** Names a template uses as `{name:text}`: the doctor's own prose, not a fact for `data`. */
function textVars(spec: FindingSpec): Set<string> {
  const names = new Set<string>();
  for (const template of [spec.message, spec.hint ?? ""]) {
    for (const m of template.matchAll(PLACEHOLDER)) if (m[2] === "text") names.add(m[1]);
  }
  return names;
}

/** Variables that hold prose we wrote (a whole fix, a route phrase), not facts: kept out of `data`. */
const PROSE_VAR = /(Fix|^route|^useHttp|^fix)$/;

function factsOf(vars: Vars, prose: Set<string>): Record<string, string | number> | undefined {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined || PROSE_VAR.test(name) || prose.has(name)) continue;
    out[name] = typeof value === "string" ? value.trim() : value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function makeFinding(code: string, spec: FindingSpec, vars?: Vars): Finding {
  const finding: Finding = { level: spec.level, code, message: fillTemplate(spec.message, vars) };
  if (spec.hint !== undefined) finding.hint = fillTemplate(spec.hint, vars);
  const data = vars ? factsOf(vars, textVars(spec)) : undefined;
  if (data) finding.data = data;
  return finding;
}

export function statusFromFindings(findings: Finding[]): Status {
  if (findings.some((f) => f.level === "error")) return "fail";
  if (findings.some((f) => f.level === "warn")) return "warn";
  return "pass";
}
