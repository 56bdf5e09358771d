// SSL_CERT_DIR read the way rustls-native-certs ≥ 0.8.2 reads it (a ':' list; metadata of every
// entry, then the c_rehash name test; certificates deduplicated), with bounded work: a directory
// listed many times, or reached through a symlink, is read once, and codex-doctor's own limits
// on directories, entries, files and bytes stop it with a note instead of an error.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERT_DIR_LIMITS, CertDirWalk, loadBaseRoots, type RootSet } from "../../src/ca/native-roots.js";
import { MAX_CA_FILE_BYTES } from "../../src/ca/file.js";
import { getKit, type Kit } from "../helpers/certs.js";
import { Workspace, writeSpec, type FileSpec } from "../helpers/doctor.js";

const ws = new Workspace();
let kit: Kit;
afterAll(() => ws.cleanup());
beforeAll(async () => {
  kit = await getKit();
});

const hex = (der: Uint8Array) => Buffer.from(der).toString("hex");
const set = (certs: Uint8Array[]) => new Set(certs.map(hex));
const emptySet = (): RootSet => ({ description: "", certificates: [], errors: [] });

async function layout(files: Record<string, FileSpec>): Promise<string> {
  const dir = await ws.scenarioDir();
  for (const [name, spec] of Object.entries(files)) await writeSpec(join(dir, name), spec);
  return dir;
}

/** A c_rehash directory holding the kit's "many roots", one per hash-named file. */
async function certsDir(): Promise<{ dir: string; count: number }> {
  const files: Record<string, FileSpec> = {};
  kit.manyRoots.forEach((m, i) => (files[`certs/${(0x10000000 + i).toString(16)}.0`] = m.certPem));
  files["certs/README"] = "not a certificate";
  return { dir: await layout(files), count: kit.manyRoots.length };
}

const probe = { platform: "linux" as const, linuxBundleCandidates: [] };

describe("SSL_CERT_DIR listing the same directory many times", () => {
  it("200 copies, a trailing-slash spelling and a symlinked alias: every file is read once, same roots as one listing", async () => {
    const { dir, count } = await certsDir();
    await fs.symlink(join(dir, "certs"), join(dir, "alias"));
    const once = await loadBaseRoots({ SSL_CERT_DIR: join(dir, "certs") }, probe);

    const into = emptySet();
    const walk = new CertDirWalk(into);
    const list = [...Array<string>(200).fill(join(dir, "certs")), `${join(dir, "certs")}/`, join(dir, "alias")];
    for (const one of list) await walk.load(one);
    expect(walk.work).toMatchObject({ files: count, entries: count + 1 });
    expect(into.errors).toEqual([]);
    expect(into.doctorLimits).toBeUndefined();

    const repeated = await loadBaseRoots({ SSL_CERT_DIR: list.join(":") }, probe);
    expect(set(repeated.certificates)).toEqual(set(once.certificates));
    expect(repeated.certificates).toHaveLength(count);
    expect(repeated.errors).toEqual([]);
    expect(repeated.doctorLimits).toBeUndefined();
  });

  it("a missing directory listed twice is reported once", async () => {
    const dir = await layout({});
    const roots = await loadBaseRoots({ SSL_CERT_DIR: `${dir}/nope:${dir}/nope` }, probe);
    expect(roots.errors).toEqual([`opening directory: No such file or directory (os error 2) in ${dir}/nope`]);
  });

  it("an entry whose metadata fails (a symlink loop) is an error, as rustls-native-certs reports it; a dangling link is skipped", async () => {
    const dir = await layout({ "certs/loop": { symlink: "loop" }, "certs/0badf00d.0": { symlink: "/nonexistent.pem" } });
    const roots = await loadBaseRoots({ SSL_CERT_DIR: join(dir, "certs") }, probe);
    expect(roots.errors).toEqual([`failed to open file: Too many levels of symbolic links (os error 40) in ${dir}/certs/loop`]);
  });
});

describe("codex-doctor's own limits on SSL_CERT_DIR", () => {
  it("more different directories than the limit: stops with a note, not an error, and no platform fallback", async () => {
    const dir = await layout({});
    const names = Array.from({ length: CERT_DIR_LIMITS.dirs + 5 }, (_, i) => `${dir}/missing-${i}`);
    const roots = await loadBaseRoots({ SSL_CERT_DIR: names.join(":") }, probe);
    expect(roots.errors).toHaveLength(CERT_DIR_LIMITS.dirs);
    expect(roots.doctorLimits).toEqual([
      `SSL_CERT_DIR: codex-doctor stopped after ${CERT_DIR_LIMITS.dirs} different directories (its own limit; Codex reads them all)`,
    ]);
    expect(roots.origin).toBe("env");
    expect(roots.fellBackToPlatform).toBe(false);
  });

  it("files, entries and bytes limits stop the walk; what was read is kept", async () => {
    const { dir } = await certsDir();
    const into = emptySet();
    const walk = new CertDirWalk(into, { ...CERT_DIR_LIMITS, files: 2 });
    await walk.load(join(dir, "certs"));
    await walk.load(join(dir, "other"));
    expect(into.certificates).toHaveLength(2);
    expect(walk.work.dirs).toBe(1);
    expect(into.doctorLimits).toEqual(["SSL_CERT_DIR: codex-doctor stopped after reading 2 certificate files (its own limit; Codex reads them all)"]);

    const byEntries = emptySet();
    const entriesWalk = new CertDirWalk(byEntries, { ...CERT_DIR_LIMITS, entries: 3 });
    await entriesWalk.load(join(dir, "certs"));
    expect(entriesWalk.work.entries).toBe(4);
    expect(byEntries.certificates.length).toBeLessThanOrEqual(3);
    expect(byEntries.doctorLimits?.[0]).toMatch(/stopped after looking at 3 directory entries \(its own limit/);

    const byBytes = emptySet();
    const bytesWalk = new CertDirWalk(byBytes, { ...CERT_DIR_LIMITS, bytes: 1 });
    await bytesWalk.load(join(dir, "certs"));
    expect(byBytes.certificates).toHaveLength(1);
    expect(byBytes.doctorLimits?.[0]).toMatch(/stopped after reading 1 bytes of certificate files/);
  });

  it("an SSL_CERT_FILE over the doctor's size cap is a doctor limit, not a Codex error: no 'empty store', no fallback", async () => {
    const dir = await layout({ "huge.pem": { sparse: MAX_CA_FILE_BYTES + 1 } });
    const roots = await loadBaseRoots({ SSL_CERT_FILE: join(dir, "huge.pem") }, probe);
    expect(roots.errors).toEqual([]);
    expect(roots.doctorLimits).toHaveLength(1);
    expect(roots.doctorLimits?.[0]).toContain(`${dir}/huge.pem: not read by codex-doctor, which stops at 16 MiB (its own limit`);
    expect(roots.doctorLimits?.[0]).toContain("Codex reads the whole file");
    expect(roots.origin).toBe("env");
    expect(roots.fellBackToPlatform).toBe(false);
  });
});
