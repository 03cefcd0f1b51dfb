/**
 * Mapping files on disk: which names they have, and bytes → text the way Excel's CSV exports need it:
 * a BOM means UTF-8 (Excel's "CSV UTF-8") or UTF-16 ("Unicode text"); without one, bytes that are valid
 * UTF-8 are UTF-8 and anything else is Windows-1252 (Excel's plain "CSV" on a Norwegian Windows).
 */
import { promises as fs } from 'node:fs';
import { KprSettings } from '../analysis/types';
import { decodeWindows1252, firstInvalidUtf8 } from '../xml/encoding';
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
