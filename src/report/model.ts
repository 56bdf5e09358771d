// The JSON contract (schemaVersion 1). The human and Markdown outputs are views of this object.
import type { CheckResult, Status } from "../check.js";
import type { CaReport } from "../ca/loader.js";

/** A view table a check puts into `data.tables` (certificate chains, variables): rendered with -v. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
}

/** The one cause to fix first: the first error (in registry order) of the first failed check. */
export interface Diagnosis {
  check: string;
  code: string;
  message: string;
  fix: string | null;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: "codex-doctor"; version: string };
  command: "tls";
  generatedAt: string;
  /** Node's version and the platform the doctor ran on (what Codex's own behaviour depends on). */
  node: string;
  platform: string;
  ok: boolean;
  /**
   * What the process exits with: 0 ok, 1 a check failed (or warned with --strict), 2 could not run,
   * 128 + the signal's number (130, 143) when a signal stopped the run.
   */
  exitCode: number;
  diagnosis: Diagnosis | null;
  summary: Record<Status, number>;
  ca: {
    /** false when the CA facts could not be gathered (deadline, signal, crash): the rest says nothing then. */
    known: boolean;
    selectedBy: "CODEX_CA_CERTIFICATE" | "SSL_CERT_FILE" | "--ca" | null;
    path: string | null;
    certificates: number;
    codexLoads: boolean;
  };
  checks: CheckResult[];
}

/** The primary cause: errors first; with --strict a warning is a cause too. */
export function diagnose(checks: CheckResult[], strict = false): Diagnosis | null {
  const levels = strict ? (["error", "warn"] as const) : (["error"] as const);
  for (const level of levels) {
    for (const check of checks) {
      const finding = check.findings.find((f) => f.level === level);
      if (finding) return { check: check.id, code: finding.code, message: finding.message, fix: finding.hint ?? null };
    }
  }
  return null;
}

export function buildReport(input: {
  version: string;
  now: Date;
  ca: CaReport | null;
  checks: CheckResult[];
  strict?: boolean;
  /** Set when the doctor itself could not run (exit 2). */
  crashed?: boolean;
  node?: string;
  platform?: string;
}): Report {
  const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of input.checks) summary[c.status]++;
  const ok = summary.fail === 0;
  const strictMiss = input.strict === true && summary.warn > 0;
  return {
    schemaVersion: 1,
    tool: { name: "codex-doctor", version: input.version },
    command: "tls",
    generatedAt: input.now.toISOString(),
    node: input.node ?? process.version,
    platform: input.platform ?? `${process.platform}-${process.arch}`,
    ok,
    exitCode: input.crashed ? 2 : ok && !strictMiss ? 0 : 1,
    diagnosis: diagnose(input.checks, input.strict),
    summary,
    ca: {
      known: input.ca !== null,
      selectedBy: input.ca?.selection.selectedBy ?? null,
      path: input.ca?.selection.path ?? null,
      certificates: input.ca?.certificateCount ?? 0,
      codexLoads: input.ca?.codexLoads ?? false,
    },
    checks: input.checks,
  };
}
