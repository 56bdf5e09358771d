// `codex-doctor demo`: the real pipeline against the in-process lab, so a user can watch the doctor
// find a TLS-inspecting proxy and its fix without a corporate network. Everything listens on
// 127.0.0.1, the "corporate" CA is minted now, and the temp directory is removed afterwards.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Env } from "./env.js";

/** What one demo run needs from the CLI: run the doctor with this environment and home. */
export type DemoRunner = (input: {
  env: Env;
  homedir: string;
  linuxBundleCandidates: string[];
  searchPaths: string[];
}) => Promise<{ text: string; ok: boolean }>;

export interface DemoOutcome {
  /** Both runs' output, with the narration between them. */
  text: string;
  /** The unconfigured run failed and the fixed run passed: the demo showed what it should. */
  asExpected: boolean;
}

/** Where the demo "installs" the corporate root, as IT's software would (the doctor finds it there). */
const INSTALLED_ROOT = ["Zscaler", "ZscalerRootCertificate-2048-SHA256.crt"] as const;

export async function runDemo(run: DemoRunner): Promise<DemoOutcome> {
  // The lab pulls in @peculiar/x509 and ws: loaded only for this command.
  const lab = await import("./lab/index.js");
  const dir = await mkdtemp(join(tmpdir(), "codex-doctor-demo-"));
  const servers: { close(): Promise<void> }[] = [];
  try {
    // The public internet, played by one origin with its own public CA (the "system store").
    const publicRoot = await lab.mintRoot({ cn: "Demo Public Root CA", o: "codex-doctor demo" });
    const originCert = await lab.mintLeaf(publicRoot, { dnsNames: ["chatgpt.com", "api.openai.com", "auth.openai.com"] });
    const origin = await lab.startOrigin({ cert: originCert });
    servers.push(origin);
    // The corporate proxy re-signs every connection with its own root → intermediate.
    const corp = await lab.mintCorporateChain({ vendor: "zscaler" });
    const proxy = await lab.startProxy({
      mode: "intercept",
      upstream: { host: lab.LOOPBACK, port: origin.port, ca: [publicRoot.certPem], servername: "api.openai.com" },
      interceptWith: { issuer: corp.intermediate, chain: [corp.intermediate] },
    });
    servers.push(proxy);

    const systemStore = join(dir, "system-roots.pem");
    await writeFile(systemStore, publicRoot.certPem);
    const vendorDir = join(dir, INSTALLED_ROOT[0]);
    await mkdir(vendorDir);
    const installedRoot = join(vendorDir, INSTALLED_ROOT[1]);
    await writeFile(installedRoot, corp.root.certPem);
    const home = join(dir, "home");
    await mkdir(join(home, ".codex"), { recursive: true });

    const env: Env = { HOME: home, HTTPS_PROXY: `http://${lab.LOOPBACK}:${proxy.port}` };
    const common = { homedir: home, linuxBundleCandidates: [systemStore], searchPaths: [vendorDir] };

    const before = await run({ env, ...common });
    const after = await run({ env: { ...env, CODEX_CA_CERTIFICATE: installedRoot }, ...common });

    const text = [
      "codex-doctor demo: a TLS-inspecting proxy (a lab \"Zscaler\" on 127.0.0.1) re-signs every connection.",
      "Nothing leaves this machine; the CAs were minted a moment ago.",
      "",
      "── 1. Codex as most people first run it: no CA configured ──",
      "",
      before.text.trimEnd(),
      "",
      `── 2. The same machine after the fix: CODEX_CA_CERTIFICATE=${installedRoot} ──`,
      "   (the demo's files live in a temp directory that is removed when it ends)",
      "",
      after.text.trimEnd(),
      "",
      !before.ok && after.ok
        ? "The doctor named the proxy's CA as the cause, found the root on disk, and the fix turned every check green."
        : "Unexpected: the demo did not show a failure followed by a pass. Please report this with the output above.",
      "",
    ].join("\n");
    return { text, asExpected: !before.ok && after.ok };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
}
