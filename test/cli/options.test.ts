// Odd command lines are usage errors (exit 2, one line on stderr, nothing on stdout), never arrays
// or empty strings that reach the checks: a repeated single-valued option, a valued option given
// without its value (`--ca` at the end, `--proxy=`, `--target --offline`).
import { describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli.js";

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    // Nothing here may be read: every case below must stop at the parser.
    env: new Proxy({}, { get: (_t, key) => (typeof key === "string" ? expect.unreachable(`env.${key} read`) : undefined) }),
    homedir: "/nonexistent",
    platform: "linux",
    stdoutIsTTY: false,
    stderrIsTTY: false,
    linuxBundleCandidates: [],
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe("usage errors (exit 2)", () => {
  it.each([
    ["--codex-home twice", ["tls", "--offline", "--codex-home", "/a", "--codex-home", "/b"], /--codex-home was given 2 times; it takes one value/],
    ["--ca twice", ["tls", "--offline", "--ca", "/a.pem", "--ca", "/b.pem"], /--ca was given 2 times; it takes one value \(the path of a PEM bundle\)/],
    ["--proxy twice", ["tls", "--proxy", "http://a:1", "--proxy", "http://b:2"], /--proxy was given 2 times/],
    ["--timeout twice", ["tls", "--timeout", "100", "--timeout", "200"], /--timeout was given 2 times/],
    ["--ca without a value (last)", ["tls", "--offline", "--ca"], /--ca needs a value: the path of a PEM bundle\./],
    ["--ca= (empty)", ["tls", "--offline", "--ca="], /--ca needs a value/],
    ["--ca followed by another option", ["tls", "--ca", "--offline"], /--ca needs a value/],
    ["--target without a value", ["tls", "--target"], /--target needs a value: an https:\/\/ or wss:\/\/ URL\./],
    ["--target followed by another option", ["tls", "--target", "--offline"], /--target needs a value/],
    ["an empty --target among real ones", ["tls", "--target", "https://127.0.0.1:1/", "--target", ""], /--target needs a value/],
    ["--proxy without a value", ["tls", "--proxy"], /--proxy needs a value: a proxy URL/],
    ["--proxy= (empty)", ["tls", "--proxy="], /--proxy needs a value/],
    ["--codex-home without a value", ["tls", "--offline", "--codex-home"], /--codex-home needs a value: a directory\./],
    ["--only without a value", ["tls", "--only"], /--only needs a value: a check id\./],
    ["an empty --only among real ones", ["tls", "--only", "bundle", "--only", ""], /--only needs a value/],
    ["--skip without a value", ["tls", "--skip"], /--skip needs a value: a check id\./],
    ["--timeout without a value", ["tls", "--timeout"], /--timeout needs a value|--timeout takes a number/],
  ])("%s", async (_name, argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^codex-doctor: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(2); // the message and the --help pointer
  });
});

describe("still accepted", () => {
  it("repeated booleans and repeatable options are not usage errors", async () => {
    // stops at the parser too: --help wins, but only after the values were checked
    const r = await run(["tls", "--json", "--json", "--only", "bundle", "--only", "env", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--only");
  });
});
