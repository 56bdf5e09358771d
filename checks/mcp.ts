// Remote MCP servers (`[mcp_servers.<name>] url = "https://…"`): each is probed over HTTPS through
// the proxy Codex would pick, with the shared trust, without credentials. A required server that
// fails fails the check (Codex will not start a session without it); an optional one only warns
// (Codex starts without its tools). Disabled servers are skipped; stdio servers (`command`) have
// no connection to probe. `bearer_token_env_var` / `env_http_headers` naming unset variables are
// flagged — by name only, values are never read into a finding.
import { defineCheck, fillTemplate, makeFinding, type Finding, type FindingSpec, type Vars } from "../src/check.js";
import type { CheckContext } from "../src/context.js";
import { isTable, type TomlTable } from "../src/codex/config.js";
import type { Target } from "../src/codex/endpoints.js";
import { probeHttp } from "../src/net/http-probe.js";
import { NET_CODES, diagnoseFailure, interceptionDiagnosis } from "./lib/net-findings.js";
import { connectAsCodex, connectionAsCodex } from "./lib/codex-net.js";
import { blockPage } from "../src/net/block-page.js";
import { chainData } from "../src/net/chain-table.js";
import { displayUrl } from "../src/net/proxy.js";
import { tomlType } from "../src/codex/toml.js";

const ENTRY_HINT =
  'A remote server: [mcp_servers.{name}] url = "https://mcp.example.com/mcp" (optional: required = true, bearer_token_env_var = "MY_MCP_TOKEN"); a local one: command = "npx" with args = [...].';

const codes = {
  MCP_NONE: { level: "info", message: "No MCP servers in {path}." },
  MCP_CONFIG_UNREADABLE: {
    level: "info",
    message: "config.toml could not be parsed ({detail}), so the MCP servers are unknown (see the config check).",
  },
  // info: a malformed entry (or an inline bearer_token) makes Codex refuse config.toml; that verdict
  // and its fix belong to the config check. Here it only means "nothing to probe".
  MCP_CONFIG_INVALID: {
    level: "info",
    message: "mcp_servers is {type}, not a table: no MCP server could be checked (the config check reports it).",
    hint: 'Give each server its own table:\n[mcp_servers.docs]\nurl = "https://mcp.example.com/mcp"',
  },
  MCP_ENTRY_INVALID: {
    level: "info",
    message: "MCP server \"{name}\": {detail}. Not probed (the config check reports it).",
    hint: ENTRY_HINT,
  },
  MCP_ENTRY_UNUSABLE: {
    level: "warn",
    message: "MCP server \"{name}\": {detail}. Codex cannot use this entry, so it was not probed.",
    hint: ENTRY_HINT,
  },
  MCP_DISABLED: { level: "info", message: "MCP server \"{name}\" is disabled (enabled = false): not probed." },
  MCP_STDIO: {
    level: "info",
    message: "MCP server \"{name}\" is a local stdio server (command = \"{command}\"): Codex starts it as a process, so there is no connection to probe here.",
  },
  MCP_PLAIN_HTTP: {
    level: "info",
    message: "MCP server \"{name}\" uses plain http ({url}): there is no TLS to check.",
  },
  // info, not warn: the config check (CONFIG_BEARER_ENV_UNSET) already warns about the same
  // variable, offline too; here it explains why a reachable server may still not start.
  MCP_TOKEN_ENV_UNSET: {
    level: "info",
    message: "MCP server \"{name}\": bearer_token_env_var names {var}, which is {state} in Codex's environment, so Codex fails to start this server (\"Environment variable {var} for MCP server '{name}' is {state}\").",
    hint: "export {var:sh}=<token> before starting Codex, or put it in $CODEX_HOME/.env.",
  },
  MCP_HEADER_ENV_UNSET: {
    level: "info",
    message: "MCP server \"{name}\": env_http_headers takes {header} from {var}, which is unset or empty, so Codex sends the request without that header.",
  },
  MCP_REACHABLE: {
    level: "info",
    message: "MCP server \"{name}\"{required}: {url} answered HTTP {status} over verified TLS{route} (any status proves the path; no credentials were sent).",
  },
  MCP_INTERCEPTED: {
    level: "info",
    message: "TLS to MCP server \"{name}\" ({host}) is intercepted{vendor}: it verifies only thanks to {trust}. Codex's MCP HTTP client was not confirmed to load CODEX_CA_CERTIFICATE.",
  },
  MCP_REQUIRED_FAILED: {
    level: "error",
    message: "Required MCP server \"{name}\" ({url}) cannot be reached: {cause:text} [{causeCode}]. Codex will not start a session while a required MCP server fails.",
    hint: "{fix:text}\nOr, if you can work without it: set required = false under [mcp_servers.{name}].",
  },
  MCP_OPTIONAL_FAILED: {
    level: "warn",
    message: "MCP server \"{name}\" ({url}) cannot be reached: {cause:text} [{causeCode}]. Codex starts without its tools.",
    hint: "{fix:text}",
  },
} satisfies Record<string, FindingSpec>;

type Code = keyof typeof codes;
type Emit = (code: Code, vars?: Vars) => Finding;

interface Remote {
  name: string;
  required: boolean;
  url: URL;
}

interface Plan {
  findings: Finding[];
  remotes: Remote[];
  servers: Record<string, unknown>[];
}

function unsetState(ctx: CheckContext, name: string): "not set" | "empty" | undefined {
  const value = ctx.env[name];
  if (value === undefined) return "not set";
  if (value === "") return "empty";
  return undefined;
}

/** One entry of `mcp_servers`: what it is, what is wrong with it, whether to probe it. */
function planEntry(ctx: CheckContext, name: string, entry: unknown, finding: Emit, plan: Plan): void {
  // Wrong TOML types are the config check's verdict; what only makes sense here (no command and no
  // url, a url that is not one) is reported here.
  const report = (code: "MCP_ENTRY_INVALID" | "MCP_ENTRY_UNUSABLE") => (detail: string) => {
    plan.findings.push(finding(code, { name, detail }));
    plan.servers.push({ name, kind: "invalid", detail });
  };
  const invalid = report("MCP_ENTRY_INVALID");
  const unusable = report("MCP_ENTRY_UNUSABLE");
  if (!isTable(entry)) return invalid(`is ${tomlType(entry)}, not a table`);
  const e = entry as TomlTable;
  for (const key of ["enabled", "required"] as const) {
    if (e[key] !== undefined && typeof e[key] !== "boolean") return invalid(`${key} is ${tomlType(e[key])}, not true or false`);
  }
  for (const key of ["url", "command", "bearer_token_env_var"] as const) {
    if (e[key] !== undefined && typeof e[key] !== "string") return invalid(`${key} is ${tomlType(e[key])}, not a string`);
  }
  if (e.env_http_headers !== undefined && (!isTable(e.env_http_headers) || Object.values(e.env_http_headers).some((v) => typeof v !== "string"))) {
    return invalid("env_http_headers must be a table of header = \"VARIABLE_NAME\" strings");
  }
  const required = e.required === true;
  if (e.enabled === false) {
    plan.findings.push(finding("MCP_DISABLED", { name }));
    plan.servers.push({ name, kind: "disabled", required });
    return;
  }
  const url = e.url as string | undefined;
  const command = e.command as string | undefined;
  if (url !== undefined && command !== undefined) return unusable("sets both command (stdio) and url (streamable HTTP)");
  if (command !== undefined) {
    plan.findings.push(finding("MCP_STDIO", { name, command: command.split(/[\\/]/).pop() ?? command }));
    plan.servers.push({ name, kind: "stdio", required });
    return;
  }
  if (url === undefined) return unusable("sets neither command (stdio) nor url (streamable HTTP)");
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return unusable("url is not a valid URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return unusable(`url has the scheme ${parsed.protocol.replace(/:$/, "")}, not http or https`);
  const tokenVar = e.bearer_token_env_var as string | undefined;
  if (tokenVar !== undefined) {
    const state = unsetState(ctx, tokenVar);
    if (state) plan.findings.push(finding("MCP_TOKEN_ENV_UNSET", { name, var: tokenVar, state }));
  }
  if (isTable(e.env_http_headers)) {
    for (const [header, variable] of Object.entries(e.env_http_headers)) {
      if (unsetState(ctx, variable as string)) plan.findings.push(finding("MCP_HEADER_ENV_UNSET", { name, header, var: variable as string }));
    }
  }
  if (parsed.protocol === "http:") {
    plan.findings.push(finding("MCP_PLAIN_HTTP", { name, url: displayUrl(parsed.href) }));
    plan.servers.push({ name, kind: "plain-http", required, url: displayUrl(parsed.href) });
    return;
  }
  plan.remotes.push({ name, required, url: parsed });
}

async function probeRemote(ctx: CheckContext, remote: Remote, finding: Emit, signal: AbortSignal) {
  const { name, url } = remote;
  const host = `${url.hostname}:${url.port || 443}`;
  const shown = displayUrl(url.href);
  // The query string can hold a credential (?token=…): probe the origin and path only.
  const target: Target = { id: `mcp-${name}`, label: `MCP server ${name}`, url: `${url.origin}${url.pathname}`, kind: "https", method: "GET" };
  // The TLS verdict for this host is gathered once per run (shared with the proxy check's hosts).
  const facts = await connectionAsCodex(ctx, url, signal);
  const probe = facts.ok
    ? await probeHttp({ target, route: facts.route, connect: () => connectAsCodex(ctx, url, facts.route, signal), timeoutMs: ctx.options.timeoutMs, signal })
    : ({ ok: false, route: facts.route, failure: facts.failure! } as const);
  const route = probe.route.proxy ? ` through ${probe.route.proxy.display}` : "";
  const findings: Finding[] = [];
  let causeCode: string | null = null;
  const failed = (code: string, cause: string, fix: string) => {
    causeCode = code;
    findings.push(finding(remote.required ? "MCP_REQUIRED_FAILED" : "MCP_OPTIONAL_FAILED", { name, url: shown, cause, causeCode: code, fix }));
  };
  if (probe.ok) {
    const intercepted = facts.interception ? interceptionDiagnosis(url, facts.interception) : undefined;
    const block = blockPage(probe.answer, intercepted !== undefined);
    if (block) {
      failed(
        "PROXY_BLOCK_PAGE",
        fillTemplate("HTTP {status} from a proxy block page{vendor}, not from the server", { status: probe.answer.status, vendor: block.vendor }),
        fillTemplate("Your proxy's policy blocks {host}. Ask your network team to allow {host} for Codex (category/URL allow-list).", { host }),
      );
    } else {
      findings.push(finding("MCP_REACHABLE", { name, required: remote.required ? " (required)" : "", url: shown, status: probe.answer.status, route }));
      if (intercepted) {
        findings.push(finding("MCP_INTERCEPTED", { name, host, vendor: intercepted.vars.vendor, trust: ctx.ca.trust.description }));
      }
    }
  } else {
    // The shared diagnosis decides the cause; its text is carried inside this check's own code so
    // the level can follow `required` (the shared codes are all errors).
    const d = await diagnoseFailure(ctx, url, probe.route, probe.failure, facts.ok ? undefined : facts.missingIssuerFound);
    const rendered = makeFinding(d.code, NET_CODES[d.code], d.vars);
    failed(d.code, rendered.message.replace(/\.$/, ""), rendered.hint ?? "");
  }
  return {
    findings,
    data: {
      name,
      kind: "remote",
      required: remote.required,
      url: shown,
      status: probe.ok ? probe.answer.status : null,
      stage: probe.ok ? "answered" : probe.failure.stage,
      code: probe.ok ? null : probe.failure.code,
      cause: causeCode,
      chain: chainData(probe.ok ? probe.tls.chain : probe.failure.chain),
    },
  };
}

export const mcpCheck = defineCheck({
  id: "mcp",
  title: "Remote MCP servers over HTTPS",
  network: true,
  codes,
  async run(ctx, { finding, signal }) {
    if (ctx.config.error) {
      return { status: "skip", summary: "config.toml could not be parsed", findings: [finding("MCP_CONFIG_UNREADABLE", { detail: ctx.config.error.message })] };
    }
    // Profiles cannot set mcp_servers (not a ConfigProfile key): the file's top level is what counts.
    const servers = ctx.config.raw.mcp_servers;
    if (servers === undefined || (isTable(servers) && Object.keys(servers).length === 0)) {
      return { status: "skip", summary: "no MCP servers configured", findings: [finding("MCP_NONE", { path: ctx.config.path })] };
    }
    if (!isTable(servers)) {
      return { status: "skip", summary: "mcp_servers is malformed", findings: [finding("MCP_CONFIG_INVALID", { type: tomlType(servers) })], data: { servers: [] } };
    }
    const plan: Plan = { findings: [], remotes: [], servers: [] };
    for (const [name, entry] of Object.entries(servers)) planEntry(ctx, name, entry, finding, plan);
    const probed = await Promise.all(plan.remotes.map((remote) => probeRemote(ctx, remote, finding, signal)));
    const findings = [...plan.findings, ...probed.flatMap((p) => p.findings)];
    const data = { servers: [...plan.servers, ...probed.map((p) => p.data)] };
    if (probed.length === 0) {
      const problems = findings.some((f) => f.level !== "info");
      return { status: problems ? "warn" : "skip", summary: "no remote MCP server to probe", findings, data };
    }
    const down = probed.filter((p) => p.data.cause !== null).map((p) => p.data.name);
    const summary =
      down.length === 0
        ? `${probed.length} remote MCP server(s) answered over verified TLS`
        : `unreachable MCP server(s): ${down.join(", ")}`;
    return { summary, findings, data };
  },
});
