#!/usr/bin/env node
// The only place that touches the real process: environment, streams, exit code.
import { homedir } from "node:os";
import { main } from "./cli.js";

// A closed pipe (`codex-doctor tls | head`) is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  process.stderr.write(`codex-doctor: cannot write the report: ${err.code ?? err.message}\n`);
  process.exit(2);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  homedir: homedir(),
  platform: process.platform,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  spinnerStream: process.stderr,
});
