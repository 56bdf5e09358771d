// Writing PEM: base64 in 64-column lines between BEGIN/END lines, as every PEM reader expects.
import { existsSync } from "node:fs";
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * A path for a new file that does not exist yet: `path` itself, else `name-2.ext`, `name-3.ext`…
 * Fixes write converted or combined bundles here, so a pasted command never overwrites a file.
 */
export function freshPath(path: string, exists: (p: string) => boolean = existsSync): string {
  if (!exists(path)) return path;
  const dot = path.lastIndexOf(".");
  const slash = path.lastIndexOf("/");
  const [stem, ext] = dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ""];
  for (let n = 2; n < 1000; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!exists(candidate)) return candidate;
  }
  return `${stem}-${process.pid}${ext}`;
}
