// `npm run build`: the published bin is ONE esbuild bundle (dist/bin.js) holding everything a run
// needs at start-up, plus the egress probe's child (dist/egress-child.js), which src/net/egress.ts
// starts as a separate process and finds next to the bundle (`new URL("./egress-child.js",
// import.meta.url)`). One file instead of ~150 modules spread over node_modules saves most of the
// start-up time. What only some runs need is a dynamic import (undici, ws, https-proxy-agent, the
// demo's lab): esbuild splits each into a chunk under dist/chunks/, read only when the import runs.
// Measured (2 cores, --version): the same libraries kept inside bin.js as lazily evaluated
// wrappers still cost ~90 ms CPU per start under load (parsing 0.8 MB), split chunks ~20 ms;
// leaving them external (node_modules) makes the first probe resolve ~100 files instead.
// Type checking is tsc's job (`npm run typecheck`, also part of `npm run build`).
//
// Usage: tsx test/tools/build.ts [--outdir DIR]   (default: dist/ of this checkout)
import { build, type Metafile, type Plugin } from "esbuild";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const repo = resolve(new URL("../..", import.meta.url).pathname);

/** src/version.ts reads package.json at run time (from src/ or dist/); the bundle gets the value inlined. */
function inlineVersion(version: string): Plugin {
  return {
    name: "inline-version",
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, () => ({ contents: `export const VERSION = ${JSON.stringify(version)};`, loader: "ts" }));
    },
  };
}

export interface Built {
  bin: string;
  child: string;
  /** esbuild's record of which inputs went into which output, and what each output imports. */
  metafile: Metafile;
}

export async function buildBin(outdir: string): Promise<Built> {
  rmSync(outdir, { recursive: true, force: true });
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
  const result = await build({
    absWorkingDir: repo,
    metafile: true,
    entryPoints: { bin: "src/bin.ts", "egress-child": "src/net/egress-child.ts" },
    outdir,
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Whitespace and syntax only: a smaller file parses faster; names stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [inlineVersion(pkg.version)],
    // Bundled CommonJS packages (undici, ws, @peculiar/x509's helpers) call require() for Node
    // built-ins, which an ES module does not have: give every output file one.
    banner: { js: 'import { createRequire as __codexDoctorRequire } from "node:module"; const require = __codexDoctorRequire(import.meta.url);' },
  });
  // The output says it is ESM wherever it is copied (Node would otherwise try CommonJS first).
  writeFileSync(join(outdir, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
  const bin = join(outdir, "bin.js");
  chmodSync(bin, 0o755); // npx from a fresh checkout runs the file directly
  return { bin, child: join(outdir, "egress-child.js"), metafile: result.metafile };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--outdir");
  const outdir = resolve(at > 0 ? process.argv[at + 1]! : join(repo, "dist"));
  await buildBin(outdir);
}
