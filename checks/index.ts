// The ordered registry: the only file that lists every check. Report order = this order
// (the runbook's steps first, then what config.toml adds).
import type { Check } from "../src/check.js";
import { bundleCheck } from "./bundle.js";
import { envCheck } from "./env.js";
import { proxyCheck } from "./proxy.js";
import { httpsCheck } from "./https.js";
import { websocketCheck } from "./websocket.js";
import { sandboxCheck } from "./sandbox.js";
import { configCheck } from "./config.js";
import { mcpCheck } from "./mcp.js";
import { otelCheck } from "./otel.js";

export const CHECKS: Check[] = [
  bundleCheck,
  envCheck,
  proxyCheck,
  httpsCheck,
  websocketCheck,
  sandboxCheck,
  configCheck,
  mcpCheck,
  otelCheck,
] as Check[];
