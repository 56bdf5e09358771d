// Prints the README's finding-code reference from the check registry (the single source of truth):
//   npx tsx test/tools/codes-md.ts
// test/readme.test.ts fails when README.md misses a code, so regenerate after adding one.
import { CHECKS } from "../../checks/index.js";
import { RUNNER_CODES } from "../../src/runner.js";
import type { FindingSpec } from "../../src/check.js";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, "<br>");
}

const lines: string[] = [];
for (const check of CHECKS) {
  lines.push(`### \`${check.id}\` — ${check.title}`, "", "| code | level | what it means | hint |", "|---|---|---|---|");
  for (const [code, spec] of Object.entries(check.codes)) {
    lines.push(`| \`${code}\` | ${spec.level} | ${cell(spec.message)} | ${cell(spec.hint ?? "")} |`);
  }
  lines.push("");
}
lines.push("### Any check (added by the runner)", "", "| code | level | what it means | hint |", "|---|---|---|---|");
for (const [code, spec] of Object.entries(RUNNER_CODES as Record<string, FindingSpec>)) {
  lines.push(`| \`${code}\` | ${spec.level} | ${cell(spec.message)} | ${cell(spec.hint ?? "")} |`);
}
console.log(lines.join("\n"));
