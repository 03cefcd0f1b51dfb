/**
 * Checking a file on disk: bytes → text (BOM, declared encoding, ISO-8859-1) → analysis. Shared by the
 * `kpr check` command line and the editor's "Check File on Disk" (for files too large for the editor).
 */
import { promises as fs } from 'node:fs';
import { decodeXml, DecodedText } from '../xml/encoding';
import { LineIndex } from '../xml/lineIndex';
import { analyzeText, AnalysisResult } from './analyze';
import { KprSettings, Severity } from './types';

export interface CheckedFile {
  path: string;
  text: string;
  lines: LineIndex;
  result: AnalysisResult;
  encoding: string;
}

export async function checkFile(path: string, settings: KprSettings, shouldStop?: () => boolean): Promise<CheckedFile> {
  // The bytes are passed on, not kept: once decoded, a whole-year file's buffer can be freed while the
  // text is analysed (this function's frame lives until the analysis is done).
  return checkDecoded(path, decodeXml(await fs.readFile(path)), settings, shouldStop);
}

export function checkBytes(path: string, bytes: Uint8Array, settings: KprSettings, shouldStop?: () => boolean): CheckedFile {
  return checkDecoded(path, decodeXml(bytes), settings, shouldStop);
}

function checkDecoded(path: string, decoded: DecodedText, settings: KprSettings, shouldStop?: () => boolean): CheckedFile {
  const text = decoded.text;
  let result: AnalysisResult;
  if (decoded.binary) {
    result = {
      kind: 'other',
      envelope: false,
      findings: [{ code: 'xml-syntax', severity: Severity.Error, start: 0, end: Math.min(1, text.length), key: 'xml.binary', args: {} }],
      stopped: false,
      stats: { records: 0, ms: 0, hiddenFindings: 0 },
    };
  } else {
    result = analyzeText(text, { settings, shouldStop });
    if (decoded.issue && result.kind !== 'other') {
      result.findings.unshift({ code: 'xml-syntax', severity: Severity.Error, start: 0, end: Math.min(1, text.length), key: decoded.issue.key, args: decoded.issue.args });
    }
  }
  // Line positions are only needed to print findings: built on first use (a clean 49 MB file needs none).
  let lines: LineIndex | undefined;
  return {
    path,
    text,
    get lines() {
      return (lines ??= new LineIndex(text));
    },
    encoding: decoded.encoding,
    result,
  };
}
