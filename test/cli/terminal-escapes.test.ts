// Values from peers and files reach the report as text, never as terminal commands: certificate
// names a proxy or server presents (OSC-8 links, screen clears, title changes), a proxy's 403
// reason phrase, .env and config.toml values and table names, CA and proxy variables, file names,
// NUL bytes. The human view (with and without colour) and the Markdown view carry no control byte
// but chalk's own colour codes; the JSON escapes them and parses back to the original values.
// A 1 MB value is echoed bounded.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getKit, type Kit } from "../helpers/certs.js";
import { mintIntermediate, mintLeaf, mintRoot, startOrigin, startProxy, type LabServer, type Minted } from "../lab/index.js";
import { makeTempDir, runDoctor, type DoctorIo } from "./hostile.js";

const OSC8 = "\u001b]8;;http://evil.example/\u0007click me\u001b]8;;\u0007";
const CLEAR = "\u001b[2J\u001b[H";
const TITLE = "\u001b]0;pwned\u0007";
/** What a certificate name can carry (x509 names hold no newline here; file names and TOML values do). */
const EVIL_NAME = `Evil ${OSC8} ${CLEAR}${TITLE} \u202eRLO`;
/** What files, variables and config values can carry on top: C1 CSI, DEL, NUL, newline, tab. */
const EVIL_TEXT = `${EVIL_NAME}\u009b31m\u007f\u0000\nnext line\ttab`;

/** Any control character a terminal may act on, except the newline that separates lines. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Chalk's SGR colour codes: the only escape sequences a coloured report may contain. */
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[\d+(?:;\d+)*m/g;

let kit: Kit;
const roots: string[] = [];
const servers: LabServer[] = [];
let evilRoot: Minted;
let evilIntermediate: Minted;

beforeAll(async () => {
  kit = await getKit();
  evilRoot = await mintRoot({ cn: `${EVIL_NAME} Root`, o: `Org ${CLEAR}` });
  evilIntermediate = await mintIntermediate(evilRoot, { cn: `${EVIL_NAME} Issuing` });
});
afterAll(async () => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  await Promise.all(servers.map((s) => s.close()));
});

function scenarioDir(): { base: string; codexHome: string; io: (env: Record<string, string>) => DoctorIo } {
  const base = makeTempDir("codex-doctor-escapes-");
  roots.push(base);
  const codexHome = join(base, "codex-home");
  mkdirSync(codexHome);
  mkdirSync(join(base, "home"));
  writeFileSync(join(base, "system.pem"), kit.publicRoots.map((m) => m.certPem).join(""));
  return { base, codexHome, io: (env) => ({ env: { CODEX_HOME: codexHome, ...env }, home: join(base, "home"), systemBundle: join(base, "system.pem") }) };
}

interface Views {
  plain: string;
  coloured: string;
  markdown: string;
  json: string;
}

async function allViews(argv: string[], io: DoctorIo): Promise<Views> {
  const plain = await runDoctor(["tls", "-v", "--no-color", ...argv], io);
  const coloured = await runDoctor(["tls", "-v", "--color", ...argv], { ...io, tty: true });
  const markdown = await runDoctor(["tls", "--format", "markdown", ...argv], io);
  const json = await runDoctor(["tls", "--json", ...argv], io);
  for (const run of [plain, coloured, markdown, json]) expect(run.stderr).toBe("");
  return { plain: plain.stdout, coloured: coloured.stdout, markdown: markdown.stdout, json: json.stdout };
}

function expectSafe(views: Views): void {
  expect(views.plain).not.toMatch(RAW_CONTROL);
  expect(views.markdown).not.toMatch(RAW_CONTROL);
  expect(views.coloured).toMatch(SGR);
  expect(views.coloured.replace(SGR, "")).not.toMatch(RAW_CONTROL);
  // JSON.stringify escapes C0; the JSON view escapes DEL, C1 and bidi controls too.
  expect(views.json).not.toMatch(RAW_CONTROL);
  expect(() => JSON.parse(views.json)).not.toThrow();
}

/** Every string in a parsed JSON document. */
function stringsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsOf);
  return [];
}

describe("certificate names from the peer", () => {
  const targets = ["--target", "https://api.openai.com/v1/models", "--skip", "sandbox", "--skip", "websocket"];
  let proxyUrl: string;
  beforeAll(async () => {
    const origin = await startOrigin({ cert: await mintLeaf(kit.publicRoots[0], { dnsNames: ["api.openai.com"] }) });
    const proxy = await startProxy({
      mode: "intercept",
      upstream: { host: "127.0.0.1", port: origin.port, ca: [kit.publicRoots[0].certPem], servername: "api.openai.com" },
      interceptWith: { issuer: evilIntermediate, chain: [evilIntermediate] },
    });
    servers.push(origin, proxy);
    proxyUrl = proxy.url;
  });

  it("TLS_UNKNOWN_ISSUER: a chain whose names hold OSC-8 links, screen clears and title changes", async () => {
    const s = scenarioDir();
    const views = await allViews(targets, s.io({ HTTPS_PROXY: proxyUrl }));
    expectSafe(views);
    const report = JSON.parse(views.json) as { checks: { id: string; findings: { code: string; message: string; data?: Record<string, unknown> }[] }[] };
    const finding = report.checks.find((c) => c.id === "proxy")!.findings.find((f) => f.code === "TLS_UNKNOWN_ISSUER")!;
    // The data keeps the exact name (JSON escapes it); the message shows it with visible escapes.
    expect(String(finding.data?.issuer)).toContain("\u001b]8");
    expect(finding.message).toContain("\\u001b]8");
    expect(finding.message).not.toMatch(RAW_CONTROL);
    expect(views.plain).toContain("\\u001b[2J");
  });

  it("TLS_INTERCEPTED: the same chain trusted through CODEX_CA_CERTIFICATE (bundle table and interception)", async () => {
    const s = scenarioDir();
    writeFileSync(join(s.base, "evil-root.pem"), evilRoot.certPem);
    const views = await allViews(targets, s.io({ HTTPS_PROXY: proxyUrl, CODEX_CA_CERTIFICATE: join(s.base, "evil-root.pem") }));
    expect(views.json).toContain('"TLS_INTERCEPTED"');
    expectSafe(views);
    expect(views.plain).toContain("\\u001b]0\\;pwned\\u0007");
  });

  it("TLS_SELF_SIGNED: a server presenting one self-signed certificate with an evil name", async () => {
    const s = scenarioDir();
    const self = await mintRoot({ cn: EVIL_NAME, ca: false });
    const origin = await startOrigin({ cert: self });
    servers.push(origin);
    const views = await allViews(["--target", `https://127.0.0.1:${origin.port}/v1/models`, "--skip", "sandbox", "--skip", "websocket"], s.io({}));
    expect(views.json).toContain('"TLS_SELF_SIGNED"');
    expectSafe(views);
  });
});

describe("a proxy's reason phrase", () => {
  it("PROXY_BLOCKED: 403 with escapes and C1 bytes in the reason phrase", async () => {
    const server = net.createServer((socket) => {
      socket.once("data", () => {
        socket.end(Buffer.from(`HTTP/1.1 403 Forbidden ${TITLE}${CLEAR}\u009b31m\r\nContent-Length: 0\r\n\r\n`, "latin1"));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push({ port: (server.address() as net.AddressInfo).port, url: "", close: () => new Promise((r) => server.close(() => r())) } as LabServer);
    const port = (server.address() as net.AddressInfo).port;
    const s = scenarioDir();
    const views = await allViews(["--target", "https://api.openai.com/v1/models", "--skip", "sandbox", "--skip", "websocket"], s.io({ HTTPS_PROXY: `http://127.0.0.1:${port}` }));
    expect(views.json).toContain('"PROXY_BLOCKED"');
    expectSafe(views);
    const reasons = stringsOf(JSON.parse(views.json)).filter((t) => t.includes("pwned"));
    expect(reasons.some((t) => t.includes("\u009b31m"))).toBe(true);
  });
});

describe("files, variables and config values", () => {
  it("a hostile file name, .env values, CA and proxy variables, config.toml values and table names, NUL bytes", async () => {
    const s = scenarioDir();
    // A file name holds anything but "/" and NUL.
    const dir = join(s.base, `dir ${EVIL_TEXT.replace(/[\u0000/]/g, "")}`);
    mkdirSync(dir);
    writeFileSync(join(dir, "ca.der"), kit.corp.root.certDer);
    writeFileSync(join(s.codexHome, ".env"), `SSL_CERT_FILE=/nowhere/${EVIL_TEXT.replace(/\n/g, "")}.pem\nREQUESTS_CA_BUNDLE=/x/${CLEAR}${TITLE}\u009b\nCODEX_${"X"}=${OSC8}\n`);
    const toml = (v: string) => JSON.stringify(v);
    writeFileSync(
      join(s.codexHome, "config.toml"),
      [
        `profile = ${toml(EVIL_TEXT)}`,
        `model_provider = ${toml(`prov ${EVIL_TEXT}`)}`,
        `sandbox_mode = ${toml(EVIL_TEXT)}`,
        `[mcp_servers.${toml(EVIL_TEXT)}]`,
        `url = ${toml(`https://mcp.example.com/${CLEAR}`)}`,
        `bearer_token_env_var = ${toml(EVIL_TEXT)}`,
        `[profiles.${toml(`p ${EVIL_TEXT}`)}]`,
        `${toml(`key ${EVIL_TEXT}`)} = ${toml(EVIL_TEXT)}`,
        `[shell_environment_policy]`,
        `inherit = ${toml(EVIL_TEXT)}`,
        `${toml(`k ${EVIL_TEXT}`)} = 1`,
        "",
      ].join("\n"),
    );
    const views = await allViews(["--offline"], s.io({
      CODEX_CA_CERTIFICATE: join(dir, "ca.der"),
      NODE_EXTRA_CA_CERTS: `/missing/${EVIL_TEXT}`,
      HTTPS_PROXY: `http://${EVIL_NAME}@proxy.example:8080`,
      NO_PROXY: EVIL_TEXT,
      GIT_SSL_NO_VERIFY: EVIL_TEXT,
    }));
    expectSafe(views);
    // The values are there, only harmless: as visible escapes in the human view.
    // (HTTPS_PROXY's "password" is the hostile text after its first ':', so it is redacted wherever it
    // appears; the file name, which has no '/', shows the same link as visible escapes.)
    expect(views.plain).toContain("\\u001b]8;;http:evil.example\\u0007");
    expect(views.plain).toContain("\\u009b31m");
    expect(views.plain).toContain("\\n");
    const strings = stringsOf(JSON.parse(views.json));
    expect(strings.some((t) => t.includes("\u001b]0;pwned\u0007"))).toBe(true);
  });
});

describe("a 1 MB value", () => {
  it("is echoed bounded: every view stays far below 200 KB", async () => {
    const s = scenarioDir();
    const huge = `/tmp/${"a".repeat(1_000_000)}`;
    // One value under the .env size cap (the file is read), others from the shell.
    writeFileSync(join(s.codexHome, ".env"), `SSL_CERT_FILE=${huge}\n`);
    const io = s.io({ NODE_EXTRA_CA_CERTS: huge, REQUESTS_CA_BUNDLE: `/tmp/${"b ".repeat(500_000)}`, HTTPS_PROXY: `http://${"c".repeat(1_000_000)}:8080` });
    const views = await allViews(["--offline"], io);
    const brief = await runDoctor(["tls", "--offline", "--no-color"], io);
    expect(views.json).toContain('"DOTENV_SETS_VAR"');
    for (const text of [views.plain, views.coloured, views.markdown, views.json, brief.stdout]) expect(text.length).toBeLessThan(200_000);
    expect(views.plain).toMatch(/…\(\d+ characters cut\)…/);
    expect(() => JSON.parse(views.json)).not.toThrow();
  });
});
