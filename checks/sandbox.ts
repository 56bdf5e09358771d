// Runbook step 5: "a sandboxed `npm install` fails with certificate errors but the CLI works".
// Evaluates [shell_environment_policy] with Codex's algorithm on the environment Codex itself runs
// with (.env overlay applied), says for every CA and proxy variable whether it reaches sandboxed
// commands and which rule removed it, whether those commands have network at all, prints a fix that
// keeps the user's policy, rejects the article's [shell_environment] shape, and (unless --offline)
// proves it: a child Node process with exactly the sandbox environment connects to the model
// endpoint through the proxy and reports whether it trusts the chain.
import { defineCheck, fillTemplate, type Finding } from "../src/check.js";
import type { CheckContext } from "../src/context.js";
import { isTable, selectedProfile, type TomlTable } from "../src/codex/config.js";
import { API_BASE } from "../src/codex/endpoints.js";
import {
  coreVars,
  describeRemoval,
  evaluatePolicy,
  isProxyVar,
  parsePolicy,
  renderPolicyToml,
  sandboxNetwork,
  sandboxSpawnEnv,
  sandboxWatchList,
  wildmatch,
  type Inherit,
  type PolicyEvaluation,
  type RenderEntry,
  type SandboxNetwork,
  type ShellEnvPolicy,
  type VarFate,
} from "../src/codex/policy.js";
import { tomlKey, tomlString } from "../src/codex/toml.js";
import { runEgressProbe, type EgressResult } from "../src/net/egress.js";
import { displayUrl, parseProxyUrl, redactUrl } from "../src/net/proxy.js";
import { passwordOf } from "../src/net/url-text.js";
import type { Table } from "../src/report/model.js";
import { isSecretName } from "../src/env.js";
import { nearMiss } from "../src/codex/config-lint.js";
import { bound, PASTE_LIMIT } from "../src/echo.js";

/** Where sandbox_mode must change: the active profile overrides the top level. */
function networkSnippet(profile: string | undefined): string {
  const mode = profile
    ? `[profiles.${tomlKey(profile)}]\nsandbox_mode = "workspace-write"   # the active profile decides the mode`
    : 'sandbox_mode = "workspace-write"   # top level, above the first [table]';
  return `# Edit existing lines rather than repeating a [table] header:\n${mode}\n\n[sandbox_workspace_write]\nnetwork_access = true`;
}

const codes = {
  SANDBOX_CONFIG_UNREADABLE: {
    level: "info",
    message: "config.toml cannot be loaded ({detail}), so Codex does not start and runs no command; the config check explains it.",
  },
  SANDBOX_CONFIG_NOT_READ: {
    level: "info",
    message: "config.toml was not read ({detail}), so the sandbox settings are unknown here; the config check explains it.",
  },
  SANDBOX_POLICY_DEFAULT: {
    level: "info",
    message: "No [shell_environment_policy]: Codex passes its whole environment to sandboxed commands (inherit = \"all\"; the *KEY*/*SECRET*/*TOKEN* default excludes are off unless ignore_default_excludes = false).",
  },
  SANDBOX_POLICY: {
    level: "info",
    message: "[shell_environment_policy]: {summary}.",
  },
  SANDBOX_POLICY_INVALID: {
    level: "error",
    message: "[shell_environment_policy] has {count} invalid value(s) (first: {first}): Codex refuses to load config.toml, so no command runs. The evaluation below ignores those values.",
    hint: "{example:text}",
  },
  SANDBOX_POLICY_UNKNOWN_KEY: {
    level: "warn",
    message: "[shell_environment_policy] has {key}, which Codex ignores{meant}.",
    hint: "{snippet:text}",
  },
  SANDBOX_ARTICLE_SHAPE: {
    level: "warn",
    message: "{table} is not a Codex setting: Codex ignores it (0.171 only warns \"unrecognized configuration setting\" at startup). {effect}",
    hint: "{snippet:text}",
  },
  SANDBOX_MODE: {
    level: "info",
    message: "Sandbox: {mode}{source}; network for commands: {network}.",
  },
  SANDBOX_MODE_ASSUMED: {
    level: "info",
    message: "sandbox_mode is not set: assuming read-only, what `codex exec` uses by default (`--sandbox` / `-c sandbox_mode=…` on the command line override it){projects}.",
  },
  SANDBOX_PERMISSIONS_PROFILE: {
    level: "info",
    message: "{why}; the doctor does not evaluate [permissions] profiles, so it treats commands as having network.",
  },
  SANDBOX_NETWORK_DISABLED: {
    level: "info",
    message: "Sandboxed commands have no network: {why}. Codex blocks their connections and sets CODEX_SANDBOX_NETWORK_DISABLED=1, so `npm install` or `curl` fail before any TLS and CA variables do not matter there.",
    hint: "To give commands network:\n{snippet:text}",
  },
  SANDBOX_NETWORK_ACCESS_IGNORED: {
    level: "warn",
    message: "sandbox_workspace_write.network_access = true has no effect: sandbox_mode is \"{mode}\"{source}, and network_access only applies to workspace-write.",
    hint: 'sandbox_mode = "workspace-write"   # top level, above the first [table]',
  },
  SANDBOX_NO_CA_VARS: {
    level: "info",
    message: "No CA or proxy variable is set for Codex (shell or $CODEX_HOME/.env) nor by the policy: sandboxed tools use their own trust stores and connect directly.",
  },
  SANDBOX_VARS_REACH: {
    level: "info",
    message: "Reach sandboxed commands: {vars}.",
  },
  SANDBOX_VAR_DROPPED: {
    level: "warn",
    message: "{var} ({origin}) does not reach sandboxed commands: {why}.",
  },
  SANDBOX_VAR_DROPPED_NO_NETWORK: {
    level: "info",
    message: "{var} ({origin}) does not reach sandboxed commands: {why} (harmless while they have no network).",
  },
  SANDBOX_SET_DROPPED_NO_NETWORK: {
    level: "info",
    message: "set assigns {var}, but include_only ({patterns}) drops it again (harmless while commands have no network).",
  },
  SANDBOX_SET_DROPPED: {
    level: "warn",
    message: "set assigns {var}, but include_only ({patterns}) drops it again: include_only runs after set.",
    hint: "Add it to include_only:\ninclude_only = [{includeOnly:text}]",
  },
  SANDBOX_NODE_CA_MISSING: {
    level: "warn",
    message: "Codex trusts {path} ({var}), but NODE_EXTRA_CA_CERTS does not reach sandboxed commands: node, npm and npx there will not trust your proxy's certificates.",
  },
  SANDBOX_FIX: {
    level: "warn",
    message: "To let {vars} reach sandboxed commands while keeping your policy, {action} {path}:",
    hint: "{snippet:text}",
  },
  SANDBOX_BASHRC: {
    level: "info",
    message: "On Linux, bash inside the sandbox may still read ~/.bashrc, so a variable exported there can reappear in commands although the policy drops it; do not rely on that.",
  },
  SANDBOX_EGRESS_OFFLINE: {
    level: "info",
    message: "Egress proof skipped (--offline): no sandboxed connection was attempted.",
  },
  SANDBOX_EGRESS_NO_NETWORK: {
    level: "info",
    message: "Egress proof skipped: sandboxed commands have no network, so a connection from the sandbox fails before TLS.",
  },
  SANDBOX_EGRESS_TRUSTED: {
    level: "info",
    message: "A Node process with exactly the sandbox environment reached {url} {route} and trusted the certificate chain (HTTP {status}).",
  },
  SANDBOX_EGRESS_UNTRUSTED: {
    level: "error",
    message: "A Node process with exactly the sandbox environment reached {url} {route} but did NOT trust the certificate chain ({code}){note}. This is what a sandboxed `npm install` or `codex exec \"curl -sI {url}\"` runs into.",
    hint: "{fix:text}",
  },
  SANDBOX_EGRESS_PROXY_REFUSED: {
    level: "warn",
    message: "From the sandbox environment, the proxy {proxy} ({via}) answered {status} to CONNECT {host}.",
    hint: "{fix:text}",
  },
  SANDBOX_EGRESS_CONNECT_FAILED: {
    level: "warn",
    message: "From the sandbox environment, connecting to {url} {route} failed at the {stage} ({code}): not a certificate problem.",
  },
  SANDBOX_EGRESS_TIMEOUT: {
    level: "warn",
    message: "From the sandbox environment, {url} {route} did not answer within {ms} ms.",
  },
  SANDBOX_EGRESS_NOT_RUN: {
    level: "warn",
    message: "The egress proof could not run: {detail}.",
  },
} as const;

type Code = keyof typeof codes;
type Emit = (code: Code, vars?: Record<string, string | number | undefined>) => Finding;

// ---------------------------------------------------------------------------------------------
// display helpers (never a secret value)


function display(name: string, value: string): string {
  if (isSecretName(name)) return "<redacted>";
  if (isProxyVar(name)) return parseProxyUrl(value.trim()).display;
  return redactUrl(value);
}

function originOf(ctx: CheckContext, name: string): string {
  if (ctx.env[name] === undefined) return "not set";
  return ctx.origins[name] === "dotenv" ? `from ${ctx.dotenv.path}` : "from the shell";
}

/** A snippet entry for `set`: the value, or a masked one with a comment telling the user what to do. */
function setEntry(name: string, value: string): RenderEntry {
  if (isSecretName(name)) return { value: "<your value>", comment: "keep your current value" };
  if (isProxyVar(name)) {
    const p = parseProxyUrl(value.trim());
    return passwordOf(value.trim(), true) !== undefined ? { value: bound(p.display, PASTE_LIMIT), comment: "replace **** with the proxy password" } : { value: bound(value.trim(), PASTE_LIMIT) };
  }
  // Any other URL with credentials (a package index, say): mask them and say so.
  const masked = redactUrl(value);
  return masked !== value ? { value: bound(masked, PASTE_LIMIT), comment: "replace **** with your current password" } : { value: bound(value, PASTE_LIMIT) };
}

/** "Core" or "CORE" meant "core", not the wide-open default. */
function meantInherit(got: string): string {
  return nearMiss(got.replace(/^"|"$/g, ""), ["all", "core", "none"]) ?? "all";
}

function policySummary(p: ShellEnvPolicy): string {
  const parts = [`inherit = "${p.inherit}"`];
  if (!p.ignoreDefaultExcludes) parts.push("ignore_default_excludes = false (drops *KEY*, *SECRET*, *TOKEN*)");
  if (p.exclude.length > 0) parts.push(`exclude = [${p.exclude.map((e) => JSON.stringify(e)).join(", ")}]`);
  if (p.set.length > 0) parts.push(`set = {${p.set.map(([k]) => k).join(", ")}}`);
  if (p.includeOnly.length > 0) parts.push(`include_only = [${p.includeOnly.map((e) => JSON.stringify(e)).join(", ")}]`);
  return parts.join(", ");
}

// ---------------------------------------------------------------------------------------------
// the article's [shell_environment] shape

const UNKNOWN_POLICY_KEY_MEANT: [RegExp, string][] = [
  [/^(include|includes|allow|allowed|pass|passthrough|keep|whitelist|allowlist)$/i, "include_only"],
  [/^(excludes|deny|denylist|blacklist|remove)$/i, "exclude"],
  [/^(env|vars|variables|environment|sets|values)$/i, "set"],
  [/^(inherits|inheritance|mode)$/i, "inherit"],
  [/^ignore_default_exclude$|^ignore-default-excludes$/i, "ignore_default_excludes"],
];

function articleEquivalent(table: unknown, platform: NodeJS.Platform, codexEnv: CheckContext["env"]): { snippet: string; restricts: boolean; added: string[] } {
  const t: TomlTable = isTable(table) ? table : {};
  const inherit: Inherit = t.inherit === "core" || t.inherit === "none" ? t.inherit : "all";
  const include = isTable(t.include) ? t.include : {};
  const wanted = Object.entries(include).filter(([, v]) => v === true).map(([k]) => k);
  const unwanted = Object.entries(include).filter(([, v]) => v === false).map(([k]) => k);
  const stringsOf = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const set: [string, RenderEntry][] = isTable(t.set)
    ? Object.entries(t.set).filter((e): e is [string, string] => typeof e[1] === "string").map(([k, v]) => [k, setEntry(k, v)])
    : [];
  let includeOnly = stringsOf(t.include_only);
  let outInherit: Inherit = inherit;
  if (inherit !== "all" && wanted.length > 0) {
    // "core (or nothing) plus these": inherit everything, then keep only the core names and the wanted ones.
    outInherit = "all";
    includeOnly = [...new Set([...(inherit === "core" ? coreVars(platform) : []), ...includeOnly, ...wanted])];
  }
  if (includeOnly.length > 0) for (const [k] of set) if (!includeOnly.some((p) => wildmatch(p, k))) includeOnly.push(k);
  // The article lists CA variables only: keep the CA and proxy variables the user actually has, or
  // the "fix" would cut sandboxed commands off their proxy.
  const added: string[] = [];
  if (includeOnly.length > 0) {
    for (const name of sandboxWatchList()) {
      if (codexEnv[name] !== undefined && !includeOnly.some((p) => wildmatch(p, name))) {
        includeOnly.push(name);
        added.push(name);
      }
    }
  }
  const snippet = renderPolicyToml("shell_environment_policy", {
    inherit: outInherit,
    ignoreDefaultExcludes: t.ignore_default_excludes === false ? false : undefined,
    exclude: [...stringsOf(t.exclude), ...unwanted],
    includeOnly,
    set,
  });
  return { snippet, restricts: outInherit !== "all" || includeOnly.length > 0, added };
}

// ---------------------------------------------------------------------------------------------
// the fix that keeps the user's policy

interface Need {
  name: string;
  value: string;
  fate: VarFate;
}

function buildFix(policy: ShellEnvPolicy, needs: Need[]): { snippet: string; vars: string[] } {
  const set = new Map<string, RenderEntry>(policy.set.map(([k, v]) => [k, setEntry(k, v)]));
  const includeOnly = [...policy.includeOnly];
  for (const need of needs) {
    const f = need.fate;
    // Dropped only by include_only (an inherited value, or a `set` one): widening include_only is enough.
    if (f.setDroppedByIncludeOnly || f.removedBy?.rule === "include-only") continue;
    // Removed by inherit / default excludes / exclude, or not set at all: `set` runs after those.
    set.set(need.name, setEntry(need.name, need.value));
  }
  // include_only runs last: whatever must reach has to match it.
  if (includeOnly.length > 0) {
    for (const name of new Set([...set.keys(), ...needs.map((n) => n.name)])) {
      if (!includeOnly.some((p) => wildmatch(p, name))) includeOnly.push(name);
    }
  }
  const snippet = renderPolicyToml("shell_environment_policy", {
    inherit: policy.inherit,
    ignoreDefaultExcludes: policy.ignoreDefaultExcludes ? undefined : false,
    experimentalUseProfile: policy.experimentalUseProfile,
    exclude: policy.exclude,
    includeOnly,
    set: [...set.entries()],
  });
  return { snippet, vars: needs.map((n) => n.name) };
}

// ---------------------------------------------------------------------------------------------
// egress

function egressTarget(ctx: CheckContext): string {
  const https = ctx.targets.find((t) => t.id === "models") ?? ctx.targets.find((t) => t.kind === "https");
  if (https) return https.url;
  const ws = ctx.targets.find((t) => t.kind === "wss");
  return ws ? ws.url.replace(/^ws(s?):/i, "http$1:") : `${API_BASE}/models`;
}

function routeText(result: EgressResult, env: Record<string, string>): { route: string; proxy: string } {
  const r = result.report;
  if (r?.via) {
    const proxy = parseProxyUrl((env[r.via] ?? "").trim()).display;
    return { route: `through ${proxy} (${r.via})`, proxy };
  }
  if (r?.bypassedBy) return { route: `directly (${r.bypassedBy} bypasses the proxy)`, proxy: "" };
  return { route: "directly (no proxy variable in the sandbox environment)", proxy: "" };
}

function egressFindings(
  emit: Emit,
  result: EgressResult,
  url: string,
  env: Record<string, string>,
  ctx: CheckContext,
  policyFix: (extra: Need[]) => string,
  evaluation: PolicyEvaluation,
  /** NODE_EXTRA_CA_CERTS is already among the fix's needs (set in Codex's env, dropped by the policy). */
  needsNode: boolean,
): Finding[] {
  const { route, proxy } = routeText(result, env);
  const r = result.report;
  const host = new URL(url).host;
  switch (result.outcome) {
    case "trusted":
      return [emit("SANDBOX_EGRESS_TRUSTED", { url, route, status: r?.status ?? "?" })];
    case "untrusted": {
      const node = evaluation.fate("NODE_EXTRA_CA_CERTS");
      const ignored = result.warnings.find((w) => /extra certs/i.test(w));
      const note = ignored
        ? `; Node said: ${ignored}`
        : node.reaches
          ? `, although NODE_EXTRA_CA_CERTS=${display("NODE_EXTRA_CA_CERTS", node.value ?? "")} reaches it`
          : "";
      let fix: string;
      // The bundle Codex already loads holds the corporate root: name it rather than a placeholder.
      const codexBundle = ctx.ca.selection.path && ctx.ca.codexLoads ? ctx.ca.selection.path : undefined;
      if (node.reaches && !ignored) {
        fix = fillTemplate("NODE_EXTRA_CA_CERTS={value} lacks the CA that signed the proxy's certificates; append your corporate root to it:\ncat {root:sh} >> {value:sh}", {
          value: node.value ?? "",
          root: codexBundle ?? "/path/to/corporate-root.pem",
        });
      } else {
        const path = codexBundle ?? "/path/to/corporate-root.pem";
        const extra = node.reaches || !needsNode ? [{ name: "NODE_EXTRA_CA_CERTS", value: path, fate: { ...node, reaches: false, removedBy: undefined } }] : [];
        fix = `${ignored ? "Node cannot load that NODE_EXTRA_CA_CERTS file (it must be a readable PEM file). " : ""}Give sandboxed Node tools your corporate root; in config.toml:\n${policyFix(extra)}`;
      }
      return [emit("SANDBOX_EGRESS_UNTRUSTED", { url, route, code: r?.code ?? "?", note, fix })];
    }
    case "proxy-refused": {
      const status = r?.proxyStatus ?? "?";
      const p = parseProxyUrl((env[r?.via ?? ""] ?? "").trim());
      const fix =
        status === 407
          ? fillTemplate("The proxy wants credentials the sandbox environment does not carry; put them in the proxy URL (shell or $CODEX_HOME/.env):\nexport {via:sh}={url:sh}", {
              via: r?.via ?? "HTTPS_PROXY",
              url: `${p.scheme || "http"}://user:password@${p.host}:${p.port}`,
            })
          : fillTemplate("Ask your proxy team to allow {host}, or add it to NO_PROXY if it must go direct.", { host });
      return [emit("SANDBOX_EGRESS_PROXY_REFUSED", { proxy, via: r?.via ?? "", status, host, fix })];
    }
    case "connect-failed":
      return [emit("SANDBOX_EGRESS_CONNECT_FAILED", { url, route, code: r?.code ?? "?", stage: r?.stage === "proxy" ? "proxy" : "server" })];
    case "timeout":
      return [emit("SANDBOX_EGRESS_TIMEOUT", { url, route, ms: ctx.options.timeoutMs })];
    case "error": {
      const detail =
        r?.code === "PROXY_SOCKS"
          ? `${r.via}=${proxy} is a SOCKS proxy, which Node's https module (and most sandboxed tools) cannot use`
          : `${r?.via ?? "the proxy variable"}=${proxy} is not a usable proxy URL (${r?.code ?? "error"})`;
      return [emit("SANDBOX_EGRESS_NOT_RUN", { detail })];
    }
    case "child-failed":
    default:
      return [
        emit("SANDBOX_EGRESS_NOT_RUN", {
          detail: `a Node process with the sandbox environment exited (${result.exitCode ?? "killed"}) without a result${result.stderr ? `: ${redactUrl(result.stderr)}` : ""} — check NODE_OPTIONS in that environment`,
        }),
      ];
  }
}

// ---------------------------------------------------------------------------------------------

function networkFindings(emit: Emit, net: SandboxNetwork, profile: string | undefined): Finding[] {
  const out: Finding[] = [];
  const source = net.modeSource === "profile" ? " (from the active profile)" : net.modeSource === "assumed" ? " (assumed)" : "";
  const network = net.network === null ? "decided by [permissions]" : net.network ? "yes" : "no";
  out.push(emit("SANDBOX_MODE", { mode: net.mode ?? "invalid sandbox_mode", source, network, why: net.why }));
  if (net.modeSource === "assumed" && net.defaultPermissions === undefined) {
    const projects =
      net.trustedProjects > 0
        ? `; in the ${net.trustedProjects} folder(s) with a trust decision under [projects] Codex uses workspace-write instead, where network still needs sandbox_workspace_write.network_access = true`
        : "";
    out.push(emit("SANDBOX_MODE_ASSUMED", { projects }));
  }
  if (net.network === null) out.push(emit("SANDBOX_PERMISSIONS_PROFILE", { why: net.why }));
  if (net.network === false) {
    out.push(emit("SANDBOX_NETWORK_DISABLED", { why: net.why, snippet: networkSnippet(net.modeSource === "profile" ? profile : undefined) }));
  }
  if (net.networkAccessIgnored) out.push(emit("SANDBOX_NETWORK_ACCESS_IGNORED", { mode: net.mode ?? "?", source }));
  return out;
}

export const sandboxCheck = defineCheck({
  id: "sandbox",
  title: "Sandboxed commands (shell_environment_policy, network, egress)",
  codes,
  async run(ctx, { finding, signal }) {
    const emit: Emit = finding;
    const findings: Finding[] = [];
    if (ctx.config.error) {
      return {
        status: "skip",
        summary: "config.toml cannot be loaded",
        findings: [emit(ctx.config.error.kind === "too-large" ? "SANDBOX_CONFIG_NOT_READ" : "SANDBOX_CONFIG_UNREADABLE", { detail: ctx.config.error.message })],
        data: {},
      };
    }
    const raw = ctx.config.raw;
    const platform = ctx.platform;

    // The policy, as Codex reads it (profiles cannot set it).
    const parsed = parsePolicy(raw.shell_environment_policy);
    const typeIssues = parsed.issues.filter((i) => i.problem !== "unknown-key");
    if (typeIssues.length > 0) {
      const first = typeIssues[0];
      const example =
        first.path === "shell_environment_policy"
          ? '[shell_environment_policy]\ninherit = "all"'
          : first.expected.startsWith("one of")
            ? `[shell_environment_policy]\n${tomlKey(first.path.split(".").pop() ?? "inherit")} = "${meantInherit(first.got)}"`
            : fillTemplate("# {path} must be {expected}; see the config check for the corrected line", { path: first.path, expected: first.expected });
      findings.push(emit("SANDBOX_POLICY_INVALID", { count: typeIssues.length, first: `${first.path} is ${first.got}, expected ${first.expected}`, example }));
    }
    for (const issue of parsed.issues.filter((i) => i.problem === "unknown-key")) {
      const key = issue.got;
      const meant = UNKNOWN_POLICY_KEY_MEANT.find(([re]) => re.test(key))?.[1];
      const value = isTable(raw.shell_environment_policy) ? raw.shell_environment_policy[key] : undefined;
      let snippet = `[shell_environment_policy]\n# valid keys: ${issue.expected}`;
      if (meant === "include_only" && isTable(value)) {
        // include_only keeps ONLY what it lists: start from the core names so PATH and HOME survive.
        const wanted = Object.entries(value).filter(([, v]) => v === true).map(([k]) => k);
        const names = [...new Set([...coreVars(platform), ...wanted])].map((k) => JSON.stringify(k));
        snippet = `[shell_environment_policy]\ninclude_only = [${names.join(", ")}]   # keeps ONLY these names`;
      } else if (meant === "include_only" && Array.isArray(value)) {
        snippet = `[shell_environment_policy]\ninclude_only = [${value.map((v) => JSON.stringify(String(v))).join(", ")}]`;
      } else if (meant) {
        snippet = fillTemplate("[shell_environment_policy]\n{meant} = …   # rename {key} to {meant}", { meant, key });
      }
      findings.push(emit("SANDBOX_POLICY_UNKNOWN_KEY", { key, meant: meant ? `; you probably meant ${meant}` : "", snippet }));
    }
    findings.push(
      isTable(raw.shell_environment_policy) ? emit("SANDBOX_POLICY", { summary: policySummary(parsed.policy) }) : emit("SANDBOX_POLICY_DEFAULT"),
    );

    // The article's [shell_environment] / [shell_environment.include] shape.
    if (raw.shell_environment !== undefined) {
      const eq = articleEquivalent(raw.shell_environment, platform, ctx.env);
      const hasInclude = isTable(raw.shell_environment) && raw.shell_environment.include !== undefined;
      const plus = eq.added.length > 0 ? ` (it also keeps ${eq.added.join(", ")}, which you have set, so commands do not lose them)` : "";
      const effect = parsed.present
        ? `Codex uses your [shell_environment_policy] table alone. What the ignored table meant, as a policy${plus}:`
        : eq.restricts
          ? `With no [shell_environment_policy], every variable reaches commands today, so the restriction you wrote is not in force. Its [shell_environment_policy] equivalent${plus}:`
          : "With no [shell_environment_policy], every variable reaches commands anyway. Its [shell_environment_policy] equivalent:";
      findings.push(emit("SANDBOX_ARTICLE_SHAPE", { table: hasInclude ? "[shell_environment] with [shell_environment.include]" : "[shell_environment]", effect, snippet: eq.snippet }));
    }

    // Network.
    const profile = selectedProfile(ctx.config);
    const net = sandboxNetwork(raw, profile.table);
    findings.push(...networkFindings(emit, net, profile.name));
    const networkOn = net.network !== false;

    // Every CA and proxy variable, traced through the policy.
    const evaluation = evaluatePolicy(ctx.env, parsed.policy, platform);
    const watch = sandboxWatchList();
    const fates = watch.map((name) => evaluation.fate(name));
    const table: Table = { title: "CA and proxy variables in sandboxed commands", columns: ["variable", "Codex has it", "sandbox", "why"], rows: [] };
    const reaching: string[] = [];
    const needs: Need[] = [];
    let droppedAny = false;
    for (const fate of fates) {
      const name = fate.name;
      if (!fate.inCodexEnv && !fate.reaches && !fate.setDroppedByIncludeOnly) continue;
      if (fate.reaches) {
        const how = fate.source === "set" ? "set by the policy" : originOf(ctx, name);
        reaching.push(`${name} (${how})`);
        table.rows.push([name, originOf(ctx, name), `yes: ${display(name, fate.value ?? "")}`, fate.source === "set" ? (fate.restoredBySet ? `set restores it (${describeRemoval(fate.restoredBySet, platform)})` : "set") : "inherited"]);
        continue;
      }
      const why = fate.removedBy ? describeRemoval(fate.removedBy, platform) : "not set";
      table.rows.push([name, originOf(ctx, name), "no", fate.setDroppedByIncludeOnly ? "set, then dropped by include_only" : why]);
      if (fate.setDroppedByIncludeOnly) continue; // reported as SANDBOX_SET_DROPPED below
      droppedAny = true;
      findings.push(emit(networkOn ? "SANDBOX_VAR_DROPPED" : "SANDBOX_VAR_DROPPED_NO_NETWORK", { var: name, origin: originOf(ctx, name), why }));
      needs.push({ name, value: ctx.env[name] ?? "", fate });
    }
    for (const [name, value] of parsed.policy.set) {
      const fate = evaluation.fate(name);
      if (!fate.setDroppedByIncludeOnly) continue;
      const patterns = parsed.policy.includeOnly.map(tomlString).join(", ");
      findings.push(
        emit(networkOn ? "SANDBOX_SET_DROPPED" : "SANDBOX_SET_DROPPED_NO_NETWORK", { var: name, patterns, includeOnly: `${patterns}, ${tomlString(name)}` }),
      );
      if (watch.includes(name)) needs.push({ name, value, fate });
    }
    if (reaching.length > 0) findings.push(emit("SANDBOX_VARS_REACH", { vars: reaching.join(", ") }));
    if (fates.every((f) => !f.inCodexEnv && !f.reaches && !f.setDroppedByIncludeOnly)) findings.push(emit("SANDBOX_NO_CA_VARS"));

    // The egress proof (before the Node CA advice: a trusted chain makes that advice moot).
    const url = egressTarget(ctx);
    const spawnEnv = sandboxSpawnEnv(evaluation.env, { platform, networkDisabled: !networkOn, sandboxed: net.mode !== "danger-full-access" });
    let egress: EgressResult | null = null;
    const egressOut: Finding[] = [];
    if (ctx.options.offline) {
      egressOut.push(emit("SANDBOX_EGRESS_OFFLINE"));
    } else if (!networkOn) {
      egressOut.push(emit("SANDBOX_EGRESS_NO_NETWORK"));
    } else {
      egress = await runEgressProbe({ url, env: spawnEnv, timeoutMs: ctx.options.timeoutMs, signal });
    }

    // Node tools need NODE_EXTRA_CA_CERTS when Codex trusts a corporate bundle.
    const sel = ctx.ca.selection;
    const nodeFate = evaluation.fate("NODE_EXTRA_CA_CERTS");
    if (
      networkOn &&
      egress?.outcome !== "trusted" &&
      sel.path &&
      ctx.ca.codexLoads &&
      !nodeFate.reaches &&
      ctx.env.NODE_EXTRA_CA_CERTS === undefined &&
      !needs.some((n) => n.name === "NODE_EXTRA_CA_CERTS")
    ) {
      findings.push(emit("SANDBOX_NODE_CA_MISSING", { path: sel.path, var: sel.selectedBy ?? "" }));
      needs.push({ name: "NODE_EXTRA_CA_CERTS", value: sel.path, fate: nodeFate });
    }

    const fix = needs.length > 0 ? buildFix(parsed.policy, needs) : null;
    if (fix && networkOn) {
      findings.push(
        emit("SANDBOX_FIX", {
          vars: fix.vars.join(", "),
          action: parsed.present ? "replace the [shell_environment_policy] table in" : "add this to",
          path: ctx.config.path,
          snippet: fix.snippet,
        }),
      );
    }
    if (platform === "linux" && droppedAny) findings.push(emit("SANDBOX_BASHRC"));

    if (egress) {
      const policyFix = (extra: Need[]) => buildFix(parsed.policy, [...needs.filter((n) => !extra.some((e) => e.name === n.name)), ...extra]).snippet;
      const needsNode = needs.some((n) => n.name === "NODE_EXTRA_CA_CERTS");
      egressOut.push(...egressFindings(emit, egress, displayUrl(url), spawnEnv, ctx, policyFix, evaluation, needsNode));
    }
    findings.push(...egressOut);

    const dropped = findings.filter((f) => f.code === "SANDBOX_VAR_DROPPED" || f.code === "SANDBOX_SET_DROPPED").length;
    const egressText = egress ? `; egress: ${egress.outcome}` : "";
    return {
      summary: `network ${net.network === null ? "per [permissions]" : networkOn ? "on" : "off"}; ${reaching.length} CA/proxy variable(s) reach commands${dropped > 0 ? `, ${dropped} dropped` : ""}${egressText}`,
      findings,
      data: {
        policy: { present: parsed.present, ...parsed.policy, set: parsed.policy.set.map(([k]) => k) },
        sandbox: { mode: net.mode, modeSource: net.modeSource, network: net.network },
        vars: fates
          .filter((f) => f.inCodexEnv || f.reaches || f.setDroppedByIncludeOnly)
          .map((f) => ({
            name: f.name,
            origin: ctx.env[f.name] === undefined ? null : (ctx.origins[f.name] ?? "shell"),
            reaches: f.reaches,
            source: f.source ?? null,
            removedBy: f.removedBy?.rule ?? null,
            why: f.reaches ? null : f.removedBy ? describeRemoval(f.removedBy, platform) : "not set",
          })),
        fix: fix?.snippet ?? null,
        egress: egress
          ? { url, outcome: egress.outcome, code: egress.report?.code ?? null, status: egress.report?.status ?? null, via: egress.report?.via ?? null, durationMs: egress.durationMs }
          : null,
        tables: [table],
      },
    };
  },
});
