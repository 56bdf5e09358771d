// Temp directories for tests. Each is removed when its test file ends (test/setup/each-file.ts
// registers the afterAll), so a harness can hand them out without every caller cleaning up; the
// global setup fails the run if anything is still left in the run's private TMPDIR.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
