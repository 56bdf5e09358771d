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
import { builtinModules } from "node:module";
import { execFileSync } from "node:child_process";
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

// ---- start-up trimming: each plugin below removes work every run paid for nothing -----------

/**
 * string-width builds an `Intl.Segmenter` and compiles a `\p{RGI_Emoji}` regex when its module is
 * evaluated: ~33 ms per start (2 cores), paid by every run because yargs' help layout and ora
 * import it, although a run without --help on a pipe never measures a string. Each `string-width`
 * import becomes a CommonJS shim that requires the real module on the first call; esbuild wraps an
 * ES module reached through require() in a lazy initialiser, so its top level runs only then.
 */
function lazyStringWidth(): Plugin {
  const NS = "lazy-string-width";
  return {
    name: NS,
    setup(b) {
      b.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData === NS) return undefined; // the shim's own require: the real module
        const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: NS });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: NS };
      });
      b.onLoad({ filter: /.*/, namespace: NS }, (args) => ({
        contents: `module.exports = (...a) => require(${JSON.stringify(args.path)}).default(...a);`,
        loader: "js",
        resolveDir: repo,
      }));
    },
  };
}

/**
 * A bundled ES module that imports a Node built-in gets it through an ESM facade, which copies
 * every export at link time and so runs the built-in's lazy getters (`node:crypto` loads WebCrypto,
 * `node:process` builds `process.report`): ~10 ms per start. Here a static import of a built-in
 * is served by `require()` (the banner gives every output file one) with the built-in's plain
 * data properties as named exports (unused ones are tree-shaken); getters are left out, so
 * importing one by name fails the build instead of running it at start-up. The exports are the
 * build machine's: an API that newer Node versions add is reached with a dynamic import.
 */
/**
 * Each built-in's data properties, read in a fresh Node: in this (tsx) process some lazy getters
 * have already run and turned into data. Plus the getters cheap enough to read at start-up that
 * the code imports by name.
 */
function builtinDataProperties(): Record<string, string[]> {
  const script = `
    const eager = new Set(["fs.promises"]);
    const out = {};
    for (const name of require("node:module").builtinModules) {
      if (name.startsWith("_") || name.includes("/") && !["fs/promises", "stream/promises"].includes(name)) continue;
      let mod;
      try { mod = require(name); } catch { continue; }
      out[name] = Object.getOwnPropertyNames(mod).filter((k) =>
        /^[A-Za-z_$][\\w$]*$/.test(k) && k !== "default" &&
        ("value" in Object.getOwnPropertyDescriptor(mod, k) || eager.has(name + "." + k)));
    }
    process.stdout.write(JSON.stringify(out));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "ignore"] })) as Record<string, string[]>;
}

function builtinsViaRequire(): Plugin {
  const NS = "builtin-require";
  const names = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const plainExports = builtinDataProperties();
  return {
    name: NS,
    setup(b) {
      b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => {
        if (!names.has(args.path)) return undefined;
        if (args.kind !== "import-statement" || args.namespace === NS) return { path: args.path, external: true };
        return { path: args.path, namespace: NS };
      });
      b.onLoad({ filter: /.*/, namespace: NS }, (args) => {
        const plain = plainExports[args.path.replace(/^node:/, "")] ?? [];
        const lines = [`const m = require(${JSON.stringify(args.path)});`, "export default m;", ...plain.map((k) => `export const ${k} = m.${k};`)];
        return { contents: lines.join("\n"), loader: "js" };
      });
    },
  };
}

/**
 * yargs' factory calls `.version()` with no argument before we pass ours, which walks up from the
 * working directory reading every directory listing (escalade) for a package.json: ~5 ms, more in
 * a deep or crowded directory, for a value that is then replaced. And yargs' Node shim imports
 * `node:assert` (which loads its own colour and diff machinery) for two internal invariants.
 */
function yargsShimTrims(): Plugin {
  const NS = "yargs-shim-trims";
  const yargsShim = /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]/;
  return {
    name: NS,
    setup(b) {
      b.onResolve({ filter: /^(escalade\/sync|assert)$/ }, (args) =>
        yargsShim.test(args.importer) ? { path: args.path, namespace: NS } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: NS }, (args) => ({
        contents:
          args.path === "assert"
            ? [
                "const fail = (message) => { throw new Error(message ?? 'yargs: internal assertion failed'); };",
                "export const strictEqual = (a, b, message) => { if (a !== b) fail(message); };",
                "export const notStrictEqual = (a, b, message) => { if (a === b) fail(message); };",
              ].join("\n")
            : // No package.json above: the path yargs then fails to read is one that cannot exist.
              "export default () => '\\0no-package.json';",
        loader: "js",
      }));
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
    // A smaller file parses faster (~28% fewer bytes with short local names, ~8 ms per start).
    // Nothing shown to users depends on a function's name: errors print their message.
    // UNMINIFIED=1 keeps esbuild's "// src/…" module markers, for reading a CPU profile.
    minifyWhitespace: !process.env.UNMINIFIED,
    minifyIdentifiers: !process.env.UNMINIFIED,
    minifySyntax: !process.env.UNMINIFIED,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [inlineVersion(pkg.version), lazyStringWidth(), builtinsViaRequire(), yargsShimTrims()],
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
