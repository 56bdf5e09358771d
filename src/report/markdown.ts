// `--format markdown`: the report as a Markdown document to paste into a helpdesk ticket. A view of
// the (already redacted) Report like the human output, but complete: every finding, hint and table.
import type { CheckResult, Finding, Status } from "../check.js";
import type { Report } from "./model.js";
import type { Table } from "./model.js";
import { echo, neutralise } from "../echo.js";

export interface MarkdownOptions {
  /** The command line as typed (already redacted), shown so the helpdesk can re-run it. */
  commandLine: string;
}

const STATUS_TEXT: Record<Status, string> = { pass: "✓ pass", warn: "! warn", fail: "✗ fail", skip: "- skip" };
const LEVEL_TEXT: Record<Finding["level"], string> = { info: "info", warn: "warning", error: "error" };

/** Text inside a table cell: bounded, no line breaks, no pipes, no control characters. */
function cell(text: string): string {
  return echo(text).replace(/\|/g, "\\|");
}

/**
 * The command line as a code span in a table cell. Never shortened and no character replaced: a
 * cut or an altered quote could change what the shell-quoted words mean when pasted back.
 */
function commandCell(text: string): string {
  const body = neutralise(text).replace(/\|/g, "\\|");
  const fence = "`".repeat(Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = body.startsWith("`") || body.endsWith("`") ? " " : "";
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** Inline text outside tables: Markdown's active characters are escaped so values stay literal. */
function inline(text: string): string {
  return neutralise(text).replace(/([\\`*_[\]<>#|])/g, "\\$1");
}

/** A fenced block whose fence is longer than any backtick run inside it. */
function fenced(text: string, lang = ""): string[] {
  // Newlines in a hint are the doctor's own: values were escaped when the template was filled.
  const body = neutralise(text, true);
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return [fence + lang, body, fence];
}

function table(t: Table): string[] {
  return [
    `**${inline(t.title)}**`,
    "",
    `| ${t.columns.map(cell).join(" | ")} |`,
    `| ${t.columns.map(() => "---").join(" | ")} |`,
    ...t.rows.map((row) => `| ${t.columns.map((_, i) => cell(row[i] ?? "")).join(" | ")} |`),
    "",
  ];
}

function tablesOf(check: CheckResult | undefined): Table[] {
  const tables = (check?.data as { tables?: unknown } | undefined)?.tables;
  return Array.isArray(tables) ? (tables as Table[]) : [];
}

function findingLines(f: Finding): string[] {
  const lines = [`- **${LEVEL_TEXT[f.level]}** \`${f.code}\` — ${inline(f.message)}`];
  if (f.hint) lines.push("", ...fenced(f.hint, "text").map((l) => `  ${l.replace(/\n/g, "\n  ")}`));
  return lines;
}

export function renderMarkdown(report: Report, options: MarkdownOptions): string {
  const s = report.summary;
  const byId = new Map(report.checks.map((c) => [c.id, c]));
  const out: string[] = [
    "# codex-doctor report",
    "",
    "| | |",
    "| --- | --- |",
    `| Result | ${report.ok ? "no check failed" : "some checks failed"} (exit ${report.exitCode}): ${s.pass} passed, ${s.warn} warnings, ${s.fail} failed, ${s.skip} skipped |`,
    `| Tool | codex-doctor ${cell(report.tool.version)} |`,
    `| Node, platform | ${cell(report.node)}, ${cell(report.platform)} |`,
    `| Generated | ${cell(report.generatedAt)} |`,
    `| Command line | ${commandCell(options.commandLine)} |`,
    `| CA bundle | ${report.ca.selectedBy ? `${cell(report.ca.selectedBy)} → ${cell(report.ca.path ?? "")} (${report.ca.codexLoads ? `Codex loads ${report.ca.certificates}` : "Codex refuses it"})` : "none selected (system roots)"} |`,
    "",
  ];
  if (report.diagnosis) {
    const d = report.diagnosis;
    out.push("## Cause", "", `\`${d.code}\` (${inline(d.check)} check) — ${inline(d.message)}`, "");
    if (d.fix) out.push("**Fix**", "", ...fenced(d.fix, "text"), "");
  }
  const environment = tablesOf(byId.get("env"));
  if (environment.length > 0) out.push("## Environment", "", ...environment.flatMap(table));
  const certificates = [...tablesOf(byId.get("bundle")), ...tablesOf(byId.get("proxy"))];
  if (certificates.length > 0) out.push("## Certificates", "", ...certificates.flatMap(table));

  out.push("## Checks", "", "| Check | Status | Summary |", "| --- | --- | --- |");
  for (const c of report.checks) out.push(`| \`${c.id}\` | ${STATUS_TEXT[c.status]} | ${cell(c.summary)} |`);
  out.push("");
  for (const c of report.checks) {
    if (c.findings.length === 0) continue;
    out.push(`### \`${c.id}\` — ${inline(c.title)}`, "");
    for (const f of c.findings) out.push(...findingLines(f));
    out.push("");
    if (c.id !== "env" && c.id !== "bundle" && c.id !== "proxy") out.push(...tablesOf(c).flatMap(table));
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}
