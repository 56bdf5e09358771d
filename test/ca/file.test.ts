// readBoundedFile: never block on a FIFO, never slurp a huge file, and describe failures the way
// Rust's io::Error prints them (that text ends up in Codex's message).
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatBytes, readBoundedFile, rustIoError } from "../../src/ca/file.js";
import { isRoot, Workspace } from "../helpers/doctor.js";

const ws = new Workspace();
afterAll(() => ws.cleanup());

/** Fails the test instead of hanging it when a read blocks. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still blocked after ${ms} ms`)), ms)),
  ]);
}

describe("readBoundedFile", () => {
  it("reads a regular file", async () => {
    const dir = await ws.scenarioDir();
    await fs.writeFile(join(dir, "a.pem"), "hello");
    const result = await readBoundedFile(join(dir, "a.pem"));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Buffer.from(result.bytes).toString()).toBe("hello");
      expect(result.size).toBe(5);
    }
  });

  it("reads a regular file larger than one read, byte for byte, and one at exactly the cap", async () => {
    const dir = await ws.scenarioDir();
    const big = Buffer.alloc(600 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
    await fs.writeFile(join(dir, "big.pem"), big);
    const result = await readBoundedFile(join(dir, "big.pem"));
    expect(result.ok && Buffer.from(result.bytes).equals(big)).toBe(true);
    expect(await readBoundedFile(join(dir, "big.pem"), big.length)).toMatchObject({ ok: true, size: big.length });
    expect(await readBoundedFile(join(dir, "big.pem"), big.length - 1)).toMatchObject({ ok: false, problem: "too-large" });
  });

  it("reads an empty file as zero bytes", async () => {
    const dir = await ws.scenarioDir();
    await fs.writeFile(join(dir, "empty.pem"), "");
    expect(await readBoundedFile(join(dir, "empty.pem"))).toMatchObject({ ok: true, size: 0 });
  });

  it("missing path: ENOENT as Rust prints it", async () => {
    const dir = await ws.scenarioDir();
    expect(await readBoundedFile(join(dir, "nope.pem"))).toEqual({
      ok: false,
      problem: "missing",
      rustError: "No such file or directory (os error 2)",
    });
  });

  it("a path through a regular file is missing too (ENOTDIR)", async () => {
    const dir = await ws.scenarioDir();
    await fs.writeFile(join(dir, "file"), "x");
    expect(await readBoundedFile(join(dir, "file", "ca.pem"))).toEqual({
      ok: false,
      problem: "missing",
      rustError: "Not a directory (os error 20)",
    });
  });

  it("a directory", async () => {
    const dir = await ws.scenarioDir();
    expect(await readBoundedFile(dir)).toEqual({ ok: false, problem: "directory", rustError: "Is a directory (os error 21)" });
  });

  it("a FIFO is refused at once (Codex itself would block forever reading it)", async () => {
    const dir = await ws.scenarioDir();
    const fifo = join(dir, "ca.fifo");
    execFileSync("mkfifo", [fifo]);
    const started = Date.now();
    const result = await within(2000, readBoundedFile(fifo));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toMatchObject({ ok: false, problem: "not-regular", codexWouldHang: true });
  });

  it("a character device is read like a file, bounded: /dev/null is empty, /dev/zero is too large", async () => {
    expect(await within(2000, readBoundedFile("/dev/null"))).toMatchObject({ ok: true, size: 0 });
    expect(await within(2000, readBoundedFile("/dev/zero", 1000))).toMatchObject({ ok: false, problem: "too-large" });
  });

  it("too large: refused from stat, without reading", async () => {
    const dir = await ws.scenarioDir();
    await fs.writeFile(join(dir, "big.pem"), "x".repeat(11));
    expect(await readBoundedFile(join(dir, "big.pem"), 10)).toMatchObject({ ok: false, problem: "too-large", size: 11 });
    await fs.writeFile(join(dir, "edge.pem"), "x".repeat(10));
    expect(await readBoundedFile(join(dir, "edge.pem"), 10)).toMatchObject({ ok: true, size: 10 });
  });

  it("too large is described as codex-doctor's own limit, never as a Codex error", async () => {
    const dir = await ws.scenarioDir();
    await fs.writeFile(join(dir, "big.pem"), "x".repeat(3 * 1024 * 1024));
    expect(await readBoundedFile(join(dir, "big.pem"), 2 * 1024 * 1024)).toEqual({
      ok: false,
      problem: "too-large",
      size: 3 * 1024 * 1024,
      limit: 2 * 1024 * 1024,
      rustError: "not read by codex-doctor, which stops at 2 MiB (its own limit; it is 3 MiB, and Codex reads the whole file)",
    });
    // A device does not say its size: the text still names the limit.
    expect(await within(2000, readBoundedFile("/dev/zero", 1536))).toMatchObject({
      rustError: "not read by codex-doctor, which stops at 1.5 KiB (1,536 bytes) (its own limit; it is larger than that, and Codex reads the whole file)",
    });
    expect([formatBytes(900), formatBytes(1024 * 1024), formatBytes(16 * 1024 * 1024 + 1)]).toEqual(["900 bytes", "1 MiB", "16.0 MiB (16,777,217 bytes)"]);
  });

  it("unreadable: a symlink loop fails with ELOOP (os error 40)", async () => {
    const dir = await ws.scenarioDir();
    await fs.symlink(join(dir, "b.pem"), join(dir, "a.pem"));
    await fs.symlink(join(dir, "a.pem"), join(dir, "b.pem"));
    expect(await readBoundedFile(join(dir, "a.pem"))).toEqual({
      ok: false,
      problem: "other",
      rustError: "Too many levels of symbolic links (os error 40)",
    });
  });

  it("unreadable: chmod 000 (EACCES for a normal user; root reads it anyway, as Codex would)", async () => {
    const dir = await ws.scenarioDir();
    const path = join(dir, "locked.pem");
    await fs.writeFile(path, "secret");
    await fs.chmod(path, 0o000);
    const result = await readBoundedFile(path);
    if (isRoot) {
      // root bypasses file permissions: there is nothing unreadable to report
      expect(result).toMatchObject({ ok: true, size: 6 });
    } else {
      expect(result).toEqual({ ok: false, problem: "unreadable", rustError: "Permission denied (os error 13)" });
    }
  });

  it("a file name that is too long (ENAMETOOLONG)", async () => {
    const dir = await ws.scenarioDir();
    expect(await readBoundedFile(join(dir, "x".repeat(300)))).toEqual({
      ok: false,
      problem: "other",
      rustError: "File name too long (os error 36)",
    });
  });
});

describe("rustIoError", () => {
  it("prints errno codes like Rust's io::Error Display", () => {
    expect(rustIoError({ code: "EACCES" })).toBe("Permission denied (os error 13)");
    expect(rustIoError({ code: "EPERM" })).toBe("Operation not permitted (os error 1)");
    expect(rustIoError({ code: "EMFILE", errno: -24 })).toBe("EMFILE (os error 24)");
    expect(rustIoError(undefined)).toBe("I/O error");
  });
});
