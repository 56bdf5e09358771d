// The JSON contract (schemaVersion 1). The human output is a view of this object.
import type { CheckResult, Status } from "../check.js";
import type { CaReport } from "../ca/loader.js";

export interface Report {
  schemaVersion: 1;
  tool: { name: "codex-doctor"; version: string };
  command: "tls";
  generatedAt: string;
  ok: boolean;
  summary: Record<Status, number>;
  ca: {
    selectedBy: "CODEX_CA_CERTIFICATE" | "SSL_CERT_FILE" | "--ca" | null;
    path: string | null;
    certificates: number;
    codexLoads: boolean;
  };
  checks: CheckResult[];
}

export function buildReport(input: {
  version: string;
  now: Date;
  ca: CaReport | null;
  checks: CheckResult[];
}): Report {
  const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of input.checks) summary[c.status]++;
  return {
    schemaVersion: 1,
    tool: { name: "codex-doctor", version: input.version },
    command: "tls",
    generatedAt: input.now.toISOString(),
    ok: summary.fail === 0,
    summary,
    ca: {
      selectedBy: input.ca?.selection.selectedBy ?? null,
      path: input.ca?.selection.path ?? null,
      certificates: input.ca?.certificateCount ?? 0,
      codexLoads: input.ca?.codexLoads ?? false,
    },
    checks: input.checks,
  };
}
