// Names: DNS / IP matching and name constraints (webpki subject_name/*).
import { isIPv4, isIPv6 } from "node:net";
import { Failure, PkiError, WebpkiErrorName } from "./errors.js";
import { Cert } from "./cert.js";
import { Budget, parseFailure } from "./chain.js";
import { DerReader, Tag, bytesEqual, hexByte, latin1, toHex } from "./der.js";

// ---------------------------------------------------------------------------------------------
// Names: DNS / IP matching and name constraints (webpki subject_name/*)
// ---------------------------------------------------------------------------------------------

export type GeneralName =
  | { type: "dns"; value: Uint8Array }
  | { type: "directory" }
  | { type: "ip"; value: Uint8Array }
  | { type: "uri"; value: Uint8Array }
  | { type: "unsupported"; tag: number };

export function readGeneralName(reader: DerReader): GeneralName {
  const { tag, value } = reader.read();
  switch (tag) {
    case 0x82:
      return { type: "dns", value };
    case 0xa4:
      return { type: "directory" };
    case 0x87:
      return { type: "ip", value };
    case 0x86:
      return { type: "uri", value };
    case 0xa0: // otherName
    case 0x81: // rfc822Name
    case 0xa3: // x400Address
    case 0xa5: // ediPartyName
    case 0x88: // registeredID
      return { type: "unsupported", tag: tag & ~0xa0 };
    default:
      throw new PkiError("BadDer", `unknown GeneralName tag 0x${hexByte(tag)}`);
  }
}

export function subjectAltNames(cert: Cert): GeneralName[] {
  if (!cert.ext.subjectAltName) return [];
  const reader = new DerReader(cert.ext.subjectAltName.value);
  const names: GeneralName[] = [];
  while (!reader.atEnd()) names.push(readGeneralName(reader));
  return names;
}

export type DnsRole = "Reference" | "Presented" | "NameConstraint";

/** webpki `is_valid_dns_id` (RFC 5280 7.2 + underscores; wildcards only as a whole leftmost '*'). */
export function isValidDnsId(id: string, role: DnsRole, allowWildcards: boolean): boolean {
  if (id.length > 253) return false;
  if (role === "NameConstraint" && id.length === 0) return true;
  const isWildcard = allowWildcards && id.startsWith("*");
  let i = 0;
  let dotCount = 0;
  if (isWildcard) {
    if (id[1] !== ".") return false;
    i = 2;
    dotCount = 1;
  }
  if (i >= id.length) return false;
  let labelLength = 0;
  let labelIsAllNumeric = false;
  let labelEndsWithHyphen = false;
  let isFirstByte = !isWildcard;
  for (; i < id.length; i++) {
    const c = id[i] as string;
    if (c === "-") {
      if (labelLength === 0) return false;
      labelIsAllNumeric = false;
      labelEndsWithHyphen = true;
      labelLength++;
    } else if (c >= "0" && c <= "9") {
      if (labelLength === 0) labelIsAllNumeric = true;
      labelEndsWithHyphen = false;
      labelLength++;
    } else if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_") {
      labelIsAllNumeric = false;
      labelEndsWithHyphen = false;
      labelLength++;
    } else if (c === ".") {
      dotCount++;
      if (labelLength === 0 && (role !== "NameConstraint" || !isFirstByte)) return false;
      if (labelEndsWithHyphen) return false;
      labelLength = 0;
    } else {
      return false;
    }
    if (labelLength > 63) return false;
    isFirstByte = false;
  }
  // Only reference IDs may be absolute (trailing dot).
  if (labelLength === 0 && role !== "Reference") return false;
  if (labelEndsWithHyphen || labelIsAllNumeric) return false;
  if (isWildcard) {
    // Like NSS, at least two labels must follow the wildcard label.
    const labelCount = labelLength === 0 ? dotCount : dotCount + 1;
    if (labelCount < 3) return false;
  }
  return true;
}

export type DnsMatchRole = "Reference" | "Permitted" | "Excluded";

/**
 * webpki `presented_id_matches_reference_id`. A wildcard is only a whole leftmost "*" label that
 * stands for exactly one non-empty label; wildcards are not expanded against permitted subtrees
 * (RUSTSEC-2026-0099) but are against excluded ones.
 */
export function dnsNameMatches(presentedRaw: string, referenceRaw: string, role: DnsMatchRole): boolean {
  if (!isValidDnsId(presentedRaw, "Presented", true)) {
    throw new PkiError("MalformedDnsIdentifier", `malformed DNS name '${presentedRaw}' in the certificate`);
  }
  if (!isValidDnsId(referenceRaw, role === "Reference" ? "Reference" : "NameConstraint", false)) {
    throw new PkiError(role === "Reference" ? "MalformedDnsIdentifier" : "MalformedNameConstraint", `malformed DNS name '${referenceRaw}'`);
  }
  const presented = presentedRaw.toLowerCase();
  const reference = referenceRaw.toLowerCase();
  let p = 0;
  let r = 0;
  if (role !== "Reference" && presented.length > reference.length) {
    if (reference.length === 0) return true; // an empty constraint matches everything
    if (reference.startsWith(".")) {
      p = presented.length - reference.length;
    } else {
      p = presented.length - reference.length - 1;
      if (presented[p] !== ".") return false; // whole labels only: "bigfoo.com" is not under "foo.com"
      p++;
    }
  }
  if (role !== "Permitted" && presented[p] === "*") {
    p++;
    do {
      if (r >= reference.length) return false;
      r++;
    } while (reference[r] !== ".");
  }
  for (;;) {
    if (p >= presented.length || r >= reference.length || presented[p] !== reference[r]) return false;
    p++;
    r++;
    if (p >= presented.length) break;
  }
  if (r < reference.length) {
    // A relative presented name matches an absolute reference name ("example.com.").
    if (role === "Reference") {
      if (reference[r] !== ".") return false;
      r++;
    }
    if (r < reference.length) return false;
  }
  return true;
}

/** webpki `ip_address::presented_id_matches_constraint`: address/mask with a CIDR-shaped mask. */
export function ipMatchesConstraint(name: Uint8Array, constraint: Uint8Array): boolean {
  const pair = `${name.length}/${constraint.length}`;
  if (pair === "4/32" || pair === "16/8") return false; // other address family
  if (name.length !== 4 && name.length !== 16) throw new PkiError("BadDer", "IP address SAN has an invalid length");
  if (constraint.length !== name.length * 2) throw new PkiError("InvalidNetworkMaskConstraint", "IP name constraint has an invalid length");
  let seenZeroBit = false;
  for (let i = 0; i < name.length; i++) {
    const address = constraint[i] as number;
    const mask = constraint[i + name.length] as number;
    const leadingOnes = Math.clz32(~(mask << 24));
    const trailingZeros = mask === 0 ? 8 : 31 - Math.clz32(mask & -mask);
    if (leadingOnes + trailingZeros !== 8 || (seenZeroBit && mask !== 0)) {
      throw new PkiError("InvalidNetworkMaskConstraint", "IP name constraint mask is not a CIDR prefix");
    }
    if (mask !== 0xff) seenZeroBit = true;
    if (((name[i] as number) ^ address) & mask) return false;
  }
  return true;
}

export type Subtrees = "Permitted" | "Excluded";

/** Compares one name with one constraint of the same form; undefined when the forms differ. */
export function matchesConstraint(name: GeneralName, base: GeneralName, subtrees: Subtrees): boolean | undefined {
  if (name.type === "dns" && base.type === "dns") return dnsNameMatches(latin1(name.value), latin1(base.value), subtrees);
  if (name.type === "ip" && base.type === "ip") return ipMatchesConstraint(name.value, base.value);
  // webpki implements neither directoryName nor URI constraints: it fails closed on both.
  if (name.type === "directory" && base.type === "directory") return subtrees === "Excluded";
  if (name.type === "uri" && base.type === "uri") return subtrees === "Excluded";
  if (name.type === "unsupported" && base.type === "unsupported" && name.tag === base.tag) {
    throw new PkiError("NameConstraintViolation", "a name form webpki cannot check is constrained");
  }
  return undefined;
}

export interface NameConstraints {
  permitted?: Uint8Array;
  excluded?: Uint8Array;
  ownerLabel: string;
}

export function parseNameConstraints(contents: Uint8Array, ownerLabel: string): NameConstraints {
  const reader = new DerReader(contents);
  const permitted = reader.peek(Tag.Ctx0) ? reader.expect(Tag.Ctx0).value : undefined;
  const excluded = reader.peek(Tag.Ctx1) ? reader.expect(Tag.Ctx1).value : undefined;
  reader.finish();
  const constraints: NameConstraints = { ownerLabel };
  if (permitted) constraints.permitted = permitted;
  if (excluded) constraints.excluded = excluded;
  return constraints;
}

export function checkNameAgainstConstraints(name: GeneralName, constraints: NameConstraints, budget: Budget): void {
  const groups: Array<[Subtrees, Uint8Array | undefined]> = [
    ["Permitted", constraints.permitted],
    ["Excluded", constraints.excluded],
  ];
  for (const [subtrees, encoded] of groups) {
    if (!encoded) continue;
    let anyMatch = false;
    let anyMismatch = false;
    const reader = new DerReader(encoded);
    while (!reader.atEnd()) {
      if (--budget.nameConstraintComparisons < 0) {
        throw new PkiError("MaximumNameConstraintComparisonsExceeded", "more than 250000 name constraint comparisons");
      }
      // GeneralSubtree: only `base`; minimum/maximum must be absent.
      const subtree = new DerReader(reader.expect(Tag.Sequence).value);
      const base = readGeneralName(subtree);
      subtree.finish();
      const matches = matchesConstraint(name, base, subtrees);
      if (matches === undefined) continue;
      if (subtrees === "Excluded" && matches) {
        throw new PkiError("NameConstraintViolation", `${describeGeneralName(name)} is in an excluded subtree of '${constraints.ownerLabel}'`);
      }
      if (matches) anyMatch = true;
      else anyMismatch = true;
    }
    if (anyMismatch && !anyMatch) {
      throw new PkiError("NameConstraintViolation", `${describeGeneralName(name)} is outside the permitted subtrees of '${constraints.ownerLabel}'`);
    }
  }
}

/** Checks `certs` (the constrained one first, down to the leaf): every SAN plus the subject DN. */
export function checkCertsAgainstConstraints(certs: Cert[], constraints: NameConstraints, budget: Budget): Failure | undefined {
  for (const cert of certs) {
    try {
      for (const name of subjectAltNames(cert)) checkNameAgainstConstraints(name, constraints, budget);
      checkNameAgainstConstraints({ type: "directory" }, constraints, budget);
    } catch (err) {
      return parseFailure(err, cert.index);
    }
  }
  return undefined;
}

export type ServerName = { kind: "dns"; name: string } | { kind: "ip"; octets: Uint8Array; text: string };

/** rustls-pki-types `ServerName::try_from(&str)`: a valid DNS name first, else an IP address. */
export function parseServerName(raw: string): ServerName | undefined {
  const text = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  if (isValidDnsId(text, "Reference", false)) return { kind: "dns", name: text };
  const octets = parseIpAddress(text);
  return octets ? { kind: "ip", octets, text } : undefined;
}

export function parseIpAddress(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return Uint8Array.from(text.split(".").map(Number));
  if (!isIPv6(text) || text.includes("%")) return undefined;
  return parseIpv6(text);
}

export function parseIpv6(text: string): Uint8Array | undefined {
  const groupsOf = (part: string): number[] => {
    if (part === "") return [];
    const pieces = part.split(":");
    const last = pieces[pieces.length - 1] as string;
    const words = pieces.map((piece) => parseInt(piece, 16));
    if (last.includes(".")) {
      const v4 = last.split(".").map(Number) as [number, number, number, number];
      words.splice(words.length - 1, 1, (v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    }
    return words;
  };
  const [head = "", tail] = text.split("::");
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const zeros = 8 - left.length - right.length;
  const words = [...left, ...new Array<number>(Math.max(zeros, 0)).fill(0), ...right];
  if (words.length !== 8) return undefined;
  return Uint8Array.from(words.flatMap((word) => [word >> 8, word & 0xff]));
}

/** webpki `verify_is_valid_for_subject_name`: SAN entries only, never the subject CN. */
export function verifyServerName(leaf: Cert, serverName: string): Failure | undefined {
  const fail = (kind: WebpkiErrorName, detail: string): Failure => ({ kind, certIndex: 0, detail });
  const reference = parseServerName(serverName);
  if (!reference) return fail("CertNotValidForName", `'${serverName}' is neither a valid DNS name nor an IP address, so rustls cannot verify it`);

  let names: GeneralName[];
  try {
    names = subjectAltNames(leaf);
  } catch (err) {
    return parseFailure(err, 0);
  }
  for (const name of names) {
    if (reference.kind === "ip" && name.type === "ip" && bytesEqual(name.value, reference.octets)) return undefined;
    if (reference.kind === "dns" && name.type === "dns" && dnsMatchesQuietly(latin1(name.value), reference.name)) return undefined;
  }
  const presented = names.map(describeGeneralName);
  const listed = presented.length > 0 ? presented.join(", ") : "no subjectAltName entries (the subject CN is ignored)";
  const wanted = reference.kind === "ip" ? `IP address ${reference.text}` : `'${reference.name}'`;
  return fail("CertNotValidForName", `the certificate '${leaf.label}' is not valid for ${wanted}; it names ${listed}`);
}

/** Malformed presented names are skipped, not fatal, when matching the server name. */
export function dnsMatchesQuietly(presented: string, reference: string): boolean {
  try {
    return dnsNameMatches(presented, reference, "Reference");
  } catch {
    return false;
  }
}

export function describeGeneralName(name: GeneralName): string {
  switch (name.type) {
    case "dns":
      return `DNS:${latin1(name.value)}`;
    case "ip":
      return `IP:${formatIp(name.value)}`;
    case "uri":
      return `URI:${latin1(name.value)}`;
    case "directory":
      return "the subject name";
    case "unsupported":
      return `a GeneralName of type [${name.tag}]`;
  }
}

export function formatIp(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join(".");
  if (octets.length !== 16) return toHex(octets);
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((octets[i] as number) << 8) | (octets[i + 1] as number)).toString(16));
  return words.join(":");
}
