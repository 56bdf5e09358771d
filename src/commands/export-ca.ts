// `codex-doctor export-ca --out FILE`: capture the chain a TLS-inspecting proxy presents on Codex's
// own route, pick its root, prove that root makes Codex's verifier accept the chain, write it as
// PEM, and re-run the proxy check with it. It never overwrites a file without --force and never
// writes a bundle that does not verify.
import { constants, promises as fs } from "node:fs";
import { dirname, join, basename } from "node:path";
import type { CheckContext } from "../context.js";
import { resolveProxy } from "../net/proxy.js";
import { establish, type PresentedChain } from "../net/establish.js";
import { baseAnchors, codexAnchors, platformAnchors } from "../net/anchors.js";
import { anchorFromCertificateDer, verifyServerChain, type TrustAnchor } from "../net/verify.js";
import { interceptionOf } from "../net/connection.js";
import { candidateFiles, locateIssuer, type FoundCertificate } from "../net/locate.js";
import { sha256Hex } from "../ca/certinfo.js";
import { toPem } from "../ca/pem-out.js";
import { defaultShell, persistVariable, setVariable, type ShellKind } from "../shell-forms.js";
import { neutralise } from "../echo.js";

export interface ExportOptions {
  out: string;
  force: boolean;
  withSystemRoots: boolean;
  shell?: ShellKind;
}

export interface ExportOutcome {
  exitCode: 0 | 1;
  lines: string[];
  /** Set when a file was written. */
  written?: string;
}

type Pick = { der: Uint8Array; subject: string; how: string };

/** The root to trust: the proxy's self-signed root, else its issuer found on this machine, else the top cert sent. */
async function pickRoot(ctx: CheckContext, chain: PresentedChain): Promise<{ pick: Pick; found: FoundCertificate[] }> {
  const top = chain.summaries[chain.summaries.length - 1];
  const topDer = chain.der[chain.der.length - 1]!;
  if (top?.selfSigned) return { pick: { der: topDer, subject: top.subject, how: "the proxy sent its root certificate" }, found: [] };
  const found = top
    ? await locateIssuer({ platformRoots: ctx.ca.platformRoots, candidates: candidateFiles({ env: ctx.env, homedir: ctx.homedir, searchPaths: ctx.searchPaths }) }, top.issuerDer)
    : [];
  const onDisk = found.find((f) => f.isCA);
  if (onDisk) return { pick: { der: onDisk.der, subject: onDisk.subject, how: `its issuer, found in ${onDisk.where}` }, found };
  return {
    pick: {
      der: topDer,
      subject: top?.subject ?? "?",
      how: `the top certificate the proxy sent: it is an intermediate (issued by "${top?.issuer ?? "?"}"), not a root; Codex accepts it as a trust anchor, but ask IT for the root`,
    },
    found,
  };
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/** Writes beside the target, then renames: a crash never leaves half a bundle under the real name. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await fs.writeFile(temp, text, { mode: 0o644 });
  await fs.rename(temp, path);
}

export async function exportCa(
  ctx: CheckContext,
  target: URL,
  options: ExportOptions,
  rerunProxyCheck: (bundlePath: string) => Promise<{ ok: boolean; summary: string }>,
): Promise<ExportOutcome> {
  const outcome = await capture(ctx, target, options, rerunProxyCheck);
  // Certificate names come from the proxy: each line reaches the terminal with control characters shown, never acted on.
  return { ...outcome, lines: outcome.lines.map((line) => neutralise(line)) };
}

async function capture(
  ctx: CheckContext,
  target: URL,
  options: ExportOptions,
  rerunProxyCheck: (bundlePath: string) => Promise<{ ok: boolean; summary: string }>,
): Promise<ExportOutcome> {
  const lines: string[] = [];
  const fail = (...more: string[]): ExportOutcome => ({ exitCode: 1, lines: [...lines, ...more] });
  if ((await exists(options.out)) && !options.force) {
    return fail(`${options.out} already exists: nothing was written. Choose another --out, or add --force to replace it.`);
  }
  const route = resolveProxy(target.href, ctx.env, ctx.options.proxy);
  lines.push(`Connecting to ${target.host} ${route.proxy ? `through ${route.proxy.display} (from ${route.via})` : "directly (no proxy applies)"}…`);
  const signal = AbortSignal.timeout(ctx.options.timeoutMs * 2);
  const result = await establish({ url: target, route, anchors: codexAnchors(ctx.ca), timeoutMs: ctx.options.timeoutMs, signal, now: ctx.now });
  if (result.ok) result.socket.destroy();
  const chain = result.chain;
  if (!chain || chain.der.length === 0) {
    const why = result.ok ? "no certificate" : `${result.stage}: ${result.code}`;
    return fail(`No certificate chain was captured (${why}).`, "Run `codex-doctor tls` to see why the connection fails before TLS.");
  }
  const intercepted = await interceptionOf(chain, platformAnchors(ctx.ca), target.hostname, ctx.now);
  if (!intercepted) {
    if (!result.ok && result.stage === "verify") {
      return fail(`Codex rejects ${target.host} for another reason than a missing CA (webpki ${result.code}): exporting a CA would not help. Nothing was written.`, "Run `codex-doctor tls` for the cause and its fix.");
    }
    lines.push(`${target.host}: the chain ends at a root this machine's store already trusts — this route is not intercepted, so there is no proxy CA to export.`);
    return { exitCode: result.ok ? 0 : 1, lines };
  }
  const { pick, found } = await pickRoot(ctx, chain);
  const fingerprint = sha256Hex(pick.der);
  lines.push(
    `Intercepted${intercepted.vendor ? ` (looks like ${intercepted.vendor.name})` : ""}. Chosen certificate: ${pick.how}.`,
    `  subject: ${pick.subject}`,
    `  SHA-256: ${fingerprint}`,
    "  Compare this fingerprint with the one your IT team publishes before you trust it.",
  );
  const inPlatform = ctx.ca.platformRoots.certificates.some((der) => sha256Hex(der) === fingerprint);
  if (inPlatform) lines.push(`  It is already in the system store (${ctx.ca.platformRoots.description}): Codex trusts it unless SSL_CERT_FILE/SSL_CERT_DIR replace that store.`);
  for (const f of found.filter((f) => f.path)) lines.push(`  Also on disk: ${f.path}`);

  // Never write what would not help: the chain must verify with Codex's base roots plus this one.
  const anchor = anchorFromCertificateDer(pick.der, options.out);
  if (!anchor) return fail("The chosen certificate cannot serve as a trust anchor for Codex (it does not parse the way webpki needs). Nothing was written.");
  const anchors: TrustAnchor[] = [...baseAnchors(ctx.ca), anchor];
  const verdict = await verifyServerChain({ presented: chain.der, anchors, serverName: target.hostname, now: ctx.now });
  if (!verdict.ok) {
    return fail(`With this certificate Codex would still reject ${target.host} (${verdict.error?.code ?? "?"}: ${verdict.error?.detail ?? ""}). Nothing was written.`);
  }
  const roots = options.withSystemRoots ? ctx.ca.platformRoots.certificates.filter((der) => sha256Hex(der) !== fingerprint) : [];
  await writeAtomically(options.out, [...roots, pick.der].map((der) => toPem("CERTIFICATE", der)).join(""));
  lines.push(
    `Wrote ${options.out} (${roots.length + 1} certificate${roots.length === 0 ? "" : "s"}${options.withSystemRoots ? ": the system roots plus this one" : ""}).`,
  );
  const rerun = await rerunProxyCheck(options.out);
  lines.push(`Re-ran the proxy check with CODEX_CA_CERTIFICATE=${options.out}: ${rerun.ok ? "passes" : "still fails"} — ${rerun.summary}`);
  const shell = options.shell ?? defaultShell(ctx.platform);
  lines.push(
    "",
    "Use it now:",
    `  ${setVariable(shell, "CODEX_CA_CERTIFICATE", options.out)}`,
    "Make it permanent:",
    ...persistVariable(shell, "CODEX_CA_CERTIFICATE", options.out).map((l) => `  ${l}`),
  );
  return { exitCode: rerun.ok ? 0 : 1, lines, written: options.out };
}
