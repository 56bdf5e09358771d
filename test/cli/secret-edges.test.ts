// Secrets at the edges: one longer than the echo limit (it must go before values are cut, or its
// head and tail survive), and ones typed on the command line that reach a usage error.
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { main, type CliIo } from "../../src/cli.js";
import { Workspace } from "../helpers/doctor.js";

const ws = new Workspace();
afterAll(() => ws.cleanup());

async function run(argv: string[], env: Record<string, string>) {
  const dir = await ws.scenarioDir();
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { CODEX_HOME: join(dir, "codex-home"), ...env },
    homedir: join(dir, "home"),
    platform: "linux",
    stdoutIsTTY: false,
    stderrIsTTY: false,
    linuxBundleCandidates: [],
  };
  return { code: await main(argv, io), stdout, stderr };
}

/** Any 12-character piece of the secret in the output is a leak. */
function expectNoPieceOf(secret: string, output: string): void {
  for (let i = 0; i + 12 <= secret.length; i += 6) expect(output).not.toContain(secret.slice(i, i + 12));
}

describe("secrets at the edges", () => {
  const long = "Tr0ub4dor" + Array.from({ length: 600 }, (_, i) => "abcdefghijkmnopqrstuvwxyz23456789"[(i * 7) % 33]).join("");

  it("a proxy password longer than the echo limit leaves no piece behind, even where a path repeats it", async () => {
    const env = { HTTPS_PROXY: `http://alice:${long}@127.0.0.1:9`, CODEX_CA_CERTIFICATE: `/nonexistent/${long}.pem` };
    for (const argv of [["tls", "--offline"], ["tls", "--offline", "--json"], ["tls", "--offline", "--format", "markdown"]]) {
      const r = await run(argv, env);
      expect(r.stdout).toContain("CA_FILE_MISSING");
      expectNoPieceOf(long, r.stdout);
    }
  });

  it("a usage error quoting a typed URL shows neither its password nor raw control characters", async () => {
    const r = await run(["tls", "--target", "http://bob:Secr3tPassw0rd@proxy.example/\u001b[2Jx"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("Secr3tPassw0rd");
    expect(r.stderr).not.toContain("\u001b");
  });

  it("a --proxy password never reaches the report", async () => {
    const r = await run(["tls", "--offline", "--json", "--proxy", "http://carol:Pr0xyPassw0rd%23x@127.0.0.1:9"], {});
    expect(r.stdout).not.toContain("Pr0xyPassw0rd");
  });
});
