// The ordered registry: the only file that lists every check. Report order = this order.
import type { Check } from "../src/check.js";
import { bundleCheck } from "./bundle.js";
import { envCheck } from "./env.js";

export const CHECKS: Check[] = [bundleCheck, envCheck] as Check[];
