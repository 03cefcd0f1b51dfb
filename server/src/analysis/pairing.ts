/**
 * Pairing fagmeldinger with identmeldinger across files, and the `ident-mismatch` check of a pair.
 *
 * KPR_IPL and KPR_IDE travel as two shipments but describe the same persons: they are paired by the
 * løpenummer (INNHINFO/iiLopenr = Melding@lopenr) and by the person key (PERSON@pePeID = PasientIdent@pid;
 * DOMAIN.md §1). A folder's files are paired by equal løpenummer; a folder holding exactly one fagmelding
 * and one identmelding is taken as a pair even when the løpenumre differ, which is then itself a finding.
 * Works on the document summaries only, so whole-year files are compared without re-reading them.
 */
import { identMismatch } from '../rules/identMismatch';
import { maskPersonIds } from '../privacy';
import { defaultSeverities, FindingSink } from './analyze';
import { DocumentSummary, FagmeldingSummary, HeaderInfo, IdentmeldingSummary, ValueAt } from './summary';
import { Finding, KprSettings, RelatedLocation } from './types';

export interface SummarizedFile {
  /** Absolute path or URI, as the caller names the file; related locations carry it back. */
  path: string;
  summary: DocumentSummary;
}

export interface FagFile {
  path: string;
  summary: FagmeldingSummary;
}

export interface IdeFile {
  path: string;
  summary: IdentmeldingSummary;
}

export interface FilePair {
  fag: FagFile;
  ide: IdeFile;
  /** 'lopenr': equal løpenummer; 'folder': the only fagmelding and identmelding in their folder. */
  by: 'lopenr' | 'folder';
}

/** The folder part of a path or URI ('/' or '\' separated). */
function folderOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i === -1 ? '' : path.slice(0, i);
}

/** The file name shown in messages; decoded when it is a URI, masked in case it holds a person number. */
function displayName(path: string): string {
  let name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Not valid percent-encoding: show it as written.
    }
  }
  return maskPersonIds(name);
}

function lopenrOf(header: HeaderInfo): string | undefined {
  const v = header.lopenr?.value.trim();
  return v ? v : undefined;
}

/**
 * The fagmelding/identmelding pairs among `files`, in input order of the fagmeldinger. Only files in the
 * same folder are paired. Every fagmelding is paired with every identmelding of equal løpenummer (two
 * versions of a file side by side are both compared); a folder with exactly one of each that found no
 * such match is paired anyway (`by: 'folder'`). Other kinds of summary are ignored.
 */
export function findPairs(files: readonly SummarizedFile[]): FilePair[] {
  const folders = new Map<string, { fags: FagFile[]; ides: IdeFile[] }>();
  for (const f of files) {
    const folder = folderOf(f.path);
    let group = folders.get(folder);
    if (!group) folders.set(folder, (group = { fags: [], ides: [] }));
    if (f.summary.kind === 'fagmelding') group.fags.push({ path: f.path, summary: f.summary });
    else if (f.summary.kind === 'identmelding') group.ides.push({ path: f.path, summary: f.summary });
  }
  const pairs: FilePair[] = [];
  for (const { fags, ides } of folders.values()) {
    const before = pairs.length;
    for (const fag of fags) {
      const lopenr = lopenrOf(fag.summary.header);
      if (lopenr === undefined) continue;
      for (const ide of ides) {
        if (lopenrOf(ide.summary.header) === lopenr) pairs.push({ fag, ide, by: 'lopenr' });
      }
    }
    if (pairs.length === before && fags.length === 1 && ides.length === 1) {
      pairs.push({ fag: fags[0], ide: ides[0], by: 'folder' });
    }
  }
  return pairs;
}

export interface CheckPairOptions {
  /**
   * At most this many person/ident findings per file (default 1000); the rest are counted in one
   * summarising finding, so a wrong pairing does not bury the user in tens of thousands of findings.
   */
  maxPerFile?: number;
}

export interface PairFindings {
  /** Findings located in the fagmelding (offsets in its text). */
  fagFindings: Finding[];
  /** Findings located in the identmelding. */
  ideFindings: Finding[];
}

const FILE_START = { start: 0, end: 1 };

function where(v: ValueAt | undefined): { start: number; end: number } {
  return v ? { start: v.start, end: v.end } : FILE_START;
}

/**
 * Checks that a fagmelding and an identmelding agree: the same løpenummer, a pid for every pePeID and a
 * pePeID for every pid. Each finding sits in its own file with related information pointing into the
 * other. Severity follows the user's `ident-mismatch` setting like every other finding ('off' → none).
 */
export function checkPair(fag: FagFile, ide: IdeFile, settings: KprSettings, options: CheckPairOptions = {}): PairFindings {
  const cap = Math.max(0, options.maxPerFile ?? 1000);
  // The per-file cap on findings is the caller's to apply when it merges these with the file's own.
  const sinkSettings = { ...settings, maxFindings: Number.POSITIVE_INFINITY };
  const severities = defaultSeverities();
  if (!severities.has(identMismatch.code)) severities.set(identMismatch.code, identMismatch.defaultSeverity);
  const fagSink = new FindingSink(sinkSettings, severities);
  const ideSink = new FindingSink(sinkSettings, severities);
  const code = identMismatch.code;

  const fagHeader = fag.summary.header;
  const ideHeader = ide.summary.header;
  const fagLopenr = lopenrOf(fagHeader);
  const ideLopenr = lopenrOf(ideHeader);
  const fagName = displayName(fag.path);
  const ideName = displayName(ide.path);
  const toIde: RelatedLocation = { ...where(ideHeader.lopenr), key: 'ident-mismatch.related-ide', args: { lopenr: ideLopenr ?? '–' }, file: ide.path };
  const toFag: RelatedLocation = { ...where(fagHeader.lopenr), key: 'ident-mismatch.related-fag', args: { lopenr: fagLopenr ?? '–' }, file: fag.path };

  // A missing løpenummer is the schema check's finding; two different ones are this rule's.
  if (fagLopenr !== undefined && ideLopenr !== undefined && fagLopenr !== ideLopenr) {
    fagSink.add({
      code,
      ...where(fagHeader.lopenr),
      key: 'ident-mismatch.lopenr-fag',
      args: { lopenr: fagLopenr, otherLopenr: ideLopenr, file: ideName },
      related: [toIde],
    });
    ideSink.add({
      code,
      ...where(ideHeader.lopenr),
      key: 'ident-mismatch.lopenr-ide',
      args: { lopenr: ideLopenr, otherLopenr: fagLopenr, file: fagName },
      related: [toFag],
    });
  }

  const pids = new Set<string>();
  for (const i of ide.summary.idents) if (i.pid.value !== '') pids.add(i.pid.value);
  const peIds = new Set<string>();
  for (const p of fag.summary.persons) if (p.id.value !== '') peIds.add(p.id.value);
  const personsWithout = fag.summary.persons.filter((p) => p.id.value !== '' && !pids.has(p.id.value)).map((p) => p.id);
  const identsWithout = ide.summary.idents.filter((i) => i.pid.value !== '' && !peIds.has(i.pid.value)).map((i) => i.pid);

  const fagCount = fag.summary.persons.filter((p) => p.id.value !== '').length;
  const ideCount = ide.summary.idents.filter((i) => i.pid.value !== '').length;
  if (fagCount > 0 && ideCount > 0 && personsWithout.length === fagCount && identsWithout.length === ideCount) {
    // Not one key in common: the files do not belong together (or use different keys). One finding each
    // says so better than thousands of per-person ones.
    fagSink.add({
      code,
      ...where(fagHeader.lopenr),
      key: 'ident-mismatch.no-overlap-fag',
      args: { count: fagCount, otherCount: ideCount, file: ideName },
      related: [toIde],
    });
    ideSink.add({
      code,
      ...where(ideHeader.lopenr),
      key: 'ident-mismatch.no-overlap-ide',
      args: { count: ideCount, otherCount: fagCount, file: fagName },
      related: [toFag],
    });
    return { fagFindings: fagSink.findings, ideFindings: ideSink.findings };
  }

  reportMissing(fagSink, personsWithout, cap, 'ident-mismatch.person-without-ident', 'ident-mismatch.more-fag', ideName, toIde, fagHeader);
  reportMissing(ideSink, identsWithout, cap, 'ident-mismatch.ident-without-person', 'ident-mismatch.more-ide', fagName, toFag, ideHeader);
  return { fagFindings: fagSink.findings, ideFindings: ideSink.findings };
}

function reportMissing(
  sink: FindingSink,
  missing: readonly ValueAt[],
  cap: number,
  key: string,
  moreKey: string,
  otherName: string,
  related: RelatedLocation,
  header: HeaderInfo,
): void {
  const shown = Math.min(cap, missing.length);
  for (let i = 0; i < shown; i++) {
    const v = missing[i];
    sink.add({
      code: identMismatch.code,
      start: v.start,
      end: v.end,
      key,
      // The local key is printed to find the line; masked in case a system used the fødselsnummer as key.
      args: { id: maskPersonIds(v.value), file: otherName },
      related: [related],
    });
  }
  if (missing.length > shown) {
    sink.add({
      code: identMismatch.code,
      ...where(header.lopenr),
      key: moreKey,
      args: { total: missing.length, shown, hidden: missing.length - shown, file: otherName },
      related: [related],
    });
  }
}
