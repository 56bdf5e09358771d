// The sandbox egress proof: the doctor's version of `codex exec "curl -sI https://api.openai.com/v1/models"`.
// A child Node process gets EXACTLY the environment a sandboxed command would get (nothing inherited
// from the doctor), connects to the model endpoint through whatever proxy that environment names,
// and says whether Node (bundled roots + NODE_EXTRA_CA_CERTS) trusted the chain.
// Bounds: the child's start-up (seconds on a loaded machine or under tsx) is capped on its own; the
// probe's timeout starts only when the child says it is ready; the run's AbortSignal ends both.
// The child is killed, never left behind: on settle, on our exit, and when we die without running
// any code (SIGINT/SIGKILL) the child sees its stdin close and exits by itself.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { EgressChildReport, EgressOutcome } from "./egress-child.js";
import { EGRESS_CHILD_READY, PREBUILT_CHILD_VAR } from "./egress-protocol.js";
import { nowMs } from "../clock.js";

export type { EgressChildReport, EgressOutcome };

export interface EgressInput {
  url: string;
  /** The complete environment of the child. */
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  /** Bound on the child's start-up, before its probe begins (default STARTUP_CAP_MS). */
  startupCapMs?: number;
}

export interface EgressResult {
  /** "child-failed": no JSON line came back (crash, NODE_OPTIONS breaking node, killed at the bound). */
  outcome: EgressOutcome | "child-failed";
  report?: EgressChildReport;
  exitCode?: number | null;
  /** Node's own warnings, e.g. "Ignoring extra certs from `…`, load failed: …". */
  warnings: string[];
  /** First stderr line when the child failed (secrets are not expected there; callers still redact). */
  stderr?: string;
  durationMs: number;
}

/** Start-up (node itself, NODE_OPTIONS preloads, tsx compiling the source) until the ready line. */
export const STARTUP_CAP_MS = 20_000;
/** After the ready line the child's own timer ends the probe at timeoutMs; this covers its last write. */
const REPORT_SLACK_MS = 2000;

/** How to start the child: the compiled egress-child.js (next to this file or the bundle's cli.js), or the TS source via tsx. */
export function childArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const js = fileURLToPath(new URL("./egress-child.js", import.meta.url));
  if (existsSync(js)) return [js];
  const prebuilt = env[PREBUILT_CHILD_VAR];
  if (prebuilt && existsSync(prebuilt)) return [prebuilt];
  const ts = fileURLToPath(new URL("./egress-child.ts", import.meta.url));
  // Running from source (tests): tsx is a devDependency; the published build always has the .js.
  const loader = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(loader).href, ts];
}

/** Children still running; killed if this process exits first (process.exit, end of main). */
const live = new Set<ChildProcess>();
let exitHooked = false;
function track(child: ChildProcess): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on("exit", killLive);
  }
  live.add(child);
  child.once("exit", () => live.delete(child));
}
function killLive(): void {
  for (const child of live) child.kill("SIGKILL");
}

export async function runEgressProbe(input: EgressInput): Promise<EgressResult> {
  const started = nowMs();
  // Loaded when a probe runs: an offline run never starts a child.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    let settled = false;
    let stdout = "";
    let stderr = "";
    let ready = false;
    const startupCapMs = input.startupCapMs ?? STARTUP_CAP_MS;
    // stdin stays open and unused: the child exits when it closes, i.e. when we are gone.
    const child = spawn(process.execPath, [...childArgs(), input.url, String(input.timeoutMs)], {
      env: input.env,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    track(child);
    child.stdin.on("error", () => {
      /* EPIPE once the child is gone: nothing was to be written anyway */
    });
    const warningsOf = () =>
      stderr
        .split(/\r?\n/)
        .filter((l) => /Warning:/.test(l))
        .map((l) => l.replace(/^\(node:\d+\)\s*/, "").trim());
    const settle = (result: Omit<EgressResult, "durationMs" | "warnings">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      input.signal.removeEventListener("abort", onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      child.stdin.destroy();
      resolve({ ...result, warnings: warningsOf(), durationMs: Math.round(nowMs() - started) });
    };
    const onAbort = () => settle({ outcome: "timeout", exitCode: null });
    const notStarted = `node did not start within ${Number((startupCapMs / 1000).toFixed(1))} s`;
    let timer = setTimeout(() => settle({ outcome: "child-failed", exitCode: null, stderr: notStarted }), startupCapMs);
    input.signal.addEventListener("abort", onAbort, { once: true });
    if (input.signal.aborted) onAbort();

    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (!ready && stdout.includes(`${EGRESS_CHILD_READY}\n`)) {
        // The probe's clock starts now, however long node took to get here.
        ready = true;
        clearTimeout(timer);
        timer = setTimeout(() => settle({ outcome: "timeout", exitCode: null }), input.timeoutMs + REPORT_SLACK_MS);
      }
      if (stdout.length > 64 * 1024) stdout = stdout.slice(0, 64 * 1024);
    });
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 16 * 1024) stderr += chunk;
    });
    child.on("error", (err) => settle({ outcome: "child-failed", exitCode: null, stderr: (err as NodeJS.ErrnoException).code ?? "spawn failed" }));
    child.on("close", (code) => {
      const line = stdout.split("\n").find((l) => l.trim().startsWith("{"));
      if (line) {
        try {
          const report = JSON.parse(line) as EgressChildReport;
          settle({ outcome: report.outcome, report, exitCode: code });
          return;
        } catch {
          /* fall through: not our JSON */
        }
      }
      const firstLine = stderr.split(/\r?\n/).find((l) => l.trim() !== "" && !/Warning:/.test(l));
      settle({ outcome: "child-failed", exitCode: code, stderr: firstLine?.slice(0, 240) });
    });
  });
}
