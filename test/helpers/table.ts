// RuleTester-style tables for one check: each row is laid out in a temp dir, run through
// buildContext + runChecks, and compared on status and the ordered list of finding codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Check, CheckResult, Status } from "../../src/check.js";
import { getKit, type Kit } from "./certs.js";
import { runScenario, Workspace, type Scenario, type ScenarioRun } from "./doctor.js";

export interface Row {
  name: string;
  /** A tighter bound than the suite's timeout, for rows that must not hang (FIFOs). */
  timeoutMs?: number;
  /** Built once the kit is minted; the row's certificates come from it. */
  scenario: (kit: Kit) => Scenario;
  expect: {
    status: Status;
    /** Every finding code, in report order. */
    codes: string[];
    /** Extra assertions on the result (data fields, Codex's message, …). */
    result?: (result: CheckResult, run: ScenarioRun, kit: Kit) => void;
  };
}

const PLACEHOLDER = /\{[A-Za-z]+\}/;

/**
 * Register one `it` per row, then a meta-test that fails when a code the check declares is never
 * produced by any row (so a code that cannot be produced, or an untested one, is caught).
 */
export function checkTable(check: Check, rows: Row[]): void {
  const ws = new Workspace();
  let kit: Kit;
  let publicStore = "";
  const produced = new Set<string>();
  let ran = 0;

  beforeAll(async () => {
    kit = await getKit();
    publicStore = kit.publicRoots.map((m) => m.certPem).join("");
  });
  afterAll(() => ws.cleanup());

  describe(`${check.id} check`, () => {
    for (const row of rows) {
      it(row.name, async () => {
        const run = await runScenario(ws, [check], row.scenario(kit), publicStore);
        const [result] = run.results;
        const codes = result.findings.map((f) => f.code);
        for (const code of codes) produced.add(code);
        ran++;
        expect({ status: result.status, codes }).toEqual({ status: row.expect.status, codes: row.expect.codes });
        for (const f of result.findings) {
          // templates fully filled; every warning and error says what to do
          expect(f.message, `${f.code} message`).not.toMatch(PLACEHOLDER);
          if (f.hint !== undefined) expect(f.hint, `${f.code} hint`).not.toMatch(PLACEHOLDER);
          if (f.level !== "info") expect(f.hint, `${f.code} needs a hint`).toBeTruthy();
        }
        row.expect.result?.(result, run, kit);
      }, row.timeoutMs);
    }

    it("produces every finding code the check declares", () => {
      expect(ran, "run the whole file: this meta-test needs every row").toBe(rows.length);
      const declared = Object.keys(check.codes);
      expect(declared.filter((code) => !produced.has(code))).toEqual([]);
      expect([...produced].filter((code) => !declared.includes(code))).toEqual([]);
    });
  });
}
