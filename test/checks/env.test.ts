// The env check, table-driven: which CA variable wins and why, base-root consequences, .env,
// other tools' CA variables, verification switches, and the proxy per default endpoint.
import { expect } from "vitest";
import type { Check, CheckResult } from "../../src/check.js";
import { envCheck } from "../../checks/env.js";
import { checkTable, type Row } from "../helpers/table.js";

const TOKEN = "https://auth.openai.com/oauth/token";
const MODELS = "https://chatgpt.com/backend-api/codex/models";
const WS = "wss://chatgpt.com/backend-api/codex/responses";
const THROUGH_ALL = ["PROXY_FOR_TARGET", "PROXY_FOR_TARGET", "PROXY_FOR_TARGET"];

function routes(r: CheckResult): Record<string, string> {
  return Object.fromEntries((r.data.proxies as { endpoint: string; route: string }[]).map((p) => [p.endpoint, p.route]));
}

function noSecret(secret: string) {
  return (r: CheckResult) => {
    expect(JSON.stringify(r)).not.toContain(secret);
  };
}

const OTHER_VARS = ["NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "PIP_CERT", "AWS_CA_BUNDLE"];

const rows: Row[] = [
  // ---- which CA variable won, and why
  {
    name: "nothing set: system roots, every endpoint direct",
    scenario: () => ({}),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED"],
      result: (r) => {
        expect(r.data).toMatchObject({ selectedBy: null, baseRoots: { origin: "platform", count: 2 } });
        expect(routes(r)).toEqual({ [TOKEN]: "direct", [MODELS]: "direct", [WS]: "direct" });
      },
    },
  },
  {
    name: "CODEX_CA_CERTIFICATE wins",
    scenario: (k) => ({ env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem" }, files: { "corp.pem": k.corp.root.certPem } }),
    expect: {
      status: "pass",
      codes: ["CA_VAR_SELECTED"],
      result: (r) => {
        expect(r.data.selectedBy).toBe("CODEX_CA_CERTIFICATE");
        expect(r.data.vars).toEqual([
          { name: "CODEX_CA_CERTIFICATE", state: "set", origin: "shell", value: expect.stringMatching(/corp\.pem$/) },
          { name: "SSL_CERT_FILE", state: "unset", origin: null, value: null },
          { name: "SSL_CERT_DIR", state: "unset", origin: null, value: null },
        ]);
      },
    },
  },
  {
    name: "empty CODEX_CA_CERTIFICATE: SSL_CERT_FILE (a combined bundle) wins and replaces the base roots",
    scenario: (k) => ({
      env: { CODEX_CA_CERTIFICATE: "", SSL_CERT_FILE: "{dir}/combined.pem" },
      files: { "combined.pem": k.publicRoots.map((m) => m.certPem).join("") + k.corp.root.certPem },
    }),
    expect: {
      status: "pass",
      codes: ["CA_VAR_SELECTED", "BASE_ROOTS_REPLACED"],
      result: (r) => {
        expect(r.data.selectedBy).toBe("SSL_CERT_FILE");
        expect(r.data.baseRoots).toMatchObject({ origin: "env", count: 3 });
        expect((r.data.vars as { state: string }[])[0].state).toBe("empty");
      },
    },
  },
  {
    name: "whitespace-only CODEX_CA_CERTIFICATE is a path, not unset (warn)",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: " " } }),
    expect: { status: "warn", codes: ["CA_VAR_SELECTED", "CA_VAR_WHITESPACE"] },
  },
  {
    name: "both set with different roots (warn), and SSL_CERT_FILE replaces the system roots",
    scenario: (k) => ({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_FILE: "{dir}/old.pem" },
      files: { "corp.pem": k.corp.root.certPem, "old.pem": k.otherCorpRoot.certPem },
    }),
    expect: { status: "warn", codes: ["CA_VAR_SELECTED", "BASE_ROOTS_REPLACED", "BASE_ROOTS_CORPORATE_ONLY", "CA_VARS_DIFFER"] },
  },
  {
    name: "both set to different files with the same roots: compared by fingerprint, no warning",
    scenario: (k) => ({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_FILE: "{dir}/combined.pem" },
      files: { "corp.pem": k.corp.root.certPem, "combined.pem": k.publicRoots.map((m) => m.certPem).join("") + k.corp.root.certPem },
    }),
    expect: { status: "pass", codes: ["CA_VAR_SELECTED", "BASE_ROOTS_REPLACED"] },
  },

  // ---- base roots
  {
    name: "empty SSL_CERT_FILE empties the base roots (warn; no platform fallback)",
    scenario: (k) => ({ env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_FILE: "" }, files: { "corp.pem": k.corp.root.certPem } }),
    expect: { status: "warn", codes: ["CA_VAR_SELECTED", "BASE_ROOTS_EMPTY"], result: (r) => expect(r.data.baseRoots).toMatchObject({ origin: "env", count: 0 }) },
  },
  {
    name: "empty SSL_CERT_FILE and a refused bundle: Codex trusts nothing at all",
    scenario: () => ({ env: { CODEX_CA_CERTIFICATE: "{dir}/missing.pem", SSL_CERT_FILE: "" } }),
    expect: {
      status: "warn",
      codes: ["CA_VAR_SELECTED", "BASE_ROOTS_EMPTY"],
      result: (r) => expect(r.findings.find((f) => f.code === "BASE_ROOTS_EMPTY")?.message).toContain("trusts NOTHING"),
    },
  },
  {
    name: "SSL_CERT_DIR missing next to a good SSL_CERT_FILE: errors reported (warn)",
    scenario: (k) => ({
      env: { SSL_CERT_FILE: "{dir}/combined.pem", SSL_CERT_DIR: "{dir}/nope" },
      files: { "combined.pem": k.publicRoots.map((m) => m.certPem).join("") + k.corp.root.certPem },
    }),
    expect: { status: "warn", codes: ["CA_VAR_SELECTED", "BASE_ROOTS_REPLACED", "BASE_ROOTS_ERRORS"] },
  },
  {
    name: "SSL_CERT_DIR without hashed files: falls back to the system store (info)",
    scenario: () => ({ env: { SSL_CERT_DIR: "{dir}/certs" }, files: { "certs/readme.txt": "empty\n" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", "BASE_ROOTS_FALLBACK"], result: (r) => expect(r.data.baseRoots).toMatchObject({ origin: "platform" }) },
  },
  {
    name: "SSL_CERT_DIR with only the corporate root replaces the system roots (warn)",
    scenario: (k) => ({ env: { SSL_CERT_DIR: "{dir}/certs" }, files: { "certs/1a2b3c4d.0": k.corp.root.certPem } }),
    expect: { status: "warn", codes: ["CA_NONE_SELECTED", "BASE_ROOTS_REPLACED", "BASE_ROOTS_CORPORATE_ONLY"] },
  },
  {
    name: "corporate-only SSL_CERT_FILE as the selected bundle: left to the bundle check",
    scenario: (k) => ({ env: { SSL_CERT_FILE: "{dir}/corp.pem" }, files: { "corp.pem": k.corp.root.certPem } }),
    expect: { status: "pass", codes: ["CA_VAR_SELECTED", "BASE_ROOTS_REPLACED"] },
  },

  // ---- $CODEX_HOME/.env
  {
    name: ".env sets SSL_CERT_FILE and a proxy over the shell's: both reported, credentials redacted",
    scenario: (k) => ({
      env: { SSL_CERT_FILE: "/stale/shell.pem", HTTPS_PROXY: "http://bob:sh3llpass@old-proxy:3128" },
      files: { "combined.pem": k.publicRoots.map((m) => m.certPem).join("") + k.corp.root.certPem },
      dotenv: "SSL_CERT_FILE={dir}/combined.pem\nHTTPS_PROXY=http://alice:d0tenvpass@proxy.corp:8080\nNO_PROXY=localhost\nCODEX_HOME_NOTE=x\n",
    }),
    expect: {
      // CODEX_HOME_NOTE starts with CODEX_: ignored by Codex, so a warning
      status: "warn",
      codes: ["CA_VAR_SELECTED", "BASE_ROOTS_REPLACED", "DOTENV_SETS_VAR", "DOTENV_SETS_VAR", "DOTENV_SETS_VAR", "DOTENV_CODEX_KEY_IGNORED", ...THROUGH_ALL],
      result: (r) => {
        noSecret("sh3llpass")(r);
        noSecret("d0tenvpass")(r);
        expect((r.data.vars as { name: string; origin: string }[])[1]).toMatchObject({ name: "SSL_CERT_FILE", origin: "dotenv" });
        expect(routes(r)[TOKEN]).toBe("http://alice:****@proxy.corp:8080 (HTTPS_PROXY)");
      },
    },
  },
  {
    name: ".env: every CA and proxy variable it sets is reported, other keys are not",
    scenario: (k) => ({
      files: { "corp.pem": k.corp.root.certPem, "certs/readme": "x" },
      dotenv: "EDITOR=vim\nSSL_CERT_DIR={dir}/certs\nNODE_EXTRA_CA_CERTS={dir}/corp.pem\nall_proxy=http://proxy.corp:8080\nno_proxy=localhost\n",
    }),
    expect: {
      status: "pass",
      codes: [
        "CA_NONE_SELECTED",
        "BASE_ROOTS_FALLBACK",
        "DOTENV_SETS_VAR",
        "DOTENV_SETS_VAR",
        "DOTENV_SETS_VAR",
        "DOTENV_SETS_VAR",
        "OTHER_CA_VAR",
        ...THROUGH_ALL,
      ],
      result: (r) => {
        const vars = r.findings.filter((f) => f.code === "DOTENV_SETS_VAR").map((f) => f.message.split(" ")[0]);
        expect(vars).toEqual(["SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "all_proxy", "no_proxy"]);
        expect(routes(r)[TOKEN]).toBe("http://proxy.corp:8080 (all_proxy)");
      },
    },
  },
  {
    name: "FIFOs never hang: SSL_CERT_FILE, a hashed SSL_CERT_DIR entry and .env",
    timeoutMs: 3000,
    scenario: () => ({
      env: { SSL_CERT_FILE: "{dir}/ca.fifo", SSL_CERT_DIR: "{dir}/certs" },
      files: { "ca.fifo": { fifo: true }, "certs/abcdef01.0": { fifo: true } },
      dotenv: { fifo: true },
    }),
    expect: { status: "warn", codes: ["CA_VAR_SELECTED", "BASE_ROOTS_EMPTY", "DOTENV_UNREADABLE"] },
  },
  {
    name: ".env cannot set CODEX_CA_CERTIFICATE (warn: no effect)",
    scenario: (k) => ({ files: { "corp.pem": k.corp.root.certPem }, dotenv: "CODEX_CA_CERTIFICATE={dir}/corp.pem\n" }),
    expect: { status: "warn", codes: ["CA_NONE_SELECTED", "DOTENV_CODEX_KEY_IGNORED"] },
  },
  {
    name: "an unreadable .env (a directory) is reported (warn)",
    scenario: () => ({ dotenv: { dir: true } }),
    expect: { status: "warn", codes: ["CA_NONE_SELECTED", "DOTENV_UNREADABLE"] },
  },
  {
    name: "a .env over the doctor's 1 MiB cap: its own limit (warn), not 'cannot be read' and not 'Codex skips it'",
    scenario: () => ({ dotenv: { sparse: 2 * 1024 * 1024 } }),
    expect: {
      status: "warn",
      codes: ["CA_NONE_SELECTED", "DOTENV_TOO_LARGE"],
      result: (r) => {
        const message = r.findings[1].message;
        expect(message).toContain("is 2 MiB: codex-doctor reads at most 1 MiB of it (its own limit, not Codex's)");
        expect(message).toContain("Codex reads and applies all of it");
      },
    },
  },
  {
    name: "runaway .env expansion (A=$A$A forty times): the doctor's own limit (warn), no RangeError",
    scenario: () => ({ dotenv: ["A=ab", ...Array<string>(40).fill("A=$A$A"), "B=$A"].join("\n") + "\n" }),
    expect: {
      status: "warn",
      codes: ["CA_NONE_SELECTED", "DOTENV_EXPANSION_LIMIT"],
      result: (r) => {
        const f = r.findings[1];
        expect(f.message).toMatch(/line 21: A expands to 2,097,152 characters through \$NAME substitution, and A on line 41 to 2,199,023,255,552 characters; codex-doctor stopped expanding at its own limit/);
        expect(f.message).toContain("what it reports about A and 21 later value(s) is incomplete. Codex has no such limit");
      },
    },
  },
  {
    name: "an SSL_CERT_FILE over the doctor's size cap: its own limit (warn), never 'the store is EMPTY'",
    scenario: () => ({ env: { SSL_CERT_FILE: "{dir}/huge.pem" }, files: { "huge.pem": { sparse: 17 * 1024 * 1024 } } }),
    expect: {
      status: "warn",
      codes: ["CA_VAR_SELECTED", "BASE_ROOTS_DOCTOR_LIMIT", "BASE_ROOTS_REPLACED"],
      result: (r) => expect(r.findings[1].message).toMatch(/^codex-doctor did not read all of Codex's base roots: .*huge\.pem: not read by codex-doctor, which stops at 16 MiB \(its own limit; it is 17 MiB, and Codex reads the whole file\)\. Codex has no such limit/),
    },
  },

  // ---- other tools' CA variables
  {
    name: "every other tool's variable pointing at Codex's bundle (info each)",
    scenario: (k) => ({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", ...Object.fromEntries(OTHER_VARS.map((v) => [v, "{dir}/corp.pem"])) },
      files: { "corp.pem": k.corp.root.certPem },
    }),
    expect: { status: "pass", codes: ["CA_VAR_SELECTED", ...OTHER_VARS.map(() => "OTHER_CA_VAR")] },
  },
  {
    name: "an empty other-tool variable is ignored",
    scenario: () => ({ env: { NODE_EXTRA_CA_CERTS: "" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED"] },
  },
  {
    name: "other tools' variables pointing nowhere (warn each)",
    scenario: () => ({ env: { NODE_EXTRA_CA_CERTS: "{dir}/gone.pem", AWS_CA_BUNDLE: "{dir}" } }),
    expect: { status: "warn", codes: ["CA_NONE_SELECTED", "OTHER_CA_VAR_MISSING", "OTHER_CA_VAR_MISSING"] },
  },
  {
    name: "another tool's bundle over the doctor's size cap is not compared (info), not 'cannot be read'",
    scenario: () => ({ env: { NODE_EXTRA_CA_CERTS: "{dir}/huge.pem" }, files: { "huge.pem": { sparse: 17 * 1024 * 1024 } } }),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED", "OTHER_CA_VAR_NOT_CHECKED"],
      result: (r) => expect(r.findings[1].message).toMatch(/was not compared with Codex's roots: not read by codex-doctor, which stops at 16 MiB \(its own limit; it is 17 MiB, and Codex reads the whole file\)\.$/),
    },
  },
  {
    name: "REQUESTS_CA_BUNDLE lacks the root Codex loads (warn)",
    scenario: (k) => ({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", REQUESTS_CA_BUNDLE: "{dir}/public.pem" },
      files: { "corp.pem": k.corp.root.certPem, "public.pem": k.publicRoots[0].certPem },
    }),
    expect: {
      status: "warn",
      codes: ["CA_VAR_SELECTED", "OTHER_CA_VAR_LACKS_CODEX_ROOTS"],
      result: (r, run) => expect(r.findings[1].hint).toBe(`export REQUESTS_CA_BUNDLE=${run.dir}/corp.pem`),
    },
  },

  // ---- verification switched off
  { name: "NODE_TLS_REJECT_UNAUTHORIZED=0 (fail)", scenario: () => ({ env: { NODE_TLS_REJECT_UNAUTHORIZED: "0" } }), expect: { status: "fail", codes: ["CA_NONE_SELECTED", "VERIFY_DISABLED"] } },
  { name: "PYTHONHTTPSVERIFY=0 (fail)", scenario: () => ({ env: { PYTHONHTTPSVERIFY: "0" } }), expect: { status: "fail", codes: ["CA_NONE_SELECTED", "VERIFY_DISABLED"] } },
  { name: "GIT_SSL_NO_VERIFY=true (fail)", scenario: () => ({ env: { GIT_SSL_NO_VERIFY: "true" } }), expect: { status: "fail", codes: ["CA_NONE_SELECTED", "VERIFY_DISABLED"] } },
  {
    name: "all three switches: one finding each",
    scenario: () => ({ env: { NODE_TLS_REJECT_UNAUTHORIZED: "0", PYTHONHTTPSVERIFY: "0", GIT_SSL_NO_VERIFY: "1" } }),
    expect: { status: "fail", codes: ["CA_NONE_SELECTED", "VERIFY_DISABLED", "VERIFY_DISABLED", "VERIFY_DISABLED"] },
  },
  {
    name: "GIT_SSL_NO_VERIFY=false or empty still switches git's verification off (git checks presence only)",
    scenario: () => ({ env: { GIT_SSL_NO_VERIFY: "false" } }),
    expect: { status: "fail", codes: ["CA_NONE_SELECTED", "VERIFY_DISABLED"] },
  },
  {
    name: "GIT_SSL_NO_VERIFY set to the empty string",
    scenario: () => ({ env: { GIT_SSL_NO_VERIFY: "" } }),
    expect: { status: "fail", codes: ["CA_NONE_SELECTED", "VERIFY_DISABLED"] },
  },
  {
    name: "verification left on (NODE_TLS_REJECT_UNAUTHORIZED=1, PYTHONHTTPSVERIFY=1, no GIT_SSL_NO_VERIFY)",
    scenario: () => ({ env: { NODE_TLS_REJECT_UNAUTHORIZED: "1", PYTHONHTTPSVERIFY: "1", NODE_TLS_REJECT_UNAUTHORIZE: "0" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED"] },
  },

  // ---- proxy per default endpoint
  {
    name: "HTTPS_PROXY applies to every endpoint (https and wss)",
    scenario: () => ({ env: { HTTPS_PROXY: "http://proxy.corp:8080" } }),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED", ...THROUGH_ALL],
      result: (r) => expect(Object.values(routes(r))).toEqual(Array(3).fill("http://proxy.corp:8080 (HTTPS_PROXY)")),
    },
  },
  {
    name: "lower-case https_proxy",
    scenario: () => ({ env: { https_proxy: "http://proxy.corp:8080" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", ...THROUGH_ALL], result: (r) => expect(routes(r)[WS]).toBe("http://proxy.corp:8080 (https_proxy)") },
  },
  {
    name: "ALL_PROXY when no HTTPS_PROXY",
    scenario: () => ({ env: { ALL_PROXY: "http://proxy.corp:8080", HTTP_PROXY: "http://other:1" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", ...THROUGH_ALL], result: (r) => expect(routes(r)[TOKEN]).toBe("http://proxy.corp:8080 (ALL_PROXY)") },
  },
  {
    name: "HTTPS_PROXY wins over ALL_PROXY; a proxy without scheme is http://",
    scenario: () => ({ env: { HTTPS_PROXY: "proxy.corp:3128", ALL_PROXY: "http://other:1" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", ...THROUGH_ALL], result: (r) => expect(routes(r)[MODELS]).toBe("http://proxy.corp:3128 (HTTPS_PROXY)") },
  },
  {
    name: "HTTP_PROXY alone does not apply to https (info, once)",
    scenario: () => ({ env: { HTTP_PROXY: "http://proxy.corp:8080", http_proxy: "http://proxy.corp:8080" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", "HTTP_PROXY_IGNORED"], result: (r) => expect(Object.values(routes(r))).toEqual(["direct", "direct", "direct"]) },
  },
  {
    name: "NO_PROXY=.openai.com bypasses the login endpoint only (ChatGPT sign-in)",
    scenario: () => ({ env: { HTTPS_PROXY: "http://proxy.corp:8080", NO_PROXY: ".openai.com" } }),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED", "PROXY_BYPASSED", "PROXY_FOR_TARGET", "PROXY_FOR_TARGET"],
      result: (r) => expect(routes(r)[TOKEN]).toBe('direct (NO_PROXY entry ".openai.com")'),
    },
  },
  {
    name: "API-key mode: the model endpoints are api.openai.com; no_proxy bypasses them",
    scenario: () => ({ env: { OPENAI_API_KEY: "sk-test-abcdefghijklmnop", HTTPS_PROXY: "http://proxy.corp:8080", no_proxy: "api.openai.com" } }),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED", "PROXY_FOR_TARGET", "PROXY_BYPASSED", "PROXY_BYPASSED"],
      result: (r) => {
        expect(Object.keys(routes(r))).toEqual([TOKEN, "https://api.openai.com/v1/models", "wss://api.openai.com/v1/responses"]);
        noSecret("sk-test-abcdefghijklmnop")(r);
      },
    },
  },
  {
    name: "NO_PROXY=* bypasses everything",
    scenario: () => ({ env: { HTTPS_PROXY: "http://proxy.corp:8080", NO_PROXY: "*" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", "PROXY_BYPASSED", "PROXY_BYPASSED", "PROXY_BYPASSED"] },
  },
  {
    name: "a custom provider from config.toml (no WebSocket) with NO_PROXY for its host",
    scenario: () => ({
      env: { HTTPS_PROXY: "http://proxy.corp:8080", NO_PROXY: "llm.corp.example" },
      config: 'model_provider = "corp"\n[model_providers.corp]\nbase_url = "https://llm.corp.example/v1"\n',
    }),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED", "PROXY_FOR_TARGET", "PROXY_BYPASSED"],
      result: (r) => expect(Object.keys(routes(r))).toEqual([TOKEN, "https://llm.corp.example/v1/models"]),
    },
  },
  {
    name: "a broken base_url in config.toml does not crash the check",
    scenario: () => ({
      env: { HTTPS_PROXY: "http://proxy.corp:8080" },
      config: 'model_provider = "corp"\n[model_providers.corp]\nbase_url = "llm.corp.example/v1"\n',
    }),
    // only the login endpoint is left to route; above all, no INTERNAL_ERROR
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", "PROXY_FOR_TARGET"], result: (r) => expect(Object.keys(routes(r))).toEqual([TOKEN]) },
  },
  {
    name: "--proxy overrides the environment",
    scenario: () => ({ env: { HTTPS_PROXY: "http://env-proxy:1" }, options: { proxy: "http://cli-proxy:3128" } }),
    expect: { status: "pass", codes: ["CA_NONE_SELECTED", ...THROUGH_ALL], result: (r) => expect(routes(r)[TOKEN]).toBe("http://cli-proxy:3128 (--proxy)") },
  },
  {
    name: "SOCKS proxy (warn, reported once per variable)",
    scenario: () => ({ env: { HTTPS_PROXY: "socks5h://127.0.0.1:1080" } }),
    expect: { status: "warn", codes: ["CA_NONE_SELECTED", "PROXY_FOR_TARGET", "PROXY_SOCKS", "PROXY_FOR_TARGET", "PROXY_FOR_TARGET"] },
  },
  {
    // reqwest skips a value it cannot parse as if it were unset: the next variable (or direct) wins.
    name: "malformed proxy URL is ignored like reqwest does (warn), credentials still redacted",
    // http::Uri refuses a second port colon: hyper-util's parse_env_uri returns None.
    scenario: () => ({ env: { HTTPS_PROXY: "http://alice:m4lformedpw@proxy.corp:80:80" } }),
    expect: {
      status: "warn",
      codes: ["CA_NONE_SELECTED", "PROXY_MALFORMED"],
      result: (r) => {
        noSecret("m4lformedpw")(r);
        expect((r.data.proxies as { route: string }[]).every((p) => p.route === "direct")).toBe(true);
      },
    },
  },
  {
    name: "malformed HTTPS_PROXY falls through to ALL_PROXY",
    scenario: () => ({ env: { HTTPS_PROXY: "http://proxy.corp:80:80", ALL_PROXY: "http://proxy.corp:3128" } }),
    expect: {
      status: "warn",
      codes: ["CA_NONE_SELECTED", "PROXY_MALFORMED", "PROXY_FOR_TARGET", "PROXY_FOR_TARGET", "PROXY_FOR_TARGET"],
      result: (r) => expect((r.data.proxies as { route: string }[])[0].route).toContain("(ALL_PROXY)"),
    },
  },
  {
    name: "unsupported proxy scheme is ignored (warn)",
    scenario: () => ({ env: { ALL_PROXY: "ftp://proxy.corp:21" } }),
    expect: { status: "warn", codes: ["CA_NONE_SELECTED", "PROXY_UNSUPPORTED_SCHEME"] },
  },
  {
    name: "proxy credentials never appear, even with '@' and '%' in the password; Codex sends only the part before the first '@' (warn)",
    scenario: () => ({ env: { HTTPS_PROXY: "http://alice:p@ss%40w0rd!@proxy.corp:8080" } }),
    expect: {
      status: "warn",
      codes: ["CA_NONE_SELECTED", "PROXY_FOR_TARGET", "PROXY_PASSWORD_SPLIT", "PROXY_FOR_TARGET", "PROXY_FOR_TARGET"],
      result: (r) => {
        for (const part of ["p@ss", "ss%40w0rd", "w0rd!"]) noSecret(part)(r);
        expect(routes(r)[TOKEN]).toBe("http://alice:****@proxy.corp:8080 (HTTPS_PROXY)");
      },
    },
  },
  {
    name: "a '#' in the password cuts the proxy address: Codex still selects it and fails (error), nothing of the password shown",
    scenario: () => ({ env: { HTTPS_PROXY: "http://alice:Tr0ub4dor#s3cret@proxy.corp:8080", ALL_PROXY: "http://other.corp:3128" } }),
    expect: {
      status: "fail",
      codes: ["CA_NONE_SELECTED", "PROXY_URL_BROKEN"],
      result: (r) => {
        for (const part of ["Tr0ub4dor", "s3cret"]) noSecret(part)(r);
        expect(Object.values(routes(r))).toEqual(Array(3).fill("http://alice:****@proxy.corp:8080 (HTTPS_PROXY): unusable"));
        const f = r.findings.find((x) => x.code === "PROXY_URL_BROKEN")!;
        expect(f.message).toContain('the "#" in its credentials');
        expect(f.message).toContain("instead of proxy.corp:8080");
        expect(f.hint).toContain("%23");
      },
    },
  },
  {
    name: "a proxy URL without a host is selected and fails every request (hyper-util does not skip it)",
    scenario: () => ({ env: { HTTPS_PROXY: "http://alice:m4lformedpw@:8080", ALL_PROXY: "http://other.corp:3128" } }),
    expect: {
      status: "fail",
      codes: ["CA_NONE_SELECTED", "PROXY_URL_BROKEN"],
      result: (r) => {
        noSecret("m4lformedpw")(r);
        expect(r.findings[1].message).toContain("it names no host");
      },
    },
  },
  {
    name: "'%' not followed by two hex digits in the password is taken literally, not a crash",
    scenario: () => ({ env: { HTTPS_PROXY: "http://alice:50%off@proxy.corp:8080" } }),
    expect: {
      status: "pass",
      codes: ["CA_NONE_SELECTED", ...THROUGH_ALL],
      result: (r) => {
        noSecret("50%off")(r);
        expect(routes(r)[TOKEN]).toBe("http://alice:****@proxy.corp:8080 (HTTPS_PROXY)");
      },
    },
  },
  {
    name: "a NUL byte in HTTPS_PROXY is a malformed value (warn), never a selected proxy",
    scenario: () => ({ env: { HTTPS_PROXY: "http://proxy.corp:8080\u0000", ALL_PROXY: "http://other.corp:3128" } }),
    expect: {
      status: "warn",
      codes: ["CA_NONE_SELECTED", "PROXY_MALFORMED", ...THROUGH_ALL],
      result: (r) => {
        expect(r.findings[1].message).toContain("it contains a NUL byte");
        expect(Object.values(routes(r))).toEqual(Array(3).fill("http://other.corp:3128 (ALL_PROXY)"));
      },
    },
  },
];

checkTable(envCheck as unknown as Check, rows);
