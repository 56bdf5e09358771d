// The shared CA loader, one block per numbered fact of the issue:
//  1 selection, 2 $CODEX_HOME/.env first, 3 PEM rules (see pem/codex-bundle tests; here through the
//  loader), 4 roots = base roots ∪ bundle with SSL_CERT_FILE/SSL_CERT_DIR as base, 5 a refused
//  bundle leaves the base roots only and login fails.
// The "platform store" is a temp file handed to the Linux probe (linuxBundleCandidates).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectBundle } from "../../src/ca/loader.js";
import { isHashFileName } from "../../src/ca/native-roots.js";
import { parseDotenv } from "../../src/codex/dotenv.js";
import { BOM, fixture, getKit, trustedPem, type Kit } from "../helpers/certs.js";
import { runScenario, Workspace, type Scenario } from "../helpers/doctor.js";

let kit: Kit;
const ws = new Workspace();
beforeAll(async () => {
  kit = await getKit();
});
afterAll(() => ws.cleanup());

const hex = (der: Uint8Array) => Buffer.from(der).toString("hex");
const set = (certs: Uint8Array[]) => new Set(certs.map(hex));

async function load(scenario: Scenario) {
  const run = await runScenario(ws, [], scenario, kit.publicRoots.map((m) => m.certPem).join(""));
  return run;
}

describe("fact 1: bundle selection", () => {
  it("a non-empty CODEX_CA_CERTIFICATE wins over SSL_CERT_FILE", async () => {
    const { ctx, dir } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_FILE: "{dir}/other.pem" },
      files: { "corp.pem": kit.corp.root.certPem, "other.pem": kit.otherCorpRoot.certPem },
    });
    expect(ctx.ca.selection.selectedBy).toBe("CODEX_CA_CERTIFICATE");
    expect(ctx.ca.selection.sourceEnv).toBe("CODEX_CA_CERTIFICATE");
    expect(ctx.ca.selection.path).toBe(`${dir}/corp.pem`);
    expect(ctx.ca.bundle?.codexLoads).toBe(true);
    expect(ctx.ca.certificateCount).toBe(1);
  });

  it("an empty CODEX_CA_CERTIFICATE counts as unset: SSL_CERT_FILE is selected", async () => {
    const { ctx, dir } = await load({
      env: { CODEX_CA_CERTIFICATE: "", SSL_CERT_FILE: "{dir}/corp.pem" },
      files: { "corp.pem": kit.corp.root.certPem },
    });
    expect(ctx.ca.selection.selectedBy).toBe("SSL_CERT_FILE");
    expect(ctx.ca.selection.path).toBe(`${dir}/corp.pem`);
    expect(ctx.ca.selection.vars.find((v) => v.name === "CODEX_CA_CERTIFICATE")?.state).toBe("empty");
  });

  it("SSL_CERT_FILE alone is selected", async () => {
    const { ctx } = await load({ env: { SSL_CERT_FILE: "{dir}/corp.pem" }, files: { "corp.pem": kit.corp.root.certPem } });
    expect(ctx.ca.selection.selectedBy).toBe("SSL_CERT_FILE");
  });

  it("both empty (or unset): nothing is selected, Codex uses the system roots", async () => {
    for (const env of [{ CODEX_CA_CERTIFICATE: "", SSL_CERT_FILE: "" }, {}] as Record<string, string>[]) {
      const { ctx } = await load({ env });
      expect(ctx.ca.selection.selectedBy).toBeNull();
      expect(ctx.ca.selection.path).toBeNull();
      expect(ctx.ca.bundle).toBeNull();
      expect(ctx.ca.codexLoads).toBe(true);
      expect(ctx.ca.trust.loginFails).toBe(false);
    }
  });

  it("a whitespace-only value is a real (bogus) path, not unset", async () => {
    const { ctx } = await load({
      env: { CODEX_CA_CERTIFICATE: " ", SSL_CERT_FILE: "{dir}/corp.pem" },
      files: { "corp.pem": kit.corp.root.certPem },
    });
    expect(ctx.ca.selection.selectedBy).toBe("CODEX_CA_CERTIFICATE");
    expect(ctx.ca.selection.path).toBe(" ");
    expect(ctx.ca.bundle?.readFailure?.problem).toBe("missing");
    expect(ctx.ca.bundle?.error?.stage).toBe("read");
    expect(ctx.ca.codexLoads).toBe(false);
  });

  it("--ca stands in for CODEX_CA_CERTIFICATE (and is named so in Codex's message)", async () => {
    const { ctx, dir } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/other.pem" },
      files: { "other.pem": kit.otherCorpRoot.certPem },
      options: { ca: "{dir}/missing.pem" },
    });
    expect(ctx.ca.selection.selectedBy).toBe("--ca");
    expect(ctx.ca.selection.sourceEnv).toBe("CODEX_CA_CERTIFICATE");
    expect(ctx.ca.bundle?.codexMessage).toContain(`${dir}/missing.pem selected by CODEX_CA_CERTIFICATE`);
  });

  it("selectBundle reports every CA variable's state and origin", () => {
    const sel = selectBundle({ CODEX_CA_CERTIFICATE: "", SSL_CERT_DIR: "/d" }, { CODEX_CA_CERTIFICATE: "shell", SSL_CERT_DIR: "dotenv" });
    expect(sel.vars).toEqual([
      { name: "CODEX_CA_CERTIFICATE", state: "empty", value: "", origin: "shell" },
      { name: "SSL_CERT_FILE", state: "unset", value: undefined, origin: undefined },
      { name: "SSL_CERT_DIR", state: "set", value: "/d", origin: "dotenv" },
    ]);
  });
});

describe("fact 2: $CODEX_HOME/.env is applied first", () => {
  it("its keys override the shell's; their origin is dotenv", async () => {
    const { ctx, dir } = await load({
      env: { SSL_CERT_FILE: "{dir}/shell.pem", HTTPS_PROXY: "http://shell-proxy:3128", PATH: "/usr/bin" },
      files: { "shell.pem": kit.otherCorpRoot.certPem, "dotenv.pem": kit.corp.root.certPem },
      dotenv: "SSL_CERT_FILE={dir}/dotenv.pem\nexport HTTPS_PROXY=http://dotenv-proxy:8080\nSSL_CERT_DIR='{dir}/certs'\n",
    });
    expect(ctx.env.SSL_CERT_FILE).toBe(`${dir}/dotenv.pem`);
    expect(ctx.env.HTTPS_PROXY).toBe("http://dotenv-proxy:8080");
    expect(ctx.env.SSL_CERT_DIR).toBe(`${dir}/certs`);
    expect(ctx.shellEnv.SSL_CERT_FILE).toBe(`${dir}/shell.pem`);
    expect(ctx.origins).toMatchObject({ SSL_CERT_FILE: "dotenv", HTTPS_PROXY: "dotenv", SSL_CERT_DIR: "dotenv", PATH: "shell" });
    // ... and the loader acts on the .env value
    expect(ctx.ca.selection.selectedBy).toBe("SSL_CERT_FILE");
    expect(ctx.ca.selection.path).toBe(`${dir}/dotenv.pem`);
    expect(ctx.ca.selection.vars.find((v) => v.name === "SSL_CERT_FILE")?.origin).toBe("dotenv");
    expect(set(ctx.ca.bundle!.parse!.certificates)).toEqual(set([kit.corp.root.certDer]));
  });

  it("CODEX_* keys (any case) in .env are never applied", async () => {
    const { ctx, dir } = await load({
      env: { SSL_CERT_FILE: "{dir}/shell.pem" },
      files: { "shell.pem": kit.otherCorpRoot.certPem, "corp.pem": kit.corp.root.certPem },
      dotenv: "CODEX_CA_CERTIFICATE={dir}/corp.pem\ncodex_ca_certificate={dir}/corp.pem\nCodex_Home=/elsewhere\n",
    });
    expect(ctx.env.CODEX_CA_CERTIFICATE).toBeUndefined();
    expect(ctx.env.codex_ca_certificate).toBeUndefined();
    expect(ctx.ca.selection.selectedBy).toBe("SSL_CERT_FILE");
    expect(ctx.ca.selection.path).toBe(`${dir}/shell.pem`);
    expect(ctx.dotenv.entries.map((e) => [e.key, e.ignored])).toEqual([
      ["CODEX_CA_CERTIFICATE", true],
      ["codex_ca_certificate", true],
      ["Codex_Home", true],
    ]);
  });

  it("a .env value can also make SSL_CERT_FILE empty (then it is unset for selection, set for base roots)", async () => {
    const { ctx } = await load({
      env: { SSL_CERT_FILE: "{dir}/corp.pem" },
      files: { "corp.pem": kit.corp.root.certPem },
      dotenv: "SSL_CERT_FILE=\n",
    });
    expect(ctx.ca.selection.selectedBy).toBeNull();
    expect(ctx.ca.baseRoots.origin).toBe("env");
    expect(ctx.ca.baseRoots.certificates).toEqual([]);
  });

  it("a missing .env is normal; an unreadable one is recorded", async () => {
    const missing = await load({});
    expect(missing.ctx.dotenv.exists).toBe(false);
    expect(missing.ctx.dotenv.readError).toBeUndefined();
    const dirEnv = await load({ dotenv: { dir: true } });
    expect(dirEnv.ctx.dotenv.exists).toBe(true);
    expect(dirEnv.ctx.dotenv.readError).toBe("Is a directory (os error 21)");
  });
});

describe("fact 3: PEM rules through the loader", () => {
  it("a UTF-8 BOM on a one-certificate file: Codex finds no certificates", async () => {
    const { ctx } = await load({ env: { CODEX_CA_CERTIFICATE: "{dir}/bom.pem" }, files: { "bom.pem": BOM + kit.corp.root.certPem } });
    expect(ctx.ca.bundle?.error?.detail).toBe("no certificates found in PEM file");
    expect(ctx.ca.bundle?.shape?.bomHidesFirstBlock).toBe(true);
  });

  it("a UTF-8 BOM on a two-certificate file: only the second is loaded", async () => {
    const { ctx } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/bom.pem" },
      files: { "bom.pem": BOM + kit.corp.root.certPem + kit.corp.intermediate.certPem },
    });
    expect(ctx.ca.codexLoads).toBe(true);
    expect(ctx.ca.certificateCount).toBe(1);
    expect(set(ctx.ca.bundle!.parse!.certificates)).toEqual(set([kit.corp.intermediate.certDer]));
  });

  it.each([
    ["DER", "root.der", "der-certificate"],
    ["PKCS#7", "bundle.p7b", "pkcs7-der"],
    ["PKCS#12", "bundle.p12", "pkcs12"],
    ["UTF-16", "root-utf16le-bom.pem", "utf16"],
  ])("%s: no PEM certificate for Codex; the shape says why", async (_n, file, shape) => {
    const { ctx } = await load({ env: { CODEX_CA_CERTIFICATE: "{dir}/ca" }, files: { ca: fixture(file) } });
    expect(ctx.ca.bundle?.error?.detail).toBe("no certificates found in PEM file");
    expect(ctx.ca.bundle?.shape?.shape).toBe(shape);
  });
});

describe("fact 4: Codex's roots = base roots ∪ selected bundle", () => {
  it("with CODEX_CA_CERTIFICATE alone the base roots are the platform store (ADD)", async () => {
    const { ctx } = await load({ env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem" }, files: { "corp.pem": kit.corp.root.certPem } });
    expect(ctx.ca.baseRoots.origin).toBe("platform");
    expect(ctx.ca.baseRoots.fellBackToPlatform).toBe(false);
    expect(set(ctx.ca.trust.roots)).toEqual(set([...kit.publicRoots.map((m) => m.certDer), kit.corp.root.certDer]));
  });

  it("SSL_CERT_FILE is the base even when CODEX_CA_CERTIFICATE won (platform store dropped)", async () => {
    const { ctx } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_FILE: "{dir}/other.pem" },
      files: { "corp.pem": kit.corp.root.certPem, "other.pem": kit.otherCorpRoot.certPem },
    });
    expect(ctx.ca.baseRoots.origin).toBe("env");
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set([kit.otherCorpRoot.certDer]));
    expect(set(ctx.ca.trust.roots)).toEqual(set([kit.otherCorpRoot.certDer, kit.corp.root.certDer]));
    // the platform store is still known (for "public roots" comparisons), just not trusted
    expect(ctx.ca.platformRoots.certificates).toHaveLength(2);
  });

  it("SSL_CERT_DIR is the base even when CODEX_CA_CERTIFICATE won; only c_rehash names are read", async () => {
    const [a, b, c] = kit.manyRoots;
    const { ctx } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_DIR: "{dir}/certs" },
      files: {
        "corp.pem": kit.corp.root.certPem,
        "certs/5d9c2e1a.0": a.certPem,
        "certs/ABCDEF01.1": b.certPem,
        "certs/corp-extra.pem": c.certPem,
        "certs/5d9c2e1a.pem": c.certPem,
        "certs/12345678.0/nested.pem": c.certPem,
        "certs/0badf00d.0": { symlink: "/nonexistent/dangling.pem" },
      },
    });
    expect(ctx.ca.baseRoots.origin).toBe("env");
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set([a.certDer, b.certDer]));
    expect(ctx.ca.baseRoots.errors).toEqual([]);
    expect(set(ctx.ca.trust.roots)).toEqual(set([a.certDer, b.certDer, kit.corp.root.certDer]));
  });

  it("SSL_CERT_DIR may list several directories, separated by ':'", async () => {
    const [a, b] = kit.manyRoots;
    const { ctx } = await load({
      env: { SSL_CERT_DIR: "{dir}/one:{dir}/two" },
      files: { "one/aaaaaaaa.0": a.certPem, "two/bbbbbbbb.0": b.certPem },
    });
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set([a.certDer, b.certDer]));
    expect(ctx.ca.baseRoots.errors).toEqual([]);
  });

  it("SSL_CERT_FILE and SSL_CERT_DIR together: both are read, duplicates removed", async () => {
    const [a, b] = kit.manyRoots;
    const { ctx } = await load({
      env: { SSL_CERT_FILE: "{dir}/file.pem", SSL_CERT_DIR: "{dir}/certs" },
      files: { "file.pem": a.certPem + b.certPem, "certs/aaaaaaaa.0": a.certPem },
    });
    expect(ctx.ca.baseRoots.certificates).toHaveLength(2);
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set([a.certDer, b.certDer]));
  });

  it("an empty SSL_CERT_FILE empties the base roots (an error, so no platform fallback)", async () => {
    const { ctx } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/corp.pem", SSL_CERT_FILE: "" },
      files: { "corp.pem": kit.corp.root.certPem },
    });
    expect(ctx.ca.selection.selectedBy).toBe("CODEX_CA_CERTIFICATE");
    expect(ctx.ca.baseRoots.origin).toBe("env");
    expect(ctx.ca.baseRoots.certificates).toEqual([]);
    expect(ctx.ca.baseRoots.errors.length).toBeGreaterThan(0);
    expect(ctx.ca.baseRoots.fellBackToPlatform).toBe(false);
    expect(set(ctx.ca.trust.roots)).toEqual(set([kit.corp.root.certDer]));
  });

  it("a missing SSL_CERT_DIR is an error: base roots empty, no fallback", async () => {
    const { ctx } = await load({ env: { SSL_CERT_DIR: "{dir}/nope" } });
    expect(ctx.ca.baseRoots.origin).toBe("env");
    expect(ctx.ca.baseRoots.certificates).toEqual([]);
    expect(ctx.ca.baseRoots.errors).toHaveLength(1);
    expect(ctx.ca.trust.roots).toEqual([]);
  });

  it("env locations yielding no certificate and no error fall back to the platform store", async () => {
    const { ctx } = await load({
      env: { SSL_CERT_DIR: "{dir}/empty-dir", SSL_CERT_FILE: "{dir}/notes.txt" },
      files: { "empty-dir/README": "nothing hashed here\n", "notes.txt": "no certificates in here\n" },
    });
    expect(ctx.ca.baseRoots.origin).toBe("platform");
    expect(ctx.ca.baseRoots.fellBackToPlatform).toBe(true);
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set(kit.publicRoots.map((m) => m.certDer)));
  });

  it("no platform store found: the platform set is empty and says so", async () => {
    const { ctx } = await load({ platformStore: "nowhere/none.pem" });
    expect(ctx.ca.baseRoots.origin).toBe("platform");
    expect(ctx.ca.baseRoots.certificates).toEqual([]);
    expect(ctx.ca.baseRoots.errors).toHaveLength(1);
  });

  it("isHashFileName matches OpenSSL's c_rehash names only", () => {
    for (const name of ["f3377b1b.0", "e73d606e.1", "01234567.2", "89abcdef.3", "ABCDEF00.9"]) expect(isHashFileName(name), name).toBe(true);
    for (const name of ["f3377b1b.a", "e73d606g.1", "0123457.2", "89abcdef0.3", "name.pem", "f3377b1b.10", "f3377b1b.r0"]) {
      expect(isHashFileName(name), name).toBe(false);
    }
  });
});

describe("base roots are read the way rustls-native-certs reads them", () => {
  it("a PEM error in SSL_CERT_FILE is recorded and reading carries on after it", async () => {
    const [a, b] = kit.manyRoots;
    const text = [
      "-----BEGIN CERTIFICATE----",
      a.certPem,
      "-----BEGIN X509 CRL-----\n!!!\n-----END X509 CRL-----\n",
      b.certPem,
    ].join("\n");
    const { ctx } = await load({ env: { SSL_CERT_FILE: "{dir}/mixed.pem" }, files: { "mixed.pem": text } });
    // Codex's own loader stops at the first error and refuses the file...
    expect(ctx.ca.codexLoads).toBe(false);
    expect(ctx.ca.bundle?.error?.pemError?.kind).toBe("illegal-start");
    // ...while the native-roots loader keeps both certificates and reports both errors.
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set([a.certDer, b.certDer]));
    expect(ctx.ca.baseRoots.errors).toHaveLength(2);
    expect(ctx.ca.baseRoots.origin).toBe("env");
  });

  it("only CERTIFICATE sections become roots (TRUSTED CERTIFICATE is not relabelled there)", async () => {
    const [a] = kit.manyRoots;
    const { ctx } = await load({
      env: { SSL_CERT_FILE: "{dir}/t.pem" },
      files: { "t.pem": trustedPem(kit.corp.root.certDer) + a.certPem },
    });
    expect(set(ctx.ca.baseRoots.certificates)).toEqual(set([a.certDer]));
    // Codex's bundle loader does relabel it
    expect(ctx.ca.certificateCount).toBe(2);
  });
});

describe("fact 5: a refused bundle leaves the base roots only, and login fails", () => {
  it("CODEX_CA_CERTIFICATE=wrong.pem with SSL_CERT_FILE=corp.pem: the corp root is still trusted", async () => {
    const { ctx } = await load({
      env: { CODEX_CA_CERTIFICATE: "{dir}/wrong.pem", SSL_CERT_FILE: "{dir}/corp.pem" },
      files: { "wrong.pem": fixture("root.der"), "corp.pem": kit.corp.root.certPem },
    });
    expect(ctx.ca.codexLoads).toBe(false);
    expect(ctx.ca.certificateCount).toBe(0);
    expect(ctx.ca.trust.loginFails).toBe(true);
    expect(set(ctx.ca.trust.roots)).toEqual(set([kit.corp.root.certDer]));
  });

  it("a refused bundle with nothing else set: trust = platform store only", async () => {
    const { ctx } = await load({ env: { CODEX_CA_CERTIFICATE: "{dir}/missing.pem" } });
    expect(ctx.ca.trust.loginFails).toBe(true);
    expect(set(ctx.ca.trust.roots)).toEqual(set(kit.publicRoots.map((m) => m.certDer)));
    expect(ctx.ca.bundle?.codexMessage).toMatch(/^Failed to read CA certificate file .*missing\.pem selected by CODEX_CA_CERTIFICATE: No such file or directory \(os error 2\)\. If you set/);
  });

  it("a refused SSL_CERT_FILE is still the base (rustls-native-certs skips the bad parts)", async () => {
    const { ctx } = await load({
      env: { SSL_CERT_FILE: "{dir}/mixed.pem" },
      files: { "mixed.pem": kit.corp.root.certPem + "-----BEGIN CERTIFICATE-----\nMIIB\n" },
    });
    expect(ctx.ca.codexLoads).toBe(false);
    expect(ctx.ca.baseRoots.origin).toBe("env");
    expect(set(ctx.ca.trust.roots)).toEqual(set([kit.corp.root.certDer]));
  });
});

describe("parseDotenv (dotenvy's syntax)", () => {
  it("substitutes $VAR and ${VAR} (the environment first, then earlier lines), not in single quotes", () => {
    const { entries } = parseDotenv(
      ["CORP=/etc/corp", "SSL_CERT_FILE=${HOME}/corp.pem", 'A="$CORP/root.pem"', "B='$CORP'", "C=\\$CORP", "D=$UNSET_THING/x"].join("\n"),
      { HOME: "/home/dev" },
    );
    expect(entries.map((e) => [e.key, e.value])).toEqual([
      ["CORP", "/etc/corp"],
      ["SSL_CERT_FILE", "/home/dev/corp.pem"],
      ["A", "/etc/corp/root.pem"],
      ["B", "$CORP"],
      ["C", "$CORP"],
      ["D", "/x"],
    ]);
  });

  it("reads KEY=value, export, quotes, comments; reports bad lines", () => {
    const { entries, badLines } = parseDotenv(
      [
        "# comment",
        "SSL_CERT_FILE=/a/b.pem",
        "export HTTPS_PROXY=http://p:1 # trailing comment",
        "NO_PROXY='localhost,.corp'",
        'REQUESTS_CA_BUNDLE="/x y/z.pem"',
        "not a valid line",
        "",
        "codex_ca_certificate=/lower.pem",
      ].join("\n"),
    );
    expect(entries).toEqual([
      { key: "SSL_CERT_FILE", value: "/a/b.pem", line: 2 },
      { key: "HTTPS_PROXY", value: "http://p:1", line: 3 },
      { key: "NO_PROXY", value: "localhost,.corp", line: 4 },
      { key: "REQUESTS_CA_BUNDLE", value: "/x y/z.pem", line: 5 },
      { key: "codex_ca_certificate", value: "/lower.pem", line: 8 },
    ]);
    expect(badLines).toEqual([6]);
  });
});
