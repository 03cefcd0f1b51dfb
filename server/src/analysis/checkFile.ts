/**
 * Checking a file on disk: bytes → text (BOM, declared encoding, ISO-8859-1) → analysis. Shared by the
 * `kpr check` command line and the editor's "Check File on Disk" (for files too large for the editor).
 */
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { decodePart, decodeXml, DecodedText, planDecoding } from '../xml/encoding';
import { LineIndex } from '../xml/lineIndex';
import { analyzeText, AnalysisResult } from './analyze';
import { analyzeCut, SplitJoin, SPLIT_MIN_LENGTH, TailWorker } from './split';
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

/**
 * Two-thread reading with the worker bundled in `dir` (dist/checkWorker.js beside dist/cli.js and
 * dist/server.js); undefined where there is none (run from the sources).
 */
export function bundledSplit(dir: string): SplitSetup | undefined {
  const workerFile = join(dir, 'checkWorker.js');
  return existsSync(workerFile) ? { workerFile } : undefined;
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
    const checked = await checkInTwo(path, settings, shouldStop, split);
    if (checked) return checked;
  }
  // The bytes are passed on, not kept: once decoded, a whole-year file's buffer can be freed while the
  // text is analysed (this function's frame lives until the analysis is done).
  return checkDecoded(path, decodeXml(await fs.readFile(path)), settings, shouldStop);
}

/**
 * Where the file is cut: the first PERSON end tag after this share of it. A little past the middle: the
 * worker starts its half about 40 ms later than this thread (it loads, then reads and decodes its part).
 */
const CUT_AT = 0.515;
/** How far past that point this thread reads to find the end tag. */
const CUT_WINDOW = 1 << 20;
const RECORD_END_BYTES = Buffer.from('</PERSON>', 'latin1');

/** Thrown when the two-thread check finds it cannot go on: the file is then read whole on this thread. */
class CannotSplit extends Error {}

/**
 * The two-thread check: this thread reads and decodes the file up to the cut, the worker the head and the
 * rest (splitWorker.ts), each while the other does. Undefined when the file cannot be cut that way (no
 * plain PERSON end tag near the middle, UTF-16, NUL bytes or invalid UTF-8, a file that changed while it
 * was read): the caller then reads it whole on this thread.
 */
async function checkInTwo(path: string, settings: KprSettings, shouldStop: (() => boolean) | undefined, split: SplitSetup): Promise<CheckedFile | undefined> {
  // Started first: the worker loads while this thread reads.
  const other = new TailWorker(split.workerFile);
  try {
    const file = await fs.open(path, 'r');
    let size: number;
    let mtimeMs: number;
    let head: Buffer;
    let at: number;
    try {
      ({ size, mtimeMs } = await file.stat());
      at = Math.floor(size * CUT_AT);
      head = await readRange(file, 0, Math.min(size, at + CUT_WINDOW));
    } finally {
      await file.close();
    }
    const plan = planDecoding(head);
    const found = plan ? head.indexOf(RECORD_END_BYTES, at) : -1;
    const cutByte = found + RECORD_END_BYTES.length;
    if (!plan || found === -1 || cutByte >= size) return undefined;
    other.begin({ file: path, plan, cutByte, size, mtimeMs });
    const firstBytes = head.subarray(plan.skip, cutByte);
    const first = decodePart(firstBytes, plan);
    if (firstBytes.indexOf(0) !== -1 || (plan.encoding === 'utf-8' && first.indexOf('\ufffd') !== -1)) return undefined;

    // The bytes after the cut: the worker's (what it checked), or read here when it has none.
    let tail: Uint8Array | undefined;
    const tailBytes = async (): Promise<Uint8Array> => {
      // The worker found a NUL byte or invalid UTF-8 in its part: what to report depends on all of the file.
      if (other.received?.undecodable) throw new CannotSplit();
      return (tail ??= other.received?.tail ?? (await readAgain(path, cutByte, size, mtimeMs)));
    };
    let whole: string | undefined;
    const wholeText = () => (whole ??= first + decodePart(tail!, plan));
    const result = await analyzeCut(
      { first, cut: first.length, whole: async () => (await tailBytes(), wholeText()) },
      { settings, shouldStop },
      other,
      split.onJoin,
    );
    // Stopped (cancelled) while reading the first part: that part is all the result covers.
    if (result.stopped) return withResult(path, () => first, { encoding: plan.encoding, issue: plan.issue, binary: false }, result);
    await tailBytes();
    // The whole text is only decoded when asked for (to print findings): a clean file never needs it.
    return withResult(path, wholeText, { encoding: plan.encoding, issue: plan.issue, binary: false }, result);
  } catch (err) {
    if (err instanceof CannotSplit) return undefined;
    throw err;
  } finally {
    other.close();
  }
}

async function readRange(file: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new CannotSplit();
    done += bytesRead;
  }
  return buf;
}

/** The bytes from `position` on, provided the file is still the one first read. */
async function readAgain(path: string, position: number, size: number, mtimeMs: number): Promise<Buffer> {
  const file = await fs.open(path, 'r');
  try {
    const st = await file.stat();
    if (st.size !== size || st.mtimeMs !== mtimeMs) throw new CannotSplit();
    return await readRange(file, position, size - position);
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
  return withResult(path, () => text, decoded, result);
}

function withResult(path: string, textOf: () => string, decoded: Omit<DecodedText, 'text'>, result: AnalysisResult): CheckedFile {
  if (!decoded.binary && decoded.issue && result.kind !== 'other') {
    // Only the first character is pointed at (a payload was found, so there is one).
    result.findings.unshift({ code: 'xml-syntax', severity: Severity.Error, start: 0, end: 1, key: decoded.issue.key, args: decoded.issue.args });
  }
  // Line positions are only needed to print findings: built on first use (a clean 49 MB file needs none).
  let lines: LineIndex | undefined;
  return {
    path,
    get text() {
      return textOf();
    },
    get lines() {
      return (lines ??= new LineIndex(textOf()));
    },
    encoding: decoded.encoding,
    result,
  };
}
