// Distinguished names as text, in the exact format @peculiar/x509's `Name.toString()` produced
// before (findings, tables and golden reports show it): RDNs in encoded order joined by ", ",
// multi-valued RDNs by "+", short names for a few attribute types, "#hex" for non-string values.
import { DerError, DerReader, TAG, readOid } from "./der.js";
import { countWork } from "./work.js";

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "E",
  "2.5.4.42": "G",
  "2.5.4.43": "I",
  "2.5.4.4": "SN",
  "2.5.4.12": "T",
};

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function latin1(bytes: Uint8Array): string {
  // Attribute values are short: building the string here beats creating a Buffer view per value.
  if (bytes.length > 256) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** The text of a directory-string value the way asn1js decodes each string type. */
function stringValue(tag: number, value: Uint8Array): string | undefined {
  switch (tag) {
    case TAG.printableString:
    case TAG.teletexString:
    case TAG.ia5String:
      return latin1(value);
    case TAG.utf8String:
      try {
        return strictUtf8.decode(value);
      } catch {
        return latin1(value); // invalid UTF-8 is shown byte by byte
      }
    case TAG.bmpString: {
      let text = "";
      for (let i = 0; i + 1 < value.length; i += 2) text += String.fromCharCode((value[i] << 8) | value[i + 1]);
      return text;
    }
    case TAG.universalString: {
      // asn1js keeps only the low 16 bits of each 32-bit character.
      let text = "";
      for (let i = 0; i + 3 < value.length; i += 4) text += String.fromCharCode((value[i + 2] << 8) | value[i + 3]);
      return text;
    }
    default:
      return undefined;
  }
}

const NEEDS_ESCAPE = /[,+"\\<>;\r\n\t]|^[ #]| $/;

function escapeValue(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text
    .replace(/([,+"\\<>;])/g, "\\$1")
    .replace(/^([ #])/, "\\$1")
    .replace(/([ ]$)/, "\\$1")
    .replace(/([\r\n\t])/, (ch) => `\\${Buffer.from(ch).toString("hex").toUpperCase()}`); // first one only, as before
}

/** Text of a full Name TLV (SEQUENCE OF SET OF AttributeTypeAndValue). Throws DerError when malformed. */
export function nameToString(nameDer: Uint8Array): string {
  countWork("name");
  const outer = new DerReader(nameDer);
  const rdns = outer.expect(TAG.sequence).inner();
  if (!outer.atEnd()) throw new DerError("trailing data after a Name");
  const rdnTexts: string[] = [];
  while (!rdns.atEnd()) {
    const set = rdns.expect(TAG.set).inner();
    const parts: string[] = [];
    while (!set.atEnd()) {
      const atv = set.expect(TAG.sequence).inner();
      const type = readOid(atv.expect(TAG.oid));
      atv.read();
      if (!atv.atEnd()) throw new DerError("trailing data in an AttributeTypeAndValue");
      const text = stringValue(atv.tag, atv.value());
      const shown = text === undefined ? `#${Buffer.from(atv.whole()).toString("hex")}` : escapeValue(text);
      parts.push(`${SHORT_NAMES[type] ?? type}=${shown}`);
    }
    rdnTexts.push(parts.join("+"));
  }
  // join() gives one flat string: thousands of names are kept until the report is printed.
  return rdnTexts.join(", ");
}

/** For labels: never throws; an empty name and an unparseable one are said so. */
export function describeName(nameDer: Uint8Array): string {
  try {
    const text = nameToString(nameDer);
    return text === "" ? "(empty name)" : text;
  } catch {
    return `(unparseable name ${Buffer.from(nameDer.subarray(0, 16)).toString("hex")}…)`;
  }
}
