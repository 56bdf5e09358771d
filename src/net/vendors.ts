// Who is intercepting: a fingerprint table over the presented chain's names and the proxy's
// response headers. Names are supporting evidence for the hint, never the verdict.
export interface Vendor {
  name: string;
  /** Matched against every presented certificate's subject and issuer. */
  names: RegExp;
  /** Matched against "header: value" lines of proxy or block-page responses. */
  headers?: RegExp;
  /** Where the vendor's agent usually installs its root on disk. */
  paths: string[];
}

export const VENDORS: Vendor[] = [
  {
    name: "Zscaler",
    names: /zscaler/i,
    headers: /^(x-zscaler-[\w-]+:|server: ?zscaler)/im,
    paths: [
      "/usr/local/share/ca-certificates/zscaler-root.crt",
      "/usr/local/share/ca-certificates/ZscalerRootCertificate-2048-SHA256.crt",
      "/Library/Application Support/Zscaler/ZscalerRootCertificate-2048-SHA256.crt",
      "C:\\ProgramData\\Zscaler\\ZscalerRootCertificate-2048-SHA256.crt",
    ],
  },
  {
    name: "Netskope",
    names: /netskope|goskope/i,
    headers: /^x-netskope-[\w-]+:/im,
    paths: [
      "/Library/Application Support/Netskope/STAgent/data/nscacert.pem",
      "/opt/netskope/stagent/data/nscacert.pem",
      "C:\\ProgramData\\netskope\\stagent\\data\\nscacert.pem",
    ],
  },
  {
    name: "Palo Alto Networks",
    names: /palo ?alto|globalprotect|\bPAN-/i,
    headers: /^x-pan-[\w-]+:/im,
    paths: ["/etc/pki/ca-trust/source/anchors/pan-root.pem", "/usr/local/share/ca-certificates/pan-root.crt"],
  },
  { name: "Fortinet", names: /fortinet|fortigate|fortiproxy/i, paths: ["/usr/local/share/ca-certificates/Fortinet_CA_SSL.crt"] },
  { name: "Cisco Umbrella", names: /cisco umbrella|opendns/i, headers: /^x-umbrella-[\w-]+:/im, paths: [] },
  { name: "Forcepoint", names: /forcepoint|websense/i, paths: [] },
  { name: "Symantec / Blue Coat", names: /blue ?coat|proxysg|symantec web/i, headers: /^x-bluecoat-via:/im, paths: [] },
  { name: "Check Point", names: /check ?point/i, paths: [] },
  { name: "Sophos", names: /sophos/i, paths: [] },
  { name: "mitmproxy", names: /mitmproxy/i, paths: ["~/.mitmproxy/mitmproxy-ca-cert.pem"] },
  { name: "Charles Proxy", names: /charles proxy/i, paths: [] },
  { name: "Fiddler", names: /fiddler/i, paths: [] },
  { name: "Burp Suite", names: /portswigger|burp/i, paths: [] },
  // Not "Via: … squid": Squid adds that to every response it relays, including the origin's own 401.
  { name: "Squid", names: /squid/i, headers: /^(server: squid|x-squid-error:)/im, paths: [] },
];

/** Generic install locations where a corporate root is often found. */
export const COMMON_CA_DIRS = ["/usr/local/share/ca-certificates", "/etc/pki/ca-trust/source/anchors"];

export function vendorFromNames(names: string[]): Vendor | undefined {
  return VENDORS.find((v) => names.some((n) => v.names.test(n)));
}

export function vendorFromHeaders(headers: Record<string, string>, body = ""): Vendor | undefined {
  const lines = Object.entries(headers)
    .map(([k, v]) => `${k.toLowerCase()}: ${v}`)
    .join("\n");
  return VENDORS.find((v) => (v.headers && v.headers.test(lines)) || (body && v.names.test(body.slice(0, 2048))));
}
