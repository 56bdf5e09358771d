// Once per `vitest run`, in the main process before any worker starts (workers inherit its env):
// 1. A private TMPDIR for the whole run, so every temp file a test or a spawned CLI makes lands
//    there; at the end anything left in it (other than tool caches) fails the run, and the
//    directory is removed either way. Private, so parallel runs on one machine do not see each
//    other's directories.
// 2. The egress child prebuilt to one JS file: started from the TS source under tsx it takes
//    seconds on a loaded machine; tests exercise the same code, started as a plain JS file the way
//    the published build starts it (the build reaches https-proxy-agent in dist/lazy/ instead of
//    bundling it in).
// 3. `npm run fuzz` (FUZZ_RUNS set, no FUZZ_SEED): one random seed for every fuzz file, printed
//    first so a failure can be replayed with FUZZ_SEED=<seed>.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { PREBUILT_CHILD_VAR } from "../../src/net/egress-protocol.js";

/** Caches that tools (tsx) keep in TMPDIR on purpose: not test leftovers. */
const TOOL_CACHES = /^tsx-/;

export default async function setup(): Promise<() => void> {
  const root = mkdtempSync(join(tmpdir(), "codex-doctor-vitest-"));
  const tmp = join(root, "tmp");
  mkdirSync(tmp);
  const childJs = join(root, "egress-child.cjs");
  await build({
    entryPoints: [fileURLToPath(new URL("../../src/net/egress-child.ts", import.meta.url))],
    outfile: childJs,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "error",
  });
  if (process.env.FUZZ_RUNS && !process.env.FUZZ_SEED) {
    process.env.FUZZ_SEED = String(Math.floor(Math.random() * 2 ** 31));
    console.log(`fuzz: ${process.env.FUZZ_RUNS} cases, seed ${process.env.FUZZ_SEED} (replay: FUZZ_SEED=${process.env.FUZZ_SEED} npm run fuzz)`);
  }
  process.env.TMPDIR = tmp;
  process.env[PREBUILT_CHILD_VAR] = childJs;

  return () => {
    const left = readdirSync(tmp).filter((name) => !TOOL_CACHES.test(name));
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest prints a teardown error but would still exit 0: make the run fail.
      process.exitCode = 1;
      const shown = left.slice(0, 10).join(", ");
      throw new Error(`tests left ${left.length} entries in the temp directory (remove them in afterAll/afterEach): ${shown}${left.length > 10 ? ", …" : ""}`);
    }
  };
}
