// Golden files: compared byte for byte. A missing golden is written once (never in CI); an existing
// one is never rewritten by the tests, so any change in output fails until a human updates it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { expect } from "vitest";
import { FIXTURES } from "./certs.js";

export function expectGolden(name: string, actual: string): void {
  const path = `${FIXTURES}reports/${name}`;
  if (!existsSync(path)) {
    if (process.env.CI) throw new Error(`golden ${path} is missing (goldens are never created in CI)`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, "utf8"));
}
