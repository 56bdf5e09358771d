// The presented chain as data and as a -v table: subject, issuer, validity, fingerprint per cert.
import type { PresentedChain } from "./establish.js";
import type { Table } from "../report/model.js";

export function chainData(chain: PresentedChain | undefined) {
  return (chain?.summaries ?? []).map((s, i) =>
    s
      ? { index: i, subject: s.subject, issuer: s.issuer, notBefore: s.notBefore, notAfter: s.notAfter, isCA: s.isCA, sha256: s.sha256 }
      : { index: i, subject: "(unparseable)" },
  );
}

export function chainTable(title: string, chain: PresentedChain | undefined): Table {
  return {
    title,
    columns: ["#", "subject", "issuer", "valid until", "sha256"],
    rows: (chain?.summaries ?? []).map((s, i) =>
      s ? [String(i), s.subject, s.issuer, s.notAfter.slice(0, 10), s.sha256.slice(0, 23) + "…"] : [String(i), "(unparseable)", "", "", ""],
    ),
  };
}
