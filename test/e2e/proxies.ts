// Real proxies on loopback: squid (ssl-bump re-signing through root → intermediate → leaf, with a
// Basic-auth port and a port that strips WebSocket upgrades) and tinyproxy (plain CONNECT).
// Only the proxies can resolve the origin's names (squid: hosts_file; tinyproxy: its own mount
// namespace with its own /etc/hosts), so a client that bypasses the proxy fails instead of passing.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDaemon, type Daemon } from "./daemon.js";

export const SQUID_HELPERS = "/usr/lib/squid";

/** Fixed ports are safe: the e2e run has a network namespace of its own. */
export const PORTS = {
  /** ssl-bump, no authentication. */
  squidBump: 3128,
  /** ssl-bump behind Basic authentication. */
  squidAuth: 3129,
  /** ssl-bump that does not forward WebSocket upgrades (squid's default). */
  squidNoWebSocket: 3130,
  /** tinyproxy: CONNECT tunnels, no inspection. */
  tinyproxy: 8888,
} as const;

export const PROXY_USER = { user: "alice", pass: "s3cret-Pa55" } as const;

export interface SquidInput {
  dir: string;
  /** PEM of the re-signing CA (the intermediate) followed by its private key. */
  signingPem: string;
  /** The root that signs the origin: squid verifies the origin with it. */
  originRootPem: string;
  /** "name ip" lines squid resolves with. */
  hosts: string;
}

function ids(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return { uid, gid };
}

function squidConf(dir: string): string {
  const p = (name: string): string => join(dir, name);
  const bump = `ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=4MB tls-cert=${p("signing.pem")}`;
  return `
http_port 127.0.0.1:${PORTS.squidBump} ${bump}
http_port 127.0.0.1:${PORTS.squidAuth} ${bump}
http_port 127.0.0.1:${PORTS.squidNoWebSocket} ${bump}
sslcrtd_program ${SQUID_HELPERS}/security_file_certgen -s ${p("ssl_db")} -M 4MB
sslcrtd_children 3 startup=1 idle=1
acl step1 at_step SslBump1
ssl_bump peek step1
ssl_bump bump all
tls_outgoing_options cafile=${p("origin-root.pem")}

auth_param basic program ${SQUID_HELPERS}/basic_ncsa_auth ${p("htpasswd")}
auth_param basic realm codex-doctor-e2e
acl authed proxy_auth REQUIRED
acl auth_port localport ${PORTS.squidAuth}
acl no_ws_port localport ${PORTS.squidNoWebSocket}
http_access deny auth_port !authed
http_access allow localhost
http_access deny all
# Lower-case: squid 5.7 compares the Upgrade token case-sensitively and Codex sends "websocket".
http_upgrade_request_protocols websocket allow !no_ws_port

hosts_file ${p("hosts")}
cache deny all
cache_effective_user proxy
pid_filename ${p("squid.pid")}
access_log stdio:${p("access.log")}
cache_log ${p("cache.log")}
cache_store_log none
coredump_dir ${dir}
pinger_enable off
visible_hostname codex-doctor-e2e
shutdown_lifetime 0 seconds
`;
}

export async function startSquid(input: SquidInput): Promise<Daemon> {
  const { dir } = input;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "squid.conf"), squidConf(dir));
  writeFileSync(join(dir, "signing.pem"), input.signingPem, { mode: 0o600 });
  writeFileSync(join(dir, "origin-root.pem"), input.originRootPem);
  writeFileSync(join(dir, "hosts"), input.hosts);
  const hash = execFileSync("openssl", ["passwd", "-apr1", PROXY_USER.pass], { encoding: "utf8" }).trim();
  writeFileSync(join(dir, "htpasswd"), `${PROXY_USER.user}:${hash}\n`);
  execFileSync(`${SQUID_HELPERS}/security_file_certgen`, ["-c", "-s", join(dir, "ssl_db"), "-M", "4MB"], { stdio: "pipe" });
  for (const log of ["access.log", "cache.log"]) writeFileSync(join(dir, log), "");
  // squid drops from root to `proxy`; it must still read its files and write its logs and cert db.
  const { uid, gid } = ids("proxy");
  execFileSync("chown", ["-R", `${uid}:${gid}`, dir]);
  chmodSync(dir, 0o755);
  return startDaemon({
    name: "squid",
    command: "squid",
    args: ["-N", "-f", join(dir, "squid.conf")],
    outputFile: join(dir, "squid.out"),
    logs: [join(dir, "cache.log")],
    ports: [PORTS.squidBump, PORTS.squidAuth, PORTS.squidNoWebSocket],
  });
}

export async function startTinyproxy(input: { dir: string; hosts: string }): Promise<Daemon> {
  const { dir } = input;
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "tinyproxy.conf");
  const log = join(dir, "tinyproxy.log");
  writeFileSync(
    conf,
    [
      "User nobody",
      "Group nogroup",
      `Port ${PORTS.tinyproxy}`,
      "Listen 127.0.0.1",
      "Timeout 60",
      `LogFile "${log}"`,
      "LogLevel Info",
      "MaxClients 50",
      "Allow 127.0.0.1",
      "ConnectPort 443",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "hosts"), input.hosts);
  writeFileSync(log, "");
  chownSync(log, ids("nobody").uid, ids("nobody").gid);
  chmodSync(dir, 0o755);
  // tinyproxy resolves with the system resolver: give it, and only it, a hosts file naming the origin.
  return startDaemon({
    name: "tinyproxy",
    command: "unshare",
    args: ["--mount", "--", "sh", "-c", 'mount --bind "$1" /etc/hosts && exec tinyproxy -d -c "$2"', "sh", join(dir, "hosts"), conf],
    outputFile: join(dir, "tinyproxy.out"),
    logs: [log],
    ports: [PORTS.tinyproxy],
  });
}
