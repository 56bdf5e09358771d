// The README is part of the contract: every CLI option and every finding code must be in it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHECKS } from "../checks/index.js";
import { OPTIONS } from "../src/cli.js";
import { RUNNER_CODES } from "../src/runner.js";
import { codesMarkdown } from "./tools/codes-md.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("shows the setup and test commands", () => {
    expect(readme).toContain("npm install");
    expect(readme).toContain("npx codex-doctor tls");
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

  it("lists every finding code with its hint", () => {
    const codes = [...CHECKS.flatMap((c) => Object.keys(c.codes)), ...Object.keys(RUNNER_CODES)];
    const missing = [...new Set(codes)].filter((code) => !readme.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it("holds the code reference exactly as generated (regenerate: npx tsx test/tools/codes-md.ts)", () => {
    expect(readme).toContain(codesMarkdown());
  });
});
