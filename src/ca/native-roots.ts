// The "base roots" under Codex's custom bundle: what rustls-native-certs loads. When SSL_CERT_FILE
// and/or SSL_CERT_DIR are set (even empty) they REPLACE the platform store; only when they yield
// no certificate and no error does it fall back to the platform store.
import { existsSync, promises as fs, statSync } from "node:fs";
import { join } from "node:path";
import { certificateBlocks, parsePem } from "./pem.js";
import { formatBytes, readBoundedFile, rustIoError, statAsync } from "./file.js";
import type { Env } from "../env.js";

export interface RootSet {
  /** Where the roots came from, for humans. */
  description: string;
  certificates: Uint8Array[];
  errors: string[];
  /**
   * Where codex-doctor stopped at one of its OWN limits (a file over its size cap, too many files
   * in SSL_CERT_DIR): Codex reads on, so the certificates here may be fewer than Codex's.
   */
  doctorLimits?: string[];
}

export interface BaseRoots extends RootSet {
  origin: "env" | "platform";
  /** SSL_CERT_FILE/SSL_CERT_DIR were set but yielded nothing and no error. */
  fellBackToPlatform: boolean;
  platform?: RootSet;
}

function noteLimit(into: RootSet, what: string): void {
  (into.doctorLimits ??= []).push(what);
}

/**
 * Certificates of a PEM file the way rustls-pemfile's `certs()` sees them (CERTIFICATE only).
 * Returns the bytes read (0 when the file could not be read).
 */
export async function loadPemCertificates(path: string, into: RootSet): Promise<number> {
  const read = await readBoundedFile(path);
  if (!read.ok) {
    // Over the doctor's size cap is not an error Codex would see: it reads the whole file.
    if (read.problem === "too-large") noteLimit(into, `${path}: ${read.rustError}`);
    else into.errors.push(`failed to open file: ${read.rustError} in ${path}`);
    return 0;
  }
  // Unlike Codex's own bundle loader, rustls-native-certs records a PEM error and keeps iterating
  // from where the reader stopped (after the bad BEGIN line or the bad block's END line).
  let rest = read.bytes;
  for (;;) {
    const parsed = parsePem(rest);
    into.certificates.push(...certificateBlocks(parsed));
    if (!parsed.error) return read.size;
    into.errors.push(`failed to parse PEM: ${parsed.error.display} in ${path}`);
    if (parsed.error.resumeOffset === undefined) return read.size;
    rest = rest.subarray(parsed.error.resumeOffset);
  }
}

/** OpenSSL's c_rehash names: 8 hex digits, a dot, one decimal digit. */
export function isHashFileName(name: string): boolean {
  return /^[0-9a-fA-F]{8}\.[0-9]$/.test(name);
}

/**
 * codex-doctor's own bounds on reading SSL_CERT_DIR (rustls-native-certs has none). A real
 * /etc/ssl/certs holds a few hundred entries; past these the doctor stops and says so.
 */
export const CERT_DIR_LIMITS = {
  /** Different directory names listed in SSL_CERT_DIR (real lists name one to three). */
  dirs: 64,
  /** Directory entries looked at, over all the directories. */
  entries: 50_000,
  /** Distinct certificate files read. */
  files: 5_000,
  /** Bytes read from them. */
  bytes: 64 * 1024 * 1024,
} as const;

/**
 * One walk over SSL_CERT_DIR's directories. A directory listed twice (by name, or through a
 * symlink) and a file reached twice (the c_rehash links of two listed copies of a directory) are
 * read once: they give Codex the same certificates, which rustls-native-certs dedupes anyway.
 */
export class CertDirWalk {
  private readonly names = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly files = new Set<string>();
  private entries = 0;
  private bytes = 0;
  /** No more directories are opened. */
  stopped = false;
  /** No more files are read (files or bytes exhausted). */
  private full = false;

  constructor(
    private readonly into: RootSet,
    private readonly limits: Record<keyof typeof CERT_DIR_LIMITS, number> = CERT_DIR_LIMITS,
  ) {}

  /** The work done so far: what the limits bound. */
  get work(): { dirs: number; entries: number; files: number; bytes: number } {
    return { dirs: this.names.size, entries: this.entries, files: this.files.size, bytes: this.bytes };
  }

  private stop(what: string, full: boolean): void {
    this.stopped = true;
    this.full ||= full;
    noteLimit(this.into, `SSL_CERT_DIR: codex-doctor stopped after ${what} (its own limit; Codex reads them all)`);
  }

  async load(dir: string): Promise<void> {
    if (this.stopped || this.names.has(dir)) return;
    if (this.names.size >= this.limits.dirs) return this.stop(`${this.limits.dirs} different directories`, true);
    this.names.add(dir);
    const id = await statAsync(dir).then((s) => `${s.dev}:${s.ino}`, () => undefined);
    if (id !== undefined) {
      if (this.dirs.has(id)) return;
      this.dirs.add(id);
    }
    let handle;
    try {
      handle = await fs.opendir(dir);
    } catch (err) {
      this.into.errors.push(`opening directory: ${rustIoError(err)} in ${dir}`);
      return;
    }
    const entryNames: string[] = [];
    try {
      for await (const entry of handle) {
        if (++this.entries > this.limits.entries) {
          // The entries already listed are still read; no further directory is opened.
          this.stop(`looking at ${this.limits.entries} directory entries`, false);
          break;
        }
        entryNames.push(entry.name);
      }
    } catch (err) {
      this.into.errors.push(`reading directory entries: ${rustIoError(err)} in ${dir}`);
    }
    for (const name of entryNames.sort()) {
      if (this.full) return;
      await this.loadEntry(join(dir, name), name);
    }
  }

  /** rustls-native-certs: metadata (following symlinks) first, then the name test. */
  private async loadEntry(path: string, name: string): Promise<void> {
    let stat;
    try {
      stat = await statAsync(path);
    } catch (err) {
      // A dangling symlink is skipped; any other failure is an error Codex reports too.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") this.into.errors.push(`failed to open file: ${rustIoError(err)} in ${path}`);
      return;
    }
    if (!stat.isFile() || !isHashFileName(name)) return;
    const id = `${stat.dev}:${stat.ino}`;
    if (this.files.has(id)) return;
    if (this.files.size >= this.limits.files) return this.stop(`reading ${this.limits.files} certificate files`, true);
    this.files.add(id);
    this.bytes += await loadPemCertificates(path, this.into);
    if (this.bytes > this.limits.bytes) this.stop(`reading ${formatBytes(this.limits.bytes)} of certificate files`, true);
  }
}

export async function loadCertDir(dir: string, into: RootSet): Promise<void> {
  await new CertDirWalk(into).load(dir);
}

function dedupe(certs: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return certs.filter((c) => {
    const key = Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString("latin1");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// openssl-probe's search list (what rustls-native-certs uses on Linux/BSD).
const PROBE_DIRS = [
  "/var/ssl", "/usr/share/ssl", "/usr/local/ssl", "/usr/local/openssl", "/usr/local/etc/openssl",
  "/usr/local/share", "/usr/lib/ssl", "/usr/ssl", "/etc/openssl", "/etc/pki/ca-trust/extracted/pem",
  "/etc/pki/tls", "/etc/ssl", "/etc/certs", "/opt/etc/ssl",
];
const PROBE_FILES = [
  "cert.pem", "certs.pem", "ca-bundle.pem", "cacert.pem", "ca-certificates.crt",
  "certs/ca-certificates.crt", "certs/ca-root-nss.crt", "certs/ca-bundle.crt", "CARootCertificates.pem",
  "tls-ca-bundle.pem",
];

/**
 * Synchronous on purpose: the probe walks up to 140 paths in order and stops at the first file;
 * a thread-pool round trip per path cost ~20 ms of waiting per run, a stat() call microseconds.
 */
function isFile(path: string): boolean {
  // existsSync (access) first: most candidates are missing, and a miss then builds no Stats object.
  return existsSync(path) && (statSync(path, { throwIfNoEntry: false })?.isFile() ?? false);
}

export interface PlatformProbe {
  platform: NodeJS.Platform;
  /** Overridable for tests; defaults to the real search. */
  linuxBundleCandidates?: string[];
}

export async function loadPlatformRoots(probe: PlatformProbe): Promise<RootSet> {
  const set: RootSet = { description: "", certificates: [], errors: [] };
  if (probe.platform === "darwin") {
    set.description = "macOS keychains (SystemRootCertificates, System)";
    const pem = await securityFindCertificates().catch((err: Error) => {
      set.errors.push(`security find-certificate failed: ${err.message}`);
      return "";
    });
    const parsed = parsePem(new TextEncoder().encode(pem));
    set.certificates.push(...certificateBlocks(parsed));
  } else if (probe.platform === "win32") {
    // Loaded only here (Windows); getCACertificates is newer than Node 20 (22.15+).
    const tls = await import("node:tls");
    const getCA = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
    set.description = "Windows certificate store";
    if (!getCA) {
      set.errors.push(`this Node.js (${process.version}) cannot read the Windows store (needs tls.getCACertificates, Node 22.15+)`);
    } else {
      for (const pem of getCA("system")) {
        const parsed = parsePem(new TextEncoder().encode(pem));
        set.certificates.push(...certificateBlocks(parsed));
      }
    }
  } else {
    const candidates =
      probe.linuxBundleCandidates ?? PROBE_DIRS.flatMap((dir) => PROBE_FILES.map((file) => join(dir, file)));
    let found: string | undefined;
    for (const candidate of candidates) {
      if (isFile(candidate)) {
        found = candidate;
        break;
      }
    }
    if (found) {
      set.description = found;
      await loadPemCertificates(found, set);
    } else {
      set.description = "no system CA bundle found";
      set.errors.push("no system CA bundle found in OpenSSL's usual locations");
    }
  }
  set.certificates = dedupe(set.certificates);
  return set;
}

async function securityFindCertificates(): Promise<string> {
  const { execFile } = await import("node:child_process"); // macOS only: not loaded elsewhere
  const keychains = [
    "/System/Library/Keychains/SystemRootCertificates.keychain",
    "/Library/Keychains/System.keychain",
  ];
  return new Promise((resolve, reject) => {
    execFile("security", ["find-certificate", "-a", "-p", ...keychains], { timeout: 5000, maxBuffer: 32 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

/**
 * The base root store Codex starts from, given its (post-.env) environment. `platformStore` loads the
 * platform store (a caller that needs it anyway passes its own, shared, load).
 */
export async function loadBaseRoots(env: Env, probe: PlatformProbe, platformStore = () => loadPlatformRoots(probe)): Promise<BaseRoots> {
  const file = env.SSL_CERT_FILE;
  const dir = env.SSL_CERT_DIR;
  if (file === undefined && dir === undefined) {
    const platform = await platformStore();
    return { ...platform, origin: "platform", fellBackToPlatform: false, platform };
  }
  const set: RootSet = { description: "", certificates: [], errors: [] };
  const parts: string[] = [];
  if (file !== undefined) {
    parts.push(`SSL_CERT_FILE=${file}`);
    await loadPemCertificates(file, set);
  }
  if (dir !== undefined) {
    parts.push(`SSL_CERT_DIR=${dir}`);
    // rustls-native-certs ≥ 0.8.2 reads a list, like OpenSSL (":" on Unix, ";" on Windows).
    const walk = new CertDirWalk(set);
    for (const one of dir.split(probe.platform === "win32" ? ";" : ":")) {
      await walk.load(one);
      if (walk.stopped) break;
    }
  }
  set.description = parts.join(", ");
  set.certificates = dedupe(set.certificates);
  // Where the doctor stopped early it cannot tell "nothing there" (Codex falls back) from
  // "something the doctor did not read": it keeps the variables' roots and reports its limit.
  if (set.certificates.length === 0 && set.errors.length === 0 && !set.doctorLimits) {
    const platform = await platformStore();
    return { ...platform, origin: "platform", fellBackToPlatform: true, platform };
  }
  return { ...set, origin: "env", fellBackToPlatform: false };
}
