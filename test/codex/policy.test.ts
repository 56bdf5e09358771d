// Table-driven tests of Codex's [shell_environment_policy] algorithm as src/codex/policy.ts
// reproduces it (codex-rs config/src/shell_environment.rs populate_env), fed from the committed
// fixtures under fixtures/config/policy/, plus the sandbox network switch and snippet rendering.
import { describe, expect, it } from "vitest";
import { parse } from "smol-toml";
import { parseCodexConfig, selectedProfile } from "../../src/codex/config.js";
import {
  coreVars,
  DEFAULT_POLICY,
  evaluatePolicy,
  parsePolicy,
  renderPolicyToml,
  sandboxNetwork,
  sandboxSpawnEnv,
  sandboxWatchList,
  wildmatch,
  type Removal,
} from "../../src/codex/policy.js";
import { configFixture } from "./harness.js";

/** The environment Codex runs with in these rows (shell + .env already applied). */
const CODEX_ENV: Record<string, string> = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/me",
  USER: "me",
  SHELL: "/bin/bash",
  LANG: "C.UTF-8",
  TMPDIR: "/tmp",
  CODEX_CA_CERTIFICATE: "/etc/pki/corp-root.pem",
  SSL_CERT_FILE: "/etc/pki/corp-bundle.pem",
  NODE_EXTRA_CA_CERTS: "/etc/pki/corp-root.pem",
  REQUESTS_CA_BUNDLE: "/etc/pki/corp-bundle.pem",
  HTTPS_PROXY: "http://proxy.corp.example:8080",
  https_proxy: "http://proxy.corp.example:8080",
  NO_PROXY: "localhost,.corp.example",
  OPENAI_API_KEY: "sk-test-000000",
  GITHUB_TOKEN: "ghp_test",
  AWS_SECRET_ACCESS_KEY: "aws-test",
};

const CA_AND_PROXY = ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "NO_PROXY"];

interface Row {
  name: string;
  fixture: string;
  platform?: NodeJS.Platform;
  env?: Record<string, string>;
  /** Exact sandbox environment (steps 1-5), when given. */
  exact?: Record<string, string>;
  reaches?: string[];
  /** Name -> the rule that removed it. */
  dropped?: Record<string, Removal["rule"]>;
  /** Names set by the policy and dropped by include_only. */
  setDropped?: string[];
  /** Name -> value commands see. */
  values?: Record<string, string>;
}

const rows: Row[] = [
  {
    name: "no policy: everything reaches, secrets included (ignore_default_excludes defaults to true)",
    fixture: "policy/no-policy.toml",
    exact: CODEX_ENV,
  },
  {
    name: 'inherit = "core" drops every CA and proxy variable (newer Unix core list)',
    fixture: "policy/inherit-core.toml",
    exact: { PATH: "/usr/bin:/bin", HOME: "/home/me", USER: "me", SHELL: "/bin/bash", LANG: "C.UTF-8", TMPDIR: "/tmp" },
    dropped: Object.fromEntries(CA_AND_PROXY.map((n) => [n, "inherit"])),
  },
  {
    name: 'inherit = "none" starts from nothing',
    fixture: "policy/inherit-none.toml",
    exact: {},
    dropped: { PATH: "inherit", SSL_CERT_FILE: "inherit", HTTPS_PROXY: "inherit" },
  },
  {
    name: "core + set restores exactly the variable it names",
    fixture: "policy/core-with-set.toml",
    reaches: ["PATH", "HOME", "SSL_CERT_FILE"],
    values: { SSL_CERT_FILE: "/etc/pki/corp-root.pem" },
    dropped: { NODE_EXTRA_CA_CERTS: "inherit", HTTPS_PROXY: "inherit", CODEX_CA_CERTIFICATE: "inherit" },
  },
  {
    name: "include_only runs after set and drops what set added",
    fixture: "policy/include-only-drops-set.toml",
    exact: { PATH: "/usr/bin:/bin", HOME: "/home/me", SSL_CERT_FILE: "/etc/pki/corp-bundle.pem" },
    dropped: { NODE_EXTRA_CA_CERTS: "include-only", HTTPS_PROXY: "include-only", REQUESTS_CA_BUNDLE: "include-only" },
    setDropped: ["NODE_EXTRA_CA_CERTS"],
  },
  {
    name: 'exclude = ["*PROXY*"] drops both cases (patterns are case-insensitive)',
    fixture: "policy/exclude-proxy.toml",
    reaches: ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "OPENAI_API_KEY"],
    dropped: { HTTPS_PROXY: "exclude", https_proxy: "exclude", NO_PROXY: "exclude" },
  },
  {
    name: "ignore_default_excludes = false drops *KEY*, *SECRET*, *TOKEN* (case-insensitive) and no CA variable",
    fixture: "policy/default-excludes-on.toml",
    env: { ...CODEX_ENV, my_key_file: "x", Secret_Sauce: "y" },
    reaches: CA_AND_PROXY,
    dropped: { OPENAI_API_KEY: "default-excludes", GITHUB_TOKEN: "default-excludes", AWS_SECRET_ACCESS_KEY: "default-excludes", my_key_file: "default-excludes", Secret_Sauce: "default-excludes" },
  },
  {
    name: 'inherit = "all" + include_only keeps the names it matches ("*_PROXY" also matches NO_PROXY)',
    fixture: "policy/all-include-only.toml",
    reaches: ["PATH", "HOME", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "https_proxy", "NO_PROXY"],
    dropped: { CODEX_CA_CERTIFICATE: "include-only", REQUESTS_CA_BUNDLE: "include-only", OPENAI_API_KEY: "include-only", LANG: "include-only" },
  },
  {
    name: "the article's [shell_environment] table changes nothing: the default policy applies",
    fixture: "policy/article-shape.toml",
    exact: CODEX_ENV,
  },
  {
    name: "Windows core list is matched case-insensitively (Path, SystemRoot)",
    fixture: "policy/inherit-core.toml",
    platform: "win32",
    env: { Path: "C:\\Windows", SystemRoot: "C:\\Windows", USERPROFILE: "C:\\Users\\me", SSL_CERT_FILE: "C:\\corp.pem", HOME: "C:\\Users\\me" },
    exact: { Path: "C:\\Windows", SystemRoot: "C:\\Windows", USERPROFILE: "C:\\Users\\me" },
    dropped: { SSL_CERT_FILE: "inherit", HOME: "inherit" },
  },
];

describe("shell_environment_policy algorithm (fixtures)", () => {
  for (const row of rows) {
    it(row.name, () => {
      const config = parseCodexConfig(configFixture(row.fixture), row.fixture);
      expect(config.error).toBeUndefined();
      const parsed = parsePolicy(config.raw.shell_environment_policy);
      expect(parsed.issues).toEqual([]);
      const env = row.env ?? CODEX_ENV;
      const result = evaluatePolicy(env, parsed.policy, row.platform ?? "linux");
      if (row.exact) expect(result.env).toEqual(row.exact);
      for (const name of row.reaches ?? []) expect(result.fate(name), name).toMatchObject({ reaches: true });
      for (const [name, rule] of Object.entries(row.dropped ?? {})) {
        const fate = result.fate(name);
        expect(fate.reaches, name).toBe(false);
        expect(fate.removedBy?.rule, name).toBe(rule);
      }
      for (const name of row.setDropped ?? []) expect(result.fate(name)).toMatchObject({ reaches: false, setDroppedByIncludeOnly: true });
      for (const [name, value] of Object.entries(row.values ?? {})) expect(result.fate(name)).toMatchObject({ reaches: true, value });
    });
  }
});

describe("algorithm details", () => {
  it("defaults: inherit all, ignore_default_excludes TRUE, so nothing is excluded", () => {
    const parsed = parsePolicy({});
    expect(parsed.policy).toEqual(DEFAULT_POLICY);
    expect(parsed.policy.ignoreDefaultExcludes).toBe(true);
    expect(parsePolicy(undefined).present).toBe(false);
    expect(evaluatePolicy({ OPENAI_API_KEY: "k", X_TOKEN: "t" }, parsed.policy, "linux").env).toEqual({ OPENAI_API_KEY: "k", X_TOKEN: "t" });
  });

  it("set wins over exclude (step 4 after step 3) and records what it restored", () => {
    const policy = { ...DEFAULT_POLICY, exclude: ["SSL_*"], set: [["SSL_CERT_FILE", "/new.pem"]] as [string, string][] };
    const r = evaluatePolicy({ SSL_CERT_FILE: "/old.pem", SSL_CERT_DIR: "/d" }, policy, "linux");
    expect(r.env).toEqual({ SSL_CERT_FILE: "/new.pem" });
    expect(r.fate("SSL_CERT_FILE")).toMatchObject({ reaches: true, source: "set", restoredBySet: { rule: "exclude", pattern: "SSL_*" } });
    expect(r.fate("SSL_CERT_DIR").removedBy).toEqual({ rule: "exclude", pattern: "SSL_*" });
  });

  it("a variable set nowhere is reported as not set (no removal)", () => {
    const r = evaluatePolicy({}, DEFAULT_POLICY, "linux");
    expect(r.fate("PIP_CERT")).toEqual({ name: "PIP_CERT", inCodexEnv: false, reaches: false });
  });

  it("undefined values in the snapshot are not variables", () => {
    expect(evaluatePolicy({ A: undefined, B: "1" }, DEFAULT_POLICY, "linux").env).toEqual({ B: "1" });
  });

  it("core list: newer Unix and Windows lists", () => {
    expect(coreVars("linux")).toEqual(["PATH", "SHELL", "TMPDIR", "TEMP", "TMP", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "LOGNAME", "USER"]);
    expect(coreVars("win32")).toContain("PROGRAMFILES(X86)");
    expect(coreVars("darwin")).not.toContain("USERPROFILE");
  });

  it("watch list covers every CA and proxy variable in both cases", () => {
    const list = sandboxWatchList();
    for (const n of ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "PIP_CERT", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"]) {
      expect(list).toContain(n);
      expect(list).toContain(n.toLowerCase());
    }
  });

  it("spawn layer: CODEX_THREAD_ID always, network-disabled marker, seatbelt on macOS, PATHEXT on Windows", () => {
    expect(sandboxSpawnEnv({ A: "1" }, { platform: "linux", networkDisabled: true, sandboxed: true })).toEqual({
      A: "1",
      CODEX_THREAD_ID: "codex-doctor",
      CODEX_SANDBOX_NETWORK_DISABLED: "1",
    });
    expect(sandboxSpawnEnv({}, { platform: "darwin", networkDisabled: false, sandboxed: true })).toEqual({ CODEX_THREAD_ID: "codex-doctor", CODEX_SANDBOX: "seatbelt" });
    expect(sandboxSpawnEnv({}, { platform: "win32", networkDisabled: false, sandboxed: false }).PATHEXT).toBe(".COM;.EXE;.BAT;.CMD");
    expect(sandboxSpawnEnv({ PathExt: ".EXE" }, { platform: "win32", networkDisabled: false, sandboxed: false }).PATHEXT).toBeUndefined();
  });
});

describe("wildmatch (case-insensitive, * and ? only)", () => {
  const cases: [string, string, boolean][] = [
    ["*PROXY*", "https_proxy", true],
    ["*PROXY*", "HTTPS_PROXY", true],
    ["*_proxy", "NO_PROXY", true],
    ["SSL_*", "SSL_CERT_FILE", true],
    ["SSL_*", "XSSL_CERT", false],
    ["PATH", "path", true],
    ["PATH", "PATHEXT", false],
    ["?OME", "HOME", true],
    ["?OME", "OME", false],
    ["*", "", true],
    ["", "", true],
    ["", "A", false],
    ["*KEY*", "OPENAI_API_KEY", true],
    ["*KEY*", "MONKEY_BUSINESS", true],
    ["[AB]*", "A1", false],
    ["[AB]*", "[AB]x", true],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`${JSON.stringify(pattern)} vs ${JSON.stringify(name)} -> ${expected}`, () => expect(wildmatch(pattern, name)).toBe(expected));
  }
});

describe("parsePolicy: wrong types become issues, never exceptions", () => {
  it("a string where the table is expected", () => {
    const config = parseCodexConfig(configFixture("policy/policy-not-a-table.toml"), "x");
    const parsed = parsePolicy(config.raw.shell_environment_policy);
    expect(parsed.issues).toEqual([{ path: "shell_environment_policy", problem: "wrong-type", expected: "a table", got: "a string" }]);
    expect(parsed.policy).toEqual(DEFAULT_POLICY);
  });

  it("wrong member types and an invalid inherit value", () => {
    const config = parseCodexConfig(configFixture("policy/policy-wrong-types.toml"), "x");
    const parsed = parsePolicy(config.raw.shell_environment_policy);
    expect(parsed.issues.map((i) => `${i.problem} ${i.path}`).sort()).toEqual([
      "invalid-value shell_environment_policy.inherit",
      "wrong-type shell_environment_policy.exclude",
      "wrong-type shell_environment_policy.ignore_default_excludes",
      "wrong-type shell_environment_policy.set.SSL_CERT_FILE",
    ]);
    expect(parsed.policy.inherit).toBe("all");
  });

  it("unknown keys are reported (the include map)", () => {
    const config = parseCodexConfig(configFixture("policy/policy-unknown-key.toml"), "x");
    expect(parsePolicy(config.raw.shell_environment_policy).issues).toMatchObject([{ problem: "unknown-key", got: "include" }]);
  });

  it("every TOML type in every slot", () => {
    const values: unknown[] = ["s", 1, 1.5, true, [], [1], {}, { a: 1 }, new Date(0)];
    for (const key of ["inherit", "ignore_default_excludes", "exclude", "set", "include_only", "experimental_use_profile"]) {
      for (const value of values) {
        expect(() => evaluatePolicy({ A: "1" }, parsePolicy({ [key]: value }).policy, "linux")).not.toThrow();
      }
    }
    for (const value of values) expect(() => parsePolicy(value)).not.toThrow();
  });
});

describe("sandbox network", () => {
  const rowsNet: { fixture: string; mode: string | null; source: string; network: boolean | null; ignored?: boolean }[] = [
    { fixture: "policy/no-policy.toml", mode: "read-only", source: "assumed", network: false },
    { fixture: "policy/network-read-only.toml", mode: "read-only", source: "config", network: false },
    { fixture: "policy/network-workspace-write-off.toml", mode: "workspace-write", source: "config", network: false },
    { fixture: "policy/network-workspace-write.toml", mode: "workspace-write", source: "config", network: true },
    { fixture: "policy/network-danger.toml", mode: "danger-full-access", source: "config", network: true },
    { fixture: "policy/network-access-ignored.toml", mode: "read-only", source: "config", network: false, ignored: true },
    { fixture: "policy/network-permissions.toml", mode: "read-only", source: "assumed", network: null },
    { fixture: "policy/profile-sandbox.toml", mode: "danger-full-access", source: "profile", network: true },
    { fixture: "mistakes/invalid-values.toml", mode: null, source: "invalid", network: false },
  ];
  for (const r of rowsNet) {
    it(`${r.fixture}: ${r.mode} (${r.source}), network ${r.network}`, () => {
      const config = parseCodexConfig(configFixture(r.fixture), r.fixture);
      const net = sandboxNetwork(config.raw, selectedProfile(config).table);
      expect(net).toMatchObject({ mode: r.mode, modeSource: r.source, network: r.network, networkAccessIgnored: r.ignored ?? false });
    });
  }
  it("counts folders with a trust decision", () => {
    const config = parseCodexConfig(configFixture("policy/trusted-projects.toml"), "x");
    expect(sandboxNetwork(config.raw, undefined).trustedProjects).toBe(1);
  });

  it("an untrusted folder is not a trusted one", () => {
    const config = parseCodexConfig('[projects."/a"]\ntrust_level = "trusted"\n[projects."/b"]\ntrust_level = "untrusted"\n', "x");
    expect(sandboxNetwork(config.raw, undefined).trustedProjects).toBe(1);
  });
});

describe("renderPolicyToml", () => {
  it("renders valid TOML that parses back to the same policy", () => {
    const text = renderPolicyToml("shell_environment_policy", {
      inherit: "core",
      ignoreDefaultExcludes: false,
      exclude: ["*PROXY*"],
      includeOnly: ["PATH", "SSL_*"],
      set: [
        ["SSL_CERT_FILE", { value: "C:\\corp\\root.pem" }],
        ["HTTPS_PROXY", { value: "http://me:****@proxy:8080", comment: "replace **** with the proxy password" }],
        ["WEIRD.NAME", { value: 'quote " and \n newline' }],
      ],
    });
    const back = parsePolicy((parse(text) as Record<string, unknown>).shell_environment_policy);
    expect(back.issues).toEqual([]);
    expect(back.policy).toEqual({
      inherit: "core",
      ignoreDefaultExcludes: false,
      exclude: ["*PROXY*"],
      includeOnly: ["PATH", "SSL_*"],
      set: [
        ["SSL_CERT_FILE", "C:\\corp\\root.pem"],
        ["HTTPS_PROXY", "http://me:****@proxy:8080"],
        ["WEIRD.NAME", 'quote " and \n newline'],
      ],
      experimentalUseProfile: false,
    });
  });
});
