// Runs the registry: dependency gate, offline skip, per-check timeout with abort, unexpected throws
// turned into INTERNAL_ERROR results. Checks run concurrently; results keep registry order.
import type { Check, CheckResult, Finding, FindingSpec, Status } from "./check.js";
import { makeFinding, statusFromFindings } from "./check.js";

/** Codes any check can end with, whatever its own table says. */
export const RUNNER_CODES = {
  TIMEOUT: {
    level: "error",
    message: "The {id} check did not finish within {ms} ms.",
    hint: "Something on the path is silent (a proxy or server that accepts but never answers). Re-run with a larger --timeout to tell slow from hung.",
  },
  INTERNAL_ERROR: {
    level: "error",
    message: "The {id} check crashed: {detail}",
    hint: "This is a bug in codex-doctor, not in your setup. Please report it with the --json output.",
  },
  OFFLINE: { level: "info", message: "Network checks are skipped with --offline." },
  DEPENDENCY_NOT_MET: { level: "info", message: "Skipped because the {dep} check {outcome}{causes}: fix that first, this check builds on it." },
} satisfies Record<string, FindingSpec>;
import type { CheckContext } from "./context.js";

export interface RunnerOptions {
  only?: string[];
  skip?: string[];
  offline: boolean;
  /** Hard bound for one check; network checks get their probe timeout plus slack. */
  checkTimeoutMs: number;
  onStart?: (check: Check) => void;
}

function result(check: Check, status: Status, summary: string, findings: Finding[], durationMs = 0, data = {}): CheckResult {
  return { id: check.id, title: check.title, status, summary, findings, durationMs, data };
}

class CheckTimeout extends Error {}

async function runOne(check: Check, ctx: CheckContext, timeoutMs: number): Promise<CheckResult> {
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new CheckTimeout());
      reject(new CheckTimeout());
    }, timeoutMs);
  });
  try {
    const tools = {
      signal: controller.signal,
      finding: (code: string, vars?: Record<string, string | number | undefined>) => {
        const spec = (check.codes as Record<string, (typeof check.codes)[string]>)[code];
        if (!spec) throw new Error(`check ${check.id} emitted undeclared code ${code}`);
        return makeFinding(code, spec, vars);
      },
    };
    const outcome = await Promise.race([check.run(ctx, tools), timeout]);
    const status = outcome.status ?? statusFromFindings(outcome.findings);
    return result(check, status, outcome.summary, outcome.findings, Math.round(performance.now() - started), outcome.data ?? {});
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    if (err instanceof CheckTimeout) {
      return result(check, "fail", `did not finish within ${timeoutMs} ms`, [
        makeFinding("TIMEOUT", RUNNER_CODES.TIMEOUT, { id: check.id, ms: timeoutMs }),
      ], durationMs);
    }
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return result(check, "fail", "the check crashed", [
      makeFinding("INTERNAL_ERROR", RUNNER_CODES.INTERNAL_ERROR, { id: check.id, detail }),
    ], durationMs);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export async function runChecks(checks: Check[], ctx: CheckContext, options: RunnerOptions): Promise<CheckResult[]> {
  const selected = checks.filter(
    (c) => (!options.only || options.only.includes(c.id)) && !(options.skip ?? []).includes(c.id),
  );
  const done = new Map<string, Promise<CheckResult>>();
  const launch = (check: Check): Promise<CheckResult> => {
    const existing = done.get(check.id);
    if (existing) return existing;
    const promise = (async () => {
      if (options.offline && check.network) {
        return result(check, "skip", "skipped: --offline", [makeFinding("OFFLINE", RUNNER_CODES.OFFLINE)]);
      }
      for (const dep of check.dependsOn ?? []) {
        const depCheck = selected.find((c) => c.id === dep);
        if (!depCheck) continue;
        const depResult = await launch(depCheck);
        if (depResult.status === "fail" || depResult.status === "skip") {
          // Point at the cause instead of repeating it: one verdict per cause.
          const causes = [...new Set(depResult.findings.filter((f) => f.level === "error").map((f) => f.code))];
          const see = causes.length > 0 ? ` (${causes.join(", ")})` : "";
          return result(check, "skip", `skipped: see ${dep}${see}`, [
            makeFinding("DEPENDENCY_NOT_MET", RUNNER_CODES.DEPENDENCY_NOT_MET, { dep, outcome: depResult.status === "fail" ? "failed" : "was skipped", causes: see }),
          ]);
        }
      }
      options.onStart?.(check);
      const r = await runOne(check, ctx, options.checkTimeoutMs);
      return r;
    })();
    done.set(check.id, promise);
    return promise;
  };
  return Promise.all(selected.map(launch));
}
