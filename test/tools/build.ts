// `npm run build`: the published bin is a few CommonJS bundles made by esbuild.
//   dist/bin.js           the entry: answers --version itself, else loads the CLI (src/bin.ts)
//   dist/cli.js           everything a run needs at start-up (src/cli.ts, the checks, yargs, ...)
//   dist/cli.cache        V8's code cache for cli.js, recorded by a training run at build time
//                         (src/code-cache.ts): the CLI starts without being parsed and compiled
//   dist/egress-child.js  the sandbox egress probe's child process (src/net/egress.ts finds it
//                         next to cli.js)
//   dist/lazy/*.js        what only some runs need (undici, ws, https-proxy-agent, ora, the demo's
//                         lab), each its own bundle, required when the import that needs it runs
// CommonJS, not ES modules: Node 20 has no code cache for ES modules, and its ESM loader alone
// costs ~10 ms per start (2 cores). One file per part instead of ~150 modules spread over
// node_modules saves most of the rest. Type checking is tsc's job (`npm run typecheck`).
//
// Usage: tsx test/tools/build.ts [--outdir DIR]   (default: dist/ of this checkout)
import { build, type Metafile, type Plugin } from "esbuild";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
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
            : // No package.json found: yargs' own assertion then ends the lookup (a cheap Error, where
              // reading a made-up path built a Node error with an inspected argument).
              "export default () => undefined;",
        loader: "js",
      }));
    },
  };
}

// ---- the split into bundles ------------------------------------------------------------------

/** What only some runs need: each becomes dist/lazy/<name>.js. */
const LAZY_ENTRIES: Record<string, string> = {
  undici: "undici",
  ws: "ws",
  "https-proxy-agent": "https-proxy-agent",
  ora: "ora",
  lab: "src/lab/index.ts",
};
const LAB = realpathSync(join(repo, "src", "lab", "index.ts"));

/**
 * An import of a lazy part becomes a small module that requires its bundle from dist/lazy/ (so the
 * file is read only when the import runs; esbuild evaluates a dynamically imported module on first
 * use). The shim gives the importer what Node's own import would: a CommonJS package is its
 * `module.exports`; an ES module's exports are re-exported by name, `default` included.
 */
function lazyParts(exportsOf: Record<string, string[]>): Plugin {
  const NS = "lazy-part";
  return {
    name: NS,
    setup(b) {
      b.onResolve({ filter: /^(undici|ws|https-proxy-agent|ora)$/ }, (args) => ({ path: args.path, namespace: NS }));
      b.onResolve({ filter: /[\\/]lab[\\/]index\.js$/ }, (args) => {
        const target = resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
        return existsSync(target) && realpathSync(target) === LAB ? { path: "lab", namespace: NS } : undefined;
      });
      // The shims' own requires stay requires, read from dist/lazy/ at run time.
      b.onResolve({ filter: /^\.\/lazy\//, namespace: NS }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: NS }, (args) => {
        const file = JSON.stringify(`./lazy/${args.path}.js`);
        const names = exportsOf[args.path] ?? [];
        const contents =
          names.length === 0
            ? `module.exports = require(${file});`
            : [`const m = require(${file});`, ...names.map((n) => (n === "default" ? "export default m.default;" : `export const ${n} = m.${n};`))].join("\n");
        return { contents, loader: "js", resolveDir: repo };
      });
    },
  };
}

/**
 * esbuild leaves `import("node:tls")` as it is in CommonJS output, and code compiled through
 * vm.Script (src/code-cache.ts) has no dynamic import. A built-in reached by a dynamic import is
 * required instead, when the import runs.
 */
function builtinDynamicImports(): Plugin {
  const NS = "builtin-dynamic-import";
  const names = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  return {
    name: NS,
    setup(b) {
      b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) => (args.kind === "dynamic-import" && names.has(args.path) ? { path: args.path, namespace: NS } : undefined));
      b.onLoad({ filter: /.*/, namespace: NS }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
    },
  };
}

/** bin.js loads the CLI through the code cache (src/load-cli.bundled.ts), not the source's plain import. */
function bundledCliLoader(): Plugin {
  return {
    name: "bundled-cli-loader",
    setup(b) {
      b.onResolve({ filter: /^\.\/load-cli\.js$/ }, () => ({ path: join(repo, "src", "load-cli.bundled.ts") }));
    },
  };
}

/** esbuild turns `import.meta` into `{}` in CommonJS output: give `import.meta.url` the file's real URL. */
const IMPORT_META_URL = "__codexDoctorFileUrl";
// "use strict" first: a directive counts only at the very top, and the code was written for (and is
// tested as) ES modules, which are always strict; esbuild's own directive comes after the banner.
const IMPORT_META_BANNER = `"use strict"; var ${IMPORT_META_URL} = require("node:url").pathToFileURL(__filename).href;`;

const minify = !process.env.UNMINIFIED;
const COMMON = {
  absWorkingDir: repo,
  metafile: true,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // A smaller file reads and (without a cache) parses faster. Nothing shown to users depends on a
  // function's name: errors print their message. UNMINIFIED=1 keeps esbuild's "// src/…" module
  // markers, for reading a CPU profile.
  minifyWhitespace: minify,
  minifyIdentifiers: minify,
  minifySyntax: minify,
  legalComments: "eof",
  logLevel: "warning",
  define: { "import.meta.url": IMPORT_META_URL },
  banner: { js: IMPORT_META_BANNER },
} as const;

/**
 * The training run: the built CLI, compiled by the same code bin.js uses, runs an offline check
 * twice (JSON, then the human report) against a small bundle, and then records the code cache,
 * which now holds every function those runs compiled. In a child Node with no flags, as users run
 * it: V8 refuses a cache made under other flags.
 */
async function recordCodeCache(outdir: string): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "codex-doctor-build-"));
  try {
    await build({ ...COMMON, entryPoints: { train: "test/tools/train-code-cache.ts" }, outdir: scratch, logLevel: "error" });
    const bundle = join(scratch, "bundle.pem");
    writeFileSync(bundle, ["root.pem", "expired.pem"].map((f) => readFileSync(join(repo, "fixtures", "pem", f), "utf8")).join(""));
    const home = join(scratch, "home");
    mkdirSync(join(home, ".codex"), { recursive: true });
    execFileSync(process.execPath, [join(scratch, "train.js"), outdir], {
      env: { PATH: process.env.PATH ?? "", HOME: home, CODEX_HOME: join(home, ".codex"), CODEX_CA_CERTIFICATE: bundle },
      stdio: ["ignore", "ignore", "inherit"],
      timeout: 60_000,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The export names of each lazy part whose entry is an ES module (its shim re-exports them); none
 * for a CommonJS entry. esbuild lists exports only for ESM output, hence a second, unwritten build.
 */
async function esmExportNames(lazy: Metafile): Promise<Record<string, string[]>> {
  const esm = await build({ ...COMMON, format: "esm", banner: {}, entryPoints: LAZY_ENTRIES, outdir: "/lazy-exports", write: false });
  const names: Record<string, string[]> = {};
  for (const [file, output] of Object.entries(esm.metafile.outputs)) {
    const name = /([^\\/]+)\.js$/.exec(file)?.[1];
    if (name && output.entryPoint && lazy.inputs[output.entryPoint]?.format === "esm") names[name] = output.exports;
  }
  return names;
}

export interface Built {
  bin: string;
  child: string;
  /** esbuild's record of which inputs went into which output (main and lazy bundles). */
  metafile: Metafile;
}

export async function buildBin(outdir: string): Promise<Built> {
  rmSync(outdir, { recursive: true, force: true });
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
  const lazy = await build({ ...COMMON, entryPoints: LAZY_ENTRIES, outdir: join(outdir, "lazy"), plugins: [lazyStringWidth()] });
  const exportsOf = await esmExportNames(lazy.metafile);
  const main = await build({
    ...COMMON,
    entryPoints: { bin: "src/bin.ts", cli: "src/cli.ts", "egress-child": "src/net/egress-child.ts" },
    outdir,
    plugins: [inlineVersion(pkg.version), bundledCliLoader(), lazyStringWidth(), yargsShimTrims(), builtinDynamicImports(), lazyParts(exportsOf)],
  });
  // The output says it is CommonJS wherever it is copied (the repo's package.json says "module").
  writeFileSync(join(outdir, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  const bin = join(outdir, "bin.js");
  chmodSync(bin, 0o755); // npx from a fresh checkout runs the file directly
  await recordCodeCache(outdir);
  const metafile: Metafile = {
    inputs: { ...lazy.metafile.inputs, ...main.metafile.inputs },
    outputs: { ...lazy.metafile.outputs, ...main.metafile.outputs },
  };
  return { bin, child: join(outdir, "egress-child.js"), metafile };
}
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf("--outdir");
  const outdir = resolve(at > 0 ? process.argv[at + 1]! : join(repo, "dist"));
  await buildBin(outdir);
}
