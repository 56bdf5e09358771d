// What the egress child and its parent (src/net/egress.ts) agree on, kept apart from both so that
// neither has to import the other's code (importing egress-child.ts would run the probe).

/** The child prints this line once its code is loaded; the parent starts the probe's clock there. */
export const EGRESS_CHILD_READY = "codex-doctor-egress-child: ready";

/**
 * Tests run the child from a prebuilt JS file instead of the TS source under tsx (which takes
 * seconds on a loaded machine). Only consulted when running from source: the published build
 * always has egress-child.js next to egress.js.
 */
export const PREBUILT_CHILD_VAR = "CODEX_DOCTOR_EGRESS_CHILD_JS";
