// The ordered registry: the only file that lists every check. Report order = this order.
import type { Check } from "../src/check.js";
import { bundleCheck } from "./bundle.js";
import { envCheck } from "./env.js";
import { proxyCheck } from "./proxy.js";
import { httpsCheck } from "./https.js";
import { websocketCheck } from "./websocket.js";

export const CHECKS: Check[] = [bundleCheck, envCheck, proxyCheck, httpsCheck, websocketCheck] as Check[];
