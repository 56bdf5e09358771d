// Proxy selection must match reqwest/hyper-util's env matcher exactly: a wrong route is a wrong
// verdict (the doctor would probe direct while Codex goes through the proxy, or the reverse).
import { describe, expect, it } from "vitest";
import { noProxyMatch, parseProxyUrl, resolveProxy } from "../../src/net/proxy.js";

const API = "https://api.openai.com/v1/models";

describe("resolveProxy (hyper-util Matcher::from_env)", () => {
  const rows: { name: string; env: Record<string, string>; target?: string; via: string | null; bypass?: boolean; ignored?: string[]; httpIgnored?: boolean }[] = [
    { name: "HTTPS_PROXY wins", env: { HTTPS_PROXY: "http://a:1", https_proxy: "http://b:2", ALL_PROXY: "http://c:3" }, via: "HTTPS_PROXY" },
    { name: "https_proxy when HTTPS_PROXY is unset", env: { https_proxy: "http://b:2" }, via: "https_proxy" },
    { name: "an empty HTTPS_PROXY hides https_proxy: direct", env: { HTTPS_PROXY: "", https_proxy: "http://b:2" }, via: null },
    { name: "an empty HTTPS_PROXY falls back to ALL_PROXY", env: { HTTPS_PROXY: "", ALL_PROXY: "http://c:3" }, via: "ALL_PROXY" },
    {
      name: "a malformed HTTPS_PROXY falls back to ALL_PROXY, not https_proxy",
      env: { HTTPS_PROXY: "http://p:1:2", https_proxy: "http://b:2", ALL_PROXY: "http://c:3" },
      via: "ALL_PROXY",
      ignored: ["HTTPS_PROXY"],
    },
    { name: "an unsupported scheme is ignored", env: { HTTPS_PROXY: "ftp://p:21" }, via: null, ignored: ["HTTPS_PROXY"] },
    { name: "whitespace makes a value unparseable", env: { HTTPS_PROXY: " http://p:1" }, via: null, ignored: ["HTTPS_PROXY"] },
    { name: "HTTP_PROXY alone does not apply to https", env: { HTTP_PROXY: "http://h:1" }, via: null, httpIgnored: true },
    { name: "HTTP_PROXY does apply to a plain http target", env: { HTTP_PROXY: "http://h:1" }, target: "http://example.test/", via: "HTTP_PROXY" },
    { name: "wss targets use the https variables", env: { HTTPS_PROXY: "http://a:1" }, target: "wss://chatgpt.com/backend-api/codex/responses", via: "HTTPS_PROXY" },
    { name: "a CGI environment never uses a proxy", env: { HTTPS_PROXY: "http://a:1", REQUEST_METHOD: "GET" }, via: null },
    { name: "NO_PROXY domain covers subdomains", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "openai.com" }, via: null, bypass: true },
    { name: "NO_PROXY leading dot", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: ".openai.com" }, via: null, bypass: true },
    { name: "NO_PROXY *.domain matches nothing in reqwest", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "*.openai.com" }, via: "HTTPS_PROXY" },
    { name: "NO_PROXY host:port matches nothing in reqwest", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "api.openai.com:443" }, via: "HTTPS_PROXY" },
    { name: "NO_PROXY suffix must sit on a label boundary", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "ai.com" }, via: "HTTPS_PROXY" },
    { name: "an empty NO_PROXY hides no_proxy", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "", no_proxy: "*" }, via: "HTTPS_PROXY" },
    { name: "no_proxy when NO_PROXY is unset", env: { HTTPS_PROXY: "http://a:1", no_proxy: "*" }, via: null, bypass: true },
    { name: "NO_PROXY CIDR", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "127.0.0.0/8" }, target: "https://127.0.0.1:8443/", via: null, bypass: true },
    { name: "NO_PROXY exact IP", env: { HTTPS_PROXY: "http://a:1", NO_PROXY: "127.0.0.1" }, target: "https://127.0.0.1:8443/", via: null, bypass: true },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const d = resolveProxy(row.target ?? API, row.env);
      expect(d.via).toBe(row.via);
      expect(d.bypassedBy !== undefined).toBe(row.bypass ?? false);
      expect((d.ignored ?? []).map((i) => i.via)).toEqual(row.ignored ?? []);
      expect(d.httpProxyIgnored ?? false).toBe(row.httpIgnored ?? false);
    });
  }

  it("--proxy overrides the environment", () => {
    expect(resolveProxy(API, { HTTPS_PROXY: "http://a:1" }, "http://o:9").via).toBe("--proxy");
  });
});

describe("parseProxyUrl", () => {
  it("takes a value without a scheme as http://, credentials decoded but never displayed", () => {
    const p = parseProxyUrl("alice:p%40ss@proxy.corp:3128");
    expect(p).toMatchObject({ scheme: "http", host: "proxy.corp", port: 3128, username: "alice", password: "p@ss", supported: true });
    expect(p.display).toBe("http://alice:****@proxy.corp:3128");
  });

  it("flags SOCKS but keeps it selected (support varies by Codex build)", () => {
    expect(parseProxyUrl("socks5h://127.0.0.1:1080")).toMatchObject({ problem: "socks", port: 1080 });
  });

  it("masks the password of a malformed value too", () => {
    expect(parseProxyUrl("alice:s3cret@:8080").display).not.toContain("s3cret");
  });
});

describe("parseProxyUrl reads values like hyper-util's parse_env_uri over http::Uri", () => {
  // [value, what Codex makes of it]: ignored (None → next variable), or the proxy it dials.
  const rows: [string, Partial<ReturnType<typeof parseProxyUrl>>][] = [
    ["http://alice:50%off@proxy:8080", { host: "proxy", port: 8080, username: "alice", password: "50%off", supported: true, problem: undefined }],
    ["http://alice:p%40ss@proxy:8080", { host: "proxy", port: 8080, password: "p@ss", passwordTruncated: undefined }],
    ["http://alice:p@ss@proxy:8080", { host: "proxy", port: 8080, password: "p", passwordTruncated: true }],
    ["http://alice@proxy:8080", { host: "proxy", username: "alice", password: undefined }],
    ["http://u:%E9@h:1", { password: "\uFFFD" }],
    // The authority ends at the first "/", "?" or "#": the host comes from the credentials.
    ["http://alice:Tr0ub4dor#s3cret@proxy:8080", { problem: "broken", cutAt: "#", host: "alice", port: 80, intended: "proxy:8080", password: undefined }],
    ["http://alice:pw1234/x@proxy:8080", { problem: "broken", cutAt: "/", host: "alice", port: 80 }],
    ["http://alice:1234#x@proxy:8080", { problem: "broken", cutAt: "#", host: "alice", port: 1234 }],
    // Reads as host:port and a path: Codex dials alice:1234 (probed; display still masked).
    ["http://alice:1234/x@proxy:8080", { problem: undefined, host: "alice", port: 1234, display: "http://alice:****@proxy:8080" }],
    ["http://proxy:8080/path@x", { problem: undefined, host: "proxy", port: 8080, supported: true }],
    ["http://alice:a?b@proxy:8080", { problem: "broken", cutAt: "?" }],
    ["http://:8080", { problem: "broken", reason: "it names no host" }],
    // The port is not validated while parsing: the scheme's default is used.
    ["http://proxy:abc", { host: "proxy", port: 80, supported: true }],
    ["http://proxy:99999", { host: "proxy", port: 80 }],
    ["https://proxy", { host: "proxy", port: 443, supported: true }],
    ["HTTP://proxy:3128", { scheme: "http", supported: true }],
    ["http://[::1]:3128", { host: "::1", port: 3128 }],
    ["http://proxy:8080/some/path?q=1#f", { host: "proxy", port: 8080, supported: true, display: "http://proxy:8080/some/path" }],
    ["socks4a://h:1", { problem: "socks" }],
    // Refused by http::Uri or hyper-util: ignored as if unset.
    ["http://proxy:8080\u0000", { problem: "malformed", reason: "it contains a NUL byte" }],
    ["http://alice:p\u0000w@proxy:8080", { problem: "malformed", reason: "it contains a NUL byte" }],
    ["http://proxy:8080/\u0000", { problem: "malformed", reason: "it contains a NUL byte" }],
    ["http://alice:my pass@proxy:8080", { problem: "malformed", reason: "it contains whitespace" }],
    ["http://pro|xy:8080", { problem: "malformed" }],
    ["http://proxy:80:80", { problem: "malformed" }],
    ["http://alice:pw@", { problem: "malformed" }],
    ["http://pro%78y:8080", { problem: "malformed" }],
    ["http://proxy:8080/a b", { problem: "malformed" }],
    ["proxy:8080/", { problem: "malformed" }],
    ["http://", { problem: "malformed" }],
    ["SOCKS5://h:1", { problem: "unsupported-scheme" }],
    ["ftp://h:21", { problem: "unsupported-scheme" }],
  ];
  it.each(rows)("%j", (raw, expected) => {
    const p = parseProxyUrl(raw);
    for (const [key, value] of Object.entries(expected)) expect(p[key as keyof typeof p], key).toEqual(value);
  });

  it("never shows any part of a password, however the value breaks", () => {
    for (const raw of ["http://alice:Tr0ub4dor#s3cret@proxy:8080", "http://alice:1234/s3cret@proxy:8080", "alice:Tr0ub4dor?s3cret@proxy:8080", "http://alice:my s3cret@proxy:8080", "http://alice:s3cret\u0000@proxy:8080"]) {
      const shown = parseProxyUrl(raw).display;
      expect(shown).not.toContain("s3cret");
      expect(shown).toContain("alice:****@proxy:8080");
    }
  });

  it("a broken value is what Codex selects: no fallback to ALL_PROXY", () => {
    const d = resolveProxy(API, { HTTPS_PROXY: "http://alice:Tr0ub4dor#s3cret@proxy:8080", ALL_PROXY: "http://c:3" });
    expect(d.via).toBe("HTTPS_PROXY");
    expect(d.proxy?.problem).toBe("broken");
    expect(d.ignored).toBeUndefined();
  });
});

describe("noProxyMatch", () => {
  it("returns the entry that matched", () => {
    expect(noProxyMatch("api.openai.com", "example.com, .openai.com")).toBe(".openai.com");
    expect(noProxyMatch("openai.com", ".openai.com")).toBe(".openai.com");
    expect(noProxyMatch("notopenai.com", "openai.com")).toBeUndefined();
  });
});
