// Table-driven cases for the sandbox check: every policy fixture under fixtures/config/policy/
// (offline), then the egress proof against the in-process lab (an intercepting proxy re-signing
// with a corporate CA minted at test time; a child Node process with exactly the sandbox
// environment either trusts that chain or not). Every declared code must be produced by some row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "smol-toml";
import { sandboxCheck } from "../../checks/sandbox.js";
import { makeFinding, type Check, type CheckResult, type Status } from "../../src/check.js";
import { parseCodexConfig } from "../../src/codex/config.js";
import { evaluatePolicy, parsePolicy } from "../../src/codex/policy.js";
import {
  mintCorporateChain,
  mintIntermediate,
  mintLeaf,
  mintRoot,
  startOrigin,
  startProxy,
  type CorporateChain,
  type LabServer,
  type Minted,
  type Origin,
  type ProxyOptions,
} from "../lab/index.js";
import { closedPort, configFixture, runScenario, Workspace, type Scenario, type ScenarioRun } from "../codex/harness.js";

const ws = new Workspace();
const servers: LabServer[] = [];
let publicRoot: Minted;
let origin: Origin;
let corp: CorporateChain;

beforeAll(async () => {
  publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" });
  const publicInt = await mintIntermediate(publicRoot, { cn: "Lab Public Issuing CA", o: "Lab Trust Services" });
  origin = await startOrigin({ cert: await mintLeaf(publicInt, { dnsNames: ["api.openai.com"] }), chain: [publicInt] });
  corp = await mintCorporateChain({ vendor: "zscaler" });
});

afterAll(async () => {
  await Promise.all([origin?.close(), ...servers.map((s) => s.close())]);
  ws.cleanup();
});

async function proxy(opts: Partial<ProxyOptions> = {}): Promise<string> {
  const p = await startProxy({
    mode: "intercept",
    upstream: { host: "127.0.0.1", port: origin.port, ca: [publicRoot.certPem], servername: "api.openai.com" },
    interceptWith: { issuer: corp.intermediate, chain: [corp.intermediate] },
    ...opts,
  } as ProxyOptions);
  servers.push(p);
  return p.url;
}

const NET_ON = 'sandbox_mode = "danger-full-access"\n';
const withNetwork = (fixture: string) => NET_ON + configFixture(fixture);
const CA_ENV = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/me",
  SSL_CERT_FILE: "/etc/pki/corp-bundle.pem",
  NODE_EXTRA_CA_CERTS: "/etc/pki/corp-root.pem",
  HTTPS_PROXY: "http://proxy.corp.example:8080",
};
const TARGET = ["https://api.openai.com/v1/models"];
/** Never in any output. */
const SECRETS = ["s3cr3t-pass", "ghp_do-not-echo", "sk-never-echo-000"];

interface Row {
  name: string;
  scenario: () => Promise<Scenario> | Scenario;
  status: Status;
  codes: string[];
  absent?: string[];
  hints?: Record<string, string[]>;
  messages?: Record<string, string[]>;
  /** Extra assertions on the result. */
  check?: (r: CheckResult, run: ScenarioRun) => void | Promise<void>;
}

/** Applies a SANDBOX_FIX hint and asserts every variable it names then reaches the sandbox. */
function fixWorks(r: CheckResult, run: ScenarioRun): void {
  const fix = r.findings.find((f) => f.code === "SANDBOX_FIX");
  expect(fix?.hint).toBeDefined();
  const parsed = parsePolicy((parse(fix!.hint!) as Record<string, unknown>).shell_environment_policy);
  expect(parsed.issues).toEqual([]);
  const after = evaluatePolicy(run.ctx.env, parsed.policy, run.ctx.platform);
  const names = /let (.+) reach sandboxed/.exec(fix!.message)![1].split(", ");
  for (const name of names) expect(after.fate(name).reaches, name).toBe(true);
}

const offlineRows: Row[] = [
  {
    name: "no config: everything reaches; network off (read-only assumed), so CA variables do not matter",
    scenario: () => ({ env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_POLICY_DEFAULT", "SANDBOX_MODE", "SANDBOX_MODE_ASSUMED", "SANDBOX_NETWORK_DISABLED", "SANDBOX_VARS_REACH", "SANDBOX_EGRESS_OFFLINE"],
    absent: ["SANDBOX_VAR_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_VARS_REACH: ["SSL_CERT_FILE (from the shell)", "HTTPS_PROXY (from the shell)"] },
  },
  {
    name: "no CA or proxy variable anywhere",
    scenario: () => ({ env: { PATH: "/bin" } }),
    status: "pass",
    codes: ["SANDBOX_NO_CA_VARS"],
  },
  {
    name: 'inherit = "core" with network: each CA/proxy variable dropped, with the rule, and a fix that keeps the policy',
    scenario: () => ({ config: withNetwork("policy/inherit-core.toml"), env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_POLICY", "SANDBOX_VAR_DROPPED", "SANDBOX_FIX", "SANDBOX_BASHRC"],
    messages: { SANDBOX_VAR_DROPPED: ["SSL_CERT_FILE (from the shell)", 'inherit = "core" keeps only PATH, SHELL'], SANDBOX_POLICY: ['inherit = "core"'] },
    hints: { SANDBOX_FIX: ['inherit = "core"', "[shell_environment_policy.set]", 'SSL_CERT_FILE = "/etc/pki/corp-bundle.pem"', 'HTTPS_PROXY = "http://proxy.corp.example:8080"'] },
    check: (r, run) => {
      expect(r.findings.filter((f) => f.code === "SANDBOX_VAR_DROPPED")).toHaveLength(3);
      fixWorks(r, run);
    },
  },
  {
    name: 'inherit = "core" on macOS: no ~/.bashrc note',
    scenario: () => ({ config: withNetwork("policy/inherit-core.toml"), env: CA_ENV, platform: "darwin" }),
    status: "warn",
    codes: ["SANDBOX_VAR_DROPPED"],
    absent: ["SANDBOX_BASHRC"],
  },
  {
    name: 'inherit = "none" without network: dropped, but harmless (info, no fix warning)',
    scenario: () => ({ fixture: "policy/inherit-none.toml", env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_VAR_DROPPED_NO_NETWORK", "SANDBOX_NETWORK_DISABLED"],
    absent: ["SANDBOX_VAR_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_VAR_DROPPED_NO_NETWORK: ['inherit = "none"', "harmless while they have no network"] },
  },
  {
    name: "core + set: the set variable reaches, the others are dropped",
    scenario: () => ({ config: withNetwork("policy/core-with-set.toml"), env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_VARS_REACH", "SANDBOX_VAR_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_VARS_REACH: ["SSL_CERT_FILE (set by the policy)"] },
    check: (r, run) => {
      expect(r.findings.filter((f) => f.code === "SANDBOX_VAR_DROPPED").map((f) => f.message.split(" ")[0]).sort()).toEqual(["HTTPS_PROXY", "NODE_EXTRA_CA_CERTS"]);
      fixWorks(r, run);
    },
  },
  {
    name: "include_only drops what set added: named, and fixed by widening include_only",
    scenario: () => ({ config: withNetwork("policy/include-only-drops-set.toml"), env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_SET_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_SET_DROPPED: ["NODE_EXTRA_CA_CERTS", "include_only runs after set"] },
    hints: { SANDBOX_SET_DROPPED: ['include_only = ["PATH", "HOME", "SSL_*", "NODE_EXTRA_CA_CERTS"]'], SANDBOX_FIX: ['"NODE_EXTRA_CA_CERTS"', '"HTTPS_PROXY"'] },
    check: fixWorks,
  },
  {
    name: 'exclude = ["*PROXY*"] drops both cases; the fix re-adds them with the password masked',
    scenario: () => ({
      config: withNetwork("policy/exclude-proxy.toml"),
      env: { ...CA_ENV, HTTPS_PROXY: "http://me:s3cr3t-pass@proxy.corp.example:8080", https_proxy: "http://proxy.corp.example:8080" },
    }),
    status: "warn",
    codes: ["SANDBOX_VAR_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_VAR_DROPPED: ['exclude pattern "*PROXY*"'] },
    hints: { SANDBOX_FIX: ['HTTPS_PROXY = "http://me:****@proxy.corp.example:8080"  # replace **** with the proxy password', 'https_proxy = "http://proxy.corp.example:8080"'] },
    check: (r) => {
      const dropped = r.findings.filter((f) => f.code === "SANDBOX_VAR_DROPPED").map((f) => f.message.split(" ")[0]);
      expect(dropped.sort()).toEqual(["HTTPS_PROXY", "https_proxy"]);
    },
  },
  {
    name: "ignore_default_excludes = false never touches CA or proxy variables",
    scenario: () => ({ config: withNetwork("policy/default-excludes-on.toml"), env: { ...CA_ENV, OPENAI_API_KEY: "sk-never-echo-000" } }),
    status: "pass",
    codes: ["SANDBOX_POLICY", "SANDBOX_VARS_REACH"],
    absent: ["SANDBOX_VAR_DROPPED"],
    messages: { SANDBOX_POLICY: ["ignore_default_excludes = false"] },
  },
  {
    name: "inherit all + include_only: matched names reach, the rest is dropped by include_only",
    scenario: () => ({ config: withNetwork("policy/all-include-only.toml"), env: { ...CA_ENV, REQUESTS_CA_BUNDLE: "/etc/pki/corp-bundle.pem" } }),
    status: "warn",
    codes: ["SANDBOX_VAR_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_VAR_DROPPED: ["REQUESTS_CA_BUNDLE", "include_only ("] },
    check: fixWorks,
  },
  {
    name: "the article's [shell_environment] + [shell_environment.include]: ignored, equivalent printed (keeping the proxy)",
    scenario: () => ({ fixture: "policy/article-shape.toml", env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_ARTICLE_SHAPE", "SANDBOX_POLICY_DEFAULT"],
    messages: { SANDBOX_ARTICLE_SHAPE: ["Codex ignores it", "every variable reaches commands today", "HTTPS_PROXY"] },
    hints: { SANDBOX_ARTICLE_SHAPE: ["[shell_environment_policy]", 'inherit = "all"', '"HOME"', '"SSL_CERT_FILE"', '"NODE_EXTRA_CA_CERTS"', '"HTTPS_PROXY"'] },
    check: (r, run) => {
      // The equivalent really is "core + the included variables (+ the proxy the user has)".
      const hint = r.findings.find((f) => f.code === "SANDBOX_ARTICLE_SHAPE")!.hint!;
      const policy = parsePolicy((parse(hint) as Record<string, unknown>).shell_environment_policy).policy;
      const env = { ...run.ctx.env, OPENAI_API_KEY: "x", EDITOR: "vim" };
      expect(Object.keys(evaluatePolicy(env, policy, "linux").env).sort()).toEqual(["HOME", "HTTPS_PROXY", "NODE_EXTRA_CA_CERTS", "PATH", "SSL_CERT_FILE"]);
    },
  },
  {
    name: "the article's table next to a real policy: only the policy counts",
    scenario: () => ({ fixture: "policy/article-with-policy.toml", env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_ARTICLE_SHAPE", "SANDBOX_POLICY", "SANDBOX_VAR_DROPPED_NO_NETWORK"],
    messages: { SANDBOX_ARTICLE_SHAPE: ["uses your [shell_environment_policy] table alone"] },
  },
  {
    name: "shell_environment_policy = \"core\" (a string): Codex refuses the file; coded, not a crash",
    scenario: () => ({ fixture: "policy/policy-not-a-table.toml", env: CA_ENV }),
    status: "fail",
    codes: ["SANDBOX_POLICY_INVALID", "SANDBOX_POLICY_DEFAULT"],
    hints: { SANDBOX_POLICY_INVALID: ["[shell_environment_policy]"] },
  },
  {
    name: 'inherit = "Core" is corrected to "core" (what was meant), not to the wide-open default',
    scenario: () => ({ config: '[shell_environment_policy]\ninherit = "Core"\n', env: CA_ENV }),
    status: "fail",
    codes: ["SANDBOX_POLICY_INVALID"],
    hints: { SANDBOX_POLICY_INVALID: ['inherit = "core"'] },
  },
  {
    name: "wrong member types inside the policy",
    scenario: () => ({ fixture: "policy/policy-wrong-types.toml", env: CA_ENV }),
    status: "fail",
    codes: ["SANDBOX_POLICY_INVALID"],
    messages: { SANDBOX_POLICY_INVALID: ["4 invalid value(s)"] },
  },
  {
    name: "[shell_environment_policy.include] is not a key: include_only meant",
    scenario: () => ({ fixture: "policy/policy-unknown-key.toml", env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_POLICY_UNKNOWN_KEY"],
    hints: { SANDBOX_POLICY_UNKNOWN_KEY: ['"PATH"', '"HOME"', '"SSL_CERT_FILE"]'] },
    messages: { SANDBOX_POLICY_UNKNOWN_KEY: ["include", "you probably meant include_only"] },
  },
  {
    name: "workspace-write with network_access: network on",
    scenario: () => ({ fixture: "policy/network-workspace-write.toml", env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_MODE"],
    absent: ["SANDBOX_NETWORK_DISABLED", "SANDBOX_MODE_ASSUMED"],
    messages: { SANDBOX_MODE: ["workspace-write", "network for commands: yes"] },
  },
  {
    name: "workspace-write without network_access: off",
    scenario: () => ({ fixture: "policy/network-workspace-write-off.toml", env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_NETWORK_DISABLED"],
    messages: { SANDBOX_NETWORK_DISABLED: ["without sandbox_workspace_write.network_access = true"] },
  },
  {
    name: "network_access = true under read-only does nothing",
    scenario: () => ({ fixture: "policy/network-access-ignored.toml", env: CA_ENV }),
    status: "warn",
    codes: ["SANDBOX_NETWORK_ACCESS_IGNORED", "SANDBOX_NETWORK_DISABLED"],
  },
  {
    name: "default_permissions: network decided by a [permissions] profile",
    scenario: () => ({ fixture: "policy/network-permissions.toml", env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_PERMISSIONS_PROFILE"],
    absent: ["SANDBOX_NETWORK_DISABLED"],
  },
  {
    name: "the active profile's sandbox_mode wins",
    scenario: () => ({ fixture: "policy/profile-sandbox.toml", env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_MODE"],
    messages: { SANDBOX_MODE: ["danger-full-access (from the active profile)"] },
  },
  {
    name: "unset sandbox_mode with trusted folders: the assumption says so",
    scenario: () => ({ fixture: "policy/trusted-projects.toml", env: CA_ENV }),
    status: "pass",
    codes: ["SANDBOX_MODE_ASSUMED"],
    messages: { SANDBOX_MODE_ASSUMED: ["1 folder(s) with a trust decision"] },
  },
  {
    name: "config.toml that does not parse: skipped with a coded finding",
    scenario: () => ({ fixture: "mistakes/syntax-error.toml", env: CA_ENV }),
    status: "skip",
    codes: ["SANDBOX_CONFIG_UNREADABLE"],
  },
  {
    name: "config.toml over the doctor's size cap: skipped, without claiming Codex does not start",
    scenario: () => ({ config: `# ${"x".repeat(4 * 1024 * 1024)}\n`, env: CA_ENV }),
    status: "skip",
    codes: ["SANDBOX_CONFIG_NOT_READ"],
    messages: { SANDBOX_CONFIG_NOT_READ: ["its own limit", "Codex reads the whole file"] },
  },
  {
    name: "config.toml that cannot be read: skipped with a coded finding",
    scenario: () => ({ configIsDirectory: true, env: CA_ENV }),
    status: "skip",
    codes: ["SANDBOX_CONFIG_UNREADABLE"],
  },
  {
    name: "Codex trusts a corporate bundle but NODE_EXTRA_CA_CERTS does not reach: Node tools flagged, fix sets it",
    scenario: () => ({ config: NET_ON, files: { "corp-root.pem": corp.root.certPem }, env: { PATH: "/bin", CODEX_CA_CERTIFICATE: "{dir}/corp-root.pem" } }),
    status: "warn",
    codes: ["SANDBOX_NODE_CA_MISSING", "SANDBOX_FIX"],
    hints: { SANDBOX_FIX: ["NODE_EXTRA_CA_CERTS = ", "corp-root.pem"] },
    check: fixWorks,
  },
  {
    name: "$CODEX_HOME/.env values reach commands and override the shell's; its CODEX_* keys never do",
    scenario: () => ({
      config: withNetwork("policy/no-policy.toml"),
      env: { PATH: "/bin", SSL_CERT_FILE: "/shell.pem" },
      dotenv: "SSL_CERT_FILE=/dotenv.pem\nCODEX_CA_CERTIFICATE=/never.pem\n",
    }),
    status: "pass",
    codes: ["SANDBOX_VARS_REACH"],
    messages: { SANDBOX_VARS_REACH: ["SSL_CERT_FILE (from "] },
    check: (r) => {
      const vars = (r.data as { vars: { name: string; reaches: boolean; origin: string | null }[] }).vars;
      expect(vars).toContainEqual(expect.objectContaining({ name: "SSL_CERT_FILE", reaches: true, origin: "dotenv" }));
      expect(vars.find((v) => v.name === "CODEX_CA_CERTIFICATE")).toBeUndefined();
      expect(JSON.stringify(r.data)).toContain("/dotenv.pem");
    },
  },
  {
    name: "sandbox_mode from the active profile: the network fix edits that profile (a top-level line would be overridden)",
    scenario: () => ({ config: 'profile = "ci"\n\n[profiles.ci]\nsandbox_mode = "read-only"\n', env: { PATH: "/bin" } }),
    status: "pass",
    codes: ["SANDBOX_NETWORK_DISABLED"],
    hints: { SANDBOX_NETWORK_DISABLED: ['[profiles.ci]\nsandbox_mode = "workspace-write"'] },
  },
  {
    name: "include_only dropping a set CA variable is only info while commands have no network",
    scenario: () => ({
      config: `sandbox_mode = "read-only"\n[shell_environment_policy]\ninclude_only = ["PATH"]\nset = { SSL_CERT_FILE = "/corp.pem" }\n`,
      env: { PATH: "/bin" },
    }),
    status: "pass",
    codes: ["SANDBOX_SET_DROPPED_NO_NETWORK"],
    absent: ["SANDBOX_SET_DROPPED"],
  },
  {
    name: "a credential inside another set value (a package index URL) is masked in the fix",
    scenario: () => ({
      config: `${NET_ON}[shell_environment_policy]\ninclude_only = ["PATH"]\nset = { PIP_INDEX_URL = "https://bob:artifactoryTOKEN123@repo.corp/simple", SSL_CERT_FILE = "/corp.pem" }\n`,
      env: { PATH: "/bin" },
    }),
    status: "warn",
    codes: ["SANDBOX_SET_DROPPED", "SANDBOX_FIX"],
    hints: { SANDBOX_FIX: ['PIP_INDEX_URL = "https://bob:****@repo.corp/simple"  # replace **** with your current password'] },
    check: (r) => expect(JSON.stringify(r)).not.toContain("artifactoryTOKEN123"),
  },
  {
    name: "set values of secret-looking names are never echoed (names only)",
    scenario: () => ({
      config: `${NET_ON}[shell_environment_policy]\ninclude_only = ["PATH"]\nset = { GITHUB_TOKEN = "ghp_do-not-echo", SSL_CERT_FILE = "/corp.pem" }\n`,
      env: { PATH: "/bin" },
    }),
    status: "warn",
    codes: ["SANDBOX_SET_DROPPED", "SANDBOX_FIX"],
    messages: { SANDBOX_POLICY: ["set = {GITHUB_TOKEN, SSL_CERT_FILE}"] },
    hints: { SANDBOX_FIX: ['GITHUB_TOKEN = "<your value>"  # keep your current value'] },
  },
];

const seen = new Set<string>();

async function runRow(row: Row): Promise<void> {
  const run = await runScenario(ws, [sandboxCheck as Check], await row.scenario());
  const r = run.results.sandbox;
  const codes = run.codes.sandbox;
  codes.forEach((c) => seen.add(c));
  expect(codes).not.toContain("INTERNAL_ERROR");
  expect(r.status, JSON.stringify(r.findings, null, 1)).toBe(row.status);
  for (const c of row.codes) expect(codes, JSON.stringify(r.findings, null, 1)).toContain(c);
  for (const c of row.absent ?? []) expect(codes).not.toContain(c);
  for (const [code, parts] of Object.entries(row.hints ?? {})) {
    const hints = r.findings.filter((f) => f.code === code).map((f) => f.hint ?? "").join("\n---\n");
    for (const p of parts) expect(hints).toContain(p);
  }
  for (const [code, parts] of Object.entries(row.messages ?? {})) {
    const messages = r.findings.filter((f) => f.code === code).map((f) => f.message).join("\n");
    for (const p of parts) expect(messages).toContain(p);
  }
  // TOML snippets are pasteable.
  for (const f of r.findings) {
    if (["SANDBOX_FIX", "SANDBOX_ARTICLE_SHAPE"].includes(f.code)) expect(() => parse(f.hint ?? ""), f.hint).not.toThrow();
  }
  const json = JSON.stringify(r);
  for (const secret of SECRETS) expect(json).not.toContain(secret);
  await row.check?.(r, run);
}

describe("sandbox check: policy and network (offline)", () => {
  for (const row of offlineRows) it(row.name, () => runRow(row));
});

const lab = (env: Record<string, string>, extra: Partial<Scenario> = {}): Scenario => ({
  config: NET_ON,
  files: { "corp-root.pem": corp.root.certPem },
  env: { PATH: "/usr/bin:/bin", ...env },
  options: { offline: false, targets: TARGET, timeoutMs: 3000 },
  ...extra,
});

const egressRows: Row[] = [
  {
    name: "trusting: NODE_EXTRA_CA_CERTS holds the corporate root, the proxy re-signs, Node trusts the chain",
    scenario: async () => lab({ HTTPS_PROXY: await proxy(), NODE_EXTRA_CA_CERTS: "{dir}/corp-root.pem" }),
    status: "pass",
    codes: ["SANDBOX_EGRESS_TRUSTED"],
    messages: { SANDBOX_EGRESS_TRUSTED: ["https://api.openai.com/v1/models", "through http://127.0.0.1:", "(HTTPS_PROXY)"] },
  },
  {
    name: "not trusting: no corporate root for Node in the sandbox environment",
    scenario: async () => lab({ HTTPS_PROXY: await proxy() }),
    status: "fail",
    codes: ["SANDBOX_EGRESS_UNTRUSTED"],
    messages: { SANDBOX_EGRESS_UNTRUSTED: ["did NOT trust", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"] },
    hints: { SANDBOX_EGRESS_UNTRUSTED: ["NODE_EXTRA_CA_CERTS = \"/path/to/corporate-root.pem\""] },
  },
  {
    name: "not trusting although Codex has NODE_EXTRA_CA_CERTS: the policy drops it (inherit = core); the printed fix then works",
    scenario: async () => {
      const url = await proxy();
      return lab(
        { HTTPS_PROXY: url, NODE_EXTRA_CA_CERTS: "{dir}/corp-root.pem" },
        { config: `${NET_ON}[shell_environment_policy]\ninherit = "core"\nset = { HTTPS_PROXY = "${url}" }\n` },
      );
    },
    status: "fail",
    codes: ["SANDBOX_VAR_DROPPED", "SANDBOX_FIX", "SANDBOX_EGRESS_UNTRUSTED"],
    check: async (r, run) => {
      const fix = r.findings.find((f) => f.code === "SANDBOX_FIX")!.hint!;
      expect(fix).toContain("NODE_EXTRA_CA_CERTS");
      // Paste the fix into config.toml and run again: the sandboxed Node process now trusts the chain.
      const again = await runScenario(ws, [sandboxCheck as Check], {
        config: NET_ON + fix,
        env: { PATH: "/usr/bin:/bin", HTTPS_PROXY: run.ctx.env.HTTPS_PROXY!, NODE_EXTRA_CA_CERTS: run.ctx.env.NODE_EXTRA_CA_CERTS! },
        options: { offline: false, targets: TARGET, timeoutMs: 3000 },
      });
      again.codes.sandbox.forEach((c) => seen.add(c));
      expect(again.results.sandbox.status).toBe("pass");
      expect(again.codes.sandbox).toContain("SANDBOX_EGRESS_TRUSTED");
    },
  },
  {
    name: "NODE_EXTRA_CA_CERTS names a missing file: Node's own warning is reported",
    scenario: async () => lab({ HTTPS_PROXY: await proxy(), NODE_EXTRA_CA_CERTS: "{dir}/missing.pem" }),
    status: "fail",
    codes: ["SANDBOX_EGRESS_UNTRUSTED"],
    messages: { SANDBOX_EGRESS_UNTRUSTED: ["Node said", "extra certs"] },
  },
  {
    name: "proxy wants credentials the sandbox environment lacks (407)",
    scenario: async () => lab({ HTTPS_PROXY: await proxy({ auth: { user: "me", pass: "s3cr3t-pass" } }), NODE_EXTRA_CA_CERTS: "{dir}/corp-root.pem" }),
    status: "warn",
    codes: ["SANDBOX_EGRESS_PROXY_REFUSED"],
    messages: { SANDBOX_EGRESS_PROXY_REFUSED: ["answered 407"] },
    hints: { SANDBOX_EGRESS_PROXY_REFUSED: ["export HTTPS_PROXY=http://user:password@127.0.0.1:"] },
  },
  {
    name: "proxy credentials in the URL work and are never echoed",
    scenario: async () => {
      const url = new URL(await proxy({ auth: { user: "me", pass: "s3cr3t-pass" } }));
      url.username = "me";
      url.password = "s3cr3t-pass";
      return lab({ HTTPS_PROXY: url.href, NODE_EXTRA_CA_CERTS: "{dir}/corp-root.pem" });
    },
    status: "pass",
    codes: ["SANDBOX_EGRESS_TRUSTED"],
    messages: { SANDBOX_EGRESS_TRUSTED: ["me:****@127.0.0.1"] },
  },
  {
    name: "proxy not listening: a connection failure, not a certificate problem",
    scenario: async () => lab({ HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}` }),
    status: "warn",
    codes: ["SANDBOX_EGRESS_CONNECT_FAILED"],
    messages: { SANDBOX_EGRESS_CONNECT_FAILED: ["ECONNREFUSED", "at the proxy"] },
  },
  {
    name: "proxy that accepts and never answers: bounded by the timeout",
    scenario: async () => {
      const p = await startProxy({ mode: "hang" });
      servers.push(p);
      return { ...lab({ HTTPS_PROXY: p.url }), options: { offline: false, targets: TARGET, timeoutMs: 500 } };
    },
    status: "warn",
    codes: ["SANDBOX_EGRESS_TIMEOUT"],
    // The child's own 500 ms bound fired (not the parent's kill at timeout + startup slack).
    check: (r) => expect((r.data as { egress: { outcome: string; code: string | null } }).egress).toMatchObject({ outcome: "timeout", code: "ETIMEDOUT" }),
  },
  {
    name: "SOCKS proxy in the sandbox environment: the probe says why it cannot run",
    scenario: () => lab({ HTTPS_PROXY: "socks5://127.0.0.1:1080" }),
    status: "warn",
    codes: ["SANDBOX_EGRESS_NOT_RUN"],
    messages: { SANDBOX_EGRESS_NOT_RUN: ["SOCKS"] },
  },
  {
    name: "NODE_OPTIONS in the sandbox environment breaks node itself",
    scenario: () => lab({ NODE_OPTIONS: "--require /nonexistent/codex-doctor-preload.cjs", HTTPS_PROXY: "http://127.0.0.1:9" }),
    status: "warn",
    codes: ["SANDBOX_EGRESS_NOT_RUN"],
    messages: { SANDBOX_EGRESS_NOT_RUN: ["exited (1)", "NODE_OPTIONS"] },
  },
  {
    name: "online but sandboxed commands have no network: egress skipped, says why",
    scenario: () => ({ ...lab({ HTTPS_PROXY: "http://127.0.0.1:9" }), config: "" }),
    status: "pass",
    codes: ["SANDBOX_EGRESS_NO_NETWORK"],
  },
];

describe.concurrent("sandbox check: egress proof against the lab", () => {
  for (const row of egressRows) it(row.name, () => runRow(row));
});

describe("never a crash on odd TOML", () => {
  it("every key the check reads, with every TOML type, gives a result", async () => {
    const base = await runScenario(ws, [], { env: CA_ENV });
    const keys = [
      "shell_environment_policy", "shell_environment_policy.inherit", "shell_environment_policy.set", "shell_environment_policy.set.SSL_CERT_FILE",
      "shell_environment_policy.exclude", "shell_environment_policy.include_only", "shell_environment_policy.ignore_default_excludes",
      "shell_environment_policy.include", "shell_environment", "shell_environment.include", "shell_environment.include.SSL_CERT_FILE",
      "shell_environment.set", "sandbox_mode", "sandbox_workspace_write", "sandbox_workspace_write.network_access", "default_permissions",
      "projects", "projects.p", "profile", "profiles", "profiles.p", "profiles.p.sandbox_mode",
    ];
    const values = ['"s"', '"core"', "1", "1.5", "true", "[]", '[1, "a"]', "{}", "{ a = 1 }", "1979-05-27T07:32:00Z"];
    for (const key of keys) {
      for (const value of values) {
        const parts = key.split(".");
        const text = parts.length === 1 ? `profile = "p"\n${key} = ${value}\n` : `profile = "p"\n[${parts.slice(0, -1).join(".")}]\n${parts[parts.length - 1]} = ${value}\n`;
        const ctx = { ...base.ctx, config: parseCodexConfig(text, "config.toml") };
        const outcome = await sandboxCheck.run(ctx, { signal: new AbortController().signal, finding: (code, vars) => makeFinding(code, sandboxCheck.codes[code], vars) });
        expect(outcome.findings.length, text).toBeGreaterThan(0);
      }
    }
  });
});

describe("coverage", () => {
  it("every declared finding code is produced by some row", () => {
    expect(Object.keys(sandboxCheck.codes).filter((c) => !seen.has(c))).toEqual([]);
  });

  it("sandbox is not a network check (its policy part runs with --offline)", () => {
    expect(sandboxCheck.network).toBeFalsy();
  });
});
