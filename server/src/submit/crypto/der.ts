/**
 * A small ASN.1 DER/BER reader and DER writer over Buffers.
 *
 * CMS messages for KPR carry up to ~50 MB of XML. node-forge's ASN.1 works on JavaScript "binary strings"
 * and copies everything it touches, so the big parts of a message are read and written here instead:
 * the reader returns offsets into the original Buffer (no copies) and the writer builds headers only,
 * leaving large contents as separate Buffers for `Buffer.concat` or streaming.
 */

/** Thrown for malformed encodings; callers turn it into a user-facing KprError. */
export class DerError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DerError';
  }
}

// Universal tags used by CMS (identifier octets, class and constructed bit included).
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag `[n]`, constructed (for EXPLICIT and IMPLICIT-constructed) or primitive. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

// ---------------------------------------------------------------------------------------------------
// Reader

/** One TLV element located in a Buffer. All offsets are absolute positions in that Buffer. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number; only low tag numbers occur in CMS). */
  tag: number;
  constructed: boolean;
  start: number;
  contentStart: number;
  /** End of the contents; for an indefinite length, the position of the end-of-contents octets. */
  contentEnd: number;
  /** End of the whole element, end-of-contents octets included. */
  end: number;
  indefinite: boolean;
}

// Real CMS nests fewer than 20 levels; the limit stops hostile input from exhausting the stack.
const MAX_DEPTH = 64;

/** Reads the element starting at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Buffer, offset: number, limit: number = buf.length, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep', offset);
  if (offset + 2 > limit) throw new DerError('truncated element', offset);
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in CMS', offset);
  const constructed = (tag & 0x20) !== 0;
  let pos = offset + 1;
  const first = buf[pos++];
  if (first < 0x80) {
    return finishDefinite(tag, constructed, offset, pos, first, limit);
  }
  if (first === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive element', offset);
    // Indefinite length (BER): walk the children to find the end-of-contents octets.
    const contentStart = pos;
    for (;;) {
      if (pos + 2 > limit) throw new DerError('missing end-of-contents', offset);
      if (buf[pos] === 0 && buf[pos + 1] === 0) {
        return { tag, constructed, start: offset, contentStart, contentEnd: pos, end: pos + 2, indefinite: true };
      }
      pos = readTlv(buf, pos, limit, depth + 1).end;
    }
  }
  const n = first & 0x7f;
  if (n > 6) throw new DerError('length too large', offset);
  if (pos + n > limit) throw new DerError('truncated length', offset);
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + buf[pos++];
  return finishDefinite(tag, constructed, offset, pos, length, limit);
}

function finishDefinite(tag: number, constructed: boolean, start: number, contentStart: number, length: number, limit: number): Tlv {
  const end = contentStart + length;
  if (end > limit) throw new DerError('element longer than its container', start);
  return { tag, constructed, start, contentStart, contentEnd: end, end, indefinite: false };
}

/** The direct children of a constructed element. */
export function children(buf: Buffer, parent: Tlv, depth = 0): Tlv[] {
  if (!parent.constructed) throw new DerError('expected a constructed element', parent.start);
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.contentEnd) {
    const child = readTlv(buf, pos, parent.contentEnd, depth + 1);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Reads an element and checks its tag. */
export function expectTlv(buf: Buffer, offset: number, tag: number, limit?: number, what = 'element'): Tlv {
  const tlv = readTlv(buf, offset, limit);
  if (tlv.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${hex2(tag)}), found tag 0x${hex2(tlv.tag)}`, offset);
  }
  return tlv;
}

/** Checks that `tlv` has the given tag and returns it, for readable parsing code. */
export function want(tlv: Tlv | undefined, tag: number, what: string, at: number): Tlv {
  if (!tlv) throw new DerError(`missing ${what}`, at);
  if (tlv.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${hex2(tag)}), found tag 0x${hex2(tlv.tag)}`, tlv.start);
  }
  return tlv;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** The contents octets of a definite-length element (a view, not a copy). */
export function contents(buf: Buffer, tlv: Tlv): Buffer {
  return buf.subarray(tlv.contentStart, tlv.contentEnd);
}

/** The complete encoding of an element (a view, not a copy). */
export function encoding(buf: Buffer, tlv: Tlv): Buffer {
  return buf.subarray(tlv.start, tlv.end);
}

/**
 * The pieces of an OCTET STRING value, primitive or constructed (BER: chunks, possibly nested, possibly
 * with indefinite length). `tlv` may carry an IMPLICIT context tag. The pieces are views into `buf`.
 */
export function octetStringPieces(buf: Buffer, tlv: Tlv, depth = 0): Buffer[] {
  if (!tlv.constructed) return [contents(buf, tlv)];
  const out: Buffer[] = [];
  for (const child of children(buf, tlv, depth)) {
    if ((child.tag & 0xdf) !== TAG.OCTET_STRING) {
      throw new DerError('constructed OCTET STRING contains something else', child.start);
    }
    out.push(...octetStringPieces(buf, child, depth + 1));
  }
  return out;
}

/** The value of an OCTET STRING as one Buffer; a view when primitive, a copy when chunked. */
export function octetStringValue(buf: Buffer, tlv: Tlv): Buffer {
  const pieces = octetStringPieces(buf, tlv);
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
}

/** Decodes an OBJECT IDENTIFIER's contents to dotted form. */
export function readOid(buf: Buffer, tlv: Tlv): string {
  if (tlv.tag !== TAG.OID) throw new DerError('expected an OBJECT IDENTIFIER', tlv.start);
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.contentEnd; i++) {
    const b = buf[i];
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large', tlv.start);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  if (parts.length === 0) throw new DerError('empty OID', tlv.start);
  return parts.join('.');
}

/** Reads a small non-negative INTEGER (versions, iteration counts). */
export function readSmallInt(buf: Buffer, tlv: Tlv): number {
  if (tlv.tag !== TAG.INTEGER) throw new DerError('expected an INTEGER', tlv.start);
  const len = tlv.contentEnd - tlv.contentStart;
  if (len < 1 || len > 6) throw new DerError('INTEGER out of range', tlv.start);
  if (buf[tlv.contentStart] & 0x80) throw new DerError('negative INTEGER', tlv.start);
  let v = 0;
  for (let i = tlv.contentStart; i < tlv.contentEnd; i++) v = v * 256 + buf[i];
  return v;
}

/** Decodes a UTCTime or GeneralizedTime (the profiles used in certificates and CMS). */
export function readTime(buf: Buffer, tlv: Tlv): Date {
  const s = contents(buf, tlv).toString('latin1');
  let m: RegExpMatchArray | null;
  if (tlv.tag === TAG.UTC_TIME) {
    m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})$/);
    if (m) {
      const yy = Number(m[1]);
      return makeDate(yy >= 50 ? 1900 + yy : 2000 + yy, m.slice(2, 7), '', m[7], tlv.start);
    }
  } else if (tlv.tag === TAG.GENERALIZED_TIME) {
    m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(\.\d+)?(Z|[+-]\d{4})?$/);
    if (m) return makeDate(Number(m[1]), m.slice(2, 7), m[7] ?? '', m[8] ?? 'Z', tlv.start);
  }
  throw new DerError(`invalid time '${s}'`, tlv.start);
}

function makeDate(year: number, f: (string | undefined)[], frac: string, zone: string, at: number): Date {
  const [mo, d, h, mi, sec] = f.map((x) => Number(x ?? '0'));
  let ms = Date.UTC(year, mo - 1, d, h, mi, sec, frac ? Math.round(Number(frac) * 1000) : 0);
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  if (Number.isNaN(ms)) throw new DerError('invalid time', at);
  return new Date(ms);
}

// ---------------------------------------------------------------------------------------------------
// Writer

/** The length octets for `length` (definite form, minimal). */
export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Identifier and length octets of an element whose contents are `length` bytes long. */
export function header(tag: number, length: number): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(length)]);
}

/** Total encoded size of an element with `length` content bytes. */
export function encodedSize(length: number): number {
  return 1 + encodeLength(length).length + length;
}

/** An element with the given contents. */
export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  return Buffer.concat([header(tag, length), ...parts]);
}

export const seq = (...parts: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...parts);

/** A DER SET OF: elements sorted by their encodings, as X.690 §11.6 requires. */
export function setOf(elements: Buffer[], tag: number = TAG.SET): Buffer {
  return tlv(tag, ...[...elements].sort(Buffer.compare));
}

export const NULL = Buffer.from([TAG.NULL, 0]);

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new Error(`bad OID ${dotted}`);
  const body: number[] = [];
  const push = (v: number) => {
    const groups = [v & 0x7f];
    for (v = Math.floor(v / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    body.push(...groups);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Buffer.from(body));
}

export function smallInt(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new Error(`integer out of range: ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return tlv(TAG.INTEGER, Buffer.from(bytes));
}

export function octetString(value: Buffer): Buffer {
  return tlv(TAG.OCTET_STRING, value);
}

/** UTCTime for 1950–2049 and GeneralizedTime otherwise (RFC 5652 §11.3), whole seconds. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = date.getUTCFullYear();
  const rest = iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(iso.slice(2, 4) + rest, 'latin1'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(iso.slice(0, 4) + rest, 'latin1'));
}
