// The human renderer: a golden report built by hand (every status, level, hint shape and table),
// a golden from a hermetic run of the offline checks, and the rules the golden cannot show alone.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult, Status } from "../../src/check.js";
import { main, type CliIo } from "../../src/cli.js";
import { renderHuman, SYMBOLS } from "../../src/report/human.js";
import { diagnose, type Report } from "../../src/report/model.js";
import { fixture } from "../helpers/certs.js";
import { FIXED_NOW, Workspace } from "../helpers/doctor.js";
import { expectGolden } from "../helpers/golden.js";

function summarise(checks: CheckResult[]): Record<Status, number> {
  const s: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) s[c.status]++;
  return s;
}

/** A fixed report: nothing in it depends on the clock, the machine or random keys. */
export function goldenReport(): Report {
  const checks: CheckResult[] = [
    {
      id: "bundle",
      title: "CA bundle Codex will load",
      status: "pass",
      summary: "2 certificates Codex will load from /home/dev/corp-ca.pem (CODEX_CA_CERTIFICATE)",
      findings: [
        { level: "info", code: "CA_LOADED", message: "Codex will load 2 certificate(s) from /home/dev/corp-ca.pem (selected by CODEX_CA_CERTIFICATE)." },
        { level: "info", code: "CA_CRLF", message: "/home/dev/corp-ca.pem uses Windows (CRLF) line endings; Codex reads that fine." },
      ],
      durationMs: 7,
      data: {
        tables: [
          {
            title: "Certificates Codex will load",
            columns: ["#", "subject", "issuer", "valid until", "CA", "key", "sha256"],
            rows: [
              ["1", "CN=Corp Root CA, O=Example Corp", "(self-signed)", "2035-01-01", "yes", "EC P-256", "AB:CD:EF:01:23:45:67:89…"],
              ["2", "CN=Corp Issuing CA, O=Example Corp", "CN=Corp Root CA, O=Example Corp", "2030-01-01", "yes", "RSA 2048", "01:23:45:67:89:AB:CD:EF…"],
            ],
          },
        ],
      },
    },
    {
      id: "env",
      title: "CA and proxy environment",
      status: "warn",
      summary: "CODEX_CA_CERTIFICATE selected; base roots: system store",
      findings: [
        { level: "info", code: "CA_VAR_SELECTED", message: "CODEX_CA_CERTIFICATE wins: it is set and non-empty." },
        {
          level: "warn",
          code: "BASE_ROOTS_CORPORATE_ONLY",
          message: "SSL_CERT_DIR replaces the system roots for Codex and holds no public root (1 certificate(s)).",
          hint: "unset SSL_CERT_DIR\nor make a combined bundle: cat /etc/ssl/certs/ca-certificates.crt corp-root.pem > ~/combined-ca.pem",
        },
        { level: "info", code: "HTTP_PROXY_IGNORED", message: "Only HTTP_PROXY is set.", hint: "export HTTPS_PROXY=$HTTP_PROXY" },
      ],
      durationMs: 0,
      data: {
        tables: [
          {
            title: "Proxy Codex uses per endpoint",
            columns: ["endpoint", "route"],
            rows: [
              ["https://auth.openai.com/oauth/token", "direct"],
              ["wss://chatgpt.com/backend-api/codex/responses", "http://alice:****@proxy.corp:8080 (HTTPS_PROXY)"],
            ],
          },
        ],
      },
    },
    {
      id: "proxy",
      title: "Proxy reachability",
      status: "fail",
      summary: "proxy.corp:8080 refused the connection",
      findings: [
        { level: "error", code: "PROXY_UNREACHABLE", message: "Nothing listens on proxy.corp:8080.", hint: "Start the proxy, or unset HTTPS_PROXY." },
        { level: "error", code: "PROXY_UNREACHABLE", message: "Nothing listens on proxy.corp:8080 (IPv6).", hint: "Start the proxy, or unset HTTPS_PROXY." },
        { level: "info", code: "PROXY_RESOLVED", message: "proxy.corp resolves to 10.0.0.8." },
      ],
      durationMs: 1503,
      data: {},
    },
    {
      id: "https",
      title: "HTTPS trust per endpoint",
      status: "skip",
      summary: "skipped: proxy did not pass",
      findings: [{ level: "info", code: "DEPENDENCY_NOT_MET", message: "Skipped because the proxy check failed." }],
      durationMs: 0,
      data: {},
    },
    {
      id: "websocket",
      title: "WebSocket upgrade",
      status: "skip",
      summary: "skipped: --offline",
      findings: [{ level: "info", code: "OFFLINE", message: "Network checks are skipped with --offline." }],
      durationMs: 0,
      data: {},
    },
  ];
  const summary = summarise(checks);
  return {
    schemaVersion: 1,
    tool: { name: "codex-doctor", version: "1.2.3" },
    command: "tls",
    generatedAt: "2030-06-15T12:00:00.000Z",
    node: "v20.19.0",
    platform: "linux-x64",
    ok: summary.fail === 0,
    exitCode: summary.fail === 0 ? 0 : 1,
    diagnosis: diagnose(checks),
    summary,
    ca: { known: true, selectedBy: "CODEX_CA_CERTIFICATE", path: "/home/dev/corp-ca.pem", certificates: 2, codexLoads: true },
    checks,
  };
}

describe("golden human reports", () => {
  it("a hand-built report, verbose, no colour", () => {
    expectGolden("golden-human.txt", renderHuman(goldenReport(), { color: false, verbose: true }));
  });

  it("the same report without -v", () => {
    expectGolden("golden-human-brief.txt", renderHuman(goldenReport(), { color: false, verbose: false }));
  });

  const ws = new Workspace();
  afterAll(() => ws.cleanup());

  it("a hermetic offline run (static fixtures, fixed clock, temp paths replaced)", async () => {
    const dir = await ws.scenarioDir();
    const home = join(dir, "codex-home");
    await fs.mkdir(home);
    await fs.writeFile(join(dir, "corp.pem"), Buffer.concat([fixture("root.pem"), fixture("crl.pem"), fixture("expired.pem")]));
    await fs.writeFile(join(dir, "public.pem"), fixture("root.pem"));
    await fs.writeFile(join(home, ".env"), `NO_PROXY=localhost\nCODEX_CA_CERTIFICATE=${dir}/elsewhere.pem\n`);
    let stdout = "";
    const io: CliIo = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: () => {},
      env: { CODEX_HOME: home, CODEX_CA_CERTIFICATE: `${dir}/corp.pem`, HTTPS_PROXY: "http://alice:pw@proxy.corp:8080", NODE_TLS_REJECT_UNAUTHORIZED: "0" },
      homedir: join(dir, "home"),
      platform: "linux",
      stdoutIsTTY: false,
      stderrIsTTY: false,
      now: () => FIXED_NOW,
      linuxBundleCandidates: [join(dir, "public.pem")],
    };
    const code = await main(["tls", "--offline", "-v", "--no-color", "--only", "bundle", "--only", "env"], io);
    expect(code).toBe(1);
    const normalised = stdout
      .replaceAll(dir, "<TMP>")
      .replace(/^codex-doctor tls \S+$/m, "codex-doctor tls <VERSION>")
      .replace(/^ {4}\(\d+ ms\)\n/gm, "");
    expectGolden("golden-run.txt", normalised);
  });
});

describe("renderHuman rules", () => {
  const report = goldenReport();

  it("one line per check with its status symbol, in report order", () => {
    const lines = renderHuman(report, { color: false, verbose: false }).split("\n");
    const checkLines = lines.filter((l) => /^[✓!✗-] /.test(l));
    expect(checkLines.map((l) => l.slice(0, 1))).toEqual(report.checks.map((c) => SYMBOLS[c.status]));
    expect(SYMBOLS).toEqual({ pass: "✓", warn: "!", fail: "✗", skip: "-" });
  });

  it("without -v: info findings only under failed checks, hints only for warnings and errors, no tables", () => {
    const text = renderHuman(report, { color: false, verbose: false });
    expect(text).not.toContain("CA_LOADED");
    expect(text).not.toContain("HTTP_PROXY_IGNORED");
    expect(text).toContain("PROXY_RESOLVED"); // info under a failed check
    expect(text).toContain("      → unset SSL_CERT_DIR\n        or make a combined bundle");
    expect(text).not.toContain("export HTTPS_PROXY=$HTTP_PROXY");
    expect(text).not.toContain("Certificates Codex will load");
    expect(text).not.toMatch(/\(\d+ ms\)/);
  });

  it("the totals line comes last", () => {
    const text = renderHuman(report, { color: false, verbose: true });
    expect(text.trimEnd().split("\n").at(-1)).toBe("1 passed, 1 warning, 1 failed, 2 skipped");
  });

  it("colour only when asked", () => {
    expect(renderHuman(report, { color: true, verbose: true })).toMatch(/\u001b\[/);
    expect(renderHuman(report, { color: false, verbose: true })).not.toMatch(/\u001b\[/);
  });

  it("says when Codex refuses the bundle, and when none is selected", () => {
    const refused = { ...report, ca: { ...report.ca, codexLoads: false, certificates: 0 } };
    expect(renderHuman(refused, { color: false, verbose: false })).toContain("Codex REFUSES this file");
    const none = { ...report, ca: { known: true, selectedBy: null, path: null, certificates: 0, codexLoads: true } };
    expect(renderHuman(none, { color: false, verbose: false })).toContain("CA bundle: none selected");
    // When the CA facts were never gathered (deadline, signal), nothing is claimed about them.
    const unknown = { ...report, ca: { known: false, selectedBy: null, path: null, certificates: 0, codexLoads: false } };
    expect(renderHuman(unknown, { color: false, verbose: false })).toContain("CA bundle: unknown");
  });
});
