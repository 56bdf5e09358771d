// Vendor fingerprints from response headers: a proxy's own answer, never one it only relayed.
import { describe, expect, it } from "vitest";
import { vendorFromHeaders } from "../../src/net/vendors.js";

describe("vendorFromHeaders", () => {
  it("names Squid for its own error pages", () => {
    expect(vendorFromHeaders({ server: "squid/5.7", "x-squid-error": "ERR_ACCESS_DENIED 0" })?.name).toBe("Squid");
  });

  it("does not blame Squid for the origin's 401 it relayed (found by the e2e behind ssl-bump)", () => {
    expect(vendorFromHeaders({ server: "lab-origin", via: "1.1 squid (squid/5.7)", "www-authenticate": "Bearer" })).toBeUndefined();
  });
});
