// Runbook step 2: environment precedence. Which CA variable Codex uses and why, what that does to
// its roots (ADD vs REPLACE), what the other tools' CA variables hold, verification switched off,
// and which proxy Codex uses for each endpoint.
import { defineCheck, type Finding } from "../src/check.js";
import type { CheckContext } from "../src/context.js";
import { OTHER_TOOL_CA_VARS, PROXY_VARS, varState } from "../src/env.js";
import { formatBytes, readBoundedFile } from "../src/ca/file.js";
import { DOTENV_EXPANSION_BUDGET, DOTENV_VALUE_LIMIT, unsetStep } from "../src/codex/dotenv.js";
import { certificateBlocks, parsePem } from "../src/ca/pem.js";
import { fingerprints, isCorporateOnly } from "../src/ca/public-roots.js";
import { displayUrl, parseProxyUrl, redactUrl, resolveProxy } from "../src/net/proxy.js";
import { proxyUrlFix } from "../src/net/proxy-url.js";
import { shellQuote } from "../src/shell.js";
import type { Table } from "../src/report/model.js";
import { join } from "node:path";
import { freshPath } from "../src/ca/pem-out.js";

const codes = {
  CA_VAR_SELECTED: { level: "info", message: "{reason}." },
  CA_NONE_SELECTED: { level: "info", message: "{reason}." },
  CA_VAR_WHITESPACE: {
    level: "warn",
    message: "{var} is only whitespace (\"{value}\"): Codex treats that as a real path, not as unset.",
    hint: "unset {var:sh}",
  },
  CA_VARS_DIFFER: {
    level: "warn",
    message: "CODEX_CA_CERTIFICATE and SSL_CERT_FILE hold different roots ({onlyCodex} only in CODEX_CA_CERTIFICATE, {onlySsl} non-public only in SSL_CERT_FILE). Codex loads CODEX_CA_CERTIFICATE on top of SSL_CERT_FILE; other tools see only SSL_CERT_FILE.",
    hint: "Point both at the same bundle, or unset the stale one.",
  },
  BASE_ROOTS_REPLACED: {
    level: "info",
    message: "{vars} set, so Codex's base roots come from there instead of the system store ({count} certificate(s)); CODEX_CA_CERTIFICATE is added on top.",
  },
  BASE_ROOTS_CORPORATE_ONLY: {
    level: "warn",
    message: "{vars} replace the system roots for Codex and hold no public root ({count} certificate(s)): hosts your proxy does not intercept fail with UnknownIssuer.",
    hint: "{unset:text}, and use CODEX_CA_CERTIFICATE, which adds to the system roots; or make SSL_CERT_FILE a combined bundle: cat {systemBundle:sh} {corporate:text} > {combined:sh}",
  },
  BASE_ROOTS_EMPTY: {
    level: "warn",
    message: "Codex's base root store is EMPTY ({errors}): {consequence}.",
    hint: "An empty or wrong SSL_CERT_FILE/SSL_CERT_DIR empties the roots (rustls-native-certs does not fall back). {unset:text}, or point them at a real bundle.",
  },
  BASE_ROOTS_ERRORS: {
    level: "warn",
    message: "Loading the base roots reported: {errors}.",
    hint: "Fix the paths, or {unset:text}",
  },
  BASE_ROOTS_DOCTOR_LIMIT: {
    level: "warn",
    message: "codex-doctor did not read all of Codex's base roots: {limits}. Codex has no such limit; the {count} certificate(s) the doctor did read may be only part of what Codex trusts.",
    hint: "Check that {vars} name real CA locations (a CA bundle, a c_rehash directory listed once).",
  },
  BASE_ROOTS_FALLBACK: {
    level: "info",
    message: "{vars} yielded no certificate and no error, so Codex falls back to the system store.",
  },
  DOTENV_SETS_VAR: {
    level: "info",
    message: "{var} comes from {path} (line {line}) and overrides the shell's value{shell}.",
  },
  DOTENV_CODEX_KEY_IGNORED: {
    level: "warn",
    message: "{path} sets {var} on line {line}, but Codex never applies CODEX_* keys from .env: it has no effect.",
    hint: "Export {var} in your shell profile instead (export {var:sh}=…), or use SSL_CERT_FILE in .env.",
  },
  DOTENV_UNREADABLE: {
    level: "warn",
    message: "{path} exists but cannot be read: {detail}.",
    hint: "Codex skips it too; fix its permissions or remove it.",
  },
  DOTENV_TOO_LARGE: {
    level: "warn",
    message: "{path} is {size}: codex-doctor reads at most {limit} of it (its own limit, not Codex's). Codex reads and applies all of it, so which variables it sets there is unknown here.",
    hint: "Check that {path} is the .env you meant: Codex applies every KEY=value line in it. Under {limit}, codex-doctor can check it.",
  },
  DOTENV_EXPANSION_LIMIT: {
    level: "warn",
    message: "{path} line {line}: {var} expands to {fullSize} through $NAME substitution{worst}; codex-doctor stopped expanding at its own limit ({limits}), so what it reports about {var}{others} is incomplete. Codex has no such limit: it builds every value in full, in memory, at every start.",
    hint: "Look at line {line} of {path} and the lines it refers to: a line like A=$A$A doubles A each time. Write the value out directly.",
  },
  OTHER_CA_VAR_NOT_CHECKED: { level: "info", message: "{var}={value} was not compared with Codex's roots: {detail}." },
  OTHER_CA_VAR: { level: "info", message: "{var}={value}: {count} certificate(s){same}." },
  OTHER_CA_VAR_MISSING: {
    level: "warn",
    message: "{var} points to {value}, which cannot be read ({detail}): tools that use it (in Codex's sandbox too) fail or fall back silently.",
    hint: "Point {var} at the same bundle as Codex, or unset it.",
  },
  OTHER_CA_VAR_LACKS_CODEX_ROOTS: {
    level: "warn",
    message: "{var}={value} lacks {missing} of the certificate(s) Codex loads from {codexVar}: commands Codex runs ({tool}) will not trust your proxy.",
    hint: "export {var:sh}={codexPath:sh}",
  },
  VERIFY_DISABLED: {
    level: "error",
    message: "{var}={value} switches TLS verification off for {tool}: every connection is open to interception and real failures are hidden.",
    hint: "unset {var:sh}, and trust the proxy's CA instead: export {caVar:sh}={caPath:sh}",
  },
  PROXY_FOR_TARGET: { level: "info", message: "{target}: {route}." },
  PROXY_BYPASSED: { level: "info", message: "{target}: direct ({bypass} bypasses the proxy)." },
  HTTP_PROXY_IGNORED: {
    level: "info",
    message: "Only HTTP_PROXY/http_proxy is set: Codex does not use it for https, so {target} goes direct.",
    hint: "If https traffic must go through the proxy: export HTTPS_PROXY=$HTTP_PROXY",
  },
  PROXY_SOCKS: {
    level: "warn",
    message: "{var} is a SOCKS proxy ({proxy}): many Codex builds cannot use SOCKS (they ignore it or fail with \"error sending request\").",
    hint: "Use the HTTP CONNECT port of your proxy: export {var:sh}=http://proxy.example:8080",
  },
  PROXY_MALFORMED: {
    level: "warn",
    message: "{var}={proxy} is not a valid proxy URL ({reason}): Codex ignores it as if unset ({fallback}).",
    hint: "Use the form http://[user:password@]host:port",
  },
  PROXY_URL_BROKEN: {
    level: "error",
    message: "{var}={proxy} cannot work: {reason}. Codex still selects it{where}, so every request fails with \"error sending request\".",
    hint: "{fix}",
  },
  PROXY_PASSWORD_SPLIT: {
    level: "warn",
    message: "{var}={proxy}: the credentials hold an unencoded \"@\". Codex ends them at the first \"@\", so it sends only part of the password and the proxy will answer 407.",
    hint: "{fix}",
  },
  PROXY_UNSUPPORTED_SCHEME: {
    level: "warn",
    message: "{var} uses the unsupported scheme \"{scheme}\" ({proxy}): Codex ignores it as if unset ({fallback}).",
    hint: "Use http:// (or https:// for a TLS proxy).",
  },
} as const;

type Code = keyof typeof codes;
type Emit = (code: Code, vars?: Record<string, string | number | undefined>) => Finding;

const VERIFY_SWITCHES: { var: string; tool: string; caVar: string; disabled: (v: string) => boolean }[] = [
  { var: "NODE_TLS_REJECT_UNAUTHORIZED", tool: "Node.js", caVar: "NODE_EXTRA_CA_CERTS", disabled: (v) => v === "0" },
  { var: "PYTHONHTTPSVERIFY", tool: "Python", caVar: "REQUESTS_CA_BUNDLE", disabled: (v) => v === "0" },
  // git's http.c: `if (getenv("GIT_SSL_NO_VERIFY")) curl_ssl_verify = 0;` — any value, "0",
  // "false" and "" included, switches verification off.
  { var: "GIT_SSL_NO_VERIFY", tool: "git", caVar: "GIT_SSL_CAINFO", disabled: () => true },
];

const TOOL_OF: Record<string, string> = {
  NODE_EXTRA_CA_CERTS: "node, npm",
  REQUESTS_CA_BUNDLE: "python requests, pip",
  CURL_CA_BUNDLE: "curl",
  GIT_SSL_CAINFO: "git",
  PIP_CERT: "pip",
  AWS_CA_BUNDLE: "aws",
};

function caVarTable(ctx: CheckContext): Table {
  return {
    title: "CA variables Codex reads (after $CODEX_HOME/.env)",
    columns: ["variable", "state", "from", "value"],
    rows: ctx.ca.selection.vars.map((v) => [v.name, v.state, v.origin === "dotenv" ? ".env" : v.origin ?? "", v.value ?? ""]),
  };
}

function selectionFindings(ctx: CheckContext, emit: Emit): Finding[] {
  const sel = ctx.ca.selection;
  const out: Finding[] = [];
  out.push(sel.selectedBy ? emit("CA_VAR_SELECTED", { var: sel.selectedBy, reason: sel.reason }) : emit("CA_NONE_SELECTED", { reason: sel.reason }));
  for (const v of sel.vars) {
    if (v.value !== undefined && v.value !== "" && v.value.trim() === "") {
      out.push(emit("CA_VAR_WHITESPACE", { var: v.name, value: v.value }));
    }
  }
  return out;
}

function baseRootFindings(ctx: CheckContext, emit: Emit): Finding[] {
  const base = ctx.ca.baseRoots;
  const envVars = ["SSL_CERT_FILE", "SSL_CERT_DIR"].filter((n) => ctx.env[n] !== undefined);
  const out: Finding[] = [];
  const limited = (base.doctorLimits?.length ?? 0) > 0;
  if (limited) {
    const vars = envVars.length > 0 ? envVars.join(" and ") : "the system CA bundle";
    out.push(emit("BASE_ROOTS_DOCTOR_LIMIT", { limits: base.doctorLimits?.join("; "), count: base.certificates.length, vars }));
  }
  if (envVars.length === 0) return out;
  const vars = envVars.join(" and ");
  if (base.fellBackToPlatform) return [emit("BASE_ROOTS_FALLBACK", { vars })];
  const unset = unsetStep(envVars, ctx.origins, ctx.dotenv);
  // Past the doctor's own limit it cannot tell what Codex's store lacks: no EMPTY or corporate-only claim.
  if (limited) {
    out.push(emit("BASE_ROOTS_REPLACED", { vars, count: base.certificates.length }));
    if (base.errors.length > 0) out.push(emit("BASE_ROOTS_ERRORS", { errors: base.errors.join("; "), unset }));
    return out;
  }
  if (base.certificates.length === 0) {
    const consequence = ctx.ca.bundle?.codexLoads
      ? "only the certificates of the selected bundle are trusted"
      : "with no usable bundle either, Codex trusts NOTHING and every TLS connection fails";
    out.push(emit("BASE_ROOTS_EMPTY", { errors: base.errors.join("; ") || "no certificates", consequence, unset }));
    return out;
  }
  out.push(emit("BASE_ROOTS_REPLACED", { vars, count: base.certificates.length }));
  if (base.errors.length > 0) out.push(emit("BASE_ROOTS_ERRORS", { errors: base.errors.join("; "), unset }));
  // When SSL_CERT_FILE is itself the selected bundle, the bundle check reports this.
  const corporate = ctx.ca.selection.selectedBy === "SSL_CERT_FILE" && !ctx.env.SSL_CERT_DIR ? undefined : isCorporateOnly(ctx.ca);
  if (corporate) {
    // The corporate certificates are in what SSL_CERT_FILE / SSL_CERT_DIR name: use those, not a placeholder.
    const file = ctx.env.SSL_CERT_FILE;
    const dir = ctx.env.SSL_CERT_DIR?.split(":").find((d) => d !== "");
    const corporateFiles = file ? shellQuote(file) : dir ? `${shellQuote(dir)}/*.pem` : "corp-root.pem";
    out.push(
      emit("BASE_ROOTS_CORPORATE_ONLY", {
        vars,
        count: corporate.count,
        systemBundle: corporate.systemBundle,
        corporate: corporateFiles,
        combined: freshPath(join(ctx.homedir, "combined-ca.pem")),
        unset,
      }),
    );
  }
  return out;
}

/** A shell value fit to print: proxy URLs (with or without a scheme) lose their password. */
function shellValue(name: string, value: string): string {
  return /proxy$/i.test(name) && !/^no_proxy$/i.test(name) ? parseProxyUrl(value).display : redactUrl(value);
}

function dotenvFindings(ctx: CheckContext, emit: Emit): Finding[] {
  const out: Finding[] = [];
  const d = ctx.dotenv;
  if (d.readError) out.push(emit("DOTENV_UNREADABLE", { path: d.path, detail: d.readError }));
  if (d.tooLarge) {
    const size = d.tooLarge.size !== undefined ? formatBytes(d.tooLarge.size) : `more than ${formatBytes(d.tooLarge.limit)}`;
    out.push(emit("DOTENV_TOO_LARGE", { path: d.path, size, limit: formatBytes(d.tooLarge.limit) }));
  }
  const cut = d.entries.filter((e) => e.truncated);
  if (cut.length > 0) {
    const chars = (n: number) => `${n.toLocaleString("en-US")} characters`;
    const length = (e: (typeof cut)[number]) => e.truncated?.fullLength ?? 0;
    const first = cut[0];
    const largest = cut.reduce((a, b) => (length(b) > length(a) ? b : a));
    const worst = largest === first ? "" : `, and ${largest.key} on line ${largest.line} to ${chars(length(largest))}`;
    const others = cut.length > 1 ? ` and ${cut.length - 1} later value(s)` : "";
    const limits = `${chars(DOTENV_VALUE_LIMIT)} per value, ${chars(DOTENV_EXPANSION_BUDGET)} substituted in all`;
    out.push(emit("DOTENV_EXPANSION_LIMIT", { path: d.path, line: first.line, var: first.key, fullSize: chars(length(first)), worst, limits, others }));
  }
  const relevant = new Set<string>(["SSL_CERT_FILE", "SSL_CERT_DIR", ...OTHER_TOOL_CA_VARS, ...PROXY_VARS]);
  for (const entry of d.entries) {
    if (entry.ignored) {
      out.push(emit("DOTENV_CODEX_KEY_IGNORED", { path: d.path, var: entry.key, line: entry.line }));
    } else if (relevant.has(entry.key)) {
      const shell = ctx.shellEnv[entry.key];
      out.push(emit("DOTENV_SETS_VAR", { var: entry.key, path: d.path, line: entry.line, shell: shell === undefined ? "" : ` (shell had ${shellValue(entry.key, shell)})` }));
    }
  }
  return out;
}

async function pemFingerprints(path: string): Promise<{ ok: true; set: Set<string> } | { ok: false; detail: string; doctorLimit?: boolean }> {
  const read = await readBoundedFile(path);
  if (!read.ok) return { ok: false, detail: read.rustError, doctorLimit: read.problem === "too-large" };
  const certs = certificateBlocks(parsePem(read.bytes));
  return { ok: true, set: fingerprints(certs) };
}

async function comparisonFindings(ctx: CheckContext, emit: Emit): Promise<Finding[]> {
  const out: Finding[] = [];
  const sel = ctx.ca.selection;
  const codexCerts = ctx.ca.bundle?.codexLoads ? (ctx.ca.bundle.parse?.certificates ?? []) : [];
  const codexSet = fingerprints(codexCerts);

  // CODEX_CA_CERTIFICATE vs SSL_CERT_FILE, compared by fingerprint, not by path.
  const ssl = ctx.env.SSL_CERT_FILE;
  if (sel.selectedBy !== "SSL_CERT_FILE" && sel.selectedBy !== null && ssl) {
    const sslPrints = await pemFingerprints(ssl);
    if (sslPrints.ok && codexCerts.length > 0) {
      // Extra public roots in SSL_CERT_FILE are normal (a combined bundle); other differences are not.
      const publicSet = fingerprints(ctx.ca.platformRoots.certificates);
      const onlyCodex = [...codexSet].filter((f) => !sslPrints.set.has(f)).length;
      const onlySsl = [...sslPrints.set].filter((f) => !codexSet.has(f) && !publicSet.has(f)).length;
      if (onlyCodex > 0 || onlySsl > 0) out.push(emit("CA_VARS_DIFFER", { onlyCodex, onlySsl }));
    }
  }

  for (const name of OTHER_TOOL_CA_VARS) {
    const value = ctx.env[name];
    if (value === undefined || value === "") continue;
    const prints = await pemFingerprints(value);
    if (!prints.ok) {
      out.push(emit(prints.doctorLimit ? "OTHER_CA_VAR_NOT_CHECKED" : "OTHER_CA_VAR_MISSING", { var: name, value, detail: prints.detail }));
      continue;
    }
    const missing = [...codexSet].filter((f) => !prints.set.has(f)).length;
    if (codexSet.size > 0 && missing > 0 && sel.path) {
      out.push(
        emit("OTHER_CA_VAR_LACKS_CODEX_ROOTS", { var: name, value, missing, codexVar: sel.sourceEnv ?? "", codexPath: sel.path, tool: TOOL_OF[name] }),
      );
    } else {
      out.push(emit("OTHER_CA_VAR", { var: name, value, count: prints.set.size, same: codexSet.size > 0 ? ", including every root Codex loads" : "" }));
    }
  }
  return out;
}

function verifyFindings(ctx: CheckContext, emit: Emit): Finding[] {
  return VERIFY_SWITCHES.filter((s) => {
    const value = ctx.env[s.var];
    return value !== undefined && s.disabled(value);
  }).map((s) => {
    // The bundle Codex already loads is the CA to give the other tool; a placeholder only when there is none.
    const known = ctx.ca.selection.path && ctx.ca.bundle?.codexLoads ? ctx.ca.selection.path : undefined;
    return emit("VERIFY_DISABLED", { var: s.var, value: ctx.env[s.var], tool: s.tool, caVar: s.caVar, caPath: known ?? "/path/to/corporate-root.pem" });
  });
}

function proxyFindings(ctx: CheckContext, emit: Emit): { findings: Finding[]; table: Table } {
  const findings: Finding[] = [];
  const table: Table = { title: "Proxy Codex uses per endpoint", columns: ["endpoint", "route"], rows: [] };
  const reported = new Set<string>();
  let httpOnlyReported = false;
  for (const target of ctx.targets) {
    const decision = resolveProxy(target.url, ctx.env, ctx.options.proxy);
    const host = new URL(target.url).host;
    const fallback = decision.proxy ? `so ${decision.via} is used` : decision.bypassedBy ? "and NO_PROXY applies" : "so traffic goes direct";
    for (const skipped of decision.ignored ?? []) {
      if (reported.has(skipped.via)) continue;
      reported.add(skipped.via);
      const p = skipped.proxy;
      findings.push(
        p.problem === "malformed"
          ? emit("PROXY_MALFORMED", { var: skipped.via, proxy: p.display, reason: p.reason ?? "unparseable", fallback })
          : emit("PROXY_UNSUPPORTED_SCHEME", { var: skipped.via, proxy: p.display, scheme: p.scheme, fallback }),
      );
    }
    if (decision.bypassedBy) {
      findings.push(emit("PROXY_BYPASSED", { target: host, bypass: decision.bypassedBy }));
      table.rows.push([displayUrl(target.url), `direct (${decision.bypassedBy})`]);
      continue;
    }
    if (!decision.proxy) {
      if (decision.httpProxyIgnored && !httpOnlyReported) {
        findings.push(emit("HTTP_PROXY_IGNORED", { target: host }));
        httpOnlyReported = true;
      }
      table.rows.push([displayUrl(target.url), "direct"]);
      continue;
    }
    const p = decision.proxy;
    const via = decision.via ?? "";
    if (p.problem === "broken") {
      table.rows.push([displayUrl(target.url), `${p.display} (${via}): unusable`]);
      if (reported.has(via)) continue;
      reported.add(via);
      const where = p.intended ? ` but connects to a host taken from the credentials instead of ${p.intended}` : "";
      findings.push(emit("PROXY_URL_BROKEN", { var: via, proxy: p.display, reason: p.reason ?? "it is unusable", where, fix: proxyUrlFix(p, via) }));
      continue;
    }
    table.rows.push([displayUrl(target.url), `${p.display} (${via})`]);
    findings.push(emit("PROXY_FOR_TARGET", { target: host, route: `through ${p.display} (${via})` }));
    if (reported.has(via)) continue;
    reported.add(via);
    if (p.problem === "socks") findings.push(emit("PROXY_SOCKS", { var: via, proxy: p.display }));
    if (p.passwordTruncated) findings.push(emit("PROXY_PASSWORD_SPLIT", { var: via, proxy: p.display, fix: proxyUrlFix(p, via) }));
  }
  return { findings, table };
}

export const envCheck = defineCheck({
  id: "env",
  title: "CA and proxy environment",
  codes,
  async run(ctx, { finding }) {
    const proxies = proxyFindings(ctx, finding);
    const findings = [
      ...selectionFindings(ctx, finding),
      ...baseRootFindings(ctx, finding),
      ...dotenvFindings(ctx, finding),
      ...(await comparisonFindings(ctx, finding)),
      ...verifyFindings(ctx, finding),
      ...proxies.findings,
    ];
    const sel = ctx.ca.selection;
    const roots = ctx.ca.baseRoots.origin === "env" ? "REPLACED by SSL_CERT_FILE/SSL_CERT_DIR" : "system store";
    return {
      summary: `${sel.selectedBy ? `${sel.selectedBy} selected` : "no CA variable selected"}; base roots: ${roots}`,
      findings,
      data: {
        selectedBy: sel.selectedBy,
        vars: sel.vars.map((v) => ({ name: v.name, state: v.state, origin: v.origin ?? null, value: v.value ?? null })),
        otherToolVars: OTHER_TOOL_CA_VARS.map((n) => ({ name: n, state: varState(ctx.env, n) })),
        baseRoots: { origin: ctx.ca.baseRoots.origin, description: ctx.ca.baseRoots.description, count: ctx.ca.baseRoots.certificates.length },
        trust: ctx.ca.trust.description,
        proxies: proxies.table.rows.map(([endpoint, route]) => ({ endpoint, route })),
        tables: [caVarTable(ctx), proxies.table],
      },
    };
  },
});
