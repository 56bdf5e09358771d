// The README's finding-code reference, generated from the check registry (the single source of
// truth). Print it with:  npx tsx test/tools/codes-md.ts
// test/readme.test.ts fails when README.md does not contain exactly this text.
import { pathToFileURL } from "node:url";
import { CHECKS } from "../../checks/index.js";
import { RUNNER_CODES } from "../../src/runner.js";
import type { FindingSpec } from "../../src/check.js";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

function table(codes: Record<string, FindingSpec>): string[] {
  const lines = ["| code | level | what it means | hint |", "|---|---|---|---|"];
  for (const [code, spec] of Object.entries(codes)) {
    lines.push(`| \`${code}\` | ${spec.level} | ${cell(spec.message)} | ${cell(spec.hint ?? "")} |`);
  }
  return lines;
}

export function codesMarkdown(): string {
  const lines: string[] = [];
  for (const check of CHECKS) {
    lines.push(`### \`${check.id}\` — ${check.title}`, "", ...table(check.codes as Record<string, FindingSpec>), "");
  }
  lines.push("### Any check (added by the runner)", "", ...table(RUNNER_CODES));
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) console.log(codesMarkdown());
