// Which endpoints the https and websocket checks probe: Codex's defaults per auth mode, and the
// endpoints config.toml defines (provider base_url, openai_base_url, chatgpt_base_url), plus one
// run of the real checks through the lab to show config-defined endpoints are what gets probed.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCodexConfig, type CodexConfigReport } from "../../src/codex/config.js";
import {
  API_BASE,
  CHATGPT_CODEX_BASE,
  TOKEN_URL,
  explicitChatgptBase,
  isHttpsUrl,
  planTargets,
  urlForPath,
  targetsFromUrls,
  type Target,
} from "../../src/codex/endpoints.js";
import { httpsCheck } from "../../checks/https.js";
import { websocketCheck } from "../../checks/websocket.js";
import type { Check } from "../../src/check.js";
import { mintIntermediate, mintLeaf, mintRoot, startOrigin, startProxy, type LabServer, type Minted, type Origin } from "../lab/index.js";
import { runWithConfig } from "../checks/config-harness.js";
import { makeTempDir } from "../helpers/tmp.js";

const emptyHome = makeTempDir("codex-doctor-endpoints-");
const config = (text: string): CodexConfigReport => parseCodexConfig(text, join(emptyHome, "config.toml"));
const NONE: CodexConfigReport = { path: join(emptyHome, "config.toml"), exists: false, raw: {} };

async function plan(cfg: CodexConfigReport, env: Record<string, string> = {}, explicit: string[] = []): Promise<Target[]> {
  return planTargets({ env, config: cfg, codexHome: emptyHome, explicit });
}

const urls = (targets: Target[]) => targets.map((t) => `${t.kind} ${t.method} ${t.url}`);

describe("planTargets", () => {
  it("without config or credentials: token endpoint, ChatGPT model API and its WebSocket", async () => {
    expect(urls(await plan(NONE))).toEqual([
      `https POST ${TOKEN_URL}`,
      `https GET ${CHATGPT_CODEX_BASE}/models`,
      "wss GET wss://chatgpt.com/backend-api/codex/responses",
    ]);
  });

  it("with an API key: the API base", async () => {
    expect(urls(await plan(NONE, { OPENAI_API_KEY: "sk-test-0000000000" }))).toEqual([
      `https POST ${TOKEN_URL}`,
      `https GET ${API_BASE}/models`,
      "wss GET wss://api.openai.com/v1/responses",
    ]);
  });

  it.each(["ollama", "lmstudio", "oss", "amazon-bedrock"])(
    "the built-in %s provider is not probed as if it were OpenAI (openai_base_url does not apply to it)",
    async (provider) => {
      const targets = await plan(config(`model_provider = "${provider}"\nopenai_base_url = "https://gateway.corp.example/v1"\n`));
      expect(urls(targets)).toEqual([`https POST ${TOKEN_URL}`]);
    },
  );

  it("openai_base_url replaces the built-in provider's base (HTTPS and WebSocket)", async () => {
    const targets = await plan(config('openai_base_url = "https://gateway.corp.example/openai/v1/"\n'));
    expect(urls(targets)).toEqual([
      `https POST ${TOKEN_URL}`,
      "https GET https://gateway.corp.example/openai/v1/models",
      "wss GET wss://gateway.corp.example/openai/v1/responses",
    ]);
  });

  it("the active custom provider's base_url, WebSocket only with supports_websockets = true", async () => {
    const base = 'model_provider = "corp"\n[model_providers.corp]\nname = "Corp"\nbase_url = "https://llm.corp.example/v1"\n';
    expect(urls(await plan(config(base)))).toEqual([`https POST ${TOKEN_URL}`, "https GET https://llm.corp.example/v1/models"]);
    expect(urls(await plan(config(`${base}supports_websockets = true\n`)))).toEqual([
      `https POST ${TOKEN_URL}`,
      "https GET https://llm.corp.example/v1/models",
      "wss GET wss://llm.corp.example/v1/responses",
    ]);
  });

  it("a provider that is not active is not probed; openai_base_url does not apply to a custom provider", async () => {
    const text =
      'model_provider = "corp"\nopenai_base_url = "https://ignored.example/v1"\n[model_providers.corp]\nbase_url = "https://llm.corp.example/v1"\n[model_providers.other]\nbase_url = "https://other.example/v1"\n';
    const all = urls(await plan(config(text))).join("\n");
    expect(all).toContain("llm.corp.example");
    expect(all).not.toContain("ignored.example");
    expect(all).not.toContain("other.example");
  });

  it("the active profile picks the provider and chatgpt_base_url, but cannot set openai_base_url", async () => {
    const text =
      'profile = "work"\n[model_providers.corp]\nbase_url = "https://llm.corp.example/v1"\n[profiles.work]\nmodel_provider = "corp"\nchatgpt_base_url = "https://chatgpt.work.example/"\n';
    expect(urls(await plan(config(text)))).toEqual([
      `https POST ${TOKEN_URL}`,
      "https GET https://llm.corp.example/v1/models",
      "https GET https://chatgpt.work.example/",
    ]);
    const ignored = 'profile = "work"\n[profiles.work]\nopenai_base_url = "https://work-gateway.example/v1"\n';
    expect(urls(await plan(config(ignored))).join("\n")).not.toContain("work-gateway");
  });

  it("a base_url with a query: joined like Codex (url_for_path concatenates), labelled without the query", async () => {
    const text = 'model_provider = "corp"\n[model_providers.corp]\nbase_url = "https://llm.corp.example/v1/?api-key=Qu3ry"\nsupports_websockets = true\n';
    const targets = await plan(config(text));
    expect(urls(targets)).toEqual([
      `https POST ${TOKEN_URL}`,
      "https GET https://llm.corp.example/v1/?api-key=Qu3ry/models",
      "wss GET wss://llm.corp.example/v1/?api-key=Qu3ry/responses",
    ]);
    expect(targets.map((t) => t.label).join(" ")).not.toContain("Qu3ry");
    expect(targetsFromUrls(["https://a.example/x?token=T0k"])[0].label).toBe("https://a.example/x");
  });

  it("urlForPath: trailing and leading slashes collapse to one, like Provider::url_for_path", () => {
    expect(urlForPath("https://h.example/v1///", "/models")).toBe("https://h.example/v1/models");
    expect(urlForPath("https://H.example:443/v1", "responses")).toBe("https://h.example/v1/responses");
    expect(urlForPath("not a url", "models")).toBe("not a url/models");
  });

  it("a plain-http base (a local model server) has no TLS to probe: only the token endpoint stays", async () => {
    const text = 'model_provider = "local"\n[model_providers.local]\nbase_url = "http://localhost:11434/v1"\nsupports_websockets = true\n';
    expect(urls(await plan(config(text)))).toEqual([`https POST ${TOKEN_URL}`]);
  });

  it("chatgpt_base_url set explicitly becomes an extra https target", async () => {
    const targets = await plan(config('chatgpt_base_url = "https://chatgpt.corp.example/backend-api/"\n'));
    expect(targets.at(-1)).toEqual({
      id: "chatgpt-backend",
      label: "ChatGPT backend (chatgpt_base_url)",
      url: "https://chatgpt.corp.example/backend-api/",
      kind: "https",
      method: "GET",
    });
    expect(targets.map((t) => t.id)).toEqual(["token", "models", "responses-ws", "chatgpt-backend"]);
  });

  it("chatgpt_base_url unset, empty, not https, or not a string: no extra target, no throw", async () => {
    for (const text of ["", 'chatgpt_base_url = ""\n', 'chatgpt_base_url = "http://chatgpt.local/"\n', "chatgpt_base_url = 5\n", 'chatgpt_base_url = "not a url"\n']) {
      const targets = await plan(config(text));
      expect(targets.map((t) => t.id)).toEqual(["token", "models", "responses-ws"]);
    }
  });

  it("chatgpt_base_url equal to an existing target is not probed twice", async () => {
    const text = 'openai_base_url = "https://same.example/v1"\nchatgpt_base_url = "https://same.example/v1/models"\n';
    expect((await plan(config(text))).filter((t) => t.url === "https://same.example/v1/models")).toHaveLength(1);
  });

  it("malformed types never throw and fall back to the defaults", async () => {
    for (const text of ['model_providers = "corp"\nmodel_provider = "corp"\n', "openai_base_url = 443\n", "model_provider = 5\n", '[model_providers.corp]\nbase_url = ["x"]\n']) {
      const targets = await plan(config(text));
      expect(targets[0].url).toBe(TOKEN_URL);
      expect(targets.every((t) => isHttpsUrl(t.url.replace(/^wss:/, "https:")))).toBe(true);
    }
  });

  it("--target replaces every planned endpoint; a bad URL does not throw", async () => {
    const cfg = config('chatgpt_base_url = "https://chatgpt.corp.example/backend-api/"\n');
    expect(urls(await plan(cfg, {}, ["https://a.example/oauth/token", "wss://b.example/v1/responses"]))).toEqual([
      "https POST https://a.example/oauth/token",
      "wss GET wss://b.example/v1/responses",
    ]);
    expect(targetsFromUrls(["::not a url::"])).toEqual([{ id: "target-1", label: "::not a url::", url: "::not a url::", kind: "https", method: "GET" }]);
  });

  it("explicitChatgptBase and isHttpsUrl", () => {
    expect(explicitChatgptBase(config('chatgpt_base_url = "  https://x.example/  "\n'))).toBe("https://x.example/");
    expect(explicitChatgptBase(NONE)).toBeUndefined();
    expect(isHttpsUrl("https://x.example")).toBe(true);
    expect(isHttpsUrl("http://x.example")).toBe(false);
    expect(isHttpsUrl("https://")).toBe(false);
  });
});

describe("config-defined endpoints feed the https and websocket checks", () => {
  let publicRoot: Minted;
  let origin: Origin;
  const servers: LabServer[] = [];

  beforeAll(async () => {
    publicRoot = await mintRoot({ cn: "Lab Public Root", o: "Lab Trust Services" });
    const int = await mintIntermediate(publicRoot, { cn: "Lab Public Issuing CA", o: "Lab Trust Services" });
    origin = await startOrigin({
      cert: await mintLeaf(int, { dnsNames: ["auth.openai.com", "llm.corp.example", "chatgpt.corp.example"] }),
      chain: [int],
    });
    servers.push(origin);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("a custom provider with WebSockets and an explicit chatgpt_base_url are probed through the proxy", async () => {
    // Every CONNECT is spliced to the lab origin, so the real host names never leave loopback.
    const proxy = await startProxy({ mode: "tunnel", upstream: { host: "127.0.0.1", port: origin.port } });
    servers.push(proxy);
    const run = await runWithConfig(
      [httpsCheck, websocketCheck] as Check[],
      {
        config:
          'model_provider = "corp"\nchatgpt_base_url = "https://chatgpt.corp.example/backend-api/"\n[model_providers.corp]\nname = "Corp"\nbase_url = "https://llm.corp.example/v1"\nsupports_websockets = true\n',
        env: { HTTPS_PROXY: proxy.url, OPENAI_API_KEY: "sk-test-0000000000" },
      },
      [publicRoot],
    );
    expect(run.results.https.status).toBe("pass");
    expect(run.results.websocket.status).toBe("pass");
    const requested = (run.results.https.data.requests as { url: string }[]).map((r) => r.url);
    expect(requested).toEqual([TOKEN_URL, "https://llm.corp.example/v1/models", "https://chatgpt.corp.example/backend-api/"]);
    expect(origin.requests.map((r) => `${r.upgrade ? "WS" : r.method} ${r.headers.host} ${r.path}`)).toEqual(
      expect.arrayContaining([
        "GET llm.corp.example /v1/models",
        "GET chatgpt.corp.example /backend-api/",
        "WS llm.corp.example /v1/responses",
      ]),
    );
  });
});
