// What OpenSSL makes of each certificate: whether it parses at all (reqwest's native-tls
// registration refuses what OpenSSL cannot parse) and, when asked, whether it verifies under its
// own key. One OpenSSL parse per certificate answers both.
//
// OpenSSL 3's certificate parse costs ~0.1–0.2 ms (it decodes the public key), which is all of
// `openssl storeutl`'s time on a big bundle. Large bundles are therefore split over a few worker
// threads (bounded: at most 3, and only with more than one CPU); small ones stay on this thread.
import { X509Certificate } from "node:crypto";
import { availableParallelism } from "node:os";
import { countWork } from "./work.js";

export interface OpensslVerdict {
  parses: boolean;
  /** Only checked when asked; false otherwise. */
  selfSigned: boolean;
}

export function opensslVerdict(der: Uint8Array, checkSelfSignature: boolean): OpensslVerdict {
  countWork("opensslParse");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return { parses: false, selfSigned: false };
  }
  if (!checkSelfSignature) return { parses: true, selfSigned: false };
  try {
    return { parses: true, selfSigned: cert.verify(cert.publicKey) };
  } catch {
    return { parses: true, selfSigned: false };
  }
}

/** Below this many certificates a worker's start-up (~30 ms) costs more than it saves. */
export const PARALLEL_THRESHOLD = 1500;
const MAX_WORKERS = 3;

// Runs as CommonJS in a worker: no module graph, no loaders, nothing but node:crypto.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { X509Certificate } = require("node:crypto");
const { bytes, offsets, checkSelf } = workerData;
const out = new Uint8Array(checkSelf.length);
for (let i = 0; i < out.length; i++) {
  let cert;
  try { cert = new X509Certificate(bytes.subarray(offsets[i], offsets[i + 1])); } catch { continue; }
  out[i] = 1;
  if (checkSelf[i]) { try { if (cert.verify(cert.publicKey)) out[i] = 3; } catch {} }
}
parentPort.postMessage(out, [out.buffer]);
`;

type WorkerClass = typeof import("node:worker_threads").Worker;

function runInWorker(Worker: WorkerClass, ders: Uint8Array[], checkSelf: boolean[]): Promise<OpensslVerdict[] | undefined> {
  const offsets = new Uint32Array(ders.length + 1);
  for (let i = 0; i < ders.length; i++) offsets[i + 1] = offsets[i] + ders[i].length;
  const bytes = new Uint8Array(offsets[ders.length]);
  ders.forEach((der, i) => bytes.set(der, offsets[i]));
  const flags = Uint8Array.from(checkSelf, (b) => (b ? 1 : 0));
  return new Promise((resolve) => {
    let worker: InstanceType<typeof Worker>;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: { bytes, offsets, checkSelf: flags },
        transferList: [bytes.buffer, offsets.buffer, flags.buffer],
      });
    } catch {
      resolve(undefined);
      return;
    }
    let done = false;
    const finish = (result: OpensslVerdict[] | undefined) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    worker.once("message", (out: Uint8Array) => {
      countWork("opensslParse", out.length);
      finish(Array.from(out, (v) => ({ parses: (v & 1) !== 0, selfSigned: (v & 2) !== 0 })));
    });
    // A worker that cannot start or dies leaves its share to this thread.
    worker.once("error", () => finish(undefined));
    worker.once("exit", () => finish(undefined));
  });
}

/** Verdicts for every certificate, in order; large sets are shared with worker threads. */
export async function opensslVerdicts(ders: Uint8Array[], checkSelf: boolean[]): Promise<OpensslVerdict[]> {
  const lanes = ders.length < PARALLEL_THRESHOLD ? 1 : Math.min(MAX_WORKERS + 1, availableParallelism());
  if (lanes <= 1) return ders.map((der, i) => opensslVerdict(der, checkSelf[i]));
  // Loaded only when a set is large enough to need it, and before any work starts, so the workers
  // run while this thread does its share.
  const { Worker } = await import("node:worker_threads");
  // Contiguous shares: this thread takes the first, each worker one of the rest.
  const share = Math.ceil(ders.length / lanes);
  const pending: { start: number; result: Promise<OpensslVerdict[] | undefined> }[] = [];
  for (let start = share; start < ders.length; start += share) {
    pending.push({ start, result: runInWorker(Worker, ders.slice(start, start + share), checkSelf.slice(start, start + share)) });
  }
  const verdicts: OpensslVerdict[] = new Array(ders.length);
  for (let i = 0; i < Math.min(share, ders.length); i++) verdicts[i] = opensslVerdict(ders[i], checkSelf[i]);
  for (const { start, result } of pending) {
    const got = await result;
    const end = Math.min(start + share, ders.length);
    for (let i = start; i < end; i++) verdicts[i] = got ? got[i - start] : opensslVerdict(ders[i], checkSelf[i]);
  }
  return verdicts;
}
