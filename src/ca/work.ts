// Counters of the expensive steps of loading certificates, so tests can assert that the work is
// linear in the number of certificates (one OpenSSL parse, one DER walk each), not just fast.
export type WorkKind = "opensslParse" | "summary" | "anchor" | "name";

const counts: Record<WorkKind, number> = { opensslParse: 0, summary: 0, anchor: 0, name: 0 };

export function countWork(kind: WorkKind, n = 1): void {
  counts[kind] += n;
}

/** A snapshot of the counters (they only grow; tests compare two snapshots). */
export function workCounts(): Record<WorkKind, number> {
  return { ...counts };
}
