/**
 * The mapping against the extracts: every service in a fagmelding should come from a mapping row, and
 * every mapping row should be used by some service.
 *
 * A row produces a service when it has the service's type and org number (a service without an org number
 * also comes from a row without one, or, for a type whose org number is optional, from any row with the
 * type, since an EPJ may leave an optional number out), and the row's validity overlaps the service's
 * period. Overlap rather than "starts within" because a service that began under an older row is still
 * reported with whatever the current row says.
 *
 * Both sides are reduced once to small indexes (the extract to its distinct type/org-number pairs, the
 * mapping to a map from pair to rows), so that re-checking after an edit of the mapping costs a lookup per
 * distinct pair, not a pass over the extract: the editor re-runs this while the user types.
 */
import { defaultSeverities, FindingSink } from '../analysis/analyze';
import { FagmeldingSummary } from '../analysis/summary';
import { defaultSettings, Finding, KprSettings } from '../analysis/types';
import { isValidYyyymmdd } from '../domain/dates';
import { orgNumberRule, parseServiceCode } from '../domain/serviceCodes';
import { registerMessages, t } from '../i18n';
import { targetText } from './check';
import { MappingEntry, mappingEntries, OPEN_FROM, OPEN_TO, overlaps } from './entry';
import { MappingRow, shown } from './parse';

registerMessages({
  'mapping-unmapped.service': {
    nb: 'Ingen rad i mappingen ({files}) gir {targetNb}. {hintNb}{countNb}',
    en: 'No row in the mapping ({files}) gives {targetEn}. {hintEn}{countEn}',
  },
  'mapping-unmapped.otherOrgs': {
    nb: 'Mappingen har tjenestetype {code} bare med organisasjonsnummer {orgs}.',
    en: 'The mapping has service type {code} only with organisation number {orgs}.',
  },
  'mapping-unmapped.withoutOrg': {
    nb: 'Mappingen har tjenestetype {code} bare uten organisasjonsnummer.',
    en: 'The mapping has service type {code} only without an organisation number.',
  },
  'mapping-unmapped.period': {
    nb: 'Radene med denne tjenestetypen og dette organisasjonsnummeret gjelder ikke i tjenestens periode.',
    en: 'The rows with this service type and organisation number are not valid during the service’s period.',
  },
  'mapping-unmapped.noCode': {
    nb: 'Ingen rad mapper til tjenestetype {code}.',
    en: 'No row maps to service type {code}.',
  },
  'mapping-unmapped.count': {
    nb: ' {count} tjenester i denne filen har samme tjenestetype og organisasjonsnummer.',
    en: ' {count} services in this file have the same service type and organisation number.',
  },
  'mapping-unmapped.more': {
    nb: 'Ytterligere {services} tjenester i {groups} kombinasjoner av tjenestetype og organisasjonsnummer har ingen rad i mappingen ({files}), bl.a. {list}.',
    en: '{services} more services in {groups} combinations of service type and organisation number have no row in the mapping ({files}), e.g. {list}.',
  },
  'mapping-unused.row': {
    nb: 'Ingen tjeneste i uttrekkene som er sjekket ({files}) har {targetNb}, så raden for «{local}» brukes ikke. Er den gammel (sett gyldig til), eller mapper EPJ-et tjenesten et annet sted?',
    en: 'No service in the extracts checked ({files}) has {targetEn}, so the row for "{local}" is not used. Is it old (set valid to), or does the EPJ map the service elsewhere?',
  },
});

/** Distinct type/org-number pairs reported one by one per extract; the rest go into one summarising finding. */
export const MAX_UNMAPPED_FINDINGS = 50;

export interface MappingSource {
  path: string;
  rows: readonly MappingRow[];
}

export interface ExtractSource {
  path: string;
  summary: FagmeldingSummary;
}

interface Occurrence {
  start: number;
  end: number;
  from: string;
  to: string;
}

interface ServiceGroup {
  code: number;
  orgnr: string;
  occurrences: Occurrence[];
}

/** An extract reduced to what the cross-check needs. Build it once per extract version and keep it. */
export interface ExtractServiceIndex {
  path: string;
  /** The reporting period (YYYYMMDD) when the header has one. */
  period?: { from: string; to: string };
  /** Distinct `code|orgnr` pairs, in the order they first occur. */
  groups: Map<string, ServiceGroup>;
  services: number;
}

interface IndexedRow {
  path: string;
  entry: MappingEntry;
  /** Validity as compared (open when its dates cannot be read: date-invalid already says so). */
  from: string;
  to: string;
}

/** The mapping rows reduced to lookups by type and org number. Build it once per mapping version. */
export interface MappingIndex {
  paths: string[];
  rows: IndexedRow[];
  byTarget: Map<string, IndexedRow[]>;
  byCode: Map<number, IndexedRow[]>;
}

export interface CrossCheckResult {
  /** Findings per extract path (`mapping-unmapped`), an entry for every extract given. */
  extractFindings: Map<string, Finding[]>;
  /** Findings per mapping path (`mapping-unused`), an entry for every mapping given. */
  mappingFindings: Map<string, Finding[]>;
}

function pairKey(code: number, orgnr: string): string {
  return `${code}|${orgnr}`;
}

function datePart(s: string | undefined, open: string): string {
  return s !== undefined && isValidYyyymmdd(s) ? s : open;
}

export function indexExtract(path: string, summary: FagmeldingSummary): ExtractServiceIndex {
  const groups = new Map<string, ServiceGroup>();
  let services = 0;
  for (const p of summary.persons) {
    for (const s of p.services) {
      const code = parseServiceCode(s.code);
      if (code === undefined) continue; // not a number: the schema reports it
      services++;
      const orgnr = s.orgnr ?? '';
      const key = pairKey(code, orgnr);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { code, orgnr, occurrences: [] }));
      g.occurrences.push({ start: s.codeAt.start, end: s.codeAt.end, from: datePart(s.from, OPEN_FROM), to: datePart(s.to, OPEN_TO) });
    }
  }
  const h = summary.header;
  const period = h.from && h.to && isValidYyyymmdd(h.from) && isValidYyyymmdd(h.to) ? { from: h.from, to: h.to } : undefined;
  return { path, period, groups, services };
}

export function indexMappings(mappings: readonly MappingSource[]): MappingIndex {
  const rows: IndexedRow[] = [];
  const byTarget = new Map<string, IndexedRow[]>();
  const byCode = new Map<number, IndexedRow[]>();
  for (const m of mappings) {
    for (const entry of mappingEntries(m.rows)) {
      if (entry.notReported || entry.code === undefined || entry.localCode === '') continue;
      const r: IndexedRow = {
        path: m.path,
        entry,
        from: entry.periodKnown ? entry.from : OPEN_FROM,
        to: entry.periodKnown ? entry.to : OPEN_TO,
      };
      rows.push(r);
      const key = pairKey(entry.code, entry.orgnr);
      const list = byTarget.get(key);
      if (list) list.push(r);
      else byTarget.set(key, [r]);
      const byC = byCode.get(entry.code);
      if (byC) byC.push(r);
      else byCode.set(entry.code, [r]);
    }
  }
  return { paths: mappings.map((m) => m.path), rows, byTarget, byCode };
}

/** The rows that can produce services of a pair. */
function candidates(index: MappingIndex, code: number, orgnr: string): IndexedRow[] {
  const exact = index.byTarget.get(pairKey(code, orgnr)) ?? [];
  if (orgnr !== '' || orgNumberRule(code) !== 'optional') return exact;
  return index.byCode.get(code) ?? [];
}

/** File names for messages: the last path segment, at most three of them. */
export function fileList(paths: readonly string[]): string {
  const names = paths.map((p) => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1));
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} …`;
}

function both(key: string, args: Record<string, string | number> = {}): { nb: string; en: string } {
  return { nb: t('nb', key, args), en: t('en', key, args) };
}

/** Why no row gives the pair, as a sentence in both languages. */
function hint(index: MappingIndex, g: ServiceGroup, exact: readonly IndexedRow[]): { nb: string; en: string } {
  if (exact.length > 0) return both('mapping-unmapped.period');
  const sameCode = index.byCode.get(g.code) ?? [];
  if (sameCode.length === 0) return both('mapping-unmapped.noCode', { code: g.code });
  const orgs = [...new Set(sameCode.map((r) => r.entry.orgnr))];
  if (orgs.length === 1 && orgs[0] === '') return both('mapping-unmapped.withoutOrg', { code: g.code });
  const listed = orgs.filter((o) => o !== '').slice(0, 3).map((o) => shown(o, 20));
  return both('mapping-unmapped.otherOrgs', { code: g.code, orgs: listed.join(', ') + (orgs.length > 3 ? ' …' : '') });
}

/** Cross-checks with indexes built beforehand (the editor keeps them per document version). */
export function crossCheckIndexed(
  index: MappingIndex,
  extracts: readonly ExtractServiceIndex[],
  settings: KprSettings = defaultSettings(),
): CrossCheckResult {
  const severities = defaultSeverities();
  // The caller caps the findings per document together with the document's own; the sink only applies severities.
  const sinkSettings: KprSettings = { ...settings, maxFindings: Number.POSITIVE_INFINITY };
  const extractFindings = new Map<string, Finding[]>();
  const mappingFindings = new Map<string, Finding[]>();
  for (const p of index.paths) mappingFindings.set(p, []);
  const used = new Set<IndexedRow>();
  const files = fileList(index.paths);

  for (const x of extracts) {
    const sink = new FindingSink(sinkSettings, severities);
    extractFindings.set(x.path, sink.findings);
    if (index.paths.length === 0) continue;
    const unmapped: { g: ServiceGroup; occurrences: Occurrence[]; exact: IndexedRow[] }[] = [];
    for (const g of x.groups.values()) {
      const rows = candidates(index, g.code, g.orgnr);
      const misses: Occurrence[] = [];
      const open = rows.find((r) => r.from === OPEN_FROM && r.to === OPEN_TO);
      if (open) {
        // The common case, an undated row: it produces every occurrence, and so do the other candidates they overlap.
        for (const r of rows) if (r === open || g.occurrences.some((o) => overlaps(r.from, r.to, o.from, o.to))) used.add(r);
      } else {
        for (const o of g.occurrences) {
          let hit = false;
          for (const r of rows) {
            if (overlaps(r.from, r.to, o.from, o.to)) {
              used.add(r);
              hit = true;
            }
          }
          if (!hit) misses.push(o);
        }
      }
      if (misses.length > 0) unmapped.push({ g, occurrences: misses, exact: index.byTarget.get(pairKey(g.code, g.orgnr)) ?? [] });
    }
    unmapped.sort((a, b) => a.occurrences[0].start - b.occurrences[0].start);
    for (const u of unmapped.slice(0, MAX_UNMAPPED_FINDINGS)) {
      const target = targetText({ code: u.g.code, codeText: String(u.g.code), notReported: false, orgnr: u.g.orgnr });
      const why = hint(index, u.g, u.exact);
      const n = u.occurrences.length;
      const count = n > 1 ? both('mapping-unmapped.count', { count: n }) : { nb: '', en: '' };
      const first = u.occurrences[0];
      sink.add({
        code: 'mapping-unmapped',
        start: first.start,
        end: first.end,
        key: 'mapping-unmapped.service',
        args: { files, targetNb: target.nb, targetEn: target.en, hintNb: why.nb, hintEn: why.en, countNb: count.nb, countEn: count.en },
      });
    }
    const rest = unmapped.slice(MAX_UNMAPPED_FINDINGS);
    if (rest.length > 0) {
      const services = rest.reduce((n, u) => n + u.occurrences.length, 0);
      const list = [...rest]
        .sort((a, b) => b.occurrences.length - a.occurrences.length)
        .slice(0, 5)
        .map((u) => `${u.g.code}${u.g.orgnr ? ' + ' + shown(u.g.orgnr, 20) : ''} (${u.occurrences.length}×)`)
        .join(', ');
      const first = rest[0].occurrences[0];
      sink.add({
        code: 'mapping-unmapped',
        start: first.start,
        end: first.end,
        key: 'mapping-unmapped.more',
        args: { services, groups: rest.length, files, list },
      });
    }
  }

  if (extracts.length > 0) {
    const extractFiles = fileList(extracts.map((x) => x.path));
    const sinks = new Map<string, FindingSink>();
    for (const p of index.paths) {
      const sink = new FindingSink(sinkSettings, severities);
      sinks.set(p, sink);
      mappingFindings.set(p, sink.findings);
    }
    for (const r of index.rows) {
      if (used.has(r)) continue;
      // A row valid only outside every extract's period is history, not an unused row.
      const relevant = extracts.some((x) => !x.period || overlaps(r.from, r.to, x.period.from, x.period.to));
      if (!relevant) continue;
      const e = r.entry;
      const cell = e.row.fields.localCode ?? e.row.fields.kprCode;
      if (!cell) continue;
      const target = targetText(e);
      sinks.get(r.path)?.add({
        code: 'mapping-unused',
        start: cell.valueStart,
        end: cell.valueEnd,
        key: 'mapping-unused.row',
        args: { files: extractFiles, targetNb: target.nb, targetEn: target.en, local: shown(e.localCode) },
      });
    }
  }
  return { extractFindings, mappingFindings };
}

/** Cross-checks mapping files against fagmelding extracts (see the module comment for the matching rule). */
export function crossCheck(
  mappings: readonly MappingSource[],
  extracts: readonly ExtractSource[],
  settings: KprSettings = defaultSettings(),
): CrossCheckResult {
  return crossCheckIndexed(
    indexMappings(mappings),
    extracts.map((x) => indexExtract(x.path, x.summary)),
    settings,
  );
}
