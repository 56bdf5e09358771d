// Environment snapshots. Everything downstream reads an Env value, never process.env.
export type Env = Readonly<Record<string, string | undefined>>;

/** Where a variable's effective value came from. */
export type VarOrigin = "shell" | "dotenv";

/** Variable names whose values are secrets: never printed, whatever prints them. */
export function isSecretName(name: string): boolean {
  return /(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE)/i.test(name);
}

/** CA variables other tools read (sandboxed commands rely on them). */
export const OTHER_TOOL_CA_VARS = [
  "NODE_EXTRA_CA_CERTS",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "PIP_CERT",
  "AWS_CA_BUNDLE",
] as const;

/** HTTP(S)_PROXY / ALL_PROXY in either case (not NO_PROXY). */
export function isProxyVar(name: string): boolean {
  return /^(https?|all)_proxy$/i.test(name);
}

export const PROXY_VARS = [
  "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
] as const;

export type VarState = "unset" | "empty" | "set";

export function varState(env: Env, name: string): VarState {
  const value = env[name];
  if (value === undefined) return "unset";
  return value === "" ? "empty" : "set";
}
