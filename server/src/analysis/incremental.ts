/**
 * The language server's entry to the analysis: after an edit, only the records the edit touched are read
 * and checked again, and the result is the one a full analysis of the new text gives (the unit test
 * test/unit/incremental.test.ts holds it to that, finding for finding).
 *
 * How: a full analysis of a fagmelding is read with a trace (analyze.ts `readDocument`), which keeps every
 * finding, syntax problem and person summary uncapped and a checkpoint wherever a child of IPLOS (a PERSON,
 * INNHINFO) closed. For a new text the changed span is found (common prefix and suffix, or the span the
 * caller passes), reading resumes at the last checkpoint before it, inside a copy of the open IPLOS element,
 * with the schema check brought to where it stood, and stops at the first record end that falls on an old
 * checkpoint after the change: from there the reader, the schema check and the rules are in exactly the
 * state they were in at that checkpoint, so everything after it is the old result with offsets moved.
 * The parts are spliced together and finished like any analysis (syntax findings, the rules' document-level
 * `end` checks on the summaries, the cap). Record visits are pure by contract (rules/rule.ts), which is
 * what makes reusing them sound.
 *
 * Anything else falls back to a full analysis: another kind of document (an identmelding is small, and its
 * xs:unique constraints tie records together), an edit in the header, the root or the envelope, different
 * settings, text directly inside the payload root, or offsets that would point into the re-read span.
 */
import { loadKprSchema } from '../schema';
import { XmlElement, XmlIssue } from '../xml/parser';
import { AnalysisResult, Checkpoint, EchoRange, finishAnalysis, openCopies, readDocument, Reading } from './analyze';
import { Shift, shiftFindings, shiftIssues, shiftPersons, shiftRanges } from './shift';
import { PersonSummary } from './summary';
import { Finding, KprSettings } from './types';

/** The edit from the previous text to this one, when the caller knows it: [start, oldEnd) became [start, newEnd). */
export interface ChangedSpan {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/**
 * The span of `span` followed by one more edit, [s, e) of the text it left replaced by `inserted`
 * characters: the edits of several LSP content changes merged into one.
 */
export function mergeChange(span: ChangedSpan, s: number, e: number, inserted: number): ChangedSpan {
  const delta = span.newEnd - span.oldEnd;
  return {
    start: Math.min(span.start, s),
    // An end inside the span's new text maps to the span's old end; one after it maps back by the length change.
    oldEnd: Math.max(span.oldEnd, e - delta),
    newEnd: Math.max(span.newEnd, e) + inserted - (e - s),
  };
}

/** How the last answer was made (for logs and tests). */
export type AnalysisMode = 'full' | 'incremental' | 'unchanged';

interface Traced {
  reading: Reading;
  /** The payload root's children, in order (old elements keep their old offsets; only names and attributes are used). */
  children: XmlElement[];
  /** The payload root and its ancestors from the last full reading (they sit before every checkpoint). */
  path: XmlElement[];
  /** Whether the schema lets records repeat without bound (then their number never changes the schema state). */
  unboundedRecords: boolean;
}

interface Base {
  text: string;
  settings: KprSettings;
  settingsKey: string;
  result: AnalysisResult;
  traced?: Traced;
}

export class IncrementalAnalyzer {
  private base: Base | undefined;
  /** How the last call was answered. */
  lastMode: AnalysisMode = 'full';

  /**
   * Analyses `text`, reusing the previous call's work where the change allows. `change`, when given, must
   * describe the edit from the previous call's text to this one (e.g. merged from LSP content changes);
   * without it the changed span is found by comparing the texts.
   */
  analyze(text: string, settings: KprSettings, shouldStop?: () => boolean, change?: ChangedSpan): AnalysisResult {
    const t0 = performance.now();
    const base = this.base;
    if (base && (base.settings === settings || base.settingsKey === settingsKey(settings))) {
      if (text.length === base.text.length && commonPrefix(text, base.text) === text.length) {
        this.lastMode = 'unchanged';
        return base.result;
      }
      if (base.traced) {
        const r = this.update(base, base.traced, text, settings, shouldStop, change, t0);
        if (r) {
          this.lastMode = 'incremental';
          return r;
        }
      }
    }
    this.lastMode = 'full';
    return this.full(text, settings, shouldStop, t0);
  }

  /** Forgets the previous text (e.g. when the document closes). */
  reset(): void {
    this.base = undefined;
  }

  private full(text: string, settings: KprSettings, shouldStop: (() => boolean) | undefined, t0: number): AnalysisResult {
    const reading = readDocument(text, { settings, shouldStop }, {});
    const result = finishAnalysis(reading, { settings }, t0);
    this.base = result.stopped ? undefined : { text, settings, settingsKey: settingsKey(settings), result, traced: tracedState(reading) };
    return result;
  }

  /** The incremental path; undefined when the change is not one it can take (the caller then reads in full). */
  private update(
    base: Base,
    old: Traced,
    text: string,
    settings: KprSettings,
    shouldStop: (() => boolean) | undefined,
    hint: ChangedSpan | undefined,
    t0: number,
  ): AnalysisResult | undefined {
    const oldText = base.text;
    const delta = text.length - oldText.length;
    let start: number;
    let oldEnd: number;
    if (hint && plausible(hint, oldText, text)) {
      start = hint.start;
      oldEnd = hint.oldEnd;
    } else {
      start = commonPrefix(oldText, text);
      oldEnd = oldText.length - commonSuffix(oldText, text, Math.min(oldText.length, text.length) - start);
    }

    const R = old.reading;
    const cps = R.checkpoints;
    const j = lastCheckpointAtOrBefore(cps, start);
    if (j < 0 || cps[j].offset < R.headerEnd) return undefined; // the header, the root or the envelope changed
    const cp = cps[j];

    // The open elements at the checkpoint, copied so the old tree is never touched.
    const open = openCopies(old.path, old.children.slice(0, cp.children));
    const payload = open[open.length - 1];

    // Read until a record ends where an old checkpoint after the change ended: back in step from there.
    let sync = -1;
    let foreign = false;
    const stopAt = (ncp: Checkpoint): boolean => {
      if (!ncp.record) foreign = true; // another kind of child changes the schema state: read on to the end
      if (foreign || payload.textStart !== -1) return false;
      const o = ncp.offset - delta;
      if (o < oldEnd) return false;
      const m = checkpointAt(cps, o, j + 1);
      if (m < 0 || !allRecords(cps, j + 1, m)) return false;
      if (!old.unboundedRecords && ncp.records - cp.records !== cps[m].records - cp.records) return false;
      sync = m;
      return true;
    };
    const region = readDocument(
      text,
      { settings, shouldStop },
      { resume: { checkpoint: cp, open, envelope: R.envelope, header: R.header, stopAt } },
    );

    let findings: Finding[];
    let issues: XmlIssue[];
    let echoes: EchoRange[];
    let persons: PersonSummary[];
    let checkpoints: Checkpoint[];
    let children: XmlElement[];
    const regionChildren = payload.children.slice(cp.children);
    if (sync >= 0 && !region.stopped) {
      const cpM = cps[sync];
      const shift = new Shift(cp.offset, cpM.offset, delta);
      const last = region.checkpoints[region.checkpoints.length - 1];
      const tailFindings = shiftFindings(R.findings, cpM.findings, shift);
      const tailIssues = shiftIssues(R.issues, cpM.issues, shift);
      const tailPersons = shiftPersons(R.persons, cpM.records, shift);
      const tailEchoes = shiftRanges(R.echoes, cpM.echoes, shift);
      if (!tailFindings || !tailIssues || !tailPersons || !tailEchoes) return undefined;
      findings = R.findings.slice(0, cp.findings).concat(region.findings, tailFindings);
      issues = R.issues.slice(0, cp.issues).concat(region.issues, tailIssues);
      echoes = R.echoes.slice(0, cp.echoes).concat(region.echoes, tailEchoes);
      persons = R.persons.slice(0, cp.records).concat(region.persons, tailPersons);
      const tail: Checkpoint[] = [];
      for (let i = sync + 1; i < cps.length; i++) {
        const c = cps[i];
        tail.push({
          offset: c.offset + delta,
          findings: c.findings - cpM.findings + last.findings,
          issues: c.issues - cpM.issues + last.issues,
          records: c.records - cpM.records + last.records,
          children: c.children - cpM.children + last.children,
          record: c.record,
          echoes: c.echoes - cpM.echoes + last.echoes,
        });
      }
      checkpoints = cps.slice(0, j + 1).concat(region.checkpoints, tail);
      children = old.children.slice(0, cp.children).concat(regionChildren, old.children.slice(cpM.children));
    } else {
      // Never back in step (or stopped): the re-read went on to the end of the text.
      findings = R.findings.slice(0, cp.findings).concat(region.findings);
      issues = R.issues.slice(0, cp.issues).concat(region.issues);
      echoes = R.echoes.slice(0, cp.echoes).concat(region.echoes);
      persons = R.persons.slice(0, cp.records).concat(region.persons);
      checkpoints = cps.slice(0, j + 1).concat(region.checkpoints);
      children = old.children.slice(0, cp.children).concat(regionChildren);
    }

    const reading: Reading = {
      ...R,
      traced: true,
      sink: region.sink,
      redirect: region.redirect,
      findings,
      issues,
      echoes,
      persons,
      visitors: region.visitors,
      stopped: region.stopped,
      records: persons.length,
      checkpoints,
      haltedAt: undefined,
      textLength: text.length,
    };
    const result = finishAnalysis(reading, { settings }, t0);
    if (!result.stopped) {
      // Text that appeared directly inside the payload root or an ancestor (only possible when the re-read
      // went on to the end) rules out the next update, as it would a full reading's.
      const clean = open.every((el) => el.textStart === -1);
      this.base = { text, settings, settingsKey: base.settingsKey, result, traced: clean ? { ...old, reading, children } : undefined };
    }
    return result;
  }
}

/**
 * A cheap sanity check of a caller's span: consistent lengths and equal text on both sides of it (a stale
 * span is then caught in practice; the texts are not compared in full, which is what the span saves).
 */
function plausible(h: ChangedSpan, oldText: string, text: string): boolean {
  if (!(h.start >= 0 && h.start <= h.oldEnd && h.oldEnd <= oldText.length && h.newEnd - h.oldEnd === text.length - oldText.length)) return false;
  const w = 64;
  const before = Math.max(0, h.start - w);
  return oldText.slice(before, h.start) === text.slice(before, h.start) && oldText.slice(h.oldEnd, h.oldEnd + w) === text.slice(h.newEnd, h.newEnd + w);
}

/** What a full reading leaves for later updates, when its document is one they can take. */
function tracedState(reading: Reading): Traced | undefined {
  const path = reading.payloadPath;
  if (reading.kind !== 'fagmelding' || !path || reading.stopped || reading.headerEnd < 0) return undefined;
  // Text directly inside the payload root or an ancestor is reported when they close; a re-read could not
  // tell whether it changed.
  if (path.some((el) => el.textStart !== -1)) return undefined;
  const payload = path[path.length - 1];
  return { reading, children: payload.children.slice(), path, unboundedRecords: recordsUnbounded(payload.local) };
}

/** True when the fagmelding schema lets PERSON repeat without bound inside the payload root. */
function recordsUnbounded(rootLocal: string): boolean {
  try {
    const type = loadKprSchema('fagmelding').roots.get(rootLocal)?.type;
    if (type?.kind !== 'complex') return false;
    const i = type.childIndex.get('PERSON');
    return i !== undefined && type.particles[i].maxOccurs === Number.POSITIVE_INFINITY;
  } catch {
    return false;
  }
}

function settingsKey(settings: KprSettings): string {
  return JSON.stringify(settings, (_k, v) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v));
}

// ---------------------------------------------------------------------------------------------------------
// Finding the change. Comparing 64 KiB slices is a memory compare inside V8, so a 10 MB text is compared in
// well under a millisecond; only the last few characters are compared one by one.
// ---------------------------------------------------------------------------------------------------------

const CHUNK = 1 << 16;

/** Length of the common prefix of `a` and `b`. */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let lo = 0;
  let step = CHUNK;
  while (lo < n) {
    const hi = Math.min(n, lo + step);
    if (hi - lo <= 32) {
      while (lo < hi && a.charCodeAt(lo) === b.charCodeAt(lo)) lo++;
      return lo;
    }
    if (a.slice(lo, hi) === b.slice(lo, hi)) lo = hi;
    else step = (hi - lo) >> 1;
  }
  return lo;
}

/** Length of the common suffix of `a` and `b`, at most `limit`. */
export function commonSuffix(a: string, b: string, limit: number): number {
  let k = 0; // characters known equal at the end
  let step = CHUNK;
  const al = a.length;
  const bl = b.length;
  while (k < limit) {
    const next = Math.min(limit, k + step);
    if (next - k <= 32) {
      while (k < next && a.charCodeAt(al - 1 - k) === b.charCodeAt(bl - 1 - k)) k++;
      return k;
    }
    if (a.slice(al - next, al - k) === b.slice(bl - next, bl - k)) k = next;
    else step = (next - k) >> 1;
  }
  return k;
}

// ---------------------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------------------

function lastCheckpointAtOrBefore(cps: readonly Checkpoint[], offset: number): number {
  let lo = 0;
  let hi = cps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cps[mid].offset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Index of the checkpoint at exactly `offset`, searching from `from`; -1 when none. */
function checkpointAt(cps: readonly Checkpoint[], offset: number, from: number): number {
  let lo = from;
  let hi = cps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = cps[mid].offset;
    if (o === offset) return mid;
    if (o < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function allRecords(cps: readonly Checkpoint[], from: number, to: number): boolean {
  for (let i = from; i <= to; i++) if (!cps[i].record) return false;
  return true;
}
