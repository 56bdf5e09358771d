#!/usr/bin/env node
// The entry point. `--version` alone answers here, before anything else is even loaded: it is the
// call scripts make most, and it should cost little more than starting Node. Everything else is
// in process-main.ts (a dynamic import, so its modules load only now; no top-level await, as the
// bundle is CommonJS).
import { VERSION } from "./version.js";

if (process.argv.length === 3 && process.argv[2] === "--version") {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
} else {
  void import("./process-main.js");
}
