// Reading a CA file safely: never block on a FIFO or device, never slurp a huge file, and
// describe I/O failures the way Rust's `io::Error` prints them (that text is in Codex's message).
// The size cap is codex-doctor's own: Codex reads the whole file, so a file over it is one the
// doctor did not look at, never one Codex fails on.
import { closeSync, constants, openSync, promises as fs, readSync, stat as statCallback } from "node:fs";
import { promisify } from "node:util";

/**
 * fs.stat as a promise. Not `fs.promises.stat`: the first use of fs.promises loads
 * node:fs/promises (FileHandle, its streams, readline), ~2 ms of every start for the one call each
 * file needs; the device path below, which needs a FileHandle, still loads it when it runs.
 */
export const statAsync = promisify(statCallback);

/** Larger than any real CA bundle (the Mozilla bundle is ~220 KB). */
export const MAX_CA_FILE_BYTES = 16 * 1024 * 1024;

export type FileProblem =
  | "missing"
  | "directory"
  | "unreadable"
  | "not-regular"
  | "too-large"
  | "other";

export interface ReadFailure {
  problem: FileProblem;
  /**
   * Rust `io::Error` Display, e.g. "No such file or directory (os error 2)". For "too-large" there
   * is no Rust error: the text says it is the doctor's limit and that Codex reads the whole file.
   */
  rustError: string;
  /** Whether Codex itself would block reading it (FIFO) instead of failing. */
  codexWouldHang?: boolean;
  /** For "too-large": the size (when stat knew it; a device or growing file may not say). */
  size?: number;
  /** For "too-large": the doctor's limit that was exceeded. */
  limit?: number;
}

/** A too-large outcome, worded as the doctor's own limit (Codex has none). */
function tooLarge(limit: number, size?: number): { ok: false } & ReadFailure {
  const what = size !== undefined ? `it is ${formatBytes(size)}` : "it is larger than that";
  return {
    ok: false,
    problem: "too-large",
    rustError: `not read by codex-doctor, which stops at ${formatBytes(limit)} (its own limit; ${what}, and Codex reads the whole file)`,
    size,
    limit,
  };
}

/** "1 MiB", "16 MiB", "1.5 MiB (1,572,865 bytes)", "900 bytes": sizes in messages about the doctor's own limits. */
export function formatBytes(n: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  if (n < 1024) return `${n} bytes`;
  let value = n;
  let unit = "bytes";
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  // Near a limit "4.0 MiB" would hide that it is over "4 MiB": inexact sizes carry the byte count.
  return Number.isInteger(value) ? `${value} ${unit}` : `${value.toFixed(1)} ${unit} (${n.toLocaleString("en-US")} bytes)`;
}

export type ReadOutcome = { ok: true; bytes: Uint8Array; size: number } | ({ ok: false } & ReadFailure);

const RUST_ERRNO: Record<string, [number, string]> = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such file or directory"],
  EIO: [5, "Input/output error"],
  EACCES: [13, "Permission denied"],
  ENOTDIR: [20, "Not a directory"],
  EISDIR: [21, "Is a directory"],
  EINVAL: [22, "Invalid argument"],
  ENAMETOOLONG: [36, "File name too long"],
  ELOOP: [40, "Too many levels of symbolic links"],
};

export function rustIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "";
  const known = RUST_ERRNO[code];
  if (known) return `${known[1]} (os error ${known[0]})`;
  const errno = (err as NodeJS.ErrnoException | undefined)?.errno;
  return errno !== undefined ? `${code || "I/O error"} (os error ${Math.abs(errno)})` : code || "I/O error";
}

function problemFor(code: string | undefined): FileProblem {
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return "missing";
    case "EISDIR":
      return "directory";
    case "EACCES":
    case "EPERM":
      return "unreadable";
    default:
      return "other";
  }
}

export async function readBoundedFile(path: string, maxBytes = MAX_CA_FILE_BYTES): Promise<ReadOutcome> {
  let stat;
  try {
    stat = await statAsync(path);
  } catch (err) {
    return { ok: false, problem: problemFor((err as NodeJS.ErrnoException).code), rustError: rustIoError(err) };
  }
  if (stat.isDirectory()) {
    // Codex's fs::read opens the directory and fails on read with EISDIR.
    return { ok: false, problem: "directory", rustError: "Is a directory (os error 21)" };
  }
  // A character device is read like a file, bounded: /dev/null is simply empty (as it is for Codex
  // and rustls-native-certs), /dev/zero ends as too-large instead of streaming forever.
  if (!stat.isFile() && !stat.isCharacterDevice()) {
    // A FIFO would block until a writer appears (Codex's fs::read would hang on it); never open one.
    return { ok: false, problem: "not-regular", rustError: "not a regular file", codexWouldHang: stat.isFIFO() };
  }
  if (stat.size > maxBytes) {
    return tooLarge(maxBytes, stat.size);
  }
  if (stat.isFile()) return readRegularFile(path, maxBytes);
  let handle;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after stat, open must not block.
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    // Read in chunks up to one byte past the limit: stat sizes lie for devices and growing files.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) {
        return tooLarge(maxBytes);
      }
    }
    const bytes = Buffer.concat(chunks, length);
    return { ok: true, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, length), size: length };
  } catch (err) {
    return { ok: false, problem: problemFor((err as NodeJS.ErrnoException).code), rustError: rustIoError(err) };
  } finally {
    await handle?.close();
  }
}

/**
 * A regular file, read synchronously: one call per step instead of a thread-pool round trip each
 * (~2–10 ms of waiting per file on 2 cores). Only after the asynchronous stat answered: a hung
 * network mount stalls that stat on a pool thread, where the run's deadline still wins.
 */
function readRegularFile(path: string, maxBytes: number): ReadOutcome {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(256 * 1024, maxBytes + 1 - length));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) return tooLarge(maxBytes);
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
    return { ok: true, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, length), size: length };
  } catch (err) {
    return { ok: false, problem: problemFor((err as NodeJS.ErrnoException).code), rustError: rustIoError(err) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
