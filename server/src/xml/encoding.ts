/**
 * Turns the bytes of a file into text the way an XML processor must: BOM first, then the encoding named
 * in the XML declaration. KPR's own schemas are ISO-8859-1, and EPJ systems still write extracts in it, so
 * ISO-8859-1 and Windows-1252 are read as well as UTF-8.
 */
import { isAscii } from 'node:buffer';
import { MessageArgs } from '../i18n';

/**
 * UTF-8 to text, with the ASCII parts (nearly all of an extract) copied rather than decoded: Node's UTF-8
 * decoder is several times slower than a Latin-1 copy, which gives the same text for ASCII bytes.
 */
function utf8(b: Buffer): string {
  if (isAscii(b)) return b.toString('latin1');
  const CHUNK = 1 << 20;
  const parts: string[] = [];
  for (let i = 0; i < b.length; ) {
    let e = Math.min(b.length, i + CHUNK);
    while (e < b.length && (b[e] & 0xc0) === 0x80) e++; // never split a character
    const part = b.subarray(i, e);
    parts.push(isAscii(part) ? part.toString('latin1') : part.toString('utf8'));
    i = e;
  }
  return parts.join('');
}

export interface DecodedText {
  text: string;
  /** The encoding used to decode. */
  encoding: 'utf-8' | 'iso-8859-1' | 'windows-1252' | 'utf-16le' | 'utf-16be';
  /** A problem worth a diagnostic (invalid bytes, unsupported encoding, binary). Offsets are in the text. */
  issue?: { key: string; args: MessageArgs };
  /** True when the bytes contain NUL: not a text file. */
  binary: boolean;
}

const DECL = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

export function declaredEncoding(head: string): string | undefined {
  const m = DECL.exec(head);
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * How a file's bytes become text, as far as its first bytes decide: the encoding, and how many bytes of
 * byte order mark to skip. Undefined for UTF-16 and for bytes that look binary, which are only decoded
 * whole (decodeXml).
 */
export interface DecodePlan {
  encoding: 'utf-8' | 'iso-8859-1' | 'windows-1252';
  /** Bytes of byte order mark before the text. */
  skip: number;
  /** An encoding the declaration names that is not supported (the bytes are then read as UTF-8). */
  issue?: DecodedText['issue'];
}

export function planDecoding(head: Uint8Array): DecodePlan | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) return undefined;
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const skip = bom ? 3 : 0;
  if (buf.subarray(0, skip + 8192).indexOf(0, skip) !== -1) return undefined;
  const declared = bom ? 'utf-8' : declaredEncoding(buf.toString('latin1', 0, Math.min(200, buf.length)));
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'iso8859-1' || declared === 'iso-latin-1') return { encoding: 'iso-8859-1', skip };
  if (declared === 'windows-1252' || declared === 'cp1252') return { encoding: 'windows-1252', skip };
  if (declared !== undefined && declared !== 'utf-8' && declared !== 'utf8' && declared !== 'us-ascii' && declared !== 'ascii') {
    return { encoding: 'utf-8', skip, issue: { key: 'xml.unsupportedEncoding', args: { encoding: declared } } };
  }
  return { encoding: 'utf-8', skip };
}

/**
 * Decodes bytes of a file by its plan. `part` must start and end on character boundaries (in UTF-8: not
 * inside a multi-byte sequence); for valid bytes, the parts of a file decode to the parts of its text.
 */
export function decodePart(part: Uint8Array, plan: DecodePlan): string {
  const buf = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
  if (plan.encoding === 'iso-8859-1') return buf.toString('latin1');
  if (plan.encoding === 'windows-1252') return decodeWindows1252(buf);
  return utf8(buf);
}

export function decodeXml(bytes: Uint8Array): DecodedText {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)), encoding: 'utf-16le', binary: false };
  }
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)), encoding: 'utf-16be', binary: false };
  }
  const plan = planDecoding(buf);
  if (!plan) {
    // NUL among the first bytes: not a text file.
    const body = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf;
    return { text: body.toString('latin1', 0, Math.min(body.length, 256)).replace(/\0/g, ' '), encoding: 'iso-8859-1', binary: true };
  }
  const body = buf.subarray(plan.skip);
  const text = decodePart(body, plan);
  if (plan.encoding !== 'utf-8') return { text, encoding: plan.encoding, binary: false };
  let issue = plan.issue;
  if (!issue && text.indexOf('\ufffd') !== -1) {
    const bad = firstInvalidUtf8(body);
    if (bad !== -1) issue = { key: 'xml.encoding', args: { encoding: 'UTF-8', offset: bad + plan.skip } };
  }
  return { text, encoding: 'utf-8', issue, binary: body.indexOf(0) !== -1 };
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c <= 0xdf ? 1 : -1;
    if (n === -1 || c > 0xf4) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** Windows-1252's 0x80–0x9F (the rest is Latin-1); the five unassigned bytes keep their C1 code points. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

/**
 * Decodes Windows-1252 by table: Node's TextDecoder('windows-1252') decodes 0x80–0x9F as Latin-1 control
 * characters, which would turn Excel's – and € into invisible characters.
 */
export function decodeWindows1252(b: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < b.length; i += CHUNK) {
    const end = Math.min(b.length, i + CHUNK);
    const codes = new Array<number>(end - i);
    for (let k = i; k < end; k++) {
      const c = b[k];
      codes[k - i] = c >= 0x80 && c <= 0x9f ? CP1252_HIGH[c - 0x80] : c;
    }
    out += String.fromCharCode(...codes);
  }
  return out;
}
