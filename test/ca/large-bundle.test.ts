// A 13,900-certificate bundle just under the doctor's size cap (issue 7: it took 22 s and 520 MB
// and could end in INTERNAL_ERROR): the whole CLI loads it, reports it, and the work it does is
// linear — counted, not timed: one DER walk and one anchor check per certificate, no OpenSSL
// parse for certificates of the ordinary shape, no name formatted twice.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "../../src/cli.js";
import { MAX_CA_FILE_BYTES } from "../../src/ca/file.js";
import { workCounts } from "../../src/ca/work.js";
import { Workspace } from "../helpers/doctor.js";
import { pemWrap } from "../helpers/certs.js";
import { mint, rsaKeys } from "../net/mint.js";

const ws = new Workspace();
afterAll(() => ws.cleanup());

const COUNT = 13_900;

/**
 * COUNT distinct RSA-2048 CA certificates from one minted template: the digits of its CN (in
 * subject and issuer alike) are rewritten in place, so every certificate is different, still
 * well-formed and self-issued (its signature no longer verifies, which a bundle does not check).
 */
async function bigBundle(): Promise<string> {
  const keys = await rsaKeys(2048);
  const template = await mint({
    subject: "CN=Bundle Root 00000, O=Load Test", ca: true, keys, signingAlgorithm: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 3650 * 86_400_000),
  });
  const der = Buffer.from(template.der);
  const marker = Buffer.from("00000");
  const spots: number[] = [];
  for (let at = der.indexOf(marker); at >= 0; at = der.indexOf(marker, at + 1)) spots.push(at);
  expect(spots).toHaveLength(2); // issuer and subject
  const parts: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const digits = Buffer.from(String(i).padStart(5, "0"));
    for (const at of spots) digits.copy(der, at);
    parts.push(pemWrap("CERTIFICATE", der));
  }
  return parts.join("");
}

describe("a 13,900-certificate bundle under the size cap", () => {
  it("loads through the whole CLI with linear, counted work", async () => {
    const pem = await bigBundle();
    expect(pem.length).toBeLessThan(MAX_CA_FILE_BYTES);
    expect(pem.length).toBeGreaterThan(MAX_CA_FILE_BYTES * 0.8);

    const dir = await ws.scenarioDir();
    await fs.mkdir(join(dir, "codex-home"), { recursive: true });
    await fs.writeFile(join(dir, "big.pem"), pem);
    await fs.writeFile(join(dir, "public.pem"), "");
    let stdout = "";
    const io: CliIo = {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
      env: { CODEX_HOME: join(dir, "codex-home"), CODEX_CA_CERTIFICATE: join(dir, "big.pem") },
      homedir: join(dir, "home"),
      platform: "linux",
      stdoutIsTTY: false,
      stderrIsTTY: false,
      linuxBundleCandidates: [join(dir, "public.pem")],
    };

    const before = workCounts();
    const code = await main(["tls", "--offline", "--json", "--only", "bundle"], io);
    const after = workCounts();

    const report = JSON.parse(stdout);
    expect(JSON.stringify(report)).not.toContain("INTERNAL_ERROR");
    expect(code).toBe(0);
    const bundle = report.checks.find((c: { id: string }) => c.id === "bundle");
    expect(bundle.status).toBe("pass");
    expect(bundle.data.certificates).toBe(COUNT);
    expect(bundle.findings.map((f: { code: string }) => f.code)).toEqual(["CA_LOADED"]);
    // The report lists the first 200 and counts the rest (a system-sized bundle stays readable).
    expect(bundle.data.tables[0].rows).toHaveLength(201);

    const work = (kind: keyof typeof after) => after[kind] - before[kind];
    expect(work("summary")).toBe(COUNT);
    expect(work("anchor")).toBe(COUNT); // the rustls build-stage check, once each
    expect(work("opensslParse")).toBe(0); // every certificate has the ordinary shape
    expect(work("name")).toBe(COUNT); // self-issued: the subject is formatted once, reused as issuer
  }, 120_000);
});
