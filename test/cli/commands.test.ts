// The commands beside `tls`: demo (the real pipeline against the in-process lab), export-ca's
// argument rules, `--format markdown` / `--output` for a helpdesk ticket, and `--shell powershell`.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli.js";
import { getKit, type Kit } from "../helpers/certs.js";
import { Workspace } from "../helpers/doctor.js";
import { hintForShell } from "../../src/shell-forms.js";

const ws = new Workspace();
let kit: Kit;
afterAll(() => ws.cleanup());
beforeAll(async () => {
  kit = await getKit();
});

async function run(argv: string[], env: Record<string, string> = {}, platform: NodeJS.Platform = "linux") {
  const dir = await ws.scenarioDir();
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { CODEX_HOME: join(dir, "codex-home"), ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll("{dir}", dir)])) },
    homedir: join(dir, "home"),
    platform,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    linuxBundleCandidates: [],
  };
  const code = await main(argv.map((a) => a.replaceAll("{dir}", dir)), io);
  return { code, stdout, stderr, dir };
}

const demoDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith("codex-doctor-demo-"));

describe("demo", () => {
  it("fails unconfigured (vendor, cause, the file to use), then passes with the fix, and leaves no files", async () => {
    const before = demoDirs();
    const r = await run(["demo", "--no-color"]);
    expect(r.code).toBe(0);
    const [unconfigured, fixed] = r.stdout.split("── 2.");
    expect(unconfigured).toContain("TLS_UNKNOWN_ISSUER");
    expect(unconfigured).toContain("looks like Zscaler");
    expect(unconfigured).toMatch(/export CODEX_CA_CERTIFICATE=\S+ZscalerRootCertificate-2048-SHA256\.crt/);
    expect(unconfigured).toMatch(/1 failed/);
    expect(fixed).toMatch(/0 failed/);
    expect(fixed).not.toMatch(/✗/);
    expect(demoDirs()).toEqual(before);
  });
});

describe("usage of the other commands", () => {
  it.each([
    ["export-ca without --out", ["export-ca"]],
    ["--out outside export-ca", ["tls", "--out", "x.pem"]],
    ["--json with another --format", ["tls", "--json", "--format", "markdown"]],
    ["an unknown --format", ["tls", "--format", "xml"]],
    ["an unknown --shell", ["tls", "--shell", "fish"]],
  ])("2 for %s", async (_name, argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^codex-doctor: /);
  });

  it("--help names every command, check id and exit code, with examples", async () => {
    const r = await run(["--help"]);
    for (const text of ["tls", "demo", "export-ca", "bundle, env, proxy, https, websocket, sandbox, config, mcp, otel", "Exit codes: 0", "Examples:"]) {
      expect(r.stdout).toContain(text);
    }
  });
});

describe("--format markdown and --output (a report for a ticket)", () => {
  // A secret-named variable that is not a Codex credential (one would turn the refused bundle into a warning).
  const SECRETS = { proxyPass: "Tr0ub4dor-s3cret", apiKey: "sk-live-ABCDEF0123456789xyz" };

  it("writes a redacted Markdown report with cause, environment, certificates, checks and the command line", async () => {
    const env = {
      CODEX_CA_CERTIFICATE: "{dir}/missing.pem",
      HTTPS_PROXY: `http://alice:${SECRETS.proxyPass}@127.0.0.1:9`,
      GITLAB_API_KEY: SECRETS.apiKey,
    };
    const r = await run(["tls", "--offline", "--format", "markdown", "--output", "{dir}/ticket.md", "--proxy", `http://bob:${SECRETS.proxyPass}@127.0.0.1:9`], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("report written to");
    const path = join(r.dir, "ticket.md");
    const md = readFileSync(path, "utf8");
    expect(statSync(path).mode & 0o077).toBe(0);
    for (const heading of ["# codex-doctor report", "## Cause", "## Environment", "## Checks", "| Command line |", "| Node, platform |"]) {
      expect(md).toContain(heading);
    }
    expect(md).toContain("`CA_FILE_MISSING`");
    expect(md).toContain("--format markdown");
    for (const secret of Object.values(SECRETS)) expect(md).not.toContain(secret);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it("lists the certificates Codex will load", async () => {
    const dir = await ws.scenarioDir();
    const pem = join(dir, "corp.pem");
    writeFileSync(pem, kit.corp.root.certPem);
    const r = await run(["tls", "--offline", "--format", "markdown", "--ca", pem]);
    expect(r.stdout).toContain("## Certificates");
    expect(r.stdout).toContain("| subject |");
    expect(r.stdout).toContain(kit.corp.root.cert.subject.split(",")[0]!);
  });
});

describe("--shell powershell", () => {
  it("turns export/unset/cat fixes into PowerShell and leaves prose and openssl alone", () => {
    const hint = [
      "Convert it: openssl x509 -inform der -in /a/b.der -out /a/b.pem",
      "then: export CODEX_CA_CERTIFICATE='/a/my ca.pem'",
      "unset SSL_CERT_FILE SSL_CERT_DIR",
      "cat /etc/ssl/certs/ca-certificates.crt '/a/it'\\''s.pem' > /a/combined.pem",
      "export X=\"$(rm -rf /)\"",
    ].join("\n");
    expect(hintForShell(hint, "powershell").split("\n")).toEqual([
      "Convert it: openssl x509 -inform der -in /a/b.der -out /a/b.pem",
      "then: $env:CODEX_CA_CERTIFICATE = '/a/my ca.pem'",
      "Remove-Item Env:SSL_CERT_FILE, Env:SSL_CERT_DIR -ErrorAction SilentlyContinue",
      "Get-Content '/etc/ssl/certs/ca-certificates.crt', '/a/it''s.pem' | Set-Content '/a/combined.pem'",
      // Not one of our quoted forms: left as written rather than guessed.
      "export X=\"$(rm -rf /)\"",
    ]);
  });

  it("is the default on Windows, and --shell posix keeps export lines", async () => {
    const dir = await ws.scenarioDir();
    const der = join(dir, "ca.der");
    writeFileSync(der, kit.corp.root.certDer);
    const env = { CODEX_CA_CERTIFICATE: der };
    const win = await run(["tls", "--offline"], env, "win32");
    const posix = await run(["tls", "--offline", "--shell", "posix"], env, "win32");
    expect(win.stdout).toContain("CA_DER_ENCODED");
    expect(win.stdout).toContain(`$env:CODEX_CA_CERTIFICATE = '${join(dir, "ca.pem")}'`);
    expect(win.stdout).not.toMatch(/^\s*(then: )?export /m);
    expect(posix.stdout).toContain(`export CODEX_CA_CERTIFICATE=${join(dir, "ca.pem")}`);
  });
});
