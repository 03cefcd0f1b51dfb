/**
 * Moving the offsets of analysis results: after an edit changed the length of the text before them
 * (incremental.ts), or when they were found in a text that held only part of the document (split.ts).
 */
import { XmlIssue } from '../xml/parser';
import type { EchoRange } from './analyze';
import { PersonSummary, ServiceSummary } from './summary';
import { FixData, Finding, RelatedLocation } from './types';

/**
 * A map of offsets: those before `from` stay; those at or after `oldSync` move by `delta`; one in between
 * (inside a span that was re-read) cannot be mapped, which `ok` then records: the incremental analysis
 * then gives up on the update (a finding after the span would depend on the span) and reads in full.
 */
export class Shift {
  ok = true;
  constructor(
    readonly from: number,
    readonly oldSync: number,
    readonly delta: number,
  ) {}

  at(x: number): number {
    if (x < this.from) return x;
    if (x >= this.oldSync) return x + this.delta;
    this.ok = false;
    return x;
  }

  /** False when `x` falls inside the re-read span. */
  fits(x: number): boolean {
    return x < this.from || x >= this.oldSync;
  }
}

export function shiftFindings(all: readonly Finding[], from: number, s: Shift): Finding[] | undefined {
  if (s.delta === 0) {
    for (let i = from; i < all.length; i++) {
      const f = all[i];
      if (!s.fits(f.start) || !s.fits(f.end)) return undefined;
      if (f.data && !shiftData(f.data, s)) return undefined;
      if (f.related) for (const r of f.related) if (r.file === undefined && (!s.fits(r.start) || !s.fits(r.end))) return undefined;
    }
    return s.ok ? all.slice(from) : undefined;
  }
  const out: Finding[] = new Array(all.length - from);
  for (let i = from; i < all.length; i++) {
    const f = all[i];
    const data = f.data && shiftData(f.data, s);
    if (f.data && !data) return undefined;
    out[i - from] = {
      ...f,
      start: s.at(f.start),
      end: s.at(f.end),
      data,
      related: f.related && f.related.map((r: RelatedLocation) => (r.file !== undefined ? r : { ...r, start: s.at(r.start), end: s.at(r.end) })),
    };
  }
  return s.ok ? out : undefined;
}

export function shiftData(d: FixData, s: Shift): FixData | undefined {
  switch (d.fix) {
    case 'replace-service-code':
      return d.removeOrg
        ? { ...d, from: s.at(d.from), to: s.at(d.to), removeOrg: { start: s.at(d.removeOrg.start), end: s.at(d.removeOrg.end) } }
        : { ...d, from: s.at(d.from), to: s.at(d.to) };
    case 'remove-element':
      return { ...d, start: s.at(d.start), end: s.at(d.end) };
    default:
      return undefined; // a kind of fix this code does not know how to move
  }
}

export function shiftIssues(all: readonly XmlIssue[], from: number, s: Shift): XmlIssue[] | undefined {
  if (s.delta === 0) {
    for (let i = from; i < all.length; i++) if (!s.fits(all[i].start) || !s.fits(all[i].end)) return undefined;
    return all.slice(from);
  }
  const out: XmlIssue[] = new Array(all.length - from);
  for (let i = from; i < all.length; i++) {
    const x = all[i];
    out[i - from] = { ...x, start: s.at(x.start), end: s.at(x.end) };
  }
  return s.ok ? out : undefined;
}

export function shiftRanges(all: readonly EchoRange[], from: number, s: Shift): EchoRange[] | undefined {
  const out: EchoRange[] = new Array(all.length - from);
  for (let i = from; i < all.length; i++) out[i - from] = { start: s.at(all[i].start), end: s.at(all[i].end) };
  return s.ok ? out : undefined;
}

export function shiftPersons(all: readonly PersonSummary[], from: number, s: Shift): PersonSummary[] | undefined {
  if (s.delta === 0) {
    // Nothing moves (a character replaced by another): the old summaries serve as they are.
    for (let i = from; i < all.length; i++) {
      const p = all[i];
      if (!s.fits(p.id.start) || !s.fits(p.id.end)) return undefined;
      for (const x of p.services) if (!s.fits(x.codeAt.start) || !s.fits(x.codeAt.end)) return undefined;
    }
    return all.slice(from);
  }
  const out: PersonSummary[] = new Array(all.length - from);
  for (let i = from; i < all.length; i++) {
    const p = all[i];
    const services: ServiceSummary[] = new Array(p.services.length);
    for (let k = 0; k < services.length; k++) {
      const x = p.services[k];
      services[k] = { ...x, codeAt: { start: s.at(x.codeAt.start), end: s.at(x.codeAt.end) } };
    }
    out[i - from] = { ...p, id: { ...p.id, start: s.at(p.id.start), end: s.at(p.id.end) }, services };
  }
  return s.ok ? out : undefined;
}
