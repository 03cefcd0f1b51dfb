/**
 * Reading a large fagmelding on two threads. The text is cut after a record (a PERSON end tag) near the
 * middle: this thread reads up to the cut as usual and stops there; the other thread reads the document's
 * head up to the end of its first record (to learn the envelope, the payload root and INNHINFO) and
 * resumes reading at the cut, exactly as the incremental analysis resumes after an edit. The findings of
 * both are joined in order and the document-level checks run on the joined summaries (`finishAnalysis`).
 * For a file on disk, each thread reads and decodes only its own part of the file (checkFile.ts), so
 * neither waits for the other to have the whole text.
 *
 * The result is the one `analyzeText` gives, finding for finding (test/unit/split.test.ts holds it to
 * that). The other thread's part is only used when the cut is sound, which is checked after the fact:
 * this thread's reading must stop at a record end exactly at the cut, with nothing pending that the other
 * thread cannot know (text directly inside the payload root, an element closed by recovery, another
 * header), and the schema check must stand in the same state on both sides of the cut
 * (`SchemaCheck.stateKey`). Otherwise this thread reads the rest itself, resuming where it stopped. Record
 * visits are pure by contract (rules/rule.ts), which is what makes reading records elsewhere sound.
 */
import { Worker } from 'node:worker_threads';
import { XmlIssue } from '../xml/parser';
import { AnalysisResult, AnalyzeOptions, analyzeText, EchoRange, finishAnalysis, openCopies, readDocument, Reading } from './analyze';
import { DecodePlan } from '../xml/encoding';
import { Shift, shiftFindings, shiftIssues, shiftRanges } from './shift';
import { packPersons, PackedPersons, unpackPersons } from './summary';
import { Finding, KprSettings } from './types';

/** What the other thread found after the cut. */
export type TailResult =
  | {
      ok: true;
      findings: Finding[];
      issues: XmlIssue[];
      echoes: EchoRange[];
      persons: PackedPersons;
      records: number;
      stopped: boolean;
      /** The schema check's state key at the cut, as the tail reading assumed it. */
      resumedKey: string | undefined;
      /** The header the tail reading used, as JSON. */
      header: string;
    }
  | { ok: false; reason: string };

/**
 * The other thread, holding the same text (a worker thread in the product, `localTailReader` in tests).
 * `read` asks it for the findings after `cut`.
 */
export interface TailReader {
  read(cut: number, settings: KprSettings): Promise<TailResult>;
  /** Ends the thread; called once, whether `read` was called or not. */
  close(): void;
}

export interface SplitOptions {
  /** Texts shorter than this are read on one thread (default 4 Mi characters). */
  minLength?: number;
  /** Where to cut, as a share of the text (default 0.5): the first record end at or after it. */
  fraction?: number;
  /** Told how the result was made (for tests and logs). */
  onJoin?(how: SplitJoin): void;
}

/**
 * How a split analysis was made: `other` the other thread read the tail; `local` this thread read it after
 * all, resuming at the cut; `again` this thread read the whole text again (the reading did not stop at the
 * cut, or cannot be resumed there); `whole` no cut was made.
 */
export type SplitJoin = 'other' | 'local' | 'again' | 'whole';

export const SPLIT_MIN_LENGTH = 4 * 1024 * 1024;

/** A PERSON end tag (`</PERSON>`, `</p:PERSON >`). One inside a comment or CDATA is caught after the fact. */
const RECORD_END = /<\/(?:[A-Za-z_][\w.-]*:)?PERSON\s*>/g;

/** Where to cut: after the first record end tag at or after `at` that is not the first in the text. */
export function findCut(text: string, at: number): number | undefined {
  RECORD_END.lastIndex = 0;
  const first = RECORD_END.exec(text);
  if (!first) return undefined;
  RECORD_END.lastIndex = Math.max(first.index + first[0].length, at);
  const m = RECORD_END.exec(text);
  if (!m) return undefined;
  const cut = m.index + m[0].length;
  return cut < text.length ? cut : undefined;
}

/** A document cut in two: `first` is its text up to `cut`; `whole()` gives the whole text. */
export interface CutText {
  first: string;
  cut: number;
  whole(): Promise<string>;
}

/**
 * Analyses `text` with its second part read by `other`. Falls back to reading on this thread alone for
 * short texts, custom rules and texts without a cut; `other` is closed in every case.
 */
export async function analyzeSplit(text: string, options: AnalyzeOptions, other: TailReader, split: SplitOptions = {}): Promise<AnalysisResult> {
  const cut = text.length >= (split.minLength ?? SPLIT_MIN_LENGTH) && !options.rules ? findCut(text, Math.floor(text.length * (split.fraction ?? 0.5))) : undefined;
  if (cut === undefined) {
    other.close();
    split.onJoin?.('whole');
    return analyzeText(text, options);
  }
  return analyzeCut({ first: text.slice(0, cut), cut, whole: () => Promise.resolve(text) }, options, other, split.onJoin);
}

/**
 * Analyses a document cut in two, the part after the cut read by `other`, which is closed in every case.
 * `options.rules` must be the default rules (the other thread runs those).
 */
export async function analyzeCut(doc: CutText, options: AnalyzeOptions, other: TailReader, onJoin?: (how: SplitJoin) => void): Promise<AnalysisResult> {
  const t0 = performance.now();
  const { first: firstText, cut } = doc;
  const joined = (how: SplitJoin) => onJoin?.(how);
  try {
    const pending = other.read(cut, options.settings);
    void pending.catch(() => undefined);
    // Read on this thread up to the cut; a reading that does not stop there ran into the end of the part.
    const first = readDocument(firstText, options, { stopAt: (cp) => cp.offset >= cut });
    const cp = first.checkpoints[first.checkpoints.length - 1];
    if (first.stopped) return finishAnalysis(first, options, t0);
    if (first.haltedAt !== cut || !cp.record || first.openTainted) {
      joined('again');
      return analyzeText(await doc.whole(), options);
    }
    const path = first.payloadPath!;
    let rest: Pick<Reading, 'findings' | 'issues' | 'echoes' | 'persons' | 'records' | 'stopped'> | undefined;
    if (path.every((el) => el.textStart === -1)) {
      const r = await pending.catch((err: unknown): TailResult => ({ ok: false, reason: String(err) }));
      if (r.ok && r.resumedKey !== undefined && r.resumedKey === first.schemaKey() && r.header === JSON.stringify(first.header)) {
        rest = { ...r, persons: unpackPersons(r.persons) };
      }
    }
    if (!rest) {
      // Resuming needs the header read before the first record: otherwise read it all again.
      const text = await doc.whole();
      if (first.headerEnd < 0 || cp.offset < first.headerEnd) {
        joined('again');
        return analyzeText(text, options);
      }
      const payload = path[path.length - 1];
      rest = readDocument(text, options, {
        resume: { checkpoint: cp, open: openCopies(path, payload.children), envelope: first.envelope, header: first.header, stopAt: () => false },
      });
      joined('local');
    } else {
      joined('other');
    }
    const reading: Reading = {
      ...first,
      findings: first.findings.concat(rest.findings),
      issues: first.issues.concat(rest.issues),
      echoes: first.echoes.concat(rest.echoes),
      persons: first.persons.concat(rest.persons),
      records: first.records + rest.records,
      stopped: rest.stopped,
      haltedAt: undefined,
    };
    return finishAnalysis(reading, options, t0);
  } finally {
    other.close();
  }
}

/**
 * The other thread's work on a text that holds the document's head and, from offset `from`, its text from
 * the cut on (when it holds the whole text, `from` is `cut`): reads the head up to the end of its first
 * record (the envelope, the payload root, INNHINFO), resumes reading at `from` as if the records in
 * between had been read, and gives the offsets as they are in the whole text.
 */
export function readTail(text: string, from: number, cut: number, settings: KprSettings): TailResult {
  const options: AnalyzeOptions = { settings };
  const start = readDocument(text, options, { stopAt: (cp) => cp.record });
  const path = start.payloadPath;
  if (start.haltedAt === undefined || start.haltedAt > from || start.kind !== 'fagmelding' || !path || start.openTainted || path.some((el) => el.textStart !== -1)) {
    return { ok: false, reason: 'no record before the cut' };
  }
  const cp = start.checkpoints[start.checkpoints.length - 1];
  const payload = path[path.length - 1];
  const reading = readDocument(text, options, {
    resume: { checkpoint: { ...cp, offset: from }, open: openCopies(path, payload.children), envelope: start.envelope, header: start.header, stopAt: () => false },
  });
  // Offsets before `from` (the head) are the same in both texts; those after it move to the cut.
  const shift = new Shift(from, from, cut - from);
  const findings = cut === from ? reading.findings : shiftFindings(reading.findings, 0, shift);
  const issues = cut === from ? reading.issues : shiftIssues(reading.issues, 0, shift);
  const echoes = cut === from ? reading.echoes : shiftRanges(reading.echoes, 0, shift);
  if (!findings || !issues || !echoes) return { ok: false, reason: 'a finding that cannot be moved' };
  return {
    ok: true,
    findings,
    issues,
    echoes,
    persons: packPersons(reading.persons, from, cut - from),
    records: reading.records,
    stopped: reading.stopped,
    resumedKey: reading.resumedKey,
    header: JSON.stringify(start.header),
  };
}

/** The other thread as a function call on this one, over the same text: for tests. */
export function localTailReader(text: string): TailReader {
  return {
    read: (cut, settings) => Promise.resolve(readTail(text, cut, cut, settings)),
    close: () => undefined,
  };
}

/** What the worker (splitWorker.ts) reads: its part of a file, from `cut` on, and the head before it. */
export interface TailJob {
  file: string;
  plan: DecodePlan;
  /** Byte offset of the cut. */
  cutByte: number;
  /** The file as this thread found it: the worker checks it has not changed. */
  size: number;
  mtimeMs: number;
}

/** Main thread → worker. */
export type WorkerRequest = { job: TailJob } | { cut: number; settings: KprSettings };

/** Worker → main thread: the result, and the bytes from the cut on (transferred, not copied). */
export interface WorkerAnswer {
  result: TailResult;
  tail?: Uint8Array;
  /** True when the worker's part holds bytes the text cannot be split at (NUL, invalid UTF-8). */
  undecodable?: boolean;
}

/**
 * The other thread as a worker running `file` (the bundled splitWorker.ts), started before anything is
 * read so that it loads meanwhile. `begin` tells it which part of which file to read and decode; `read`
 * gives it the cut in characters once this thread has decoded its own part. A worker that fails or exits
 * early answers `ok: false`, and this thread then reads the rest itself.
 */
export class TailWorker implements TailReader {
  private readonly worker: Worker;
  private readonly answer: Promise<WorkerAnswer>;
  /** The worker's answer, once it came. */
  received: WorkerAnswer | undefined;

  constructor(file: string) {
    this.worker = new Worker(file);
    this.answer = new Promise<WorkerAnswer>((resolve) => {
      const failed = (reason: string) => resolve({ result: { ok: false, reason } });
      this.worker.once('message', (answer: WorkerAnswer) => {
        this.received = answer;
        resolve(answer);
        // Nothing more to ask: the thread winds down while this one joins the halves, not before it exits.
        void this.worker.terminate();
      });
      this.worker.once('error', (err) => failed(err.name));
      this.worker.once('exit', (code) => failed(`exit ${code}`));
    });
  }

  begin(job: TailJob): void {
    this.worker.postMessage({ job } satisfies WorkerRequest);
  }

  async read(cut: number, settings: KprSettings): Promise<TailResult> {
    this.worker.postMessage({ cut, settings } satisfies WorkerRequest);
    return (await this.answer).result;
  }

  close(): void {
    void this.worker.terminate();
  }
}
