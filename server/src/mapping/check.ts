/**
 * The checks of one mapping file. Where a problem means the same as in an extract, the finding has the
 * extract's rule code (deprecated-service-code, unknown-service-code, org-number-*, date-*), so settings,
 * documentation and quick fixes carry over; what only a mapping can have is `mapping-format`,
 * `mapping-duplicate` and `mapping-conflict`:
 *
 * - duplicate: one local code mapped twice to the same service type and org number in overlapping periods.
 *   Harmless for the extract today, but one of the two rows is forgotten when the other is changed (warning).
 * - conflict: one local code mapped to a different service type, or the same type with a different org
 *   number, in overlapping periods. The EPJ can only report one of them, so the extract depends on which row
 *   it happens to use (error).
 */
import { defaultSeverities, FindingSink } from '../analysis/analyze';
import { defaultSettings, Finding, FixData, KprSettings, Severity } from '../analysis/types';
import { orgNumberProblem, OrgNumberProblem } from '../domain/identifiers';
import { expiredServiceCode, orgNumberRule, serviceCode } from '../domain/serviceCodes';
import { MONTH_NAMES } from '../domain/dates';
import { registerMessages } from '../i18n';
// The extract rules register the messages reused here (same meaning, same wording).
import '../rules/deprecatedServiceCode';
import '../rules/unknownServiceCode';
import '../rules/orgNumberInvalid';
import '../rules/dateInvalid';
import '../rules/dateOrder';
import { CANONICAL_NAMES, MappingField } from './columns';
import { parseMappingDate } from './dates';
import { MappingEntry, mappingEntry, overlaps, targetKey } from './entry';
import { MappingCell, MappingRow, ParsedMapping, parseMapping, shown } from './parse';

registerMessages({
  'mapping.noLocalCode': {
    nb: 'Raden har ingen lokal kode ({column}), så EPJ-et kan ikke bruke den.',
    en: 'The row has no local code ({column}), so the EPJ cannot use it.',
  },
  'mapping.noKprCode': {
    nb: 'Raden for «{local}» har ingen tjenestetype ({column}). Skriv en kode fra kodeverk 9151, eller «-» hvis den lokale tjenesten ikke skal rapporteres til KPR.',
    en: 'The row for "{local}" has no service type ({column}). Write a code from code list 9151, or "-" if the local service is not reported to KPR.',
  },
  'mapping.codeNotNumber': {
    nb: '«{code}» er ikke en tjenestetype: {column} skal ha et tall fra kodeverk 9151 (eller «-» for en lokal tjeneste som ikke rapporteres).',
    en: '"{code}" is not a service type: {column} takes a number from code list 9151 (or "-" for a local service that is not reported).',
  },
  'mapping.deprecatedRemoveOrg': {
    nb: 'Tjenestetype {code} ({labelNb}) er utgått og avvises eller forkastes av KPR. Map den lokale tjenesten til tjenestetype {to} ({toLabelNb}) og tøm organisasjonsnummeret ({column}), som tjenestetype {to} ikke skal ha.',
    en: 'Service type {code} ({labelEn}) has expired and KPR rejects or discards it. Map the local service to service type {to} ({toLabelEn}) and clear the organisation number ({column}), which service type {to} must not have.',
  },
  'mapping.orgMissing': {
    nb: 'Tjenestetype {code} ({labelNb}) skal rapporteres med organisasjonsnummeret til enheten som yter tjenesten, men raden for «{local}» har ikke noe i {column}.',
    en: 'Service type {code} ({labelEn}) must be reported with the organisation number of the unit providing it, but the row for "{local}" has none in {column}.',
  },
  'mapping.orgColumnMissing': {
    nb: 'Filen har ingen kolonne for organisasjonsnummer, men {count} rader mapper til tjenestetyper som skal rapporteres med et (den første på linje {line}). Legg til en kolonne «orgnr».',
    en: 'The file has no organisation number column, but {count} rows map to service types that must be reported with one (the first on line {line}). Add a column "orgnr".',
  },
  'mapping.orgNotAllowed': {
    nb: 'Tjenestetype {code} ({labelNb}) skal rapporteres uten organisasjonsnummer. Tøm {column} i denne raden.',
    en: 'Service type {code} ({labelEn}) must be reported without an organisation number. Clear {column} in this row.',
  },
  'mapping.orgNotAllowedExpired': {
    nb: 'Tjenestetype {code} er utgått og skal mappes til tjenestetype {to}, som ikke skal ha organisasjonsnummer. Rettingen for deprecated-service-code bytter tjenestetype og tømmer {column} i samme endring.',
    en: 'Service type {code} has expired and is to be mapped to service type {to}, which must not have an organisation number. The fix for deprecated-service-code changes the service type and clears {column} in one edit.',
  },
  'mapping.dateForm': {
    nb: '{name} «{value}» er ikke en dato. Skriv den som ÅÅÅÅ-MM-DD, DD.MM.ÅÅÅÅ eller ÅÅÅÅMMDD.',
    en: '{name} "{value}" is not a date. Write it as YYYY-MM-DD, DD.MM.YYYY or YYYYMMDD.',
  },
  'mapping.duplicate': {
    nb: 'Lokal kode «{local}» er allerede mappet til {targetNb} på linje {otherLine}, i en periode som overlapper. Den doble raden gjør ingen skade i dag, men blir lett glemt når den andre endres; fjern den.',
    en: 'Local code "{local}" is already mapped to {targetEn} on line {otherLine}, in an overlapping period. The repeated row does no harm today, but is easily forgotten when the other one is changed; remove it.',
  },
  'mapping.conflict': {
    nb: 'Lokal kode «{local}» mappes her til {targetNb}, men til {otherNb} på linje {otherLine}, i perioder som overlapper. EPJ-et kan bare rapportere én av dem. Behold én rad, eller la periodene følge etter hverandre (gyldig til før neste gyldig fra).',
    en: 'Local code "{local}" is mapped here to {targetEn}, but to {otherEn} on line {otherLine}, in overlapping periods. The EPJ can report only one of them. Keep one row, or let the periods follow each other (valid to before the next valid from).',
  },
  'mapping.otherRow': {
    nb: 'Den andre raden for «{local}»: {targetNb}',
    en: 'The other row for "{local}": {targetEn}',
  },
});

export interface MappingAnalysis {
  parsed: ParsedMapping;
  findings: Finding[];
  stats: { rows: number; ms: number; hiddenFindings: number };
}

const ORG_KEY: Record<OrgNumberProblem, string> = {
  length: 'org-number-invalid.length',
  'non-digit': 'org-number-invalid.nonDigit',
  'check-digit': 'org-number-invalid.checkDigit',
};

const DATE_KEY = {
  form: 'mapping.dateForm',
  'day-not-in-month': 'date-invalid.dayNotInMonth',
  'not-leap-year': 'date-invalid.notLeapYear',
  'year-zero': 'date-invalid.yearZero',
} as const;

/** How a row's target reads in messages, in both languages. */
export function targetText(e: Pick<MappingEntry, 'code' | 'codeText' | 'notReported' | 'orgnr'>): { nb: string; en: string } {
  if (e.notReported) return { nb: '«-» (rapporteres ikke)', en: '"-" (not reported)' };
  const code = e.code !== undefined ? String(e.code) : `«${shown(e.codeText, 30)}»`;
  const codeEn = e.code !== undefined ? String(e.code) : `"${shown(e.codeText, 30)}"`;
  if (e.orgnr === '') return { nb: `tjenestetype ${code} uten organisasjonsnummer`, en: `service type ${codeEn} without an organisation number` };
  const org = shown(e.orgnr, 30);
  return { nb: `tjenestetype ${code} med organisasjonsnummer ${org}`, en: `service type ${codeEn} with organisation number ${org}` };
}

/** Checks a mapping file's text. */
export function checkMapping(text: string, settings: KprSettings = defaultSettings()): Finding[] {
  return analyzeMapping(text, settings).findings;
}

/** Parses and checks a mapping file, returning the parse (for the cross-check and the editor) with the findings. */
export function analyzeMapping(text: string, settings: KprSettings = defaultSettings(), parsed: ParsedMapping = parseMapping(text)): MappingAnalysis {
  const t0 = performance.now();
  const sink = new FindingSink(settings, defaultSeverities());
  for (const issue of parsed.issues) {
    sink.add({ code: 'mapping-format', start: issue.start, end: issue.end, key: issue.key, args: issue.args, severity: issue.severity });
  }
  const header = parsed.header;
  const entries: MappingEntry[] = [];
  if (header) {
    const column = (f: MappingField) => header.names[f] ?? CANONICAL_NAMES[f];
    let orgRequired = 0;
    let firstOrgRequiredLine = 0;
    for (const row of parsed.rows) {
      if (row.malformed) continue;
      const entry = mappingEntry(row);
      entries.push(entry);
      checkRow(row, entry, column, header.index.orgnr !== undefined, sink);
      if (header.index.orgnr === undefined && entry.code !== undefined && orgNumberRule(entry.code) === 'required') {
        if (orgRequired++ === 0) firstOrgRequiredLine = row.line + 1;
      }
    }
    if (orgRequired > 0) {
      sink.add({
        code: 'org-number-missing',
        start: header.start,
        end: Math.max(header.end, header.start + 1),
        key: 'mapping.orgColumnMissing',
        args: { count: orgRequired, line: firstOrgRequiredLine },
      });
    }
    checkOverlaps(entries, sink);
  }
  const findings = sink.findings.sort((a, b) => a.start - b.start || a.end - b.end);
  if (sink.hidden > 0) {
    findings.push({
      code: 'too-many-findings',
      severity: Severity.Information,
      start: 0,
      end: Math.min(text.length, 1),
      key: 'analysis.tooMany',
      args: { shown: findings.length, hidden: sink.hidden },
    });
  }
  return { parsed, findings, stats: { rows: parsed.rows.length, ms: performance.now() - t0, hiddenFindings: sink.hidden } };
}

function at(cell: MappingCell): { start: number; end: number } {
  // An empty cell has no characters: the finding sits where the cell would be (an editor shows a mark there).
  return cell.valueStart < cell.valueEnd ? { start: cell.valueStart, end: cell.valueEnd } : { start: cell.start, end: cell.start };
}

function checkRow(
  row: MappingRow,
  entry: MappingEntry,
  column: (f: MappingField) => string,
  hasOrgColumn: boolean,
  sink: FindingSink,
): void {
  const f = row.fields;
  const local = shown(entry.localCode);
  // A column missing from the header is reported once there, not on every row.
  if (entry.localCode === '' && f.localCode) {
    sink.add({ code: 'mapping-format', start: row.start, end: Math.max(row.end, row.start + 1), key: 'mapping.noLocalCode', args: { column: column('localCode') } });
  }

  const codeCell = f.kprCode;
  const orgCell = f.orgnr;
  const orgnr = entry.orgnr;
  let rule: ReturnType<typeof orgNumberRule> = undefined;
  if (!codeCell) {
    // No KPR code column: reported on the header.
  } else if (entry.codeText === '') {
    if (entry.localCode !== '' && f.localCode) {
      sink.add({
        code: 'mapping-format',
        ...at(f.localCode),
        key: 'mapping.noKprCode',
        args: { local, column: column('kprCode') },
        severity: Severity.Warning,
      });
    }
  } else if (!entry.notReported) {
    const codeAt = at(codeCell);
    const code = entry.code;
    if (code === undefined) {
      sink.add({ code: 'unknown-service-code', ...codeAt, key: 'mapping.codeNotNumber', args: { code: shown(entry.codeText, 30), column: column('kprCode') } });
    } else {
      rule = orgNumberRule(code);
      const current = serviceCode(code);
      const expired = expiredServiceCode(code);
      // A row that ended before its code expired (12 until 2018) is the table's history, not a mistake.
      const history = expired?.since !== undefined && entry.periodKnown && entry.to < `${expired.since}0101`;
      if (history) rule = undefined;
      if (expired && !history) {
        const label = { code, labelNb: expired.nb, labelEn: expired.en };
        if (expired.replacedBy !== undefined) {
          const to = serviceCode(expired.replacedBy);
          const data: FixData = { fix: 'replace-service-code', from: code, to: expired.replacedBy };
          const clearOrg = orgCell && orgnr !== '' && orgNumberRule(expired.replacedBy) === 'forbidden';
          if (clearOrg) data.removeOrg = { start: orgCell.start, end: orgCell.end };
          sink.add({
            code: 'deprecated-service-code',
            ...codeAt,
            key: clearOrg ? 'mapping.deprecatedRemoveOrg' : 'deprecated-service-code.replaced',
            args: { ...label, to: expired.replacedBy, toLabelNb: to?.nb ?? '', toLabelEn: to?.en ?? '', column: column('orgnr') },
            data,
          });
        } else if (expired.replacedByNote) {
          sink.add({
            code: 'deprecated-service-code',
            ...codeAt,
            key: 'deprecated-service-code.note',
            args: { ...label, noteNb: expired.replacedByNote.nb, noteEn: expired.replacedByNote.en },
          });
        } else {
          sink.add({ code: 'deprecated-service-code', ...codeAt, key: 'deprecated-service-code.none', args: { code } });
        }
      } else if (!current && !expired) {
        sink.add({ code: 'unknown-service-code', ...codeAt, key: 'unknown-service-code.unknown', args: { code: shown(entry.codeText, 30) } });
      }

      if (rule === 'required' && orgnr === '' && hasOrgColumn) {
        sink.add({
          code: 'org-number-missing',
          ...codeAt,
          key: 'mapping.orgMissing',
          args: { code, labelNb: current?.nb ?? '', labelEn: current?.en ?? '', local, column: column('orgnr') },
        });
      } else if (rule === 'forbidden' && orgnr !== '' && orgCell) {
        sink.add({
          code: 'org-number-not-allowed',
          ...at(orgCell),
          key: expired ? 'mapping.orgNotAllowedExpired' : 'mapping.orgNotAllowed',
          args: expired
            ? { code, to: expired.replacedBy ?? '', column: column('orgnr') }
            : { code, labelNb: current?.nb ?? '', labelEn: current?.en ?? '', column: column('orgnr') },
          // For 12/13 the deprecated-service-code fix clears the cell with the code change; a second fix here
          // would make fix-all's result depend on the column order.
          data: expired ? undefined : { fix: 'remove-element', start: orgCell.start, end: orgCell.end, what: column('orgnr') },
        });
      }
    }
  }

  if (orgCell && orgnr !== '' && rule !== 'forbidden') {
    const problem = orgNumberProblem(orgnr);
    if (problem) {
      sink.add({
        code: 'org-number-invalid',
        ...at(orgCell),
        key: ORG_KEY[problem],
        args: { name: column('orgnr'), value: shown(orgnr, 30), length: orgnr.length },
      });
    }
  }

  const from = checkDate(f.validFrom, column('validFrom'), sink);
  const to = checkDate(f.validTo, column('validTo'), sink);
  if (from && to && from.yyyymmdd > to.yyyymmdd) {
    sink.add({
      code: 'date-order',
      start: to.cell.valueStart,
      end: to.cell.valueEnd,
      key: 'date-order.endBeforeStart',
      args: { fromName: column('validFrom'), from: from.cell.value, toName: column('validTo'), to: to.cell.value },
      related: [
        { start: from.cell.valueStart, end: from.cell.valueEnd, key: 'date-order.startIsHere', args: { name: column('validFrom'), value: from.cell.value } },
      ],
    });
  }
}


function checkDate(cell: MappingCell | undefined, name: string, sink: FindingSink): { cell: MappingCell; yyyymmdd: string } | undefined {
  if (!cell || cell.value === '') return undefined;
  const d = parseMappingDate(cell.value);
  if (d.ok) return { cell, yyyymmdd: d.yyyymmdd };
  const p = d.parts;
  sink.add({
    code: 'date-invalid',
    start: cell.valueStart,
    end: cell.valueEnd,
    key: DATE_KEY[d.problem],
    args: {
      name,
      value: shown(cell.value, 30),
      day: p?.day ?? '',
      year: p ? String(p.year).padStart(4, '0') : '',
      monthNb: p ? (MONTH_NAMES.nb[p.month - 1] ?? '') : '',
      monthEn: p ? (MONTH_NAMES.en[p.month - 1] ?? '') : '',
    },
  });
  return undefined;
}

/** Active rows scanned per row when a local code has very many rows with overlapping periods. */
const MAX_ACTIVE_SCAN = 256;

/**
 * Duplicates and conflicts: per local code, a sweep over the rows sorted by start date that keeps the rows
 * whose period is still open, so each overlapping pair is seen once and codes without overlaps cost
 * O(n log n). The finding goes on the later row of the file and names the earlier one; a row gets one
 * finding, a conflict before a duplicate.
 */
function checkOverlaps(entries: readonly MappingEntry[], sink: FindingSink): void {
  const groups = new Map<string, number[]>();
  entries.forEach((e, i) => {
    if (e.localCode === '' || !e.periodKnown) return;
    const g = groups.get(e.localKey);
    if (g) g.push(i);
    else groups.set(e.localKey, [i]);
  });
  const best = new Map<number, { other: number; conflict: boolean }>();
  const consider = (later: number, earlier: number, conflict: boolean) => {
    const current = best.get(later);
    if (!current || (conflict && !current.conflict) || (conflict === current.conflict && earlier < current.other)) {
      best.set(later, { other: earlier, conflict });
    }
  };
  const targets = new Map<number, string>();
  const target = (i: number) => {
    let k = targets.get(i);
    if (k === undefined) targets.set(i, (k = targetKey(entries[i])));
    return k;
  };
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const sorted = [...group].sort((a, b) => (entries[a].from < entries[b].from ? -1 : entries[a].from > entries[b].from ? 1 : a - b));
    let active: number[] = [];
    for (const i of sorted) {
      const e = entries[i];
      active = active.filter((j) => entries[j].to >= e.from);
      const limit = Math.min(active.length, MAX_ACTIVE_SCAN);
      for (let k = 0; k < limit; k++) {
        const j = active[k];
        if (!overlaps(entries[j].from, entries[j].to, e.from, e.to)) continue;
        const conflict = target(i) !== target(j);
        if (i > j) consider(i, j, conflict);
        else consider(j, i, conflict);
      }
      active.push(i);
    }
  }
  for (const [i, { other, conflict }] of [...best].sort((a, b) => a[0] - b[0])) {
    const e = entries[i];
    const o = entries[other];
    const cell = e.row.fields.localCode;
    const oCell = o.row.fields.localCode;
    if (!cell || !oCell) continue;
    const target = targetText(e);
    const otherTarget = targetText(o);
    sink.add({
      code: conflict ? 'mapping-conflict' : 'mapping-duplicate',
      start: cell.valueStart,
      end: cell.valueEnd,
      key: conflict ? 'mapping.conflict' : 'mapping.duplicate',
      args: conflict
        ? { local: shown(e.localCode), targetNb: target.nb, targetEn: target.en, otherNb: otherTarget.nb, otherEn: otherTarget.en, otherLine: o.row.line + 1 }
        : { local: shown(e.localCode), targetNb: target.nb, targetEn: target.en, otherLine: o.row.line + 1 },
      related: [
        { start: oCell.valueStart, end: oCell.valueEnd, key: 'mapping.otherRow', args: { local: shown(o.localCode), targetNb: otherTarget.nb, targetEn: otherTarget.en } },
      ],
    });
  }
}
