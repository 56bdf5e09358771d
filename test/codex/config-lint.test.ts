// Near-miss suggestions stay what they were for real keys, and a huge key (a 1 MB quoted key in
// config.toml) is rejected by its length instead of being edit-distance-compared with every
// candidate, at every place the lint looks for misspellings.
import { describe, expect, it } from "vitest";
import { lintConfig, nearMiss } from "../../src/codex/config-lint.js";
import { parseCodexConfig } from "../../src/codex/config.js";

/** A hang guard, not a benchmark: before, one such key took 20-60 s per place it appeared. */
const HANG_GUARD_MS = 5_000;

describe("nearMiss", () => {
  it.each([
    ["sandbox-mode", ["sandbox_mode"], "sandbox_mode"],
    ["Sandbox_Mode", ["sandbox_mode"], "sandbox_mode"],
    ["respect_system_proxies", ["respect_system_proxy"], "respect_system_proxy"],
    ["shell_environment_polcy", ["shell_environment_policy"], "shell_environment_policy"],
    ["mcp_server", ["mcp_servers"], "mcp_servers"],
    ["featurs", ["features"], "features"],
    ["profiles", ["profile", "profiles"], undefined],
    ["otel", ["otel"], undefined],
    ["sandbox_mode_x_y_z", ["sandbox_mode"], undefined],
    ["al", ["all", "core", "none"], undefined],
  ])("%s among %j → %s", (key, candidates, expected) => {
    expect(nearMiss(key, candidates)).toBe(expected);
  });

  it("a key far longer than every candidate is no near miss, whatever it starts with", () => {
    expect(nearMiss(`sandbox_mode${"e".repeat(1_000_000)}`, ["sandbox_mode"])).toBeUndefined();
  });
});

describe("a 1 MB quoted key in config.toml", () => {
  it("at the top level, under [features], [sandbox_workspace_write] and a profile: linted in linear time, real mistakes still found", () => {
    const huge = `sandbox_mode${"k".repeat(1_000_000)}`;
    const text = [
      `"${huge}" = 1`,
      `sandbox-mode = "read-only"`,
      `[features]`,
      `"${huge}" = true`,
      `[sandbox_workspace_write]`,
      `"${huge}" = true`,
      `[profiles.p]`,
      `"${huge}" = 1`,
      `[profiles.p.features]`,
      `"${huge}" = true`,
    ].join("\n");
    const config = parseCodexConfig(text, "config.toml");
    expect(config.error).toBeUndefined();
    const started = performance.now();
    const issues = lintConfig(config, {});
    expect(performance.now() - started).toBeLessThan(HANG_GUARD_MS);
    expect(issues.map((i) => [i.code, i.vars.key])).toEqual([["CONFIG_MISSPELT_KEY", "sandbox-mode"]]);
  });
});
