// The e2e world, inside the private network + mount namespace test/e2e/launch.ts starts:
// loopback up, nothing else reachable; a "public" CA that signs the origin and sits in the platform
// store (bind-mounted over the system bundle, for this namespace only); a corporate root →
// intermediate that squid re-signs with; and a root that has nothing to do with either.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintCorporateChain, mintIntermediate, mintLeaf, mintRoot, type Minted } from "../../src/lab/pki.js";

/** The names Codex and the doctor talk to; only the proxies resolve them (to ORIGIN_IP). */
export const ORIGIN_NAMES = ["api.openai.com", "auth.openai.com", "chatgpt.com"];
export const ORIGIN_IP = "127.0.0.1";
export const ORIGIN_PORT = 443;
/** Where Debian's platform store lives; /usr/lib/ssl/cert.pem links to it. */
export const SYSTEM_STORE = "/etc/ssl/certs/ca-certificates.crt";

export interface Pki {
  publicRoot: Minted;
  /** Issues the origin's certificate; the origin sends it after its leaf, as public sites do. */
  publicIntermediate: Minted;
  origin: Minted;
  corpRoot: Minted;
  corpIntermediate: Minted;
  otherRoot: Minted;
}

export interface World {
  dir: string;
  pki: Pki;
  /** "ip names" line for the proxies' hosts files. */
  hosts: string;
  /** Files scenarios point CA variables at. */
  files: { corpRoot: string; otherRoot: string; truncatedBundle: string; derRoot: string };
  dispose(): void;
}

const namespaceOf = (kind: "net" | "mnt"): string => readlinkSync(`/proc/self/ns/${kind}`);

/** launch.ts records its own (the machine's) namespaces here before it starts vitest in new ones. */
export const OUTER_NAMESPACES_ENV = "CODEX_DOCTOR_E2E_OUTER_NS";

export const currentNamespaces = (): string => `${namespaceOf("net")} ${namespaceOf("mnt")}`;

/** Refuse to touch /etc unless this process really has network and mount namespaces of its own. */
export function assertPrivateNamespaces(): void {
  const outer = process.env[OUTER_NAMESPACES_ENV]?.split(" ") ?? [];
  const [net, mnt] = currentNamespaces().split(" ");
  if (outer.length !== 2 || outer[0] === net || outer[1] === mnt) {
    throw new Error("The e2e tests must run in their own network and mount namespaces: start them with `npm run test:e2e` (test/e2e/launch.ts).");
  }
}

async function mintPki(): Promise<Pki> {
  const publicRoot = await mintRoot({ cn: "E2E Public Root CA", o: "E2E Trust Services" });
  const publicIntermediate = await mintIntermediate(publicRoot, { cn: "E2E Public Issuing CA", o: "E2E Trust Services" });
  const origin = await mintLeaf(publicIntermediate, { dnsNames: ORIGIN_NAMES, loopbackNames: false });
  const { root: corpRoot, intermediate: corpIntermediate } = await mintCorporateChain({ vendor: "zscaler" });
  const otherRoot = await mintRoot({ cn: "Other Corp Root CA", o: "Other Corp" });
  return { publicRoot, publicIntermediate, origin, corpRoot, corpIntermediate, otherRoot };
}

export async function createWorld(): Promise<World> {
  assertPrivateNamespaces();
  execFileSync("ip", ["link", "set", "lo", "up"]);
  const dir = mkdtempSync(join(tmpdir(), "codex-doctor-e2e-"));
  // squid and tinyproxy drop root and must reach their files below (nothing secret lives here).
  chmodSync(dir, 0o755);
  const pki = await mintPki();

  // The platform store = the machine's public roots + the origin's "public" root.
  const store = join(dir, "system-store.pem");
  writeFileSync(store, readFileSync(SYSTEM_STORE, "utf8") + pki.publicRoot.certPem);
  execFileSync("mount", ["--bind", store, SYSTEM_STORE]);
  if (!readFileSync(realpathSync("/usr/lib/ssl/cert.pem"), "utf8").endsWith(pki.publicRoot.certPem)) {
    throw new Error("the bind-mounted platform store is not what /usr/lib/ssl/cert.pem reads");
  }

  const files = {
    corpRoot: join(dir, "corp-root.pem"),
    otherRoot: join(dir, "other-root.pem"),
    // The right root, then a block cut off before its END line: Codex refuses the whole file.
    truncatedBundle: join(dir, "truncated-bundle.pem"),
    derRoot: join(dir, "corp-root.der"),
  };
  writeFileSync(files.corpRoot, pki.corpRoot.certPem);
  writeFileSync(files.otherRoot, pki.otherRoot.certPem);
  writeFileSync(files.truncatedBundle, `${pki.corpRoot.certPem}-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG\n`);
  writeFileSync(files.derRoot, pki.corpRoot.certDer);

  return {
    dir,
    pki,
    hosts: `127.0.0.1 localhost\n${ORIGIN_IP} ${ORIGIN_NAMES.join(" ")}\n`,
    files,
    dispose() {
      try {
        execFileSync("umount", [SYSTEM_STORE]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
