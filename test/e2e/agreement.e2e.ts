// The doctor against the world: per scenario, codex-doctor and the real Codex CLI run in the same
// environment behind real proxies. The doctor's `ok` must equal "Codex completed a turn", and when
// Codex fails the doctor's diagnosis must name the check (and code) that holds the cause.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { Daemon } from "./daemon.js";
import { PORTS, PROXY_USER, startSquid, startTinyproxy } from "./proxies.js";
import { replyFor, startResponsesOrigin, type ResponsesOrigin, type Turn } from "./responses-origin.js";
import { makeHome, runCodex, runDoctor, type CodexRun, type DoctorRun } from "./runners.js";
import { createWorld, ORIGIN_IP, ORIGIN_PORT, type World } from "./world.js";

type ProxyName = keyof typeof PORTS;

interface Scenario {
  name: string;
  proxy: ProxyName;
  /** Basic credentials in the proxy URL. */
  credentials?: boolean;
  env(files: World["files"]): Record<string, string>;
  /** What Codex 0.171 does here (observed); guards the harness as much as the doctor. */
  codex: { completes: true; transport: Turn["transport"] } | { completes: false };
  /** Where the doctor must put the cause when Codex fails. */
  cause?: { check: string; code: string };
}

const SCENARIOS: Scenario[] = [
  {
    name: "squid ssl-bump, no CA configured",
    proxy: "squidBump",
    env: () => ({}),
    codex: { completes: false },
    cause: { check: "proxy", code: "TLS_UNKNOWN_ISSUER" },
  },
  {
    name: "squid ssl-bump, corporate root via CODEX_CA_CERTIFICATE",
    proxy: "squidBump",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.corpRoot }),
    codex: { completes: true, transport: "websocket" },
  },
  {
    name: "squid ssl-bump, corporate root via SSL_CERT_FILE",
    proxy: "squidBump",
    env: (f) => ({ SSL_CERT_FILE: f.corpRoot }),
    codex: { completes: true, transport: "websocket" },
  },
  {
    name: "squid ssl-bump, wrong root in CODEX_CA_CERTIFICATE",
    proxy: "squidBump",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.otherRoot }),
    codex: { completes: false },
    cause: { check: "proxy", code: "TLS_UNKNOWN_ISSUER" },
  },
  {
    // Base roots come from SSL_CERT_FILE even when CODEX_CA_CERTIFICATE wins the selection.
    name: "squid ssl-bump, wrong root in CODEX_CA_CERTIFICATE, corporate root via SSL_CERT_FILE",
    proxy: "squidBump",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.otherRoot, SSL_CERT_FILE: f.corpRoot }),
    codex: { completes: true, transport: "websocket" },
  },
  {
    name: "squid ssl-bump, broken bundle (the root, then a block without its END line)",
    proxy: "squidBump",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.truncatedBundle }),
    codex: { completes: false },
    cause: { check: "bundle", code: "CA_PEM_MISSING_END" },
  },
  {
    name: "squid ssl-bump, broken bundle via SSL_CERT_FILE (the root, then a block without its END line)",
    proxy: "squidBump",
    env: (f) => ({ SSL_CERT_FILE: f.truncatedBundle }),
    codex: { completes: false },
    cause: { check: "bundle", code: "CA_PEM_MISSING_END" },
  },
  {
    name: "squid ssl-bump, broken bundle (the root as DER)",
    proxy: "squidBump",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.derRoot }),
    codex: { completes: false },
    cause: { check: "bundle", code: "CA_DER_ENCODED" },
  },
  {
    name: "squid ssl-bump with Basic auth, credentials missing",
    proxy: "squidAuth",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.corpRoot }),
    codex: { completes: false },
    cause: { check: "proxy", code: "PROXY_AUTH_REQUIRED" },
  },
  {
    name: "squid ssl-bump with Basic auth, credentials in the proxy URL",
    proxy: "squidAuth",
    credentials: true,
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.corpRoot }),
    codex: { completes: true, transport: "websocket" },
  },
  {
    // Codex falls back from WebSockets to HTTPS and completes the turn.
    name: "squid ssl-bump that strips WebSocket upgrades, corporate root configured",
    proxy: "squidNoWebSocket",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.corpRoot }),
    codex: { completes: true, transport: "sse" },
  },
  {
    name: "tinyproxy plain CONNECT, no CA configured (the platform store trusts the origin)",
    proxy: "tinyproxy",
    env: () => ({}),
    codex: { completes: true, transport: "websocket" },
  },
  {
    name: "tinyproxy plain CONNECT, corporate root added via CODEX_CA_CERTIFICATE",
    proxy: "tinyproxy",
    env: (f) => ({ CODEX_CA_CERTIFICATE: f.corpRoot }),
    codex: { completes: true, transport: "websocket" },
  },
  {
    // SSL_CERT_FILE replaces the platform store as Codex's base roots: the origin's root is gone.
    name: "tinyproxy plain CONNECT, corporate root via SSL_CERT_FILE",
    proxy: "tinyproxy",
    env: (f) => ({ SSL_CERT_FILE: f.corpRoot }),
    codex: { completes: false },
    cause: { check: "proxy", code: "TLS_UNKNOWN_ISSUER" },
  },
];

function proxyUrl(s: Scenario): string {
  const auth = s.credentials ? `${PROXY_USER.user}:${PROXY_USER.pass}@` : "";
  return `http://${auth}127.0.0.1:${PORTS[s.proxy]}`;
}

/** `id:status`, with the finding codes of a check that did not simply pass or skip. */
function checkLine(c: DoctorRun["report"]["checks"][number]): string {
  const codes = c.findings.filter((f) => f.level !== "info").map((f) => f.code);
  return `${c.id}:${c.status}${codes.length > 0 ? `[${codes.join(",")}]` : ""}`;
}

/** What a reader needs when the two disagree: the doctor's verdict and Codex's own words. */
function explain(doctor: DoctorRun, codex: CodexRun, turns: Turn[]): string {
  const checks = doctor.report.checks.map(checkLine).join(" ");
  const d = doctor.report.diagnosis;
  return [
    `doctor: ok=${doctor.report.ok} exit=${doctor.exitCode} (${doctor.ms} ms) ${checks}`,
    `doctor diagnosis: ${d ? `${d.check} ${d.code}: ${d.message}` : "none"}`,
    `codex: exit=${codex.exitCode}${codex.timedOut ? " (killed: still retrying)" : ""} (${codex.ms} ms), turns at origin: ${turns.map((t) => t.transport).join(", ") || "none"}`,
    `codex stdout: ${codex.stdout.trim().slice(0, 300)}`,
    `doctor findings:\n${doctor.report.checks
      .flatMap((c) => c.findings.filter((f) => f.level !== "info").map((f) => `  ${c.id} ${f.level} ${f.code}: ${f.message}`))
      .join("\n")}`,
    `codex log:\n${codex.log.slice(0, 2000)}`,
  ].join("\n");
}

describe("codex-doctor agrees with the real Codex CLI behind real proxies", () => {
  let world: World;
  let origin: ResponsesOrigin;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    world = await createWorld();
    origin = await startResponsesOrigin({ cert: world.pki.origin, chain: [world.pki.publicIntermediate], host: ORIGIN_IP, port: ORIGIN_PORT });
    daemons.push(
      await startSquid({
        dir: join(world.dir, "squid"),
        signingPem: world.pki.corpIntermediate.certPem + world.pki.corpIntermediate.keyPem,
        originRootPem: world.pki.publicRoot.certPem,
        hosts: world.hosts,
      }),
    );
    daemons.push(await startTinyproxy({ dir: join(world.dir, "tinyproxy"), hosts: world.hosts }));
  }, 120_000);

  afterAll(async () => {
    for (const d of daemons) await d.stop();
    await origin?.close();
    world?.dispose();
  });

  it.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))("%s", async (_name, scenario, index) => {
    const home = makeHome(join(world.dir, "scenarios", String(index)));
    const apiKey = `sk-e2e-${index}-${Math.random().toString(36).slice(2, 10)}`;
    const env = { HTTPS_PROXY: proxyUrl(scenario), ...scenario.env(world.files) };
    const [doctor, codex] = await Promise.all([runDoctor(home, apiKey, env), runCodex(home, apiKey, env)]);
    const turns = origin.turns.filter((t) => t.apiKey === apiKey);
    const completed = codex.exitCode === 0 && codex.stdout.includes(replyFor(apiKey)) && turns.length > 0;
    // One line per scenario in the log: the evidence, whether or not it passes.
    const diagnosis = doctor.report.diagnosis;
    console.log(
      `[e2e] ${scenario.name}\n      codex: ${completed ? `completed (${turns.at(-1)?.transport})` : "failed"} in ${codex.ms} ms; ` +
        `doctor: ok=${doctor.report.ok}${diagnosis ? ` ${diagnosis.check}/${diagnosis.code}` : ""} in ${doctor.ms} ms; ` +
        doctor.report.checks.map(checkLine).join(" "),
    );
    const why = `${scenario.name}\n${explain(doctor, codex, turns)}\n${daemons.map((d) => d.tail(5)).join("\n")}`;

    // The harness first: Codex does what it was observed to do here.
    expect(codex.timedOut, why).toBe(false);
    expect(completed, why).toBe(scenario.codex.completes);
    if (scenario.codex.completes) expect(turns.at(-1)?.transport, why).toBe(scenario.codex.transport);

    // The claim under test.
    expect(doctor.report.ok, why).toBe(completed);
    expect(doctor.exitCode, why).toBe(completed ? 0 : 1);
    if (!completed) {
      expect({ check: diagnosis?.check, code: diagnosis?.code }, why).toEqual(scenario.cause);
    }
    // Whatever the verdict, the report never carries the proxy password or the API key.
    const printed = JSON.stringify(doctor.report);
    expect(printed.includes(PROXY_USER.pass), why).toBe(false);
    expect(printed.includes(apiKey), why).toBe(false);
  }, 300_000);
});
