// Reading a CA file safely: never block on a FIFO or device, never slurp a huge file, and
// describe I/O failures the way Rust's `io::Error` prints them (that text is in Codex's message).
import { promises as fs, constants } from "node:fs";

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
  /** Rust `io::Error` Display, e.g. "No such file or directory (os error 2)". */
  rustError: string;
  /** Whether Codex itself would block reading it (FIFO) instead of failing. */
  codexWouldHang?: boolean;
  size?: number;
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
    stat = await fs.stat(path);
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
    return { ok: false, problem: "too-large", rustError: `file is ${stat.size} bytes`, size: stat.size };
  }
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
        return { ok: false, problem: "too-large", rustError: `file is larger than ${maxBytes} bytes` };
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
