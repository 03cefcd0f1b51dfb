/**
 * Checking a file on disk: bytes → text (BOM, declared encoding, ISO-8859-1) → analysis. Shared by the
 * `kpr check` command line and the editor's "Check File on Disk" (for files too large for the editor).
 */
import { promises as fs } from 'node:fs';
import { decodeXml } from '../xml/encoding';
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
  const bytes = await fs.readFile(path);
  return checkBytes(path, bytes, settings, shouldStop);
}

export function checkBytes(path: string, bytes: Uint8Array, settings: KprSettings, shouldStop?: () => boolean): CheckedFile {
  const decoded = decodeXml(bytes);
  if (decoded.binary) {
    const text = decoded.text;
    return {
      path,
      text,
      lines: new LineIndex(text),
      encoding: decoded.encoding,
      result: {
        kind: 'other',
        envelope: false,
        findings: [{ code: 'xml-syntax', severity: Severity.Error, start: 0, end: Math.min(1, text.length), key: 'xml.binary', args: {} }],
        stopped: false,
        stats: { records: 0, ms: 0, hiddenFindings: 0 },
      },
    };
  }
  const result = analyzeText(decoded.text, { settings, shouldStop });
  if (decoded.issue && result.kind !== 'other') {
    result.findings.unshift({ code: 'xml-syntax', severity: Severity.Error, start: 0, end: Math.min(1, decoded.text.length), key: decoded.issue.key, args: decoded.issue.args });
  }
  return { path, text: decoded.text, lines: new LineIndex(decoded.text), encoding: decoded.encoding, result };
}
