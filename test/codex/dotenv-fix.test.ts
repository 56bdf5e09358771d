// The .env removal hints are shell commands: run them for real and check they delete exactly the
// stale entries, even when several are pasted one after the other.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintDotenv } from "../../src/codex/config-lint.js";
import { readDotenv } from "../../src/codex/dotenv.js";
import { makeTempDir } from "../helpers/tmp.js";

describe(".env removal hints", () => {
  it("delete exactly the stale keys, in any order, from a path with a space", async () => {
    const dir = makeTempDir("dotenv fix ");
    const path = join(dir, ".env");
    writeFileSync(path, ["# keep me", "SSL_CERT_FILE=/gone/a.pem", "KEEP=1", "export REQUESTS_CA_BUNDLE=/gone/b.pem", "SSL_CERT_FILE_OLD=/x"].join("\n") + "\n");
    const dotenv = await readDotenv(path);
    const issues = await lintDotenv(dotenv, { offline: true, timeoutMs: 100, signal: new AbortController().signal, usedProxyVars: new Set() });
    const fixes = issues.map((i) => String(i.vars.fix));
    expect(fixes).toHaveLength(2);
    for (const fix of fixes.reverse()) execFileSync("sh", ["-c", fix]);
    expect(readFileSync(path, "utf8")).toBe(["# keep me", "KEEP=1", "SSL_CERT_FILE_OLD=/x"].join("\n") + "\n");
  });
});
