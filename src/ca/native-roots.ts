// The "base roots" under Codex's custom bundle: what rustls-native-certs loads. When SSL_CERT_FILE
// and/or SSL_CERT_DIR are set (even empty) they REPLACE the platform store; only when they yield
// no certificate and no error does it fall back to the platform store.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as tls from "node:tls";
import { join } from "node:path";
import { certificateBlocks, parsePem } from "./pem.js";
import { readBoundedFile, rustIoError } from "./file.js";
import type { Env } from "../env.js";

export interface RootSet {
  /** Where the roots came from, for humans. */
  description: string;
  certificates: Uint8Array[];
  errors: string[];
}

export interface BaseRoots extends RootSet {
  origin: "env" | "platform";
  /** SSL_CERT_FILE/SSL_CERT_DIR were set but yielded nothing and no error. */
  fellBackToPlatform: boolean;
  platform?: RootSet;
}

/** Certificates of a PEM file the way rustls-pemfile's `certs()` sees them (CERTIFICATE only). */
export async function loadPemCertificates(path: string, into: RootSet): Promise<void> {
  const read = await readBoundedFile(path);
  if (!read.ok) {
    into.errors.push(`failed to open file: ${read.rustError} in ${path}`);
    return;
  }
  // Unlike Codex's own bundle loader, rustls-native-certs records a PEM error and keeps iterating
  // from where the reader stopped (after the bad BEGIN line or the bad block's END line).
  let rest = read.bytes;
  for (;;) {
    const parsed = parsePem(rest);
    into.certificates.push(...certificateBlocks(parsed));
    if (!parsed.error) return;
    into.errors.push(`failed to parse PEM: ${parsed.error.display} in ${path}`);
    if (parsed.error.resumeOffset === undefined) return;
    rest = rest.subarray(parsed.error.resumeOffset);
  }
}

/** OpenSSL's c_rehash names: 8 hex digits, a dot, one decimal digit. */
export function isHashFileName(name: string): boolean {
  return /^[0-9a-fA-F]{8}\.[0-9]$/.test(name);
}

export async function loadCertDir(dir: string, into: RootSet): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    into.errors.push(`opening directory: ${rustIoError(err)} in ${dir}`);
    return;
  }
  for (const name of names.sort()) {
    if (!isHashFileName(name)) continue;
    const path = join(dir, name);
    try {
      if (!(await fs.stat(path)).isFile()) continue;
    } catch {
      continue; // dangling symlink, as rustls-native-certs skips it
    }
    await loadPemCertificates(path, into);
  }
}

function dedupe(certs: Uint8Array[]): Uint8Array[] {
  const seen = new Set<string>();
  return certs.filter((c) => {
    const key = Buffer.from(c).toString("base64");
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

async function isFile(path: string): Promise<boolean> {
  return fs.stat(path).then((s) => s.isFile(), () => false);
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
      if (await isFile(candidate)) {
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

function securityFindCertificates(): Promise<string> {
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

/** The base root store Codex starts from, given its (post-.env) environment. */
export async function loadBaseRoots(env: Env, probe: PlatformProbe): Promise<BaseRoots> {
  const file = env.SSL_CERT_FILE;
  const dir = env.SSL_CERT_DIR;
  if (file === undefined && dir === undefined) {
    const platform = await loadPlatformRoots(probe);
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
    for (const one of dir.split(probe.platform === "win32" ? ";" : ":")) await loadCertDir(one, set);
  }
  set.description = parts.join(", ");
  set.certificates = dedupe(set.certificates);
  if (set.certificates.length === 0 && set.errors.length === 0) {
    const platform = await loadPlatformRoots(probe);
    return { ...platform, origin: "platform", fellBackToPlatform: true, platform };
  }
  return { ...set, origin: "env", fellBackToPlatform: false };
}
