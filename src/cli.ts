// `codex-doctor tls|demo|export-ca [options]`. main() parses, gathers, runs, renders and RETURNS
// the exit code: 0 nothing failed; 1 a check failed (or warned, with --strict); 2 usage error /
// could not run; 128 + the signal's number when the user interrupted `tls` (the report then shows
// what finished).
import { promises as fs } from "node:fs";
import { constants } from "node:os";
import yargs from "yargs";
import type { Env } from "./env.js";
import { buildContext, factOrUndefined, type RunOptions, type SystemInput } from "./context.js";
import { runChecks } from "./runner.js";
import { RunLimit, runBudgetMs } from "./run-limit.js";
import { buildReport, type Report } from "./report/model.js";
import { renderHuman } from "./report/human.js";
import { renderJson } from "./report/json.js";
import { renderMarkdown } from "./report/markdown.js";
import { defaultShell, hintForShell, type ShellKind } from "./shell-forms.js";
import { shellQuote } from "./shell.js";
import { redactDeep, redactText, secretsFrom, secretsOf } from "./report/redact.js";
import { neutralise } from "./echo.js";
import { startProgress } from "./report/progress.js";
import { CHECKS } from "../checks/index.js";
import { VERSION } from "./version.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Env;
  homedir: string;
  platform: NodeJS.Platform;
  /** Whether stdout/stderr are terminals (colour, spinner). */
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Where the spinner draws (the real stderr in the bin); no stream, no spinner. */
  spinnerStream?: NodeJS.WritableStream;
  now?: () => Date;
  linuxBundleCandidates?: string[];
  /** Where to look for a missing CA on disk (tests; default: the vendors' usual paths). */
  searchPaths?: string[];
  /** Aborted with the signal's name ("SIGINT") when the user interrupts: stop, report what finished. */
  interrupt?: AbortSignal;
  /** Tests shorten the run's time budget (default: runBudgetMs(--timeout)). */
  runBudgetMs?: number;
}

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** Ten minutes: beyond that a probe is not "slow", and Node timers overflow past 2^31 ms. */
const MAX_TIMEOUT_MS = 600_000;

const DEFAULT_TIMEOUT_MS = 10_000;

/** Every option in one typed table: the README's flag list is checked against it. */
export const OPTIONS = {
  json: { type: "boolean", default: false, describe: "Print exactly one JSON report on stdout" },
  verbose: { alias: "v", type: "boolean", default: false, describe: "Show certificate tables, info findings and timings" },
  offline: { type: "boolean", default: false, describe: "Run only the local checks (no network traffic)" },
  only: { type: "string", array: true, describe: "Run only these check ids" },
  skip: { type: "string", array: true, describe: "Skip these check ids" },
  ca: { type: "string", describe: "Test a candidate bundle as if CODEX_CA_CERTIFICATE pointed to it" },
  "codex-home": { type: "string", describe: "Codex home (default: $CODEX_HOME, else ~/.codex)" },
  // No yargs default: a valueless `--timeout` must stay visible (undefined) to be refused.
  timeout: { type: "number", defaultDescription: String(DEFAULT_TIMEOUT_MS), describe: "Timeout per network probe, in ms (the whole run ends within 5× this + 2 s)" },
  target: { type: "string", array: true, describe: "Probe this URL instead of the default endpoints (repeatable)" },
  proxy: { type: "string", describe: "Use this proxy URL instead of the one from the environment" },
  strict: { type: "boolean", default: false, describe: "Treat warnings as failures (exit 1)" },
  color: { type: "boolean", default: true, describe: "Colour output (--no-color, or NO_COLOR, turns it off)" },
  format: { type: "string", choices: ["human", "json", "markdown"], describe: "Report format (--json is --format json; markdown is for a helpdesk ticket)" },
  output: { type: "string", describe: "Write the report to this file instead of stdout" },
  shell: { type: "string", choices: ["posix", "powershell"], describe: "Write fixes for this shell (default: PowerShell on Windows, else POSIX)" },
  out: { type: "string", describe: "export-ca: the PEM file to write" },
  force: { type: "boolean", default: false, describe: "export-ca: replace an existing --out file" },
  "with-system-roots": { type: "boolean", default: false, describe: "export-ca: write the system roots plus the proxy's CA (a bundle for SSL_CERT_FILE)" },
} as const;

const COMMANDS = ["tls", "demo", "export-ca"] as const;
type Command = (typeof COMMANDS)[number];

interface ParsedArgs {
  json: boolean;
  verbose: boolean;
  offline: boolean;
  only?: string[];
  skip?: string[];
  ca?: string;
  "codex-home"?: string;
  timeout?: number;
  target?: string[];
  proxy?: string;
  strict: boolean;
  color: boolean;
  format?: "human" | "json" | "markdown";
  output?: string;
  shell?: ShellKind;
  out?: string;
  force: boolean;
  "with-system-roots": boolean;
  _: (string | number)[];
}

/** What each valued option takes, for the usage error when it is given without one. */
const VALUE_OF: Record<string, string> = {
  only: "a check id",
  skip: "a check id",
  ca: "the path of a PEM bundle",
  "codex-home": "a directory",
  timeout: "a number of milliseconds",
  target: "an https:// or wss:// URL",
  proxy: "a proxy URL such as http://proxy.example:8080",
  format: "human, json or markdown",
  output: "a file name",
  shell: "posix or powershell",
  out: "a file name",
};

/**
 * yargs hands a repeated single-valued option over as an array and a valueless one as "" (or
 * undefined, or an empty array for the repeatable ones); all would reach the checks as nonsense.
 */
function checkValues(args: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(OPTIONS)) {
    if (!(name in args) || spec.type === "boolean") continue;
    const value = args[name];
    if (value === undefined) throw new Error(`--${name} needs a value: ${VALUE_OF[name]}.`);
    const repeatable = "array" in spec && spec.array;
    if (!repeatable && Array.isArray(value)) {
      throw new Error(`--${name} was given ${value.length} times; it takes one value (${VALUE_OF[name]}).`);
    }
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0 || values.some((v) => v === "" || (typeof v === "number" && Number.isNaN(v)))) {
      throw new Error(`--${name} needs a value: ${VALUE_OF[name]}.`);
    }
  }
}

type ParseOutcome = { kind: "run"; args: ParsedArgs } | { kind: "output"; text: string } | { kind: "usage"; message: string };

function parseArgs(argv: string[]): Promise<ParseOutcome> {
  const knownIds = CHECKS.map((c) => c.id);
  const helpWanted = argv.includes("--help") || argv.includes("-h");
  const parser = yargs()
    .scriptName("codex-doctor")
    .usage("$0 <command> [options]\n\nFind why the OpenAI Codex CLI fails behind a TLS-inspecting proxy, and print the fix.");
  // yargs lays out (and caches) the whole help text after running any registered command: ~15 ms
  // of string measuring per run. The commands are listed only for --help; check() below validates
  // the command word either way.
  if (helpWanted) {
    parser
      .command("tls", "Diagnose Codex's CA bundle, environment, proxy and TLS trust")
      .command("demo", "Watch the doctor find a TLS-inspecting proxy (an in-process lab on 127.0.0.1) and its fix")
      .command("export-ca", "Capture the proxy's CA on Codex's route, check it, and write it as PEM (--out FILE)");
  }
  parser
    // Without registered commands, strict mode would call every word an unknown argument.
    .demandCommand(0, Number.POSITIVE_INFINITY)
    .options(OPTIONS)
    .example("$0 tls", "diagnose this machine")
    .example("$0 tls --format markdown --output ticket.md", "a redacted report to attach to a helpdesk ticket")
    .example("$0 tls --offline --json", "a CI preflight: the local checks only, one JSON document")
    .example("$0 export-ca --out ~/corp-root.pem", "write the proxy's root CA, then point CODEX_CA_CERTIFICATE at it")
    .example("$0 demo", "see it work without a corporate network")
    .epilogue(
      [
        `Checks (for --only/--skip): ${CHECKS.map((c) => c.id).join(", ")}.`,
        "Exit codes: 0 nothing failed; 1 a check failed (or warned, with --strict); 2 usage error, or the doctor could not run.",
        "Every finding code and its fix: checks/README.md.",
      ].join("\n"),
    )
    .check((args) => {
      if (args.help || args.version) return true;
      if (args._.length === 0) throw new Error("Missing command: run `codex-doctor tls` (or `demo`, `export-ca`).");
      const command = String(args._[0]);
      if (!(COMMANDS as readonly string[]).includes(command)) throw new Error(`Unknown command "${command}": the commands are ${COMMANDS.join(", ")}.`);
      checkValues(args);
      if (command === "export-ca" && (typeof args.out !== "string" || args.out === "")) throw new Error("export-ca needs --out FILE (where to write the CA).");
      if (command !== "export-ca" && (args.out !== undefined || args.force || args["with-system-roots"])) {
        throw new Error("--out, --force and --with-system-roots belong to export-ca.");
      }
      if (args.json && args.format !== undefined && args.format !== "json") throw new Error(`--json contradicts --format ${String(args.format)}.`);
      if (args.output === "") throw new Error("--output needs a file name.");
      if (args._.length > 1) throw new Error(`Unexpected argument "${args._[1]}".`);
      for (const list of [args.only, args.skip]) {
        for (const id of (list as string[] | undefined) ?? []) {
          if (!knownIds.includes(id)) throw new Error(`Unknown check id "${id}". Known: ${knownIds.join(", ")}.`);
        }
      }
      const timeout = args.timeout as number | undefined;
      if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MS)) {
        throw new Error(`--timeout takes a number of milliseconds between 1 and ${MAX_TIMEOUT_MS}.`);
      }
      for (const t of (args.target as string[] | undefined) ?? []) {
        let url: URL;
        try {
          url = new URL(t);
        } catch {
          throw new Error(`--target "${t}" is not a URL.`);
        }
        if (!["https:", "wss:"].includes(url.protocol)) throw new Error(`--target "${t}" must be an https:// or wss:// URL.`);
      }
      return true;
    })
    .strict()
    .help()
    .alias("h", "help")
    .version(VERSION)
    .exitProcess(false)
    // Laying out help text costs ~50 ms of string-width work; only pay it when help is shown.
    .wrap(helpWanted ? 100 : null);

  return new Promise((resolve) => {
    parser.parse(argv, {}, (err: Error | undefined, args: unknown, output: string) => {
      if (err) {
        resolve({ kind: "usage", message: err.message.split("\n")[0] });
        return;
      }
      const a = args as ParsedArgs & { help?: boolean; version?: boolean };
      if (output && (a.help || a.version || argv.includes("--help") || argv.includes("-h") || argv.includes("--version"))) {
        resolve({ kind: "output", text: output });
        return;
      }
      resolve({ kind: "run", args: a });
    });
  });
}

function colorEnabled(args: ParsedArgs, io: CliIo): boolean {
  if (!args.color) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return io.stdoutIsTTY;
}

/** Passwords typed on the command line (--proxy http://user:pass@…, a --target with userinfo). */
function argvSecrets(argv: string[]): string[] {
  return argv.flatMap((arg) => secretsOf("HTTPS_PROXY", arg.replace(/^--[\w-]+=/, "")));
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const parsed = await parseArgs(argv);
  if (parsed.kind === "output") {
    io.stdout(parsed.text.endsWith("\n") ? parsed.text : parsed.text + "\n");
    return EXIT.OK;
  }
  if (parsed.kind === "usage") {
    // The message may quote the user's arguments (a URL with a password, control characters).
    const safe = neutralise(redactText(parsed.message, [...secretsFrom(io.env), ...argvSecrets(argv)]));
    io.stderr(`codex-doctor: ${safe}\nRun \`codex-doctor --help\` for usage.\n`);
    return EXIT.USAGE;
  }
  const args = parsed.args;
  const command = String(args._[0]) as Command;
  if (command === "demo") return runDemoCommand(args, io);
  if (command === "export-ca") return runExportCommand(argv, args, io);
  return runTls(argv, args, io);
}

/** The run options and system facts every command gathers its context from. */
function runInputs(args: ParsedArgs, io: CliIo): { options: RunOptions; system: SystemInput } {
  const now = io.now ?? (() => new Date());
  const options: RunOptions = {
    offline: args.offline,
    verbose: args.verbose,
    strict: args.strict,
    timeoutMs: args.timeout ?? DEFAULT_TIMEOUT_MS,
    ca: args.ca,
    codexHome: args["codex-home"],
    targets: args.target ?? [],
    proxy: args.proxy,
  };
  const system: SystemInput = {
    env: io.env,
    homedir: io.homedir,
    platform: io.platform,
    now: now(),
    linuxBundleCandidates: io.linuxBundleCandidates,
    searchPaths: io.searchPaths,
  };
  return { options, system };
}

async function runTls(argv: string[], args: ParsedArgs, io: CliIo): Promise<number> {
  const { options, system } = runInputs(args, io);
  const secrets = [...secretsFrom(io.env), ...argvSecrets(argv)];
  const limit = new RunLimit(io.runBudgetMs ?? runBudgetMs(options.timeoutMs), io.interrupt);
  const progress = await startProgress({ enabled: !args.json && io.stderrIsTTY, stream: io.spinnerStream });

  let report: Report;
  let exit: number;
  try {
    const ctx = await buildContext(options, system, limit);
    for (const s of secretsFrom(factOrUndefined(ctx, "env") ?? {})) if (!secrets.includes(s)) secrets.push(s);
    const results = await runChecks(CHECKS, ctx, {
      only: args.only,
      skip: args.skip,
      offline: args.offline,
      checkTimeoutMs: limit.budgetMs,
      limit,
      onStart: (check) => progress.update(check.title),
    });
    report = buildReport({ version: VERSION, now: system.now, ca: factOrUndefined(ctx, "ca") ?? null, checks: results, strict: args.strict });
    exit = report.exitCode;
  } catch (err) {
    // The tool itself could not run: still one well-formed report, ok:false, exit 2.
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    report = buildReport({
      version: VERSION,
      now: system.now,
      crashed: true,
      ca: null,
      checks: [
        {
          id: "doctor",
          title: "codex-doctor itself",
          status: "fail",
          summary: "codex-doctor could not gather its facts",
          findings: [
            {
              level: "error",
              code: "INTERNAL_ERROR",
              message: `codex-doctor crashed while gathering facts: ${detail}`,
              hint: "This is a bug in codex-doctor. Please report it with this output.",
            },
          ],
          durationMs: 0,
          data: {},
        },
      ],
    });
    exit = EXIT.USAGE;
  } finally {
    progress.stop();
  }
  const signal = limit.interruptedBy();
  if (signal) {
    exit = 128 + (constants.signals[signal as NodeJS.Signals] ?? constants.signals.SIGINT);
    report = { ...report, exitCode: exit };
  }
  const shell = args.shell ?? defaultShell(io.platform);
  const safe = forShell(redactDeep(report, secrets), shell);
  const format = args.json ? "json" : (args.format ?? "human");
  const commandLine = redactText(["codex-doctor", ...argv].map(shellQuote).join(" "), secrets);
  const text =
    format === "json"
      ? renderJson(safe)
      : format === "markdown"
        ? renderMarkdown(safe, { commandLine })
        : renderHuman(safe, { color: args.output === undefined && colorEnabled(args, io), verbose: args.verbose });
  if (args.output === undefined) {
    io.stdout(text);
    return exit;
  }
  try {
    await fs.writeFile(args.output, text, { mode: 0o600 });
  } catch (err) {
    io.stderr(`codex-doctor: cannot write ${args.output}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    return EXIT.USAGE;
  }
  io.stderr(`codex-doctor: report written to ${args.output}${report.diagnosis ? ` (cause: ${report.diagnosis.code})` : ""}\n`);
  return exit;
}

/** Hints (and the diagnosis' fix) in the user's shell's syntax; the JSON keeps the same choice. */
function forShell(report: Report, shell: ShellKind): Report {
  if (shell === "posix") return report;
  return {
    ...report,
    diagnosis: report.diagnosis && { ...report.diagnosis, fix: report.diagnosis.fix && hintForShell(report.diagnosis.fix, shell) },
    checks: report.checks.map((c) => ({
      ...c,
      findings: c.findings.map((f) => (f.hint ? { ...f, hint: hintForShell(f.hint, shell) } : f)),
    })),
  };
}

async function runDemoCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const { runDemo } = await import("./demo.js");
  const color = colorEnabled(args, io);
  const outcome = await runDemo(async (input) => {
    const ctx = await buildContext(
      { offline: false, verbose: args.verbose, strict: false, timeoutMs: args.timeout ?? DEFAULT_TIMEOUT_MS, targets: [] },
      { env: input.env, homedir: input.homedir, platform: "linux", now: new Date(), linuxBundleCandidates: input.linuxBundleCandidates, searchPaths: input.searchPaths },
    );
    const results = await runChecks(CHECKS, ctx, { offline: false, checkTimeoutMs: runBudgetMs(args.timeout ?? DEFAULT_TIMEOUT_MS) });
    const report = buildReport({ version: VERSION, now: ctx.now, ca: ctx.ca, checks: results });
    return { text: renderHuman(report, { color, verbose: args.verbose }), ok: report.ok };
  });
  io.stdout(outcome.text);
  return outcome.asExpected ? EXIT.OK : EXIT.FAILED;
}

async function runExportCommand(argv: string[], args: ParsedArgs, io: CliIo): Promise<number> {
  const { exportCa } = await import("./commands/export-ca.js");
  const { proxyCheck } = await import("../checks/proxy.js");
  const { options, system } = runInputs(args, io);
  const secrets = [...secretsFrom(io.env), ...argvSecrets(argv)];
  const ctx = await buildContext(options, system);
  const target = new URL(args.target?.[0] ?? ctx.targets.find((t) => t.kind === "https")?.url ?? "https://api.openai.com/v1/models");
  const outcome = await exportCa(ctx, target, { out: args.out!, force: args.force, withSystemRoots: args["with-system-roots"], shell: args.shell }, async (bundle) => {
    const again = await buildContext(options, { ...system, env: { ...system.env, CODEX_CA_CERTIFICATE: bundle } });
    const [result] = await runChecks([proxyCheck], again, { offline: false, checkTimeoutMs: runBudgetMs(args.timeout ?? DEFAULT_TIMEOUT_MS) });
    return { ok: result?.status === "pass", summary: result?.summary ?? "not run" };
  });
  io.stdout(redactText(outcome.lines.join("\n"), secrets) + "\n");
  return outcome.exitCode;
}
