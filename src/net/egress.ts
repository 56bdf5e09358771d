// The sandbox egress proof: the doctor's version of `codex exec "curl -sI https://api.openai.com/v1/models"`.
// A child Node process gets EXACTLY the environment a sandboxed command would get (nothing inherited
// from the doctor), connects to the model endpoint through whatever proxy that environment names,
// and says whether Node (bundled roots + NODE_EXTRA_CA_CERTS) trusted the chain. Bounded by a
// timeout and the run's AbortSignal; the child is killed, never left behind.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { EgressChildReport, EgressOutcome } from "./egress-child.js";

export type { EgressChildReport, EgressOutcome };

export interface EgressInput {
  url: string;
  /** The complete environment of the child. */
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
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

/** Extra time for the child to start: compiled JS needs ~50 ms, the TS source under tsx ~0.5 s. */
const STARTUP_SLACK_MS = { js: 1500, ts: 4000 };

/** How to start the child: the compiled egress-child.js next to this file, or the TS source via tsx. */
export function childArgs(): string[] {
  const js = fileURLToPath(new URL("./egress-child.js", import.meta.url));
  if (existsSync(js)) return [js];
  const ts = fileURLToPath(new URL("./egress-child.ts", import.meta.url));
  // Running from source (tests): tsx is a devDependency; the published build always has the .js.
  const loader = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(loader).href, ts];
}

export function runEgressProbe(input: EgressInput): Promise<EgressResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let stdout = "";
    let stderr = "";
    const args = childArgs();
    const slack = args[0] === "--import" ? STARTUP_SLACK_MS.ts : STARTUP_SLACK_MS.js;
    const child = spawn(process.execPath, [...args, input.url, String(input.timeoutMs)], {
      env: input.env,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
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
      resolve({ ...result, warnings: warningsOf(), durationMs: Math.round(performance.now() - started) });
    };
    const onAbort = () => settle({ outcome: "timeout", exitCode: null });
    const timer = setTimeout(() => settle({ outcome: "timeout", exitCode: null }), input.timeoutMs + slack);
    input.signal.addEventListener("abort", onAbort, { once: true });
    if (input.signal.aborted) onAbort();

    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
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
