// Whether an HTTP answer came from a proxy's block page rather than the real server: vendor
// headers, or an HTML "blocked/denied" page on a refusal status. Shared by the https and mcp checks.
import type { HttpAnswer } from "./http-probe.js";
import { vendorFromHeaders } from "./vendors.js";

const BLOCK_STATUSES = new Set([403, 407, 451, 502, 503]);

/**
 * `{ vendor: " (Zscaler)" }` (or `""` for an unnamed block page) when the answer is a block page.
 * Vendor headers decide on their own. Wording alone ("blocked", "policy") is only trusted when the
 * TLS was intercepted: a real origin's own 403 page (a CDN's "you have been blocked") must not
 * count as the proxy's.
 */
export function blockPage(answer: HttpAnswer, intercepted: boolean): { vendor: string } | undefined {
  if (!BLOCK_STATUSES.has(answer.status)) return undefined;
  const vendor = vendorFromHeaders(answer.headers, answer.body);
  if (vendor) return { vendor: ` (${vendor.name})` };
  const html = /<html|<!doctype html/i.test(answer.body);
  if (intercepted && html && /(access denied|blocked|not allowed|policy|web filter|restricted)/i.test(answer.body)) return { vendor: "" };
  return undefined;
}
