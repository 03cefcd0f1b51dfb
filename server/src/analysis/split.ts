/**
 * Reading a large fagmelding on two threads. The text is cut after a record (a PERSON end tag) near the
 * middle: this thread reads up to the cut as usual and stops there; the other thread, holding the same
 * text, reads the document's head up to the end of its first record (to learn the envelope, the payload
 * root and INNHINFO) and resumes reading at the cut, exactly as the incremental analysis resumes after an
 * edit. The findings of both are joined in order and the document-level checks run on the joined
 * summaries (`finishAnalysis`).
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
 * all, resuming at the cut; `again` this thread read the whole text again; `whole` no cut was made or the
 * first reading went on to the end.
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

/**
 * Analyses `text` with its second part read by `other`. Falls back to reading on this thread alone for
 * short texts, custom rules and texts without a cut; `other` is closed in every case.
 */
export async function analyzeSplit(text: string, options: AnalyzeOptions, other: TailReader, split: SplitOptions = {}): Promise<AnalysisResult> {
  const t0 = performance.now();
  try {
    const cut = text.length >= (split.minLength ?? SPLIT_MIN_LENGTH) && !options.rules ? findCut(text, Math.floor(text.length * (split.fraction ?? 0.5))) : undefined;
    const joined = (how: SplitJoin) => split.onJoin?.(how);
    if (cut === undefined) {
      joined('whole');
      return analyzeText(text, options);
    }
    const pending = other.read(cut, options.settings);
    // Read on this thread up to the first checkpoint at or after the cut.
    const first = readDocument(text, options, { stopAt: (cp) => cp.offset >= cut });
    if (first.haltedAt === undefined) {
      // The reading never came back to the payload root after the cut (or was stopped): it read everything.
      void pending.catch(() => undefined);
      joined('whole');
      return finishAnalysis(first, options, t0);
    }
    const cp = first.checkpoints[first.checkpoints.length - 1];
    const path = first.payloadPath!;
    let rest: Pick<Reading, 'findings' | 'issues' | 'echoes' | 'persons' | 'records' | 'stopped'> | undefined;
    if (cp.offset === cut && cp.record && !first.openTainted && path.every((el) => el.textStart === -1)) {
      const r = await pending.catch((err: unknown): TailResult => ({ ok: false, reason: String(err) }));
      if (r.ok && r.resumedKey !== undefined && r.resumedKey === first.schemaKey() && r.header === JSON.stringify(first.header)) {
        rest = { ...r, persons: unpackPersons(r.persons) };
      }
    } else {
      void pending.catch(() => undefined);
    }
    if (!rest) {
      // Resuming needs the header read before the first record, and no element closed by recovery still
      // open (the echo bookkeeping is not carried over a resume): otherwise read it all again.
      if (first.openTainted || first.headerEnd < 0 || cp.offset < first.headerEnd) {
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
 * The other thread's work: reads the head of `text` up to the end of its first record (the envelope, the
 * payload root, INNHINFO), then resumes reading at `cut` as if the records in between had been read.
 */
export function readTail(text: string, cut: number, settings: KprSettings): TailResult {
  const options: AnalyzeOptions = { settings };
  const start = readDocument(text, options, { stopAt: (cp) => cp.record });
  const path = start.payloadPath;
  if (start.haltedAt === undefined || start.haltedAt > cut || start.kind !== 'fagmelding' || !path || start.openTainted || path.some((el) => el.textStart !== -1)) {
    return { ok: false, reason: 'no record before the cut' };
  }
  const cp = start.checkpoints[start.checkpoints.length - 1];
  const payload = path[path.length - 1];
  const reading = readDocument(text, options, {
    resume: { checkpoint: { ...cp, offset: cut }, open: openCopies(path, payload.children), envelope: start.envelope, header: start.header, stopAt: () => false },
  });
  return {
    ok: true,
    findings: reading.findings,
    issues: reading.issues,
    echoes: reading.echoes,
    persons: packPersons(reading.persons),
    records: reading.records,
    stopped: reading.stopped,
    resumedKey: reading.resumedKey,
    header: JSON.stringify(start.header),
  };
}

/** The other thread as a function call on this one, over the same text: for tests. */
export function localTailReader(text: string): TailReader {
  return {
    read: (cut, settings) => Promise.resolve(readTail(text, cut, settings)),
    close: () => undefined,
  };
}

/** What the main thread sends the worker (splitWorker.ts). */
export type WorkerRequest = { bytes: SharedArrayBuffer } | { cut: number; settings: KprSettings };

/**
 * The other thread as a worker running `file` (the bundled splitWorker.ts). Started before the file is
 * read, so that it loads while this thread reads the file; `load` hands it the file's bytes (shared, not
 * copied), which it decodes while this thread does the same. A worker that fails or exits early answers
 * `ok: false`, and this thread then reads the rest itself.
 */
export function startTailWorker(file: string): TailReader & { load(bytes: SharedArrayBuffer): void } {
  const worker = new Worker(file);
  const answer = new Promise<TailResult>((resolve) => {
    worker.once('message', (result: TailResult) => {
      resolve(result);
      // Nothing more to ask: the thread winds down while this one joins the halves, not before it exits.
      void worker.terminate();
    });
    worker.once('error', (err) => resolve({ ok: false, reason: err.name }));
    worker.once('exit', (code) => resolve({ ok: false, reason: `exit ${code}` }));
  });
  const post = (request: WorkerRequest) => worker.postMessage(request);
  return {
    load: (bytes) => post({ bytes }),
    read(cut, settings) {
      post({ cut, settings });
      return answer;
    },
    close() {
      void worker.terminate();
    },
  };
}
