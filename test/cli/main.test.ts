// The CLI through main(argv, io): exit codes, --strict, --json (one document, v1 shape, even when
// the doctor itself crashes), colour switches, and secrets that must never be printed.
// Every run is hermetic: its own env, CODEX_HOME in a temp dir, a temp "platform store", fixed now.
import { promises as fs, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, OPTIONS, type CliIo } from "../../src/cli.js";
import { CHECKS } from "../../checks/index.js";
import { getKit, type Kit } from "../helpers/certs.js";
import { Workspace } from "../helpers/doctor.js";

const ws = new Workspace();
let kit: Kit;
afterAll(() => ws.cleanup());
beforeAll(async () => {
  kit = await getKit();
});

const ANSI = /\u001b\[/;
/** Fixed for the whole run (midnight UTC today), so it never drifts before the kit's notBefore. */
const NOW = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
const PKG_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

interface RunSetup {
  env?: Record<string, string>;
  files?: Record<string, string>;
  dotenv?: string;
  tty?: boolean;
  /** Replace the whole env object (used to inject a hostile environment). */
  rawEnv?: CliIo["env"];
}

async function run(argv: string[], setup: RunSetup = {}): Promise<Run> {
  const dir = await ws.scenarioDir();
  const codexHome = join(dir, "codex-home");
  await fs.mkdir(codexHome, { recursive: true });
  await fs.mkdir(join(dir, "system"), { recursive: true });
  await fs.writeFile(join(dir, "system", "public.pem"), kit.publicRoots.map((m) => m.certPem).join(""));
  for (const [name, content] of Object.entries(setup.files ?? {})) await fs.writeFile(join(dir, name), content);
  if (setup.dotenv !== undefined) await fs.writeFile(join(codexHome, ".env"), setup.dotenv.replaceAll("{dir}", dir));
  const env: Record<string, string> = { CODEX_HOME: codexHome };
  for (const [k, v] of Object.entries(setup.env ?? {})) env[k] = v.replaceAll("{dir}", dir);
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: setup.rawEnv ?? env,
    homedir: join(dir, "home"),
    platform: "linux",
    stdoutIsTTY: setup.tty ?? false,
    stderrIsTTY: false,
    now: () => NOW,
    linuxBundleCandidates: [join(dir, "system", "public.pem")],
  };
  const code = await main(argv.map((a) => a.replaceAll("{dir}", dir)), io);
  return { code, stdout, stderr, dir };
}

const STATUSES = ["pass", "warn", "fail", "skip"];
const LEVELS = ["info", "warn", "error"];

/** The schemaVersion 1 contract, checked field by field. */
function expectV1Report(doc: unknown): asserts doc is Record<string, any> {
  expect(doc).toBeTypeOf("object");
  const r = doc as Record<string, any>;
  expect(Object.keys(r).sort()).toEqual([
    "ca", "checks", "command", "diagnosis", "exitCode", "generatedAt", "node", "ok", "platform", "schemaVersion", "summary", "tool",
  ]);
  expect(r.node).toBe(process.version);
  expect(r.platform).toBe(`${process.platform}-${process.arch}`);
  expect([0, 1, 2, 130, 143]).toContain(r.exitCode);
  // The diagnosis is the first error of the first failed check, and there is one exactly when a check failed.
  const firstFailed = (r.checks as { status: string; id: string; findings: { level: string; code: string }[] }[]).find((c) => c.status === "fail");
  if (firstFailed) {
    expect(r.diagnosis).toMatchObject({ check: firstFailed.id, code: firstFailed.findings.find((f) => f.level === "error")?.code });
  } else if (r.exitCode === 0) {
    expect(r.diagnosis).toBeNull();
  }
  expect(r.schemaVersion).toBe(1);
  expect(r.tool).toEqual({ name: "codex-doctor", version: PKG_VERSION });
  expect(r.command).toBe("tls");
  expect(r.generatedAt).toBe(NOW.toISOString());
  expect(typeof r.ok).toBe("boolean");
  expect(Object.keys(r.summary).sort()).toEqual(["fail", "pass", "skip", "warn"]);
  expect(Object.keys(r.ca).sort()).toEqual(["certificates", "codexLoads", "known", "path", "selectedBy"]);
  expect([null, "CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "--ca"]).toContain(r.ca.selectedBy);
  expect(typeof r.ca.certificates).toBe("number");
  expect(typeof r.ca.codexLoads).toBe("boolean");
  expect(Array.isArray(r.checks)).toBe(true);
  const counts: Record<string, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of r.checks) {
    expect(Object.keys(c).sort()).toEqual(["data", "durationMs", "findings", "id", "status", "summary", "title"]);
    expect(typeof c.id).toBe("string");
    expect(typeof c.title).toBe("string");
    expect(STATUSES).toContain(c.status);
    expect(typeof c.summary).toBe("string");
    expect(typeof c.durationMs).toBe("number");
    expect(c.data).toBeTypeOf("object");
    counts[c.status]++;
    for (const f of c.findings) {
      expect(LEVELS).toContain(f.level);
      expect(f.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(typeof f.message).toBe("string");
      if ("hint" in f) expect(typeof f.hint).toBe("string");
    }
  }
  expect(r.summary).toEqual(counts);
  expect(r.ok).toBe(counts.fail === 0);
}

function parseOne(stdout: string): Record<string, any> {
  // the whole of stdout must be one JSON document
  const doc = JSON.parse(stdout) as unknown;
  expectV1Report(doc);
  return doc;
}

const codesOf = (report: Record<string, any>, id: string): string[] =>
  report.checks.find((c: { id: string }) => c.id === id).findings.map((f: { code: string }) => f.code);

describe("exit codes", () => {
  it("0 when nothing fails", async () => {
    const r = await run(["tls", "--offline"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("1 when a check fails (Codex refuses the bundle)", async () => {
    const r = await run(["tls", "--offline", "--json"], { env: { CODEX_CA_CERTIFICATE: "{dir}/missing.pem" } });
    expect(r.code).toBe(1);
    const report = parseOne(r.stdout);
    expect(report.ok).toBe(false);
    expect(codesOf(report, "bundle")).toEqual(["CA_FILE_MISSING", "CA_CODEX_REFUSES"]);
  });

  it("the JSON names the exit code and the cause to fix first (with --strict a warning is the cause)", async () => {
    const failing = await run(["tls", "--offline", "--json"], { env: { CODEX_CA_CERTIFICATE: "{dir}/missing.pem" } });
    const report = parseOne(failing.stdout);
    expect(report.exitCode).toBe(failing.code);
    expect(report.diagnosis).toMatchObject({ check: "bundle", code: "CA_FILE_MISSING" });
    expect(report.diagnosis.fix).toEqual(expect.any(String));
    const warnOnly = { env: { HTTPS_PROXY: "socks5://127.0.0.1:1080" } };
    const plain = parseOne((await run(["tls", "--offline", "--json"], warnOnly)).stdout);
    expect([plain.exitCode, plain.diagnosis]).toEqual([0, null]);
    const strict = await run(["tls", "--offline", "--json", "--strict"], warnOnly);
    const strictReport = parseOne(strict.stdout);
    expect([strict.code, strictReport.exitCode]).toEqual([1, 1]);
    expect(strictReport.diagnosis).toMatchObject({ check: "env" });
  });

  it("--strict turns warnings into exit 1; info alone stays 0", async () => {
    const warnOnly = { env: { HTTPS_PROXY: "socks5://127.0.0.1:1080" } };
    const plain = await run(["tls", "--offline", "--json"], warnOnly);
    expect(plain.code).toBe(0);
    expect(parseOne(plain.stdout).summary.warn).toBeGreaterThan(0);
    expect((await run(["tls", "--offline", "--strict"], warnOnly)).code).toBe(1);
    // only info findings (CA_LOADED): --strict still passes
    const info = { env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem" }, files: { "corp.pem": kit.corp.root.certPem } };
    expect((await run(["tls", "--offline", "--strict"], info)).code).toBe(0);
  });

  it.each([
    ["an unknown option", ["tls", "--bogus"]],
    ["an unknown check id in --only", ["tls", "--only", "nope"]],
    ["an unknown check id in --skip", ["tls", "--skip", "bundle", "--skip", "nope"]],
    ["a non-numeric --timeout", ["tls", "--timeout", "abc"]],
    ["a zero --timeout", ["tls", "--timeout", "0"]],
    ["a negative --timeout", ["tls", "--timeout=-5"]],
    ["a --timeout past ten minutes (timer overflow)", ["tls", "--timeout", "3000000000"]],
    ["an empty --only (would run nothing and pass)", ["tls", "--only"]],
    ["a missing command", []],
    ["an unknown command", ["diagnose"]],
    ["an extra argument", ["tls", "extra"]],
    ["a --target that is not https/wss", ["tls", "--target", "http://example.com"]],
  ])("2 for %s (message on stderr, nothing on stdout)", async (_name, argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^codex-doctor: /);
  });

  it("--help exits 0 and lists every option", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const name of Object.keys(OPTIONS)) expect(r.stdout).toContain(name === "color" ? "--color" : `--${name}`);
  });

  it("--version exits 0 and prints the package version", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(PKG_VERSION);
  });
});

describe("--json", () => {
  it("prints exactly one v1 document listing the checks in registry order", async () => {
    const r = await run(["tls", "--offline", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.stdout.endsWith("}\n")).toBe(true);
    const report = parseOne(r.stdout);
    expect(report.checks.map((c: { id: string }) => c.id)).toEqual(CHECKS.map((c) => c.id));
    const networkIds = CHECKS.filter((c) => c.network).map((c) => c.id);
    for (const c of report.checks) {
      if (networkIds.includes(c.id)) {
        expect(c.status).toBe("skip");
        expect(c.findings.map((f: { code: string }) => f.code)).toEqual(["OFFLINE"]);
      }
    }
    expect(report.ca).toEqual({ known: true, selectedBy: null, path: null, certificates: 0, codexLoads: true });
    expect(codesOf(report, "bundle")).toEqual(["CA_NOT_CONFIGURED"]);
  });

  it("reports the loaded bundle in the ca block, and no raw DER anywhere", async () => {
    const r = await run(["tls", "--offline", "--json", "--ca", "{dir}/corp.pem"], {
      files: { "corp.pem": kit.corp.root.certPem + kit.corp.intermediate.certPem },
    });
    const report = parseOne(r.stdout);
    expect(report.ca).toEqual({ known: true, selectedBy: "--ca", path: `${r.dir}/corp.pem`, certificates: 2, codexLoads: true });
    expect(r.stdout).not.toMatch(/"subjectDer"|"spkiDer"|"issuerDer"|"0": \d+/);
  });

  it("--only and --skip select checks (report keeps registry order)", async () => {
    const only = parseOne((await run(["tls", "--offline", "--json", "--only", "env", "--only", "bundle"])).stdout);
    expect(only.checks.map((c: { id: string }) => c.id)).toEqual(["bundle", "env"]);
    const skip = parseOne((await run(["tls", "--offline", "--json", "--skip", "bundle"])).stdout);
    expect(skip.checks.map((c: { id: string }) => c.id)).toEqual(CHECKS.map((c) => c.id).filter((id) => id !== "bundle"));
  });

  it("still one document with ok:false and INTERNAL_ERROR when the doctor crashes gathering facts", async () => {
    // An environment whose CODEX_HOME cannot be read: the crash happens inside buildContext.
    const hostile = new Proxy({ PATH: "/usr/bin", OPENAI_API_KEY: "sk-test-SECRET123456" } as Record<string, string>, {
      get(target, key) {
        if (key === "CODEX_HOME") throw new Error("environment block is unreadable");
        return Reflect.get(target, key);
      },
    });
    const r = await run(["tls", "--offline", "--json"], { rawEnv: hostile });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("");
    const report = parseOne(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.exitCode).toBe(2);
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0].status).toBe("fail");
    expect(report.checks[0].findings.map((f: { code: string }) => f.code)).toEqual(["INTERNAL_ERROR"]);
    expect(r.stdout).not.toContain("SECRET123456");
  });

  it("the same crash in human mode still renders a report and exits 2", async () => {
    const hostile = new Proxy({} as Record<string, string>, {
      get(target, key) {
        if (key === "CODEX_HOME") throw new Error("environment block is unreadable");
        return Reflect.get(target, key);
      },
    });
    const r = await run(["tls", "--offline", "--no-color"], { rawEnv: hostile });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("INTERNAL_ERROR");
  });
});

describe("colour", () => {
  it("is on for a terminal by default (so the switches below are meaningful)", async () => {
    expect((await run(["tls", "--offline"], { tty: true })).stdout).toMatch(ANSI);
  });

  it.each([
    ["--no-color", ["tls", "--offline", "--no-color"], {}],
    ["NO_COLOR=1", ["tls", "--offline"], { NO_COLOR: "1" }],
    ["FORCE_COLOR=0", ["tls", "--offline"], { FORCE_COLOR: "0" }],
    ["--json", ["tls", "--offline", "--json"], {}],
  ])("%s: no ANSI escape anywhere", async (_name, argv, env) => {
    const r = await run(argv, { tty: true, env });
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
  });

  it("is off when stdout is not a terminal, unless FORCE_COLOR", async () => {
    expect((await run(["tls", "--offline"])).stdout).not.toMatch(ANSI);
    expect((await run(["tls", "--offline"], { env: { FORCE_COLOR: "1" } })).stdout).toMatch(ANSI);
  });
});

describe("secrets never reach stdout or stderr", () => {
  const SECRETS = ["sk-test-SECRET123456", "SECRET123456", "s3cr3tpass", "d0tenv-p@ss", "p@ss", "t0ken-VALUE-xyz"];
  const setup: RunSetup = {
    env: {
      OPENAI_API_KEY: "sk-test-SECRET123456",
      CODEX_ACCESS_TOKEN: "t0ken-VALUE-xyz",
      HTTPS_PROXY: "http://alice:s3cr3tpass@127.0.0.1:9",
      ALL_PROXY: "socks5://bob:s3cr3tpass@127.0.0.1:9",
      SSL_CERT_FILE: "{dir}/combined.pem",
    },
    dotenv: "HTTPS_PROXY=http://carol:d0tenv-p@ss@127.0.0.1:9\nNO_PROXY=localhost\n",
  };

  it.each([
    ["human -v", ["tls", "--offline", "-v", "--no-color"]],
    ["--json", ["tls", "--offline", "--json"]],
  ])("%s", async (_name, argv) => {
    const r = await run(argv, { ...setup, files: { "combined.pem": kit.publicRoots[0].certPem + kit.corp.root.certPem } });
    for (const secret of SECRETS) {
      expect(r.stdout, secret).not.toContain(secret);
      expect(r.stderr, secret).not.toContain(secret);
    }
    // the proxies are still shown, with the user name and a masked password
    expect(r.stdout).toContain("carol:****@127.0.0.1:9");
  });
});
