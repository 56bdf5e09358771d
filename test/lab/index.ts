// Public surface of the TLS lab for tests: the servers live in src/lab/ (shipped for `codex-doctor demo`).
export * from "../../src/lab/index.js";
export * from "./client.js";
