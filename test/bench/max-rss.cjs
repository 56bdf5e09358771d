// Preloaded with `node -r` into a measured Node child: at exit, write the kernel's peak resident set
// (getrusage ru_maxrss, in KiB on every platform Node supports) to file descriptor 3, which the
// bench opened as a pipe. CommonJS on purpose: `-r` of a .cjs file does not start the ESM loader, so
// the baseline `node -e 0` stays the plain baseline. The bench checked this against GNU time's %M
// (wait4 rusage, measured from outside) and both agree within ~0.3 %.
"use strict";
process.on("exit", () => {
  try {
    require("node:fs").writeSync(3, String(process.resourceUsage().maxRSS));
  } catch {
    // fd 3 not open: not run by the bench; nothing to report.
  }
});
