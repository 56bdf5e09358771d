// The only place that touches the real process: environment, streams, signals, exit code.
import { constants, homedir } from "node:os";
import { setFlagsFromString } from "node:v8";
import { loadCli } from "./load-cli.js";

/** After a signal, how long the run may take to print what it has before the process just ends. */
const SIGNAL_GRACE_MS = 2000;
/** After the report, how long the streams may take to flush it before the process just ends. */
const EXIT_GRACE_MS = 500;

// A closed pipe (`codex-doctor tls | head`) is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  process.stderr.write(`codex-doctor: cannot write the report: ${err.code ?? err.message}\n`);
  process.exit(2);
});

// Ctrl-C / kill: stop the checks and print the report of what finished (main() returns 128+n).
// A second signal, or a run that does not wind down in time, ends the process at once.
const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  const code = 128 + constants.signals[signal];
  if (interrupt.signal.aborted) process.exit(code);
  interrupt.abort(signal);
  setTimeout(() => process.exit(code), SIGNAL_GRACE_MS).unref();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

/**
 * V8 doubles its young generation (up to 2 × 16 MiB) whenever objects are allocated briskly, as
 * they are while a 10,000-certificate bundle is parsed: for a process that lives a second, that is
 * ~24 MiB of peak RSS with no measured gain in time (npm run bench). Growth is turned off only now
 * that the CLI is compiled: V8 refuses a code cache made under other flags. (A plain numeric flag
 * V8 reads each time it would grow the space; --max-semi-space-size, by contrast, is read once.)
 * Only on Node 20, where it was measured: V8 prints an error to stderr for a flag it no longer has.
 */
function keepYoungGenerationSmall(): void {
  if (process.versions.node.split(".")[0] === "20") setFlagsFromString("--semi-space-growth-factor=1");
}

void loadCli()
  .then(({ main }) => {
    keepYoungGenerationSmall();
    return main(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      homedir: homedir(),
      platform: process.platform,
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      spinnerStream: process.stderr,
      interrupt: interrupt.signal,
    });
  })
  .then((code) => {
    process.exitCode = code;
    // The report is written: exit once both streams have flushed it (a pipe is asynchronous on
    // macOS). Nothing left running (a probe that lost the race, a read that never returns) is
    // waited for, and neither is Node's own teardown, which also waits for whatever V8 is still
    // optimising on another thread: ~10 ms of an offline run. The timer is the backstop for a
    // stream that never reports back.
    let unflushed = 2;
    const flushed = () => {
      if (--unflushed === 0) process.exit(code);
    };
    process.stdout.write("", flushed);
    process.stderr.write("", flushed);
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  });
