// The README is part of the contract: every CLI option and every finding code must be in it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../checks/index.js";
import { OPTIONS } from "../src/cli.js";
import { RUNNER_CODES } from "../src/runner.js";
import { CODES_README, codesReadme } from "./tools/codes-md.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const codesReference = readFileSync(CODES_README, "utf8");

describe("README", () => {
  it("opens with the two commands a new user needs (install, demo), and shows the test command", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(firstBlock).toBe("npm install\nnpx codex-doctor demo\n");
    expect(readme).toContain("npm test");
  });

  it("documents every option", () => {
    const missing = Object.keys(OPTIONS).filter((name) => !readme.includes(name === "color" ? "--no-color" : `--${name}`));
    expect(missing).toEqual([]);
  });

  it("lists every check id", () => {
    const missing = CHECKS.map((c) => c.id).filter((id) => !readme.includes(`| \`${id}\` |`));
    expect(missing).toEqual([]);
  });

  it("links the finding-code reference, which lists every code", () => {
    expect(readme).toContain("(checks/README.md)");
    const codes = [...CHECKS.flatMap((c) => Object.keys(c.codes)), ...Object.keys(RUNNER_CODES)];
    const missing = [...new Set(codes)].filter((code) => !codesReference.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it("checks/README.md is exactly as generated (regenerate: npx tsx test/tools/codes-md.ts --write)", () => {
    expect(codesReference).toBe(codesReadme());
  });
});
