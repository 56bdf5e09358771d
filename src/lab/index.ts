// The in-process TLS lab: a fake origin, a CONNECT proxy with corporate failure modes, and CAs minted
// on demand. Used by `codex-doctor demo` and by the tests (test/lab re-exports it).
export * from "./pki.js";
export * from "./origin.js";
export * from "./proxy.js";
export { basicAuth, LOOPBACK, type LabServer } from "./util.js";
