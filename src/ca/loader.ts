// THE shared CA loader: which bundle Codex selects, what it makes of it, and which roots each
// Codex path ends up trusting. Every check takes its CA facts and TLS trust from here.
import type { Env, VarOrigin } from "../env.js";
import { varState, type VarState } from "../env.js";
import { readBoundedFile, type ReadFailure } from "./file.js";
import { codexErrorMessage, register, scanCodexBundle, type CodexBundleParse, type CodexLoadError } from "./codex-bundle.js";
import { sniffShape, type ShapeReport } from "./sniff.js";
import { summariseFields, type CertSummary } from "./certinfo.js";
import { surelyParsesWithOpenssl } from "./openssl-model.js";
import { certFields } from "./cert-fields.js";
import { opensslVerdicts } from "./openssl-check.js";
import { countWork } from "./work.js";
import { loadBaseRoots, loadPlatformRoots, type BaseRoots, type PlatformProbe, type RootSet } from "./native-roots.js";

export type SelectedBy = "CODEX_CA_CERTIFICATE" | "SSL_CERT_FILE" | "--ca";

export interface VarReport {
  name: string;
  state: VarState;
  value?: string;
  origin?: VarOrigin;
}

export interface CaSelection {
  selectedBy: SelectedBy | null;
  /** The variable name Codex prints in its messages ("--ca" stands in for CODEX_CA_CERTIFICATE). */
  sourceEnv: "CODEX_CA_CERTIFICATE" | "SSL_CERT_FILE" | null;
  path: string | null;
  reason: string;
  vars: VarReport[];
}

export interface BundleReport {
  path: string;
  /** Set when the file could not be read at all. */
  readFailure?: ReadFailure;
  size?: number;
  shape?: ShapeReport;
  parse?: CodexBundleParse;
  /** Summaries of the certificates Codex registers (index-aligned with parse.certificates). */
  certificates: (CertSummary | undefined)[];
  codexLoads: boolean;
  error?: CodexLoadError;
  /** Codex's exact message when it refuses the file. */
  codexMessage?: string;
}

export interface CaReport {
  selection: CaSelection;
  bundle: BundleReport | null;
  /** Whether Codex will load the selected file (true when none is selected). */
  codexLoads: boolean;
  /** Certificates Codex will add from the selected file (0 when refused or none). */
  certificateCount: number;
  baseRoots: BaseRoots;
  /** The platform store itself (what "public roots" means on this machine). */
  platformRoots: RootSet;
  /**
   * Roots Codex's HTTP and WebSocket paths trust: the base roots, then the bundle's certificates
   * (in that order; src/net/anchors.ts relies on it). When the bundle is refused, login fails
   * outright and model traffic continues with the base roots only.
   */
  trust: {
    roots: Uint8Array[];
    loginFails: boolean;
    description: string;
  };
}

export interface LoadOptions {
  env: Env;
  origins: Record<string, VarOrigin>;
  /** `--ca`: test a candidate as if CODEX_CA_CERTIFICATE pointed to it. */
  caOverride?: string;
  probe: PlatformProbe;
}

export function selectBundle(env: Env, origins: Record<string, VarOrigin>, caOverride?: string): CaSelection {
  const vars: VarReport[] = ["CODEX_CA_CERTIFICATE", "SSL_CERT_FILE", "SSL_CERT_DIR"].map((name) => ({
    name,
    state: varState(env, name),
    value: env[name],
    origin: env[name] === undefined ? undefined : origins[name],
  }));
  if (caOverride !== undefined && caOverride !== "") {
    return {
      selectedBy: "--ca",
      sourceEnv: "CODEX_CA_CERTIFICATE",
      path: caOverride,
      reason: "--ca stands in for CODEX_CA_CERTIFICATE, which wins over SSL_CERT_FILE",
      vars,
    };
  }
  // Codex: non-empty CODEX_CA_CERTIFICATE, else non-empty SSL_CERT_FILE; "" counts as unset,
  // whitespace does not (it is a real, bogus, path).
  const codex = env.CODEX_CA_CERTIFICATE;
  if (codex !== undefined && codex !== "") {
    return {
      selectedBy: "CODEX_CA_CERTIFICATE",
      sourceEnv: "CODEX_CA_CERTIFICATE",
      path: codex,
      reason: "CODEX_CA_CERTIFICATE is set and non-empty, so it wins over SSL_CERT_FILE",
      vars,
    };
  }
  const sslFile = env.SSL_CERT_FILE;
  if (sslFile !== undefined && sslFile !== "") {
    return {
      selectedBy: "SSL_CERT_FILE",
      sourceEnv: "SSL_CERT_FILE",
      path: sslFile,
      reason:
        codex === ""
          ? "CODEX_CA_CERTIFICATE is empty, which Codex treats as unset, so SSL_CERT_FILE is used"
          : "CODEX_CA_CERTIFICATE is unset, so SSL_CERT_FILE is used",
      vars,
    };
  }
  return {
    selectedBy: null,
    sourceEnv: null,
    path: null,
    reason: "neither CODEX_CA_CERTIFICATE nor SSL_CERT_FILE is set to a non-empty value: Codex uses the system roots",
    vars,
  };
}

export async function inspectBundle(path: string, sourceEnv: string): Promise<BundleReport> {
  const read = await readBoundedFile(path);
  if (!read.ok) {
    const { ok: _ok, ...failure } = read;
    // Only a real I/O error is one Codex reports. On a FIFO Codex blocks forever, and a huge file
    // is one the doctor declines to read: neither gets a (made-up) Codex message.
    if (read.problem === "not-regular" || read.problem === "too-large") {
      return { path, readFailure: failure, certificates: [], codexLoads: false };
    }
    const error: CodexLoadError = { stage: "read", detail: read.rustError };
    return {
      path,
      readFailure: failure,
      certificates: [],
      codexLoads: false,
      error,
      codexMessage: codexErrorMessage(error, path, sourceEnv),
    };
  }
  const { parse, certificates } = await parseAndSummarise(read.bytes);
  const report: BundleReport = {
    path,
    size: read.size,
    shape: sniffShape(read.bytes),
    parse,
    certificates,
    codexLoads: parse.error === undefined,
  };
  if (parse.error) {
    report.error = parse.error;
    report.codexMessage = codexErrorMessage(parse.error, path, sourceEnv);
  }
  return report;
}

/**
 * Codex's verdict on the bundle and a summary of each certificate: one DER walk per certificate
 * for the summary, and for registration an OpenSSL parse only for certificates whose shape the
 * conservative model in openssl-model.ts is not sure about (an OpenSSL parse costs about what
 * `openssl storeutl` spends per certificate).
 */
async function parseAndSummarise(bytes: Uint8Array): Promise<{ parse: CodexBundleParse; certificates: (CertSummary | undefined)[] }> {
  const parse = scanCodexBundle(bytes);
  if (parse.error) return { parse, certificates: [] };
  const ders = parse.certificates;
  // The model answers for the ordinary certificates; OpenSSL, whose first parses in a process
  // cost ~0.5 ms each (provider and decoder set-up), only for the rest.
  const sure = ders.map((der) => surelyParsesWithOpenssl(der));
  const unsure = ders.filter((_, i) => !sure[i]);
  const verdicts = await opensslVerdicts(unsure, unsure.map(() => false));
  const parses: boolean[] = [];
  let next = 0;
  for (let i = 0; i < ders.length; i++) parses.push(sure[i] || verdicts[next++].parses);
  register(parse, (i) => parses[i]);
  const certificates = ders.map((der) => {
    countWork("summary");
    const fields = certFields(der);
    return fields ? summariseFields(der, fields) : undefined;
  });
  return { parse, certificates };
}

export async function loadCa(options: LoadOptions): Promise<CaReport> {
  const selection = selectBundle(options.env, options.origins, options.caOverride);
  // The bundle, the base roots and the platform store (always reported) are read at once: each
  // file's stat waits on the thread pool while another file is parsed. One platform load serves both.
  let platformLoad: Promise<RootSet> | undefined;
  const platformStore = () => (platformLoad ??= loadPlatformRoots(options.probe));
  const [bundle, baseRoots, platformRoots] = await Promise.all([
    selection.path !== null && selection.sourceEnv !== null ? inspectBundle(selection.path, selection.sourceEnv) : null,
    loadBaseRoots(options.env, options.probe, platformStore),
    platformStore(),
  ]);
  const codexLoads = bundle === null || bundle.codexLoads;
  const added = bundle?.codexLoads ? (bundle.parse?.certificates ?? []) : [];
  const roots = [...baseRoots.certificates, ...added];
  const description =
    bundle === null
      ? `base roots (${baseRoots.description})`
      : bundle.codexLoads
        ? `base roots (${baseRoots.description}) + ${added.length} from ${selection.sourceEnv}`
        : `base roots only (${baseRoots.description}): Codex refused ${selection.sourceEnv}`;
  return {
    selection,
    bundle,
    codexLoads,
    certificateCount: added.length,
    baseRoots,
    platformRoots,
    trust: { roots, loginFails: !codexLoads, description },
  };
}
