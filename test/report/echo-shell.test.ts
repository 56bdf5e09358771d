// The one way values enter the report: shellQuote (checked against a real sh), echo/bound/
// neutralise, fillTemplate's {x}, {x:sh} and {x:text}, and the renderers' last line of defence.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fillTemplate, makeFinding, type CheckResult } from "../../src/check.js";
import { bound, echo, ECHO_LIMIT, neutralise, PASTE_LIMIT } from "../../src/echo.js";
import { renderHuman } from "../../src/report/human.js";
import { renderJson } from "../../src/report/json.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import type { Report } from "../../src/report/model.js";
import { shellQuote } from "../../src/shell.js";

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ESC = "\u001b";

/** What `sh` makes of each quoted word: printf '%s\0' WORD, one line per value. */
function throughSh(values: string[]): string[] {
  const script = values.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join("\n");
  const out = execFileSync("sh", ["-c", script], { env: { PATH: "/usr/bin:/bin" } }).toString("utf8");
  return out.split("\0").slice(0, -1);
}

describe("shellQuote", () => {
  const values = [
    "/etc/ssl/certs/ca.pem",
    "/home/me/My Certs/corp root.pem",
    "it's",
    "a;touch PWNED;b",
    "$(touch PWNED)",
    "`touch PWNED`",
    '"$HOME"',
    "back\\slash\\c and %b %s",
    "new\nline",
    `esc${ESC}[2J${ESC}]0;title\u0007`,
    "c1 \u009b31m del \u007f tab\t",
    "bidi \u202egnp.exe",
    "~/corp.pem",
    "-starts-with-dash",
    "é ü 中文 🙂",
    "",
  ];

  it("gives sh back exactly the value, whatever it holds", () => {
    expect(throughSh(values)).toEqual(values);
  });

  it("is one printable line even for newlines, escapes and bidi controls", () => {
    for (const v of values) {
      const q = shellQuote(v);
      expect(q).not.toMatch(RAW_CONTROL);
      expect(q).not.toContain("\n");
    }
  });

  it("leaves plain words alone and quotes a leading ~ (no tilde expansion)", () => {
    expect(shellQuote("/etc/ssl/certs/ca.pem")).toBe("/etc/ssl/certs/ca.pem");
    expect(shellQuote("HTTPS_PROXY")).toBe("HTTPS_PROXY");
    expect(shellQuote("http://user:pw@proxy:8080")).toBe("http://user:pw@proxy:8080");
    expect(shellQuote("~/corp.pem")).toBe("'~/corp.pem'");
    expect(shellQuote("")).toBe("''");
  });

  it("drops only trailing newlines (command substitution), never runs them", () => {
    expect(throughSh(["end\n\n"])).toEqual(["end"]);
  });

  it("bounds what it quotes: a 1 MB value becomes a PASTE_LIMIT word", () => {
    const q = shellQuote(`/tmp/${"a".repeat(1_000_000)}`);
    expect(q.length).toBeLessThan(PASTE_LIMIT + 100);
    expect(throughSh([`/tmp/${"a".repeat(1_000_000)}`])[0]).toMatch(/^\/tmp\/a+…\(\d+ characters cut\)…a+$/);
  });
});

describe("echo, bound and neutralise", () => {
  it("shows every control character as a visible escape", () => {
    expect(neutralise(`a${ESC}[2Jb\u0007c\u0000d\u009be\u007ff\u202eg\nh\ti\rj`)).toBe("a\\u001b[2Jb\\u0007c\\u0000d\\u009be\\u007ff\\u202eg\\nh\\ti\\rj");
    expect(neutralise("line 1\nline 2", true)).toBe("line 1\nline 2");
    expect(neutralise(`x${ESC}\ny`, true)).toBe("x\\u001b\ny");
  });

  it("keeps short values whole and long ones as head…tail, never splitting a surrogate pair", () => {
    expect(bound("short")).toBe("short");
    const long = "h".repeat(500) + "t".repeat(500);
    const b = bound(long);
    expect(b.startsWith("hhh")).toBe(true);
    expect(b.endsWith("ttt")).toBe(true);
    expect(b).toContain(`…(${1000 - ECHO_LIMIT} characters cut)…`);
    const emoji = "🙂".repeat(400);
    for (const cut of [bound(emoji), bound(`x${emoji}`), bound(`${emoji}x`)]) expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it("echo: bounded, one line, no control characters", () => {
    const e = echo(`${"x".repeat(5000)}\n${ESC}]0;t\u0007`);
    expect(e.length).toBeLessThan(ECHO_LIMIT + 40);
    expect(e).not.toMatch(RAW_CONTROL);
    expect(e).not.toContain("\n");
  });
});

describe("fillTemplate and makeFinding", () => {
  const path = `/tmp/x;touch PWNED\n${ESC}[2J.pem`;

  it("{x} echoes, {x:sh} quotes, {x:text} inserts the doctor's own text", () => {
    const fix = "line one\nline two";
    const text = fillTemplate("{path} | {path:sh} | {fix:text}", { path, fix });
    expect(text).toBe(`/tmp/x;touch PWNED\\n\\u001b[2J.pem | ${shellQuote(path)} | line one\nline two`);
    expect(fillTemplate("{missing} {n}", { n: 3 })).toBe("{missing} 3");
  });

  it("data keeps the raw facts, not the composed text", () => {
    const f = makeFinding("X", { level: "warn", message: "{path} is bad", hint: "export A={path:sh}\n{fix:text}" }, { path, fix: "echo composed" });
    expect(f.message).not.toMatch(RAW_CONTROL);
    expect(f.hint).toBe(`export A=${shellQuote(path)}\necho composed`);
    expect(f.data).toEqual({ path });
  });
});

describe("renderers", () => {
  const evil = `${ESC}]8;;http://evil${ESC}\\click${ESC}]8;;${ESC}\\ ${ESC}[2J\u009b31m\u0000\u202e\nforged line`;
  const check: CheckResult = {
    id: "env",
    title: `title ${evil}`,
    status: "fail",
    summary: `summary ${evil}`,
    findings: [{ level: "error", code: "CODE", message: `message ${evil}`, hint: `hint ${evil}\nsecond line`, data: { value: evil } }],
    durationMs: 1,
    data: { tables: [{ title: `table ${evil}`, columns: ["a", `b ${evil}`], rows: [[`cell ${evil}`, "x".repeat(1_000_000)]] }] },
  };
  const report: Report = {
    schemaVersion: 1,
    tool: { name: "codex-doctor", version: "0.0.0" },
    command: "tls",
    generatedAt: "2030-01-01T00:00:00.000Z",
    node: "v20",
    platform: "linux-x64",
    ok: false,
    exitCode: 1,
    diagnosis: { check: "env", code: "CODE", message: `message ${evil}`, fix: `hint ${evil}\nsecond line` },
    summary: { pass: 0, warn: 0, fail: 1, skip: 0 },
    ca: { known: true, selectedBy: "CODEX_CA_CERTIFICATE", path: `/tmp/${evil}`, certificates: 0, codexLoads: false },
    checks: [check],
  };

  it("human: nothing but chalk's colour codes, and a value's newline forges no line", () => {
    const plain = renderHuman(report, { color: false, verbose: true });
    expect(plain).not.toMatch(RAW_CONTROL);
    expect(plain.split("\n").filter((l) => l.startsWith("forged line"))).toEqual([]);
    expect(plain.length).toBeLessThan(10_000);
    // eslint-disable-next-line no-control-regex
    const coloured = renderHuman(report, { color: true, verbose: true }).replace(/\u001b\[\d+(?:;\d+)*m/g, "");
    expect(coloured).not.toMatch(RAW_CONTROL);
  });

  it("markdown: no control characters either", () => {
    expect(renderMarkdown(report, { commandLine: `codex-doctor tls ${evil}` })).not.toMatch(RAW_CONTROL);
  });

  it("markdown: the command line is shown whole, its quoting untouched", () => {
    const commandLine = ["codex-doctor", "tls", "--ca", `/tmp/${"x".repeat(600)}a\`b';touch PWNED;'.pem`].map(shellQuote).join(" ");
    const md = renderMarkdown(report, { commandLine });
    const row = md.split("\n").find((l) => l.startsWith("| Command line |"))!;
    expect(row).toContain(commandLine);
    expect(row).toMatch(/\| ``.+`` \|$/);
  });

  it("JSON: every control character escaped, parsed back to the original values, strings bounded", () => {
    const text = renderJson(report);
    expect(text).not.toMatch(RAW_CONTROL);
    const back = JSON.parse(text) as Report;
    expect(back.checks[0].findings[0].data).toEqual({ value: evil });
    expect(back.ca.path).toBe(`/tmp/${evil}`);
    expect(text.length).toBeLessThan(PASTE_LIMIT + 10_000);
  });
});
