/**
 * Checking a file on disk: bytes → text (BOM, declared encoding, ISO-8859-1) → analysis. Shared by the
 * `kpr check` command line and the editor's "Check File on Disk" (for files too large for the editor).
 */
import { promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { decodeXml, DecodedText } from '../xml/encoding';
import { LineIndex } from '../xml/lineIndex';
import { analyzeText, AnalysisResult } from './analyze';
import { analyzeSplit, SplitJoin, SPLIT_MIN_LENGTH, startTailWorker } from './split';
import { KprSettings, Severity } from './types';

/** Reading large files on two threads (split.ts). */
export interface SplitSetup {
  /** The bundled worker (dist/checkWorker.js). */
  workerFile: string;
  /** Files smaller than this are read on one thread (default: 4 MiB). */
  minBytes?: number;
  /** Told how each split file's result was made. */
  onJoin?(how: SplitJoin): void;
}

export interface CheckedFile {
  path: string;
  text: string;
  lines: LineIndex;
  result: AnalysisResult;
  encoding: string;
}

/**
 * Checks a file on disk. With `split`, a large file on a machine with more than one processor is read on
 * two threads (the result is the same; see split.ts).
 */
export async function checkFile(path: string, settings: KprSettings, shouldStop?: () => boolean, split?: SplitSetup): Promise<CheckedFile> {
  if (split && availableParallelism() > 1 && (await fs.stat(path)).size >= (split.minBytes ?? SPLIT_MIN_LENGTH)) {
    // Started first: the worker loads while this thread reads the file, then decodes it while this one does.
    const other = startTailWorker(split.workerFile);
    let decoded: DecodedText;
    try {
      const bytes = await readShared(path);
      other.load(bytes);
      decoded = decodeXml(Buffer.from(bytes));
    } catch (err) {
      other.close();
      throw err;
    }
    if (decoded.binary) {
      other.close();
      return checkDecoded(path, decoded, settings, shouldStop);
    }
    const result = await analyzeSplit(decoded.text, { settings, shouldStop }, other, { minLength: 0, onJoin: split.onJoin });
    return withResult(path, decoded, result);
  }
  // The bytes are passed on, not kept: once decoded, a whole-year file's buffer can be freed while the
  // text is analysed (this function's frame lives until the analysis is done).
  return checkDecoded(path, decodeXml(await fs.readFile(path)), settings, shouldStop);
}

/** The whole file in memory that a worker thread can read without a copy. */
async function readShared(path: string): Promise<SharedArrayBuffer> {
  const file = await fs.open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const shared = new SharedArrayBuffer(size);
    const view = new Uint8Array(shared);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await file.read(view, at, size - at, at);
      if (bytesRead === 0) throw new Error(`${path}: the file got shorter while it was read`);
      at += bytesRead;
    }
    return shared;
  } finally {
    await file.close();
  }
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
  }
  return withResult(path, decoded, result);
}

function withResult(path: string, decoded: DecodedText, result: AnalysisResult): CheckedFile {
  const text = decoded.text;
  if (!decoded.binary && decoded.issue && result.kind !== 'other') {
    result.findings.unshift({ code: 'xml-syntax', severity: Severity.Error, start: 0, end: Math.min(1, text.length), key: decoded.issue.key, args: decoded.issue.args });
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
