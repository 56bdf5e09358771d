// "Where is the missing certificate on this machine?": look for a certificate whose SUBJECT is the
// issuer the chain needs, in the platform store, the other CA variables' files and the vendors'
// usual install paths, so the hint can name a file to point CODEX_CA_CERTIFICATE at.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { readBoundedFile } from "../ca/file.js";
import { parseCodexBundle } from "../ca/codex-bundle.js";
import { summarise } from "../ca/certinfo.js";
import { certFields } from "../ca/cert-fields.js";
import { bytesEqual } from "../ca/der.js";
import { OTHER_TOOL_CA_VARS, type Env } from "../env.js";
import { VENDORS, COMMON_CA_DIRS } from "./vendors.js";

export interface FoundCertificate {
  where: string;
  /** A file that can be given to CODEX_CA_CERTIFICATE, when there is one. */
  path?: string;
  subject: string;
  isCA: boolean;
  der: Uint8Array;
}

/** Certificates of a file Codex would LOAD as it is; a file it refuses is no fix to suggest. */
async function loadableCertsIn(path: string): Promise<Uint8Array[]> {
  const read = await readBoundedFile(path, 4 * 1024 * 1024);
  if (!read.ok) return [];
  const bundle = parseCodexBundle(read.bytes);
  return bundle.error ? [] : bundle.certificates;
}

async function filesIn(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.(pem|crt|cer)$/i.test(n)).map((n) => join(dir, n));
}

/** The summary of `der` when its subject is `subjectDer`: names are compared before anything is formatted. */
function summaryIfSubject(der: Uint8Array, subjectDer: Uint8Array) {
  const fields = certFields(der);
  return fields && bytesEqual(fields.subject, subjectDer) ? summarise(der) : undefined;
}

/** Where to look besides the platform store: the CA variables' files and the vendors' usual paths. */
export function candidateFiles(input: { env: Env; homedir: string; searchPaths?: string[] }): { path: string; where: string }[] {
  const out: { path: string; where: string }[] = [];
  for (const name of ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", ...OTHER_TOOL_CA_VARS]) {
    const value = input.env[name];
    if (value) out.push({ path: value, where: `${name} (${value})` });
  }
  const vendorPaths = input.searchPaths ?? [...VENDORS.flatMap((v) => v.paths), ...COMMON_CA_DIRS];
  for (const p of vendorPaths) out.push({ path: p.replace(/^~(?=\/)/, input.homedir), where: p });
  return out;
}

export interface LocateInput {
  platformRoots: { certificates: Uint8Array[]; description: string };
  candidates: { path: string; where: string }[];
}

export async function locateIssuer(input: LocateInput, issuerDer: Uint8Array): Promise<FoundCertificate[]> {
  const found: FoundCertificate[] = [];
  for (const der of input.platformRoots.certificates) {
    const s = summaryIfSubject(der, issuerDer);
    if (s) found.push({ where: `the system store (${input.platformRoots.description})`, subject: s.subject, isCA: s.isCA, der });
  }
  for (const candidate of input.candidates) {
    const stat = await fs.stat(candidate.path).catch(() => undefined);
    const files = stat?.isDirectory() ? await filesIn(candidate.path) : stat?.isFile() ? [candidate.path] : [];
    for (const file of files) {
      for (const der of await loadableCertsIn(file)) {
        const s = summaryIfSubject(der, issuerDer);
        if (s && !found.some((f) => f.path === file)) {
          found.push({ where: file, path: file, subject: s.subject, isCA: s.isCA, der });
        }
      }
    }
  }
  return found;
}
