// Public surface of the TLS lab. Import from "../lab/index.js" in tests.
export * from "./pki.js";
export * from "./origin.js";
export * from "./proxy.js";
export * from "./client.js";
export { basicAuth, LOOPBACK, type LabServer } from "./util.js";
