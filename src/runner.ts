// Runs the registry: dependency gate, offline skip, per-check timeout with abort (bounded by the
// run's deadline and the user's interrupt), unexpected throws turned into INTERNAL_ERROR results,
// facts that were not gathered in time turned into FACT_TIMEOUT. Checks run concurrently; results
// keep registry order.
import type { Check, CheckResult, Finding, FindingSpec, Status, Vars } from "./check.js";
import { makeFinding, statusFromFindings } from "./check.js";
import { nowMs } from "./clock.js";

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
  FACT_TIMEOUT: {
    level: "error",
    message: "The {id} check needs {fact}, which codex-doctor could not read within {ms} ms.",
    hint: "Reading it is blocked or very slow (a huge file or directory, a hung network file system, a device): check the path named above, or re-run with a larger --timeout (the whole run gets 5 × --timeout + 2 s).",
  },
  INTERRUPTED: { level: "info", message: "The {id} check was stopped by {signal} before it finished." },
  OFFLINE: { level: "info", message: "Network checks are skipped with --offline." },
  DEPENDENCY_NOT_MET: { level: "info", message: "Skipped because the {dep} check {outcome}{causes}: fix that first, this check builds on it." },
} satisfies Record<string, FindingSpec>;
import { FactUnavailable, factOrUndefined, type CheckContext } from "./context.js";
import { redactText, secretsFrom, secretsOf } from "./report/redact.js";
import type { RunLimit } from "./run-limit.js";

export interface RunnerOptions {
  only?: string[];
  skip?: string[];
  offline: boolean;
  /** Hard bound for one check; network checks get their probe timeout plus slack. */
  checkTimeoutMs: number;
  /** The run's deadline and interrupt: no check outlives either. */
  limit?: RunLimit;
  onStart?: (check: Check) => void;
}

function result(check: Check, status: Status, summary: string, findings: Finding[], durationMs = 0, data = {}): CheckResult {
  return { id: check.id, title: check.title, status, summary, findings, durationMs, data };
}

class CheckTimeout extends Error {}
class CheckInterrupted extends Error {
  constructor(readonly signal: string) {
    super(signal);
  }
}

function interrupted(check: Check, signal: string): CheckResult {
  return result(check, "skip", `stopped by ${signal}`, [
    makeFinding("INTERRUPTED", RUNNER_CODES.INTERRUPTED, { id: check.id, signal }),
  ]);
}

/**
 * The context as one check sees it: reading a fact that was not gathered in time throws (see
 * buildContext) and is remembered, so the check's result says FACT_TIMEOUT even if it caught that.
 */
function watchedContext(ctx: CheckContext, touched: Map<string, { fact: string; ms: number }>): CheckContext {
  const unavailable = ctx.unavailable;
  if (!unavailable || unavailable.size === 0) return ctx;
  return new Proxy(ctx, {
    get(target, key, receiver) {
      const missing = typeof key === "string" ? unavailable.get(key) : undefined;
      if (missing) touched.set(missing.fact, missing);
      return Reflect.get(target, key, receiver);
    },
  });
}

const secretsByRun = new WeakMap<CheckContext, string[]>();

/** Every secret this run knows (environment, .env, --proxy), longest first. */
function runSecrets(ctx: CheckContext): string[] {
  let secrets = secretsByRun.get(ctx);
  if (!secrets) {
    const all = new Set<string>([...secretsFrom(ctx.shellEnv), ...secretsFrom(factOrUndefined(ctx, "env") ?? {})]);
    if (ctx.options.proxy) for (const s of secretsOf("HTTPS_PROXY", ctx.options.proxy)) all.add(s);
    secrets = [...all].filter((s) => s !== "").sort((a, b) => b.length - a.length);
    secretsByRun.set(ctx, secrets);
  }
  return secrets;
}

/**
 * Secrets leave a finding's values before they are escaped and cut to length: afterwards a long
 * or control-character-laden secret no longer matches, and part of it would survive redaction.
 */
function redactVars(vars: Vars, secrets: string[]): Vars {
  const out: Vars = {};
  for (const [name, value] of Object.entries(vars)) out[name] = typeof value === "string" ? redactText(value, secrets) : value;
  return out;
}

async function runOne(check: Check, ctx: CheckContext, checkTimeoutMs: number, limit?: RunLimit): Promise<CheckResult> {
  const controller = new AbortController();
  const started = nowMs();
  const timeoutMs = limit ? Math.min(checkTimeoutMs, limit.remainingMs()) : checkTimeoutMs;
  const touched = new Map<string, { fact: string; ms: number }>();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new CheckTimeout());
      reject(new CheckTimeout());
    }, timeoutMs);
  });
  let onInterrupt: (() => void) | undefined;
  const interrupt = new Promise<never>((_, reject) => {
    if (!limit) return;
    onInterrupt = () => {
      const signal = limit.interruptedBy() ?? "SIGINT";
      controller.abort(new CheckInterrupted(signal));
      reject(new CheckInterrupted(signal));
    };
    limit.onInterrupt(onInterrupt);
  });
  try {
    const tools = {
      signal: controller.signal,
      finding: (code: string, vars?: Record<string, string | number | undefined>) => {
        const spec = (check.codes as Record<string, (typeof check.codes)[string]>)[code];
        if (!spec) throw new Error(`check ${check.id} emitted undeclared code ${code}`);
        return makeFinding(code, spec, vars && redactVars(vars, runSecrets(ctx)));
      },
    };
    const outcome = await Promise.race([check.run(watchedContext(ctx, touched), tools), timeout, interrupt]);
    if (touched.size > 0) return factTimeout(check, touched, started);
    const status = outcome.status ?? statusFromFindings(outcome.findings);
    return result(check, status, outcome.summary, outcome.findings, Math.round(nowMs() - started), outcome.data ?? {});
  } catch (err) {
    const durationMs = Math.round(nowMs() - started);
    if (err instanceof CheckInterrupted) return { ...interrupted(check, err.signal), durationMs };
    if (touched.size > 0 || err instanceof FactUnavailable) {
      if (err instanceof FactUnavailable) touched.set(err.missing.fact, err.missing);
      return factTimeout(check, touched, started);
    }
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
    if (onInterrupt) limit?.offInterrupt(onInterrupt);
    controller.abort();
  }
}

function factTimeout(check: Check, touched: Map<string, { fact: string; ms: number }>, started: number): CheckResult {
  const findings = [...touched.values()].map(({ fact, ms }) =>
    makeFinding("FACT_TIMEOUT", RUNNER_CODES.FACT_TIMEOUT, { id: check.id, fact, ms }),
  );
  return result(check, "fail", "its facts were not read in time", findings, Math.round(nowMs() - started));
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
        // Stopped by the user, not by its dependency's verdict: say so.
        const stoppedBy = options.limit?.interruptedBy();
        if (stoppedBy && depResult.findings.some((f) => f.code === "INTERRUPTED")) return interrupted(check, stoppedBy);
        if (depResult.status === "fail" || depResult.status === "skip") {
          // Point at the cause instead of repeating it: one verdict per cause.
          const causes = [...new Set(depResult.findings.filter((f) => f.level === "error").map((f) => f.code))];
          const see = causes.length > 0 ? ` (${causes.join(", ")})` : "";
          return result(check, "skip", `skipped: see ${dep}${see}`, [
            makeFinding("DEPENDENCY_NOT_MET", RUNNER_CODES.DEPENDENCY_NOT_MET, { dep, outcome: depResult.status === "fail" ? "failed" : "was skipped", causes: see }),
          ]);
        }
      }
      const stoppedBy = options.limit?.interruptedBy();
      if (stoppedBy) return interrupted(check, stoppedBy);
      options.onStart?.(check);
      return runOne(check, ctx, options.checkTimeoutMs, options.limit);
    })();
    done.set(check.id, promise);
    return promise;
  };
  return Promise.all(selected.map(launch));
}
