/**
 * Mapping files on disk: which names they have, and bytes → text the way Excel's CSV exports need it:
 * a BOM means UTF-8 (Excel's "CSV UTF-8") or UTF-16 ("Unicode text"); without one, bytes that are valid
 * UTF-8 are UTF-8 and anything else is Windows-1252 (Excel's plain "CSV" on a Norwegian Windows).
 */
import { promises as fs } from 'node:fs';
import { KprSettings } from '../analysis/types';
import { firstInvalidUtf8 } from '../xml/encoding';
import { LineIndex } from '../xml/lineIndex';
import { analyzeMapping, MappingAnalysis } from './check';

/** `.kprmap` and `.kprmap.csv`, in any letter case. */
export function isMappingPath(path: string): boolean {
  return /\.kprmap(\.csv)?$/i.test(path);
}

export interface DecodedMapping {
  text: string;
  encoding: 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';
  bom: boolean;
}

export function decodeMapping(bytes: Uint8Array): DecodedMapping {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(b.subarray(3)), encoding: 'utf-8', bom: true };
  }
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(b.subarray(2)), encoding: 'utf-16le', bom: true };
  }
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(b.subarray(2)), encoding: 'utf-16be', bom: true };
  }
  if (firstInvalidUtf8(b) === -1) return { text: new TextDecoder('utf-8').decode(b), encoding: 'utf-8', bom: false };
  return { text: decodeWindows1252(b), encoding: 'windows-1252', bom: false };
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

export interface CheckedMappingFile extends MappingAnalysis {
  path: string;
  text: string;
  lines: LineIndex;
  encoding: DecodedMapping['encoding'];
}

/**
 * Reads and checks a mapping file. A lone CR (old Mac Excel's line end) becomes LF, which keeps every offset
 * and lets LineIndex count lines the way editors do.
 */
export async function checkMappingFile(path: string, settings: KprSettings): Promise<CheckedMappingFile> {
  return checkMappingBytes(path, await fs.readFile(path), settings);
}

export function checkMappingBytes(path: string, bytes: Uint8Array, settings: KprSettings): CheckedMappingFile {
  const decoded = decodeMapping(bytes);
  const text = decoded.text.replace(/\r(?!\n)/g, '\n');
  const analysis = analyzeMapping(text, settings);
  return { ...analysis, path, text, lines: new LineIndex(text), encoding: decoded.encoding };
}
