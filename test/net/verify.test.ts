import { beforeAll, describe, expect, it } from "vitest";
import {
  type TrustAnchor,
  type VerifyErrorCode,
  type VerifyInput,
  anchorFromCertificateDer,
  verifyServerChain,
} from "../../src/net/verify.js";
import {
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  type Minted,
  NOW,
  type Pki,
  days,
  dnsNameConstraints,
  ed25519Keys,
  mint,
  newKeys,
  rawExtension,
  reSign,
  rsaKeys,
  standardPki,
} from "./mint.js";

// Every case states what rustls/webpki (and therefore the Codex CLI) would decide.

interface Scenario {
  presented: Array<Minted | Uint8Array>;
  anchors: Array<Minted | TrustAnchor>;
  serverName?: string;
  now?: Date;
  cryptoProvider?: VerifyInput["cryptoProvider"];
}

interface Expectation {
  ok?: true;
  code?: VerifyErrorCode;
  webpki?: string;
  certIndex?: number;
  path?: number[];
  missingIssuer?: string;
  openssl?: string;
}

interface Case {
  name: string;
  build: (pki: Pki) => Promise<Scenario> | Scenario;
  expect: Expectation;
}

const ROOT = "CN=Corp Root CA, O=Corp";
const ISSUING = "CN=Corp Issuing CA, O=Corp";
// rsassaPss { sha256 (NULL params), mgf1(sha256), salt 32 }: RFC 4055 / rustls-pki-types alg_id::RSA_PSS_SHA256.
const PSS_SHA256_ALGORITHM = Buffer.from(
  "30410609" + "2a864886f70d01010a" + "3034" + "a00f300d06096086480165030402010500" +
    "a11c301a06092a864886f70d010108300d06096086480165030402010500" + "a203020120",
  "hex",
);
const ago = (n: number): Date => new Date(NOW.getTime() - days(n));
const ahead = (n: number): Date => new Date(NOW.getTime() + days(n));

function anchor(m: Minted | TrustAnchor): TrustAnchor {
  if ("spkiDer" in m) return m;
  const a = anchorFromCertificateDer(m.der, "test");
  if (!a) throw new Error(`test bug: ${m.subject} is not a usable anchor`);
  return a;
}

async function run(s: Scenario) {
  const input: VerifyInput = {
    presented: s.presented.map((c) => (c instanceof Uint8Array ? c : c.der)),
    anchors: s.anchors.map(anchor),
    serverName: s.serverName ?? "api.openai.com",
    now: s.now ?? NOW,
  };
  if (s.cryptoProvider) input.cryptoProvider = s.cryptoProvider;
  return verifyServerChain(input);
}

/** A leaf for api.openai.com issued by `issuer`, with overrides. */
function leafFor(issuer: Minted, extra: Partial<Parameters<typeof mint>[0]> = {}): Promise<Minted> {
  return mint({ subject: "CN=api.openai.com", issuer, ca: false, dns: ["api.openai.com"], eku: [EKU_SERVER_AUTH], ...extra });
}

/** root -> n intermediates -> leaf; returns [leaf, intermediates nearest-first..., root]. */
async function longChain(n: number): Promise<Minted[]> {
  const root = await mint({ subject: "CN=Deep Root", ca: true });
  let issuer = root;
  const intermediates: Minted[] = [];
  for (let i = 0; i < n; i++) {
    issuer = await mint({ subject: `CN=Deep Intermediate ${i}`, ca: true, issuer });
    intermediates.unshift(issuer);
  }
  return [await leafFor(issuer), ...intermediates, root];
}

const cases: Case[] = [
  // --- trust anchors: only name + key matter ---------------------------------------------
  {
    name: "leaf + intermediate presented, root anchor",
    build: ({ root, intermediate, leaf }) => ({ presented: [leaf, intermediate], anchors: [root] }),
    expect: { ok: true, path: [0, 1], openssl: "ok" },
  },
  {
    name: "leaf only presented, root anchor: no AIA fetching",
    build: ({ root, leaf }) => ({ presented: [leaf], anchors: [root] }),
    expect: { code: "UnknownIssuer", certIndex: 0, missingIssuer: ISSUING, openssl: "unable to get local issuer certificate" },
  },
  {
    name: "leaf + intermediate presented, only the intermediate is an anchor",
    build: ({ intermediate, leaf }) => ({ presented: [leaf, intermediate], anchors: [intermediate] }),
    expect: { ok: true, path: [0] },
  },
  {
    name: "expired root anchor still works",
    build: async () => {
      const root = await mint({ subject: ROOT, ca: true, notBefore: ago(4000), notAfter: ago(10) });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true, path: [0, 1] },
  },
  {
    name: "not-yet-valid root anchor still works",
    build: async () => {
      const root = await mint({ subject: ROOT, ca: true, notBefore: ahead(10), notAfter: ahead(4000) });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "CA:FALSE root anchor still works",
    build: async () => {
      const root = await mint({ subject: ROOT, ca: false });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "root anchor without basicConstraints still works",
    build: async () => {
      const root = await mint({ subject: ROOT });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "wrong root: same name, different key",
    build: async ({ intermediate, leaf }) => ({
      presented: [leaf, intermediate],
      anchors: [await mint({ subject: ROOT, ca: true })],
    }),
    expect: { code: "InvalidSignatureForPublicKey", certIndex: 1, openssl: "certificate signature failure" },
  },
  {
    name: "unrelated anchors only",
    build: async ({ intermediate, leaf }) => ({
      presented: [leaf, intermediate],
      anchors: [await mint({ subject: "CN=Someone Else", ca: true })],
    }),
    expect: { code: "UnknownIssuer", certIndex: 1, missingIssuer: ROOT },
  },
  {
    name: "no anchors at all",
    build: ({ intermediate, leaf }) => ({ presented: [leaf, intermediate], anchors: [] }),
    expect: { code: "UnknownIssuer", certIndex: 1, missingIssuer: ROOT },
  },
  {
    name: "leaf signed directly by the anchor",
    build: async ({ root }) => ({ presented: [await leafFor(root)], anchors: [root] }),
    expect: { ok: true, path: [0] },
  },
  {
    name: "server also sends the trusted root",
    build: ({ root, intermediate, leaf }) => ({ presented: [leaf, intermediate, root], anchors: [root] }),
    expect: { ok: true, path: [0, 1] },
  },
  {
    name: "server sends chain out of order",
    build: ({ root, intermediate, leaf }) => ({ presented: [leaf, root, intermediate], anchors: [root] }),
    expect: { ok: true, path: [0, 2] },
  },
  {
    name: "server sends its own untrusted self-signed root",
    build: async ({ root, intermediate, leaf }) => ({
      presented: [leaf, intermediate, root],
      anchors: [await mint({ subject: "CN=Public Root", ca: true })],
    }),
    expect: { code: "UnknownIssuer", certIndex: 2, missingIssuer: ROOT, openssl: "self-signed certificate in certificate chain" },
  },
  {
    name: "self-signed leaf that is not trusted",
    build: async ({ root }) => ({
      presented: [await mint({ subject: "CN=api.openai.com", ca: false, dns: ["api.openai.com"] })],
      anchors: [root],
    }),
    expect: { code: "UnknownIssuer", certIndex: 0, missingIssuer: "CN=api.openai.com", openssl: "self-signed certificate" },
  },

  // --- end-entity checks --------------------------------------------------------------------
  {
    name: "expired leaf",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { notBefore: ago(400), notAfter: ago(1) }), intermediate],
      anchors: [root],
    }),
    expect: { code: "Expired", certIndex: 0, openssl: "certificate has expired" },
  },
  {
    name: "expired leaf with unknown issuer: validity is checked before path building",
    build: async ({ intermediate }) => ({
      presented: [await leafFor(intermediate, { notBefore: ago(400), notAfter: ago(1) })],
      anchors: [await mint({ subject: "CN=Someone Else", ca: true })],
    }),
    expect: { code: "Expired", certIndex: 0 },
  },
  {
    name: "not-yet-valid leaf",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { notBefore: ahead(1), notAfter: ahead(400) }), intermediate],
      anchors: [root],
    }),
    expect: { code: "NotValidYet", certIndex: 0, openssl: "certificate is not yet valid" },
  },
  {
    name: "CA certificate presented as the leaf",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { ca: true }), intermediate],
      anchors: [root],
    }),
    expect: { code: "CaUsedAsEndEntity", certIndex: 0 },
  },
  {
    name: "leaf with clientAuth-only EKU",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { eku: [EKU_CLIENT_AUTH] }), intermediate],
      anchors: [root],
    }),
    expect: { code: "RequiredEkuNotFound", certIndex: 0, openssl: "unsupported certificate purpose" },
  },
  {
    name: "leaf without any EKU extension is fine",
    build: async ({ root, intermediate }) => {
      const leaf = await mint({ subject: "CN=api.openai.com", issuer: intermediate, dns: ["api.openai.com"] });
      return { presented: [leaf, intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "SHA-1 signed leaf",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { hash: "SHA-1" }), intermediate],
      anchors: [root],
    }),
    expect: { code: "UnsupportedSignatureAlgorithm", webpki: "UnsupportedSignatureAlgorithm", certIndex: 0, openssl: "CA signature digest algorithm too weak" },
  },
  {
    name: "leaf with an unknown critical extension",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { extensions: [rawExtension("1.3.6.1.4.1.99999.1", true)] }), intermediate],
      anchors: [root],
    }),
    expect: { code: "BadEncoding", webpki: "UnsupportedCriticalExtension", certIndex: 0 },
  },
  {
    name: "leaf with an unknown non-critical extension is fine",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { extensions: [rawExtension("1.3.6.1.4.1.99999.1", false)] }), intermediate],
      anchors: [root],
    }),
    expect: { ok: true },
  },
  {
    name: "garbage instead of a leaf",
    build: ({ root }) => ({ presented: [Uint8Array.of(1, 2, 3)], anchors: [root] }),
    expect: { code: "BadEncoding", certIndex: 0 },
  },

  // --- intermediates --------------------------------------------------------------------------
  {
    name: "presented intermediate with CA:FALSE",
    build: async ({ root }) => {
      const intermediate = await mint({ subject: ISSUING, ca: false, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "EndEntityUsedAsCa", certIndex: 1, openssl: "invalid CA certificate" },
  },
  {
    name: "presented intermediate without basicConstraints",
    build: async ({ root }) => {
      const intermediate = await mint({ subject: ISSUING, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "EndEntityUsedAsCa", certIndex: 1 },
  },
  {
    name: "expired intermediate",
    build: async ({ root }) => {
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, notBefore: ago(400), notAfter: ago(1) });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "Expired", certIndex: 1 },
  },
  {
    name: "expired presented intermediate that is also an anchor is never examined",
    build: async ({ root }) => {
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, notBefore: ago(400), notAfter: ago(1) });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [intermediate] };
    },
    expect: { ok: true, path: [0] },
  },
  {
    name: "intermediate with clientAuth-only EKU (EKU applies to the whole path)",
    build: async ({ root }) => {
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, eku: [EKU_CLIENT_AUTH] });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "RequiredEkuNotFound", certIndex: 1 },
  },
  {
    name: "pathLen 0 intermediate above another intermediate",
    build: async ({ root }) => {
      const upper = await mint({ subject: "CN=Upper CA", ca: true, pathLength: 0, issuer: root });
      const lower = await mint({ subject: "CN=Lower CA", ca: true, issuer: upper });
      return { presented: [await leafFor(lower), lower, upper], anchors: [root] };
    },
    expect: { code: "PathLenConstraintViolated", certIndex: 2, openssl: "path length constraint exceeded" },
  },
  {
    name: "backtracking: an expired duplicate of the intermediate is skipped",
    build: async ({ root, intermediate, leaf }) => {
      const stale = await mint({ subject: ISSUING, ca: true, issuer: root, keys: intermediate.keys, notBefore: ago(400), notAfter: ago(1) });
      return { presented: [leaf, stale, intermediate], anchors: [root] };
    },
    expect: { ok: true, path: [0, 2] },
  },
  {
    name: "ranking: Expired (290) beats EndEntityUsedAsCa (210) across candidates",
    build: async ({ root, intermediate, leaf }) => {
      const notCa = await mint({ subject: ISSUING, ca: false, issuer: root, keys: intermediate.keys });
      const stale = await mint({ subject: ISSUING, ca: true, issuer: root, keys: intermediate.keys, notBefore: ago(400), notAfter: ago(1) });
      return { presented: [leaf, notCa, stale], anchors: [root] };
    },
    expect: { code: "Expired", certIndex: 2 },
  },
  {
    name: "six intermediates is the maximum",
    build: async () => {
      const [leaf, ...rest] = await longChain(6);
      const root = rest.pop() as Minted;
      return { presented: [leaf as Minted, ...rest], anchors: [root] };
    },
    expect: { ok: true, path: [0, 1, 2, 3, 4, 5, 6] },
  },
  {
    name: "seven intermediates is too deep",
    build: async () => {
      const [leaf, ...rest] = await longChain(7);
      const root = rest.pop() as Minted;
      return { presented: [leaf as Minted, ...rest], anchors: [root] };
    },
    expect: { code: "MaximumPathDepthExceeded", certIndex: 7, openssl: "certificate chain too long" },
  },
  {
    name: "unparseable extra certificate outranks UnknownIssuer",
    build: ({ root, leaf }) => ({ presented: [leaf, Uint8Array.of(0x30, 0x01)], anchors: [root] }),
    expect: { code: "BadEncoding", certIndex: 1 },
  },

  // --- server name (checked after the path, SAN only) -----------------------------------------
  {
    name: "wrong host",
    build: ({ root, intermediate, leaf }) => ({ presented: [leaf, intermediate], anchors: [root], serverName: "chatgpt.com" }),
    expect: { code: "CertNotValidForName", certIndex: 0, openssl: "Hostname mismatch" },
  },
  {
    name: "host matching is case-insensitive and allows a trailing dot",
    build: ({ root, intermediate, leaf }) => ({ presented: [leaf, intermediate], anchors: [root], serverName: "API.OpenAI.com." }),
    expect: { ok: true },
  },
  {
    name: "subject CN is ignored when there is no SAN",
    build: async ({ root, intermediate }) => {
      const leaf = await mint({ subject: "CN=api.openai.com", issuer: intermediate, ca: false, eku: [EKU_SERVER_AUTH] });
      return { presented: [leaf, intermediate], anchors: [root] };
    },
    expect: { code: "CertNotValidForName", certIndex: 0 },
  },
  {
    name: "wrong host and untrusted: the path error wins",
    build: ({ leaf }) => ({ presented: [leaf], anchors: [], serverName: "chatgpt.com" }),
    expect: { code: "UnknownIssuer" },
  },
  {
    name: "IP SAN matches 127.0.0.1",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { dns: ["localhost"], ips: ["127.0.0.1"] }), intermediate],
      anchors: [root],
      serverName: "127.0.0.1",
    }),
    expect: { ok: true },
  },
  {
    name: "IP SAN does not match another address",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { ips: ["127.0.0.1"] }), intermediate],
      anchors: [root],
      serverName: "127.0.0.2",
    }),
    expect: { code: "CertNotValidForName", openssl: "IP address mismatch" },
  },
  {
    name: "a DNS SAN spelling an IP does not satisfy an IP server name",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { dns: ["127.0.0.1"] }), intermediate],
      anchors: [root],
      serverName: "127.0.0.1",
    }),
    expect: { code: "CertNotValidForName" },
  },
  {
    name: "IPv6 SAN matches a bracketed literal",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { ips: ["::1"] }), intermediate],
      anchors: [root],
      serverName: "[::1]",
    }),
    expect: { ok: true },
  },
  ...(["api.openai.com", "openai.com", "a.b.openai.com"] as const).map(
    (host): Case => ({
      name: `wildcard *.openai.com vs ${host}`,
      build: async ({ root, intermediate }) => ({
        presented: [await leafFor(intermediate, { dns: ["*.openai.com"] }), intermediate],
        anchors: [root],
        serverName: host,
      }),
      expect: host === "api.openai.com" ? { ok: true } : { code: "CertNotValidForName" },
    }),
  ),
  {
    name: "wildcard *.com is not a valid presented name",
    build: async ({ root, intermediate }) => ({
      presented: [await leafFor(intermediate, { dns: ["*.com"] }), intermediate],
      anchors: [root],
      serverName: "openai.com",
    }),
    expect: { code: "CertNotValidForName" },
  },

  // --- name constraints -----------------------------------------------------------------------
  {
    name: "root name constraints permit the leaf",
    build: async () => {
      const root = await mint({ subject: ROOT, ca: true, extensions: [dnsNameConstraints(["openai.com"])] });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "root name constraints exclude the leaf",
    build: async () => {
      const root = await mint({ subject: ROOT, ca: true, extensions: [dnsNameConstraints(["corp.example"])] });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "NameConstraintViolation", certIndex: 0 },
  },

  // --- signature algorithms -------------------------------------------------------------------
  {
    name: "RSA-2048 PKCS#1 SHA-256 root",
    build: async () => {
      const keys = await rsaKeys(2048);
      const sign = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
      const root = await mint({ subject: ROOT, ca: true, keys, signingAlgorithm: sign });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, signingAlgorithm: sign });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "RSA-PSS with absent hash parameters (as @peculiar/x509 encodes it) is not a webpki algorithm",
    build: async () => {
      const keys = await rsaKeys(2048, "RSA-PSS");
      const sign = { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 };
      const root = await mint({ subject: ROOT, ca: true, keys, signingAlgorithm: sign });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, signingAlgorithm: sign });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "UnsupportedSignatureAlgorithm", webpki: "UnsupportedSignatureAlgorithm", certIndex: 1 },
  },
  {
    name: "RSA-PSS SHA-256 with the exact RFC 4055 encoding webpki accepts",
    build: async () => {
      const keys = await rsaKeys(2048, "RSA-PSS");
      const root = await mint({ subject: ROOT, ca: true, keys, signingAlgorithm: { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 } });
      const draft = await mint({ subject: ISSUING, ca: true, issuer: root, signingAlgorithm: { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 } });
      const intermediate = { ...draft, der: await reSign(draft.der, PSS_SHA256_ALGORITHM, keys.privateKey, { name: "RSA-PSS", saltLength: 32 }) };
      return { presented: [await leafFor(draft), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "RSA-1024 root: ring refuses keys under 2048 bits",
    build: async () => {
      const keys = await rsaKeys(1024);
      const sign = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
      const root = await mint({ subject: ROOT, ca: true, keys, signingAlgorithm: sign });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, signingAlgorithm: sign });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { code: "InvalidSignatureForPublicKey", certIndex: 1 },
  },
  {
    name: "Ed25519 root",
    build: async () => {
      const keys = await ed25519Keys();
      const sign = { name: "Ed25519" };
      const root = await mint({ subject: ROOT, ca: true, keys, signingAlgorithm: sign });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, signingAlgorithm: sign });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  {
    name: "P-384 root signing with SHA-384",
    build: async () => {
      const root = await mint({ subject: ROOT, ca: true, keys: await newKeys("P-384") });
      const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root, hash: "SHA-384" });
      return { presented: [await leafFor(intermediate), intermediate], anchors: [root] };
    },
    expect: { ok: true },
  },
  ...(["ring", "aws-lc-rs"] as const).map(
    (provider): Case => ({
      name: `P-521 root with the ${provider} provider`,
      build: async () => {
        const root = await mint({ subject: ROOT, ca: true, keys: await newKeys("P-521") });
        const intermediate = await mint({ subject: ISSUING, ca: true, issuer: root });
        return { presented: [await leafFor(intermediate), intermediate], anchors: [root], cryptoProvider: provider };
      },
      expect: provider === "ring" ? { code: "UnsupportedSignatureAlgorithm", webpki: "UnsupportedSignatureAlgorithmForPublicKey", certIndex: 1 } : { ok: true },
    }),
  ),
];

describe("verifyServerChain (rustls/webpki semantics)", () => {
  let pki: Pki;
  beforeAll(async () => {
    pki = await standardPki();
  });

  it.each(cases)("$name", async ({ build, expect: want }) => {
    const result = await run(await build(pki));
    if (want.ok) {
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.opensslStyle).toBe("ok");
    } else {
      expect(result.ok).toBe(false);
      expect(result.error?.code).toBe(want.code);
      expect(result.error?.detail).toMatch(/\S/);
    }
    if (want.webpki) expect(result.error?.webpkiError).toBe(want.webpki);
    if (want.certIndex !== undefined) expect(result.error?.certIndex).toBe(want.certIndex);
    if (want.path) expect(result.path?.presentedIndexes).toEqual(want.path);
    if (want.missingIssuer) expect(result.missingIssuer).toBe(want.missingIssuer);
    if (want.openssl) expect(result.opensslStyle).toBe(want.openssl);
  });

  it("reports the missing issuer in the detail sentence", async () => {
    const result = await run({ presented: [pki.leaf], anchors: [pki.root] });
    expect(result.error?.detail).toContain(`'${ISSUING}'`);
  });

  it("returns the anchor reached", async () => {
    const result = await run({ presented: [pki.leaf, pki.intermediate], anchors: [pki.intermediate, pki.root] });
    expect(result.path?.anchor.label).toBe(ISSUING);
  });
});

describe("anchorFromCertificateDer", () => {
  it("keeps only subject, key, label and source", async () => {
    const root = await mint({ subject: ROOT, ca: true });
    const a = anchorFromCertificateDer(root.der, "CODEX_CA_CERTIFICATE");
    expect(a?.label).toBe(ROOT);
    expect(a?.source).toBe("CODEX_CA_CERTIFICATE");
    expect(a?.spkiDer).toEqual(new Uint8Array(root.cert.publicKey.rawData));
    expect(a?.subjectDer).toEqual(new Uint8Array(root.cert.subjectName.toArrayBuffer()));
  });

  it("keeps name constraints", async () => {
    const root = await mint({ subject: ROOT, ca: true, extensions: [dnsNameConstraints(["openai.com"])] });
    expect(anchorFromCertificateDer(root.der)?.nameConstraintsDer).toBeInstanceOf(Uint8Array);
  });

  it.each([
    ["garbage", Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)],
    ["empty", new Uint8Array()],
  ])("returns undefined for %s", (_name, der) => {
    expect(anchorFromCertificateDer(der)).toBeUndefined();
  });

  it("rejects a root with an unknown critical extension, as webpki does", async () => {
    const root = await mint({ subject: ROOT, ca: true, extensions: [rawExtension("1.3.6.1.4.1.99999.1", true)] });
    expect(anchorFromCertificateDer(root.der)).toBeUndefined();
  });
});
