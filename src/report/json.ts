// --json: exactly one JSON document. Uint8Array fields (DER) never belong in the contract.
import type { Report } from "./model.js";

export function renderJson(report: Report): string {
  return (
    JSON.stringify(report, (_key, value: unknown) => (value instanceof Uint8Array ? undefined : value), 2) + "\n"
  );
}
