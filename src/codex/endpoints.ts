// Which endpoints the user's Codex really talks to: the login token endpoint, the model base for
// their auth mode and provider (custom provider `base_url`, or `openai_base_url` for the built-in
// one), its WebSocket URL where the provider supports WebSockets, and an explicitly configured
// `chatgpt_base_url`. `--target` replaces all of them. Config values that are not https URLs are
// left out here (there is no TLS to diagnose, and the config check lints bad values).
import { join } from "node:path";
import type { Env } from "../env.js";
import { readBoundedFile } from "../ca/file.js";
import { codexSetting, isTable, type CodexConfigReport } from "./config.js";
import { displayUrl } from "../net/url-text.js";

export type TargetKind = "https" | "wss";

export interface Target {
  id: string;
  label: string;
  url: string;
  kind: TargetKind;
  /** POST for the token endpoint (a harmless invalid body), GET otherwise. */
  method: "GET" | "POST";
}

export const TOKEN_URL = "https://auth.openai.com/oauth/token";
export const API_BASE = "https://api.openai.com/v1";
export const CHATGPT_CODEX_BASE = "https://chatgpt.com/backend-api/codex";

export type AuthMode = "api-key" | "chatgpt";

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

/** How Codex will authenticate, and whether it already holds credentials (then login is not needed now). */
export interface AuthState {
  mode: AuthMode;
  why: string;
  credentials: boolean;
}

export async function detectAuthMode(env: Env, codexHome: string): Promise<AuthState> {
  if (nonEmpty(env.OPENAI_API_KEY) || nonEmpty(env.CODEX_API_KEY)) return { mode: "api-key", why: "an API key variable is set", credentials: true };
  if (nonEmpty(env.CODEX_ACCESS_TOKEN)) return { mode: "chatgpt", why: "CODEX_ACCESS_TOKEN is set", credentials: true };
  const read = await readBoundedFile(join(codexHome, "auth.json"), 1024 * 1024);
  if (read.ok) {
    try {
      const auth = JSON.parse(Buffer.from(read.bytes).toString("utf8")) as Record<string, unknown>;
      const mode = typeof auth.auth_mode === "string" ? auth.auth_mode.toLowerCase() : undefined;
      if (mode === "apikey" || mode === "api_key") return { mode: "api-key", why: "auth.json is in API-key mode", credentials: true };
      if (mode === undefined && typeof auth.OPENAI_API_KEY === "string" && auth.OPENAI_API_KEY !== "") {
        return { mode: "api-key", why: "auth.json holds an API key", credentials: true };
      }
      return { mode: "chatgpt", why: "auth.json holds a ChatGPT sign-in", credentials: auth.tokens !== undefined && auth.tokens !== null };
    } catch {
      return { mode: "chatgpt", why: "auth.json is unreadable; Codex would ask for ChatGPT sign-in", credentials: false };
    }
  }
  return { mode: "chatgpt", why: "no credentials found; ChatGPT sign-in is Codex's default", credentials: false };
}

export interface ModelBase {
  base: string;
  provider: string;
  websockets: boolean;
}

/**
 * The active provider's model base, or undefined when it is not an OpenAI-style https endpoint the
 * doctor can reason about: the other built-in providers (ollama, lmstudio, oss talk to a local
 * http server; amazon-bedrock to AWS) and a provider table without a base_url.
 */
export function modelBase(config: CodexConfigReport, mode: AuthMode): ModelBase | undefined {
  // A profile may pick `model_provider` but not redefine `model_providers` or `openai_base_url`
  // (codexSetting applies Codex's ConfigProfile key list).
  const providerSetting = codexSetting(config, "model_provider");
  const provider = typeof providerSetting === "string" ? providerSetting : "openai";
  const providers = isTable(config.raw.model_providers) ? config.raw.model_providers : {};
  const custom = providers[provider];
  if (provider !== "openai") {
    if (isTable(custom) && typeof custom.base_url === "string") {
      return { base: custom.base_url.replace(/\/+$/, ""), provider, websockets: custom.supports_websockets === true };
    }
    return undefined;
  }
  const openaiBase = codexSetting(config, "openai_base_url");
  const override = typeof openaiBase === "string" ? openaiBase.replace(/\/+$/, "") : undefined;
  return { base: override ?? (mode === "api-key" ? API_BASE : CHATGPT_CODEX_BASE), provider, websockets: true };
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):/i, "ws$1:");
}

/**
 * The URL Codex requests for `path` under a provider base: codex-api `Provider::url_for_path` (and
 * the older `get_full_url`) trim the base's trailing "/" and CONCATENATE "/path", then the client
 * parses the string. A query in the base therefore swallows the path ("…/v1?k=v" + "/models" is
 * path "/v1", query "k=v/models"): that is what Codex asks for, so that is what the doctor probes.
 * The string is normalised through the URL API; displayUrl() never shows its query.
 */
export function urlForPath(base: string, path: string): string {
  const joined = `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  return URL.canParse(joined) ? new URL(joined).href : joined;
}

function pathnameOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}

export function targetsFromUrls(urls: string[]): Target[] {
  return urls.map((url, i) => {
    const lower = url.toLowerCase();
    const kind: TargetKind = lower.startsWith("wss:") || lower.startsWith("ws:") ? "wss" : "https";
    return {
      id: `target-${i + 1}`,
      label: displayUrl(url),
      url,
      kind,
      method: kind === "https" && /\/oauth\/token$/.test(pathnameOf(url)) ? "POST" : "GET",
    };
  });
}

/** Whether a URL taken from config can be probed over TLS: it parses, has a host, and is https. */
export function isHttpsUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" && parsed.hostname !== "";
  } catch {
    return false;
  }
}

/** Codex's default `chatgpt_base_url` (non-model ChatGPT backend calls). */

/** `chatgpt_base_url` when config.toml (or the active profile) sets it explicitly (a non-empty string). */
export function explicitChatgptBase(config: CodexConfigReport): string | undefined {
  const value = codexSetting(config, "chatgpt_base_url");
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export async function planTargets(input: {
  env: Env;
  config: CodexConfigReport;
  codexHome: string;
  explicit: string[];
  /** Already detected by the caller (buildContext); detected here otherwise. */
  auth?: AuthState;
}): Promise<Target[]> {
  if (input.explicit.length > 0) return targetsFromUrls(input.explicit);
  const auth = input.auth ?? (await detectAuthMode(input.env, input.codexHome));
  const model = modelBase(input.config, auth.mode);
  const targets: Target[] = [{ id: "token", label: "login token endpoint", url: TOKEN_URL, kind: "https", method: "POST" }];
  // A base from config that is not an https URL (a local http:// model server, a typo) has no TLS
  // to probe; the built-in defaults always are https.
  const modelsUrl = model ? urlForPath(model.base, "models") : "";
  if (model && isHttpsUrl(modelsUrl)) {
    targets.push({ id: "models", label: `model API (${model.provider})`, url: modelsUrl, kind: "https", method: "GET" });
    if (model.websockets) {
      targets.push({ id: "responses-ws", label: "model WebSocket", url: wsUrl(urlForPath(model.base, "responses")), kind: "wss", method: "GET" });
    }
  }
  const chatgpt = explicitChatgptBase(input.config);
  if (chatgpt !== undefined && isHttpsUrl(chatgpt) && !targets.some((t) => t.url === chatgpt)) {
    targets.push({ id: "chatgpt-backend", label: "ChatGPT backend (chatgpt_base_url)", url: chatgpt, kind: "https", method: "GET" });
  }
  return targets;
}
