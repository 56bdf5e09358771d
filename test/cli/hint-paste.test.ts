// Pasting a hint must never run anything but the command it shows. Every place a path or name can
// come from (CODEX_CA_CERTIFICATE, SSL_CERT_FILE, SSL_CERT_DIR, the other tools' CA variables,
// --ca, CODEX_HOME and its .env, config.toml values, the platform store) gets a hostile value; every
// command-looking hint line of the human and the JSON report is pasted into a real `sh`; no marker
// file may appear. The hint codes each scenario must produce are listed, so coverage cannot rot.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../checks/index.js";
import type { FindingSpec } from "../../src/check.js";
import { RUNNER_CODES } from "../../src/runner.js";
import { shellQuote } from "../../src/shell.js";
import { renderHuman } from "../../src/report/human.js";
import type { Report } from "../../src/report/model.js";
import { getKit, type Kit } from "../helpers/certs.js";
import { mintLeaf, startOrigin, startProxy, type LabServer } from "../lab/index.js";
import { humanHintLines, jsonHintLines, makeTempDir, pasteCandidates, pasteIntoSh, runDoctor } from "./hostile.js";
import { rmSync } from "node:fs";

/**
 * Directory names that run `touch PWNED` when pasted unquoted (A), inside naive single or double
 * quotes (B), or when a newline splits the command or an escape sequence is echoed raw (C).
 */
const VARIANTS = {
  A: "a;touch PWNED;`touch PWNED`$(touch PWNED)&&touch PWNED|touch PWNED>x",
  B: "b'$(touch PWNED)'\"$(touch PWNED)\"x",
  C: "c\ntouch PWNED\n\u001b[2J\u009b\u202ex",
} as const;
type Variant = keyof typeof VARIANTS;

let kit: Kit;
const roots: string[] = [];
const servers: LabServer[] = [];
beforeAll(async () => {
  kit = await getKit();
});
afterAll(async () => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  await Promise.all(servers.map((s) => s.close()));
});

interface Layout {
  /** The scenario's root (a plain temp dir). */
  base: string;
  /** A hostile directory inside it. */
  evil: string;
  codexHome: string;
  home: string;
  systemBundle: string;
}

/** A scenario root whose CODEX_HOME, platform store and files all live under a hostile directory name. */
function layout(variant: Variant): Layout {
  const base = makeTempDir("codex-doctor-hostile-");
  roots.push(base);
  const evil = join(base, VARIANTS[variant]);
  const codexHome = join(evil, "codex-home");
  const home = join(base, "home");
  const systemBundle = join(evil, "system", "public.pem");
  for (const d of [evil, codexHome, home, join(evil, "system")]) mkdirSync(d, { recursive: true });
  writeFileSync(systemBundle, kit.publicRoots.map((m) => m.certPem).join(""));
  return { base, evil, codexHome, home, systemBundle };
}

const tomlString = (s: string) => JSON.stringify(s);

interface Scenario {
  name: string;
  /** Lays files out; returns the environment and extra arguments. */
  setup: (l: Layout, v: Variant) => Promise<{ env: Record<string, string>; argv?: string[] }>;
  /** Hint-bearing codes this scenario must produce (so the paste covers them). */
  codes: string[];
  offline?: boolean;
}

const OFFLINE: Scenario[] = [
  {
    name: "a DER bundle in CODEX_CA_CERTIFICATE; .env sets SSL_CERT_FILE (corporate only) and a missing CA file; config.toml names hostile variables and otel files",
    setup: async (l, v) => {
      writeFileSync(join(l.evil, "ca.der"), kit.corp.root.certDer);
      writeFileSync(join(l.base, "corp-only.pem"), kit.corp.root.certPem);
      writeFileSync(join(l.codexHome, ".env"), `SSL_CERT_FILE=${l.base}/corp-only.pem\nREQUESTS_CA_BUNDLE=${l.base}/missing.pem\n`);
      mkdirSync(join(l.evil, "otel-ca-dir"));
      writeFileSync(join(l.evil, "client.pem"), kit.leaf.certPem);
      writeFileSync(join(l.evil, "client.key"), kit.leaf.keyPem);
      writeFileSync(join(l.evil, "other.key"), kit.corp.root.keyPem);
      const hostile = VARIANTS[v];
      writeFileSync(
        join(l.codexHome, "config.toml"),
        [
          'model_provider = "corp"',
          "[model_providers.corp]",
          'name = "corp"',
          'base_url = "https://llm.example.com/v1"',
          `env_key = ${tomlString(`KEY_${hostile}`)}`,
          `[mcp_servers.${tomlString(`docs ${hostile}`)}]`,
          'url = "https://mcp.example.com/mcp"',
          `bearer_token_env_var = ${tomlString(`TOKEN_${hostile}`)}`,
          '[otel.trace_exporter."otlp-http"]',
          'endpoint = "https://collector.example.com/v1/traces"',
          'protocol = "binary"',
          '[otel.trace_exporter."otlp-http".tls]',
          `ca-certificate = ${tomlString(join(l.evil, "otel-ca-dir"))}`,
          `client-certificate = ${tomlString(join(l.evil, "client.pem"))}`,
          `client-private-key = ${tomlString(join(l.evil, "client.key"))}`,
          '[otel.metrics_exporter."otlp-http"]',
          'endpoint = "https://collector.example.com/v1/metrics"',
          'protocol = "binary"',
          '[otel.metrics_exporter."otlp-http".tls]',
          `client-certificate = ${tomlString(join(l.evil, "client.pem"))}`,
          `client-private-key = ${tomlString(join(l.evil, "other.key"))}`,
          "",
        ].join("\n"),
      );
      return { env: { CODEX_CA_CERTIFICATE: join(l.evil, "ca.der"), NODE_EXTRA_CA_CERTS: join(l.evil, "missing-node.pem") } };
    },
    codes: [
      "CA_DER_ENCODED",
      "BASE_ROOTS_CORPORATE_ONLY",
      "CONFIG_DOTENV_CA_MISSING",
      "CONFIG_ENV_KEY_UNSET",
      "CONFIG_BEARER_ENV_UNSET",
      "OTEL_FILE_UNREADABLE",
      "OTEL_CLIENT_CERT_NO_CLIENT_AUTH",
      "OTEL_KEY_MISMATCH",
    ],
  },
  {
    name: "CODEX_CA_CERTIFICATE loads (CRLF, a duplicate); the other tools' CA variables lack its root; SSL_CERT_FILE/SSL_CERT_DIR replace the system roots; verification switched off",
    setup: async (l) => {
      const bundle = (kit.corp.root.certPem + kit.corp.root.certPem).replace(/\n/g, "\r\n");
      writeFileSync(join(l.evil, "corp.pem"), bundle);
      writeFileSync(join(l.evil, "tools.pem"), kit.publicRoots[0].certPem);
      writeFileSync(join(l.evil, "ssl.pem"), kit.corp.root.certPem);
      mkdirSync(join(l.evil, "certs"));
      const tools = join(l.evil, "tools.pem");
      return {
        env: {
          CODEX_CA_CERTIFICATE: join(l.evil, "corp.pem"),
          SSL_CERT_FILE: join(l.evil, "ssl.pem"),
          SSL_CERT_DIR: join(l.evil, "certs"),
          NODE_EXTRA_CA_CERTS: tools,
          REQUESTS_CA_BUNDLE: tools,
          CURL_CA_BUNDLE: tools,
          GIT_SSL_CAINFO: tools,
          PIP_CERT: tools,
          AWS_CA_BUNDLE: tools,
          GIT_SSL_NO_VERIFY: "1",
          CODEX_HOME: l.codexHome,
        },
      };
    },
    codes: ["CA_CRLF", "CA_DUPLICATE_CERT", "OTHER_CA_VAR_LACKS_CODEX_ROOTS", "BASE_ROOTS_CORPORATE_ONLY", "VERIFY_DISABLED"],
  },
  {
    name: "SSL_CERT_FILE selected and corporate only; config.toml is not TOML",
    setup: async (l) => {
      writeFileSync(join(l.evil, "corp-only.pem"), kit.corp.root.certPem);
      writeFileSync(join(l.codexHome, "config.toml"), "model = \n");
      return { env: { SSL_CERT_FILE: join(l.evil, "corp-only.pem") } };
    },
    codes: ["CA_CORPORATE_ONLY_REPLACES_ROOTS", "CONFIG_SYNTAX_ERROR"],
  },
  {
    name: "--ca names a directory; config.toml is a directory",
    setup: async (l) => {
      mkdirSync(join(l.evil, "ca-dir"));
      mkdirSync(join(l.codexHome, "config.toml"));
      return { env: {}, argv: ["--ca", join(l.evil, "ca-dir")] };
    },
    codes: ["CA_FILE_IS_DIRECTORY", "CONFIG_UNREADABLE"],
  },
  {
    name: "a bundle with a UTF-8 BOM and an indented block; SSL_CERT_DIR holds only the corporate root",
    setup: async (l) => {
      writeFileSync(join(l.evil, "bom.pem"), `\uFEFF${kit.corp.root.certPem}${kit.otherCorpRoot.certPem}  ${kit.publicRoots[0].certPem}`);
      // A c_rehash directory holding only the corporate root: SSL_CERT_DIR replaces the system roots.
      mkdirSync(join(l.evil, "certs"));
      writeFileSync(join(l.evil, "certs", "0a1b2c3d.0"), kit.corp.root.certPem);
      return { env: { CODEX_CA_CERTIFICATE: join(l.evil, "bom.pem"), SSL_CERT_DIR: join(l.evil, "certs") } };
    },
    codes: ["CA_UTF8_BOM", "CA_INDENTED_PEM", "BASE_ROOTS_CORPORATE_ONLY"],
  },
];

function hintCodes(json: string): Set<string> {
  const report = JSON.parse(json) as { checks: { findings: { code: string; hint?: string }[] }[] };
  return new Set(report.checks.flatMap((c) => c.findings.filter((f) => f.hint).map((f) => f.code)));
}

async function pasteEverything(scenario: Scenario, variant: Variant, offline: boolean, extraArgv: string[] = []) {
  const l = layout(variant);
  const { env, argv = [] } = await scenario.setup(l, variant);
  const io = { env: { CODEX_HOME: l.codexHome, ...env }, home: l.home, systemBundle: l.systemBundle };
  const common = [...(offline ? ["--offline"] : []), "--timeout", "3000", ...argv, ...extraArgv];
  const json = await runDoctor(["tls", "--json", ...common], io);
  expect(json.stderr).toBe("");
  // The human view of the same report, rendered as main() renders it with -v --no-color.
  const human = renderHuman(JSON.parse(json.stdout) as Report, { color: false, verbose: true });
  const lines = [...humanHintLines(human), ...jsonHintLines(json.stdout)];
  const candidates = [...new Set(lines.flatMap(pasteCandidates))];
  // Only a candidate that carries a hostile value can plant the marker (every one names PWNED).
  const hostile = candidates.filter((c) => c.includes("PWNED"));
  return { codes: hintCodes(json.stdout), candidates: hostile, result: pasteIntoSh(hostile) };
}

describe("pasted hints run only what they show", () => {
  for (const scenario of OFFLINE) {
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      it(`${scenario.name} [${variant}]`, async () => {
        const { codes, candidates, result } = await pasteEverything(scenario, variant, true);
        for (const code of scenario.codes) expect(codes, `${code} among the hint codes`).toContain(code);
        expect(candidates.length).toBeGreaterThanOrEqual(scenario.codes.length);
        expect(result.pwned).toEqual([]);
      });
    }
  }

  describe("network findings (lab proxy on 127.0.0.1)", () => {
    let interceptFull: string;
    let interceptShort: string;
    beforeAll(async () => {
      const origin = await startOrigin({ cert: await mintLeaf(kit.publicRoots[0], { dnsNames: ["api.openai.com"] }) });
      servers.push(origin);
      const upstream = { host: "127.0.0.1", port: origin.port, ca: [kit.publicRoots[0].certPem], servername: "api.openai.com" };
      const full = await startProxy({ mode: "intercept", upstream, interceptWith: { issuer: kit.corp.intermediate, chain: [kit.corp.intermediate] } });
      const short = await startProxy({ mode: "intercept", upstream, interceptWith: { issuer: kit.corp.intermediate, chain: [] } });
      servers.push(full, short);
      interceptFull = full.url;
      interceptShort = short.url;
    });

    const target = ["--target", "https://api.openai.com/v1/models", "--skip", "sandbox", "--skip", "websocket"];

    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      it(`UnknownIssuer whose root is found in a hostile NODE_EXTRA_CA_CERTS file [${variant}]`, async () => {
        const scenario: Scenario = {
          name: "unknown issuer",
          setup: async (l) => {
            writeFileSync(join(l.evil, "corp-root.pem"), kit.corp.root.certPem);
            return { env: { HTTPS_PROXY: interceptFull, NODE_EXTRA_CA_CERTS: join(l.evil, "corp-root.pem") } };
          },
          codes: ["TLS_UNKNOWN_ISSUER"],
        };
        const { codes, result } = await pasteEverything(scenario, variant, false, target);
        expect(codes).toContain("TLS_UNKNOWN_ISSUER");
        expect(result.pwned).toEqual([]);
      });

      it(`a short chain with a hostile CODEX_CA_CERTIFICATE path [${variant}]`, async () => {
        const scenario: Scenario = {
          name: "short chain",
          setup: async (l) => {
            writeFileSync(join(l.evil, "corp-root.pem"), kit.corp.root.certPem);
            return { env: { HTTPS_PROXY: interceptShort, CODEX_CA_CERTIFICATE: join(l.evil, "corp-root.pem") } };
          },
          codes: ["TLS_SHORT_CHAIN"],
        };
        const { codes, result } = await pasteEverything(scenario, variant, false, target);
        expect(codes).toContain("TLS_SHORT_CHAIN");
        expect(result.pwned).toEqual([]);
      });
    }
  });
});

describe("the paste harness itself", () => {
  it("finds a marker an unquoted path plants (the check would catch the old hints)", () => {
    const path = `/tmp/${VARIANTS.A}/ca.pem`;
    const line = `export NODE_EXTRA_CA_CERTS=${path}`;
    expect(pasteIntoSh(pasteCandidates(line)).pwned.length).toBeGreaterThan(0);
    expect(pasteIntoSh(pasteCandidates(`export NODE_EXTRA_CA_CERTS=${shellQuote(path)}`)).pwned).toEqual([]);
  });

  it("cuts candidates where the prose resumes", () => {
    expect(pasteCandidates("Make it readable (chmod a+r '/x y') or copy it")).toEqual(["chmod a+r '/x y') or copy it", "chmod a+r '/x y'", "chmod a+r '/x y')"]);
    expect(pasteCandidates("Convert it: openssl x509 -in a -out b")).toEqual(["openssl x509 -in a -out b"]);
  });
});

describe("hint templates", () => {
  // A value in a command position must be {x:sh} (quoted) or {x:text} (a command the doctor built).
  const COMMAND_SLOT = /(?:=|-in |-out |-cert |-key |-connect |-servername |>> |> |cat |unset |export |chmod \S+ |ls -\w+ |--proxy )\{(\w+)\}/g;
  const tables: [string, Record<string, FindingSpec>][] = [...CHECKS.map((c) => [c.id, c.codes as Record<string, FindingSpec>] as [string, Record<string, FindingSpec>]), ["runner", RUNNER_CODES]];
  for (const [id, codes] of tables) {
    it(`${id}: no bare placeholder where a command takes an argument`, () => {
      const bare = Object.entries(codes).flatMap(([code, spec]) => [...(spec.hint ?? "").matchAll(COMMAND_SLOT)].map((m) => `${code}: ${m[0]}`));
      expect(bare).toEqual([]);
    });
  }
});
