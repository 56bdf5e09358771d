// The human view of a Report: one line per check, findings with "→ hint" under warnings and
// failures, tables and info findings with -v, a totals line last. Pure: report in, text out.
// Every string from the report is printed through echo/neutralise (control characters visible,
// table cells and summaries bounded), so only chalk's own colour codes reach the terminal.
import { Chalk, type ChalkInstance } from "chalk";
import type { CheckResult, Finding, Status } from "../check.js";
import { echo, neutralise } from "../echo.js";
import type { Report, Table } from "./model.js";

export const SYMBOLS: Record<Status, string> = { pass: "✓", warn: "!", fail: "✗", skip: "-" };
const LEVEL_SYMBOL: Record<Finding["level"], string> = { info: "·", warn: "!", error: "✗" };

export interface HumanOptions {
  color: boolean;
  verbose: boolean;
}

function paint(chalk: ChalkInstance, status: Status, text: string): string {
  switch (status) {
    case "pass":
      return chalk.green(text);
    case "warn":
      return chalk.yellow(text);
    case "fail":
      return chalk.red(text);
    case "skip":
      return chalk.dim(text);
  }
}

function renderTable(raw: Table, indent: string): string[] {
  const table: Table = { title: echo(raw.title), columns: raw.columns.map(echo), rows: raw.rows.map((r) => r.map((c) => echo(c ?? ""))) };
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [`${indent}${table.title}`, line(table.columns), ...table.rows.map(line)];
}

function tablesOf(check: CheckResult): Table[] {
  const tables = (check.data as { tables?: unknown }).tables;
  return Array.isArray(tables) ? (tables as Table[]) : [];
}

function renderCheck(check: CheckResult, idWidth: number, chalk: ChalkInstance, verbose: boolean): string[] {
  const lines = [`${paint(chalk, check.status, SYMBOLS[check.status])} ${chalk.bold(neutralise(check.id).padEnd(idWidth))}  ${echo(check.summary)}`];
  const showAll = verbose;
  for (const f of check.findings) {
    const shown = showAll || f.level !== "info" || check.status === "fail";
    if (!shown) continue;
    const status: Status = f.level === "error" ? "fail" : f.level === "warn" ? "warn" : "skip";
    lines.push(`    ${paint(chalk, status, LEVEL_SYMBOL[f.level])} ${chalk.dim(neutralise(f.code))}  ${neutralise(f.message)}`);
    if (f.hint && (f.level !== "info" || verbose)) {
      // Newlines in a hint are the doctor's own: values were escaped when the template was filled.
      for (const [i, hintLine] of neutralise(f.hint, true).split("\n").entries()) lines.push(`      ${i === 0 ? "→ " : "  "}${hintLine}`);
    }
  }
  if (verbose) {
    for (const table of tablesOf(check)) lines.push(...renderTable(table, "    "));
    if (check.durationMs > 0) lines.push(chalk.dim(`    (${check.durationMs} ms)`));
  }
  return lines;
}

export function renderHuman(report: Report, options: HumanOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 4);
  const out: string[] = [chalk.bold(`codex-doctor tls ${report.tool.version}`), ""];
  // The one thing to do first, before the per-check detail.
  const d = report.diagnosis;
  if (d) {
    out.push(`${chalk.red.bold("Cause:")} ${neutralise(d.message)} ${chalk.dim(`(${neutralise(d.code)}, ${neutralise(d.check)} check)`)}`);
    if (d.fix) for (const [i, line] of neutralise(d.fix, true).split("\n").entries()) out.push(`${i === 0 ? chalk.bold("Fix:  ") : "      "}${line}`);
    out.push("");
  }
  const ca = report.ca;
  out.push(
    ca.selectedBy
      ? `CA bundle: ${ca.selectedBy} → ${echo(ca.path ?? "")} (${ca.codexLoads ? `Codex loads ${ca.certificates} certificate${ca.certificates === 1 ? "" : "s"}` : "Codex REFUSES this file"})`
      : ca.known
        ? "CA bundle: none selected (Codex uses the system roots)"
        : "CA bundle: unknown (the doctor could not read the CA facts; see below)",
    "",
  );
  for (const check of report.checks) out.push(...renderCheck(check, idWidth, chalk, options.verbose));
  const s = report.summary;
  const totals = `${s.pass} passed, ${s.warn} warning${s.warn === 1 ? "" : "s"}, ${s.fail} failed, ${s.skip} skipped`;
  out.push("", report.ok ? chalk.green(totals) : chalk.red(totals));
  return out.join("\n") + "\n";
}
