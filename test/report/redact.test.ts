// The last line of defence before rendering, and the JSON renderer's contract.
import { describe, expect, it } from "vitest";
import { redactUrl, parseProxyUrl } from "../../src/net/proxy.js";
import { redactDeep, redactText, secretsFrom } from "../../src/report/redact.js";
import { renderJson } from "../../src/report/json.js";
import { buildReport } from "../../src/report/model.js";

describe("redactUrl / parseProxyUrl", () => {
  it.each([
    ["http://alice:s3cr3t@proxy:8080", "http://alice:****@proxy:8080"],
    ["http://alice:p@ss@proxy:8080/", "http://alice:****@proxy:8080/"],
    ["https://alice:p%40ss@proxy:443", "https://alice:****@proxy:443"],
    ["socks5h://bob:x@127.0.0.1:1080", "socks5h://bob:****@127.0.0.1:1080"],
    ["http://:onlypw@proxy:1", "http://****@proxy:1"],
    ["http://proxy:8080", "http://proxy:8080"],
    // The text before the last "@" may be a password holding "/" ("alice:pa/ss@proxy"): masked.
    ["http://proxy:8080/path@x", "http://proxy:****@x"],
    ["https://registry.example/@scope/pkg", "https://registry.example/@scope/pkg"],
    ["http://alice:Tr0ub4dor#s3cret@proxy:8080", "http://alice:****@proxy:8080"],
    ["http://alice:pa/ss?x@proxy:8080", "http://alice:****@proxy:8080"],
    ["https://ghp_token123@github.com/x", "https://****@github.com/x"],
  ])("%s -> %s", (raw, shown) => {
    expect(redactUrl(raw)).toBe(shown);
  });

  it("keeps the password (decoded) for the Proxy-Authorization header, never in display", () => {
    // hyper-util ends the credentials at the FIRST "@" (split_once), the host follows the last one:
    // Codex sends "p@ss", so the doctor does too (and says so: PROXY_PASSWORD_SPLIT).
    const p = parseProxyUrl("http://alice:p%40ss@word@proxy.corp:3128");
    expect(p.display).toBe("http://alice:****@proxy.corp:3128");
    expect(p.password).toBe("p@ss");
    expect(p.passwordTruncated).toBe(true);
    expect(p.username).toBe("alice");
    expect(p.host).toBe("proxy.corp");
    expect(p.port).toBe(3128);
  });
});

describe("secretsFrom / redactText / redactDeep", () => {
  const env = {
    OPENAI_API_KEY: "sk-test-SECRET123456",
    GITHUB_TOKEN: "ghp_abcdefgh",
    MY_PASSWORD: "hunter2hunter2",
    HTTPS_PROXY: "http://alice:p@ss-w0rd@proxy:1",
    http_proxy: "http://bob:s3cr%2Ft@proxy:1",
    SHORT_KEY: "abc",
    PATH: "/usr/bin",
  };

  it("collects whole values of secret-named variables and proxy passwords (raw and decoded)", () => {
    const secrets = secretsFrom(env);
    expect(secrets).toEqual(expect.arrayContaining(["sk-test-SECRET123456", "ghp_abcdefgh", "hunter2hunter2", "p@ss-w0rd", "s3cr%2Ft", "s3cr/t"]));
    expect(secrets).not.toContain("abc");
    expect(secrets).not.toContain("/usr/bin");
  });

  it("masks URLs with userinfo anywhere in a text, tokens and known secrets", () => {
    const secrets = secretsFrom(env);
    const text =
      "proxy http://carol:an0ther@p:1 and http://alice:p@ss-w0rd@proxy:1; key sk-live-abcdefghijkl; Authorization: Bearer abc.def.ghi-jkl; pw hunter2hunter2";
    const out = redactText(text, secrets);
    for (const leaked of ["an0ther", "p@ss-w0rd", "ss-w0rd", "sk-live-abcdefghijkl", "abc.def.ghi-jkl", "hunter2hunter2"]) expect(out).not.toContain(leaked);
    expect(out).toContain("http://carol:****@p:1");
    expect(out).toContain("Bearer <redacted>");
  });

  it("walks nested data, leaving numbers, booleans and DER alone", () => {
    const der = Uint8Array.from([1, 2, 3]);
    const value = { a: ["x sk-test-SECRET123456 y", { b: "http://u:pw12@h:1" }], n: 3, ok: true, der };
    const out = redactDeep(value, secretsFrom(env));
    expect(out).toEqual({ a: ["x <redacted> y", { b: "http://u:****@h:1" }], n: 3, ok: true, der });
  });
});

describe("renderJson", () => {
  it("prints one JSON document followed by a newline, dropping Uint8Array fields", () => {
    const report = buildReport({
      version: "1.0.0",
      now: new Date("2030-01-01T00:00:00Z"),
      ca: null,
      checks: [{ id: "x", title: "X", status: "pass", summary: "ok", findings: [], durationMs: 1, data: { der: Uint8Array.from([1]), n: 1 } }],
    });
    const text = renderJson(report);
    expect(text.endsWith("}\n")).toBe(true);
    const doc = JSON.parse(text);
    expect(doc.checks[0].data).toEqual({ n: 1 });
    expect(doc).toMatchObject({ schemaVersion: 1, ok: true, summary: { pass: 1, warn: 0, fail: 0, skip: 0 }, ca: { selectedBy: null, codexLoads: false } });
  });
});
