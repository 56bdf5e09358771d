// Certificate lints shared by the bundle and network checks: dates, weak keys, and the
// certificate table shown with -v.
import type { CertSummary } from "./certinfo.js";
import type { Table } from "../report/model.js";

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type ValidityProblem =
  | { kind: "expired"; date: string }
  | { kind: "not-yet-valid"; date: string }
  | { kind: "expiring"; date: string; days: number };

export function validityProblems(cert: Pick<CertSummary, "notBefore" | "notAfter">, now: Date): ValidityProblem[] {
  const notBefore = new Date(cert.notBefore);
  const notAfter = new Date(cert.notAfter);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (notAfter.getTime() < now.getTime()) return [{ kind: "expired", date: day(notAfter) }];
  if (notBefore.getTime() > now.getTime()) return [{ kind: "not-yet-valid", date: day(notBefore) }];
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  return days <= EXPIRY_WARNING_DAYS ? [{ kind: "expiring", date: day(notAfter), days }] : [];
}

/** A description of the weakness, or undefined when the key is fine. */
export function isWeakKey(cert: Pick<CertSummary, "keyType" | "keyBits">): string | undefined {
  if (cert.keyType === "RSA" && cert.keyBits !== undefined && cert.keyBits < 2048) return `RSA ${cert.keyBits}`;
  return undefined;
}

function short(text: string, max = 48): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

export function certificateTable(title: string, certs: (CertSummary | undefined)[]): Table {
  return {
    title,
    columns: ["#", "subject", "issuer", "valid until", "CA", "key", "sha256"],
    rows: certs.map((c, i) =>
      c
        ? [
            String(i + 1),
            short(c.subject),
            // By name, as webpki sees it: checking 10,000 signatures just for this column would
            // cost more than loading the bundle (see certinfo.ts).
            c.selfIssued ? "(self-signed)" : short(c.issuer),
            c.notAfter.slice(0, 10),
            c.isCA ? "yes" : "no",
            c.keyBits ? `${c.keyType} ${c.keyBits}` : c.keyType,
            c.sha256.slice(0, 23) + "…",
          ]
        : [String(i + 1), "(unparseable)", "", "", "", "", ""],
    ),
  };
}
