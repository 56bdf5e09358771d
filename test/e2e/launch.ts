// `npm run test:e2e`: check that everything the e2e needs is here (and say exactly what is not),
// install the pinned Codex CLI, build the doctor, then run the e2e vitest config inside a private
// network + mount namespace, so the tests can own port 443, /etc/hosts-free name resolution and a
// platform store of their own without touching the machine.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CODEX_JS, CODEX_VERSION } from "./runners.js";
import { SQUID_HELPERS } from "./proxies.js";
import { currentNamespaces, OUTER_NAMESPACES_ENV, SYSTEM_STORE } from "./world.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const INSTALL = "apt-get install -y squid-openssl tinyproxy";

function fail(lines: string[]): never {
  console.error(["e2e cannot run:", ...lines.map((l) => `  - ${l}`)].join("\n"));
  process.exit(1);
}

function found(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function preflight(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("not root: the e2e needs namespaces, port 443 and bind mounts (run as root, as .ci/run does)");
  for (const cmd of ["squid", "tinyproxy", "unshare", "mount", "umount", "ip", "openssl", "id"]) {
    if (!found(cmd)) missing.push(`\`${cmd}\` is not on PATH${cmd === "squid" || cmd === "tinyproxy" ? ` (${INSTALL})` : ""}`);
  }
  for (const helper of ["security_file_certgen", "basic_ncsa_auth"]) {
    if (!existsSync(join(SQUID_HELPERS, helper))) missing.push(`${SQUID_HELPERS}/${helper} is missing (${INSTALL})`);
  }
  if (found("squid") && !/--with-openssl/.test(spawnSync("squid", ["-v"], { encoding: "utf8" }).stdout ?? "")) {
    missing.push(`this squid has no OpenSSL (no ssl-bump): install squid-openssl (${INSTALL})`);
  }
  if (!existsSync(SYSTEM_STORE)) missing.push(`${SYSTEM_STORE} is missing (apt-get install -y ca-certificates)`);
  if (missing.length > 0) fail(missing);
  const probe = spawnSync("unshare", ["--mount", "--net", "true"], { encoding: "utf8" });
  if (probe.status !== 0) fail([`unshare --mount --net failed (the e2e needs CAP_SYS_ADMIN): ${probe.stderr.trim()}`]);
}

function installedCodex(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dirname(CODEX_JS), "../package.json"), "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** The pinned Codex CLI from test/e2e/codex/package-lock.json, and proof that its binary runs here. */
function ensureCodex(): void {
  if (installedCodex() !== CODEX_VERSION) {
    console.log(`== installing @openai/codex@${CODEX_VERSION} (test/e2e/codex)`);
    execFileSync("npm", ["ci", "--prefix", join(ROOT, "test/e2e/codex"), "--no-audit", "--no-fund"], { stdio: "inherit" });
  }
  const version = spawnSync(process.execPath, [CODEX_JS, "--version"], { encoding: "utf8" });
  if (version.status !== 0 || !version.stdout.includes(CODEX_VERSION)) {
    fail([`the Codex CLI does not run here: ${(version.stdout + version.stderr).trim() || `exit ${version.status}`}`]);
  }
  console.log(`== ${version.stdout.trim()}`);
}

preflight();
ensureCodex();
console.log("== building codex-doctor");
execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });

const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const child = spawn(
  "unshare",
  ["--mount", "--net", "--", process.execPath, vitest, "run", "--config", "test/e2e/vitest.config.ts", ...process.argv.slice(2)],
  { cwd: ROOT, stdio: "inherit", env: { ...process.env, [OUTER_NAMESPACES_ENV]: currentNamespaces() } },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
