// URLs as printable text: userinfo masked up to the LAST "@" even when the password breaks the URL,
// no query strings or fragments, and Rust's lossy percent-decoding (never a URIError).
import { describe, expect, it } from "vitest";
import { displayUrl, maskUserinfo, passwordOf, percentDecodeLossy, redactUrlsInText } from "../../src/net/url-text.js";
import { secretsFrom, secretsOf } from "../../src/report/redact.js";

describe("percentDecodeLossy (percent_decode_str(..).decode_utf8_lossy())", () => {
  it.each([
    ["50%off", "50%off"],
    ["%", "%"],
    ["%4", "%4"],
    ["p%40ss", "p@ss"],
    ["%2f%2F", "//"],
    ["%E2%82%AC", "€"],
    ["%E9x", "\uFFFDx"],
    ["%FF%FE", "\uFFFD\uFFFD"],
    ["\uFEFF%41", "\uFEFFA"],
    ["%ZZ%41", "%ZZA"],
  ])("%s -> %s", (raw, decoded) => {
    expect(percentDecodeLossy(raw)).toBe(decoded);
  });

  it("never throws where decodeURIComponent does", () => {
    for (const raw of ["%", "%E0%A4%A", "50%off", "%uD800", "%C0%80"]) {
      expect(() => decodeURIComponent(raw)).toThrow(URIError);
      expect(() => percentDecodeLossy(raw)).not.toThrow();
    }
  });
});

describe("maskUserinfo / passwordOf: the userinfo runs to the last '@'", () => {
  it.each([
    ["http://alice:Tr0ub4dor#s3cret@proxy:8080", "http://alice:****@proxy:8080", "Tr0ub4dor#s3cret"],
    ["http://alice:pa/ss@proxy:8080/", "http://alice:****@proxy:8080/", "pa/ss"],
    ["http://alice:pa?ss@proxy:8080", "http://alice:****@proxy:8080", "pa?ss"],
    ["http://alice:my pass@proxy:8080", "http://alice:****@proxy:8080", "my pass"],
    ["http://alice:50%off@proxy:8080", "http://alice:****@proxy:8080", "50%off"],
    ["http://alice:p@ss@word@proxy:8080", "http://alice:****@proxy:8080", "p@ss@word"],
    ["https://a%2Fb:x@h", "https://****@h", "x"],
    ["https://registry.example/@scope/pkg", "https://registry.example/@scope/pkg", undefined],
    ["https://h/search?q=a:b@c", "https://h/search?q=a:b@c", undefined],
  ])("%s", (raw, masked, password) => {
    expect(maskUserinfo(raw)).toBe(masked);
    expect(passwordOf(raw)).toBe(password);
  });

  it("takes proxy values without a scheme when asked to", () => {
    expect(maskUserinfo("alice:Tr0ub4dor#s3cret@proxy:8080", true)).toBe("alice:****@proxy:8080");
    expect(maskUserinfo("alice:Tr0ub4dor#s3cret@proxy:8080")).toBe("alice:Tr0ub4dor#s3cret@proxy:8080");
  });
});

describe("displayUrl: never a password, a query string or a fragment", () => {
  it.each([
    ["https://gateway.example/v1?key=Qu3ry/models", "https://gateway.example/v1"],
    ["https://user:T0ken@h.example:8443/x/?a=1#frag", "https://user:****@h.example:8443/x/"],
    ["https://ghp_T0ken@github.com/org", "https://****@github.com/org"],
    ["https://h.example/", "https://h.example"],
    ["wss://h.example/v1?key=Qu3ry/responses", "wss://h.example/v1"],
    ["not a url ?key=Qu3ry", "not a url "],
    ["https://alice:pa#ss@h.example/x?y", "https://alice:****@h.example/x"],
  ])("%s -> %s", (raw, shown) => {
    expect(displayUrl(raw)).toBe(shown);
  });
});

describe("redactUrlsInText: the last line of defence over free text", () => {
  it("masks every URL's userinfo and query, keeping the prose around it", () => {
    const text = "see (https://h.example/v1?key=Qu3ry/models). HTTPS_PROXY=http://alice:Tr0ub4dor#s3cret@proxy:8080 fails; 'wss://x.example/r?t=T0k'";
    const out = redactUrlsInText(text);
    for (const leaked of ["Qu3ry", "Tr0ub4dor", "s3cret", "T0k"]) expect(out).not.toContain(leaked);
    expect(out).toBe("see (https://h.example/v1?<redacted>). HTTPS_PROXY=http://alice:****@proxy:8080 fails; 'wss://x.example/r?<redacted>'");
  });

  it("leaves our own placeholder forms readable", () => {
    expect(redactUrlsInText("Use the form http://[user:password@]host:port or http://USER:PASSWORD@proxy:8080")).toBe(
      "Use the form http://[user:password@]host:port or http://USER:PASSWORD@proxy:8080",
    );
  });
});

describe("secretsOf / secretsFrom", () => {
  it("a proxy password that breaks the URL is still a secret, as written and decoded", () => {
    expect(secretsOf("HTTPS_PROXY", "http://alice:Tr0ub4dor#s3cret@proxy:8080")).toEqual(["Tr0ub4dor#s3cret", "Tr0ub4dor#s3cret"]);
    expect(secretsOf("https_proxy", "alice:my%20pass/x@proxy:8080")).toEqual(["my%20pass/x", "my pass/x"]);
    expect(secretsOf("ALL_PROXY", "http://alice:50%off@proxy:8080")).toEqual(["50%off", "50%off"]);
  });

  it("passwords in any URL-valued variable, not only proxies", () => {
    expect(secretsFrom({ PIP_INDEX_URL: "https://build:pyp1-T0ken@pypi.corp.example/simple" })).toEqual(["pyp1-T0ken"]);
  });
});

describe("bounded work on hostile text", () => {
  it("a 1 MB URL-looking token with odd punctuation is redacted in linear time", () => {
    const token = `http://alice:${"x".repeat(200_000)}@h/${")".repeat(400_000)}a${"?".repeat(200_000)}`;
    const started = performance.now();
    const out = redactUrlsInText(`${token} ${token}`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(out).not.toContain("xxxx");
  });
});

describe("bounded work on scheme-like prose", () => {
  it("'a.a.a.a…' (many word starts that look like a scheme) is scanned in linear time", () => {
    const text = `${"a.".repeat(300_000)}://x ${"b-".repeat(300_000)}`;
    const started = performance.now();
    expect(redactUrlsInText(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
