// Secrets through the whole CLI (main()): proxy passwords that break their URL ("#", "/", "?"),
// "%" and "@" in passwords, query strings in endpoint and proxy URLs, and a NUL byte in
// HTTPS_PROXY. Every run is searched, human and JSON, for the secret and its encoded/decoded forms;
// no run may crash (INTERNAL_ERROR). Network runs go through the lab on 127.0.0.1 only: a tunnel
// proxy splices every CONNECT to a lab origin that answers for the real host names.
import { promises as fs } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { mintIntermediate, mintLeaf, mintRoot, startOrigin, startProxy, type LabServer, type Minted, type Origin } from "../lab/index.js";

const root = mkdtempSync(join(tmpdir(), "codex-doctor-secrets-"));
let n = 0;
let publicRoot: Minted;
let origin: Origin;
const servers: LabServer[] = [];

beforeAll(async () => {
  publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" });
  const int = await mintIntermediate(publicRoot, { cn: "Lab Public Issuing CA", o: "Lab Trust Services" });
  origin = await startOrigin({ cert: await mintLeaf(int, { dnsNames: ["auth.openai.com", "chatgpt.com", "llm.corp.example"] }), chain: [int] });
  servers.push(origin);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(root, { recursive: true, force: true });
});

async function tunnel(auth?: { user: string; pass: string }) {
  const proxy = await startProxy({ mode: "tunnel", upstream: { host: "127.0.0.1", port: origin.port }, auth });
  servers.push(proxy);
  return proxy;
}

interface Run {
  code: number;
  out: string;
}

async function run(argv: string[], env: Record<string, string>, config?: string): Promise<Run> {
  const dir = join(root, `r${++n}`);
  const codexHome = join(dir, "codex-home");
  await fs.mkdir(codexHome, { recursive: true });
  const system = join(dir, "system.pem");
  await fs.writeFile(system, publicRoot.certPem);
  if (config !== undefined) await fs.writeFile(join(codexHome, "config.toml"), config);
  let out = "";
  const code = await main(argv, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    env: { CODEX_HOME: codexHome, ...env },
    homedir: join(dir, "home"),
    platform: "linux",
    stdoutIsTTY: false,
    stderrIsTTY: false,
    linuxBundleCandidates: [system],
    searchPaths: [],
  });
  return { code, out };
}

/** The secret, and every form a careless renderer could print it in. */
function forms(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  try {
    out.add(decodeURIComponent(secret));
  } catch {
    /* not decodable: the raw form is enough */
  }
  return [...out];
}

function expectClean(r: Run, secrets: string[]): void {
  for (const secret of secrets) for (const form of forms(secret)) expect(r.out, `"${form}" leaked`).not.toContain(form);
  expect(r.out).not.toContain("INTERNAL_ERROR");
  expect(r.out).not.toContain("URIError");
}

type Doc = { checks: { id: string; status: string; findings: { code: string; message: string; hint?: string; data?: Record<string, unknown> }[]; data: Record<string, unknown> }[] };
const checkOf = (doc: Doc, id: string) => doc.checks.find((c) => c.id === id)!;
const codesOf = (doc: Doc, id: string) => checkOf(doc, id).findings.map((f) => f.code);

describe("a proxy password that breaks its URL is never printed, and Codex's failure is named", () => {
  it.each([
    ["#", "http://alice:Tr0ub4dor#s3cret@proxy.corp:8080"],
    ["/", "http://alice:Tr0ub4dor/s3cret@proxy.corp:8080"],
    ["?", "https://alice:Tr0ub4dor?s3cret@proxy.corp:8080"],
  ])("an unencoded %s: human (-v, sandbox table) and JSON", async (char, value) => {
    const human = await run(["tls", "--offline", "-v"], { HTTPS_PROXY: value });
    const json = await run(["tls", "--offline", "--json"], { HTTPS_PROXY: value });
    for (const r of [human, json]) expectClean(r, ["Tr0ub4dor", "s3cret", value.split("@")[0]]);
    expect(human.out).toContain("alice:****@proxy.corp:8080 cannot work");
    expect(human.out).toContain("alice:****@proxy.corp:8080  inherited");
    const doc = JSON.parse(json.out) as Doc;
    const broken = checkOf(doc, "env").findings.find((f) => f.code === "PROXY_URL_BROKEN")!;
    expect(broken.message).toContain(`the "${char}" in its credentials`);
    expect(json.code).toBe(1);
  });

  it("without a scheme the same value is one hyper-util refuses: ignored (PROXY_MALFORMED), still masked", async () => {
    const value = "alice:Tr0ub4dor?s3cret@proxy.corp:8080";
    const r = await run(["tls", "--offline", "--json"], { HTTPS_PROXY: value });
    expectClean(r, ["Tr0ub4dor", "s3cret"]);
    const malformed = checkOf(JSON.parse(r.out) as Doc, "env").findings.find((f) => f.code === "PROXY_MALFORMED")!;
    expect(malformed.message).toContain("HTTPS_PROXY=http://alice:****@proxy.corp:8080 is not a valid proxy URL");
  });

  it("the network checks do not dial a host taken from the credentials; they report the broken URL", async () => {
    const proxy = await tunnel();
    const value = `http://alice:Tr0ub4dor#s3cret@127.0.0.1:${proxy.port}`;
    const r = await run(["tls", "--json", "--timeout", "3000", "--only", "env", "--only", "proxy"], { HTTPS_PROXY: value });
    expectClean(r, ["Tr0ub4dor", "s3cret"]);
    expect(proxy.connects).toEqual([]);
    const doc = JSON.parse(r.out) as Doc;
    const unreachable = checkOf(doc, "proxy").findings.find((f) => f.code === "PROXY_UNREACHABLE")!;
    expect(unreachable.data).toMatchObject({ code: "PROXY_URL_BROKEN", via: "HTTPS_PROXY" });
    expect(unreachable.hint).toContain("%23");
  });
});

describe("'%' and '@' in a proxy password: no crash, and the credentials Codex would send", () => {
  it("'50%off' is sent as written (Rust's lossy percent-decoding): env, sandbox, config, proxy, https all run", async () => {
    const proxy = await tunnel({ user: "alice", pass: "50%off!!" });
    const value = `http://alice:50%off!!@127.0.0.1:${proxy.port}`;
    const r = await run(["tls", "--json", "--timeout", "3000"], { HTTPS_PROXY: value }, 'model = "gpt-5"\n');
    expectClean(r, ["50%off!!"]);
    const doc = JSON.parse(r.out) as Doc;
    for (const id of ["env", "sandbox", "config", "proxy", "https"]) expect(checkOf(doc, id).status, id).not.toBe("fail");
    expect(checkOf(doc, "proxy").status).toBe("pass");
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(proxy.connects.every((c) => c.authorized)).toBe(true);
  });

  it("an unencoded '@': Codex ends the credentials at the first '@', so the doctor gets the 407 Codex gets", async () => {
    const proxy = await tunnel({ user: "alice", pass: "s3cr@tpass" });
    const value = `http://alice:s3cr@tpass@127.0.0.1:${proxy.port}`;
    const r = await run(["tls", "--json", "--timeout", "3000", "--only", "env", "--only", "proxy"], { HTTPS_PROXY: value });
    expectClean(r, ["s3cr@tpass"]);
    const doc = JSON.parse(r.out) as Doc;
    expect(codesOf(doc, "env")).toContain("PROXY_PASSWORD_SPLIT");
    expect(codesOf(doc, "proxy")).toContain("PROXY_AUTH_REQUIRED");
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(proxy.connects.every((c) => c.sentProxyAuthorization && !c.authorized)).toBe(true);
  });
});

describe("query strings are probed the way Codex requests them, never printed", () => {
  const config = 'openai_base_url = "https://llm.corp.example/v1?key=Qu3rySecret"\n';

  it("openai_base_url with a query: Codex appends the path after it, and so does the probe", async () => {
    const proxy = await tunnel();
    const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}/?pq=Pr0xyQuery`, OPENAI_API_KEY: "sk-test-0000000000" };
    const before = origin.requests.length;
    const json = await run(["tls", "--json", "--timeout", "3000"], env, config);
    const human = await run(["tls", "-v", "--timeout", "3000"], env, config);
    for (const r of [json, human]) expectClean(r, ["Qu3rySecret", "Pr0xyQuery"]);
    const seen = origin.requests.slice(before).map((q) => `${q.upgrade ? "WS" : q.method} ${q.headers.host} ${q.path}`);
    // Provider::url_for_path: format!("{base}/{path}") → path "/v1", query "key=…/models".
    expect(seen).toEqual(expect.arrayContaining(["GET llm.corp.example /v1?key=Qu3rySecret/models", "WS llm.corp.example /v1?key=Qu3rySecret/responses"]));
    const requests = checkOf(JSON.parse(json.out) as Doc, "https").data.requests as { url: string }[];
    expect(requests.map((q) => q.url)).toContain("https://llm.corp.example/v1");
  });

  it("--target with a query: probed as given, shown without it (human, JSON, markdown command line)", async () => {
    const proxy = await tunnel();
    const target = "https://llm.corp.example/v1/models?token=T0kenSecret";
    const env = { HTTPS_PROXY: proxy.url };
    const before = origin.requests.length;
    const runs = [
      await run(["tls", "--json", "--timeout", "3000", "--target", target], env),
      await run(["tls", "-v", "--timeout", "3000", "--target", target], env),
      await run(["tls", "--format", "markdown", "--timeout", "3000", "--target", target], env),
    ];
    for (const r of runs) expectClean(r, ["T0kenSecret"]);
    expect(origin.requests.slice(before).map((q) => q.path)).toContain("/v1/models?token=T0kenSecret");
    expect(runs[1].out).toContain("https://llm.corp.example/v1/models");
  });
});

describe("a NUL byte in HTTPS_PROXY", () => {
  it.each(["http://proxy.corp:8080\u0000", "http://alice:p\u0000w0rd@proxy.corp:8080"])("%j is malformed: ignored like hyper-util does, never a route", async (value) => {
    const r = await run(["tls", "--offline", "--json"], { HTTPS_PROXY: value, ALL_PROXY: "http://fallback.corp:3128" });
    expectClean(r, ["w0rd"]);
    const env = checkOf(JSON.parse(r.out) as Doc, "env");
    const malformed = env.findings.find((f) => f.code === "PROXY_MALFORMED")!;
    expect(malformed.message).toContain("it contains a NUL byte");
    const routes = (env.data.proxies as { route: string }[]).map((p) => p.route);
    expect(routes.every((route) => route === "http://fallback.corp:3128 (ALL_PROXY)")).toBe(true);
  });
});
