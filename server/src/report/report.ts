/**
 * The submission report: what an analyst checks before sending a year's KPR extract, computed from the
 * analysis summaries and findings of a fagmelding and/or identmelding. Pure (no I/O, no vscode), so the
 * same model serves the editor's report page, tests and, later, the command line.
 *
 * The checklist follows KPR's yearly letter to the municipalities ("Hva bør dere sjekke før
 * innrapportering?"): no test users, welfare technology registered (service types 6, 26, 27, 28),
 * re/habilitation outside an institution no longer as service type 16, housing as service type 29 (12 and
 * 13 expired), service types from code list 9151 (the local mapping), and the right organisation numbers.
 */
import { DocumentKind, Finding, RuleCode, Severity } from '../analysis/types';
import { DocumentSummary } from '../analysis/summary';
import { expiredServiceCode, OrgNumberRule, orgNumberRule, parseServiceCode, serviceCode } from '../domain/serviceCodes';
import { isValidOrgNumber } from '../domain/identifiers';
import { Lang, t } from '../i18n';
import { maskPersonIds } from '../privacy';

/** Welfare technology (velferdsteknologi) service types, as the letter lists them. */
export const WELFARE_TECHNOLOGY_CODES = [6, 26, 27, 28] as const;
/** Housing the municipality provides for health and care purposes. */
export const HOUSING_CODE = 29;
/** Expired housing codes that 29 replaces. */
export const EXPIRED_HOUSING_CODES = [12, 13] as const;
/** Re/habilitation outside an institution: expired, now the person flag poHab. */
export const EXPIRED_REHABILITATION_CODE = 16;

const ORG_NUMBER_RULES: readonly RuleCode[] = ['org-number-missing', 'org-number-invalid', 'org-number-not-allowed'];

export interface ReportFileInput {
  /** The file name as the user knows it. */
  name: string;
  kind: DocumentKind;
  summary?: DocumentSummary;
  findings: readonly Finding[];
}

export interface ReportInput {
  files: readonly ReportFileInput[];
  lang: Lang;
}

export interface SeverityTotals {
  error: number;
  warning: number;
  information: number;
  hint: number;
}

export interface ReportFile {
  name: string;
  kind: DocumentKind;
  persons?: number;
  idents?: number;
  services?: number;
  counts: SeverityTotals;
}

export type ServiceCodeStatus = 'current' | 'expired' | 'unknown';

export interface ServiceCodeRow {
  /** The code as written in the file (normalised when it is a number). */
  code: string;
  /** The code's name in the report's language; absent for unknown codes. */
  name?: string;
  status: ServiceCodeStatus;
  services: number;
  /** Distinct persons with at least one service of this code. */
  persons: number;
  welfareTechnology: boolean;
  orgNumberRule?: OrgNumberRule;
  /** Services of this code that carry an organisation number. */
  withOrgNumber: number;
  /** For expired codes: what to report instead. */
  replacedBy?: number;
}

export interface OrgNumberRow {
  orgNumber: string;
  valid: boolean;
  services: number;
  persons: number;
  /** The service codes it is used with, ascending. */
  codes: string[];
}

export interface RuleRow {
  code: RuleCode;
  /** The most severe severity among its findings (1 error … 4 hint, as LSP). */
  severity: Severity;
  count: number;
  /** One of its messages, in the report's language, person numbers masked. */
  example: string;
}

export type ChecklistId = 'test-users' | 'welfare-technology' | 'rehabilitation' | 'housing' | 'service-codes' | 'org-numbers' | 'pair' | 'errors';
export type ChecklistStatus = 'ok' | 'warning' | 'error' | 'info';

export interface ChecklistItem {
  id: ChecklistId;
  status: ChecklistStatus;
  /** The number the item is about (test users found, welfare technology persons, …). */
  count: number;
  /** A second number where the item has one (e.g. expired housing services next to code 29 services). */
  other?: number;
}

export interface ReportModel {
  lang: Lang;
  files: ReportFile[];
  period?: { from?: string; to?: string };
  lopenr?: string;
  komnr?: string;
  /** Present when a fagmelding is in the report. */
  persons?: { total: number; testUsers: number; withoutServices: number };
  /** Present when an identmelding is in the report. */
  idents?: { total: number; testUsers: number };
  services: { total: number; byCode: ServiceCodeRow[] };
  /** Always the four codes 6, 26, 27, 28 (zero rows included: a zero is what the analyst must notice). */
  welfareTechnology: { persons: number; services: number; byCode: ServiceCodeRow[] };
  housing: { persons: number; services: number; expiredServices: number };
  rehabilitationExpired: number;
  orgNumbers: OrgNumberRow[];
  /** Services of codes that require an organisation number but have none. */
  servicesMissingOrgNumber: number;
  findings: { totals: SeverityTotals; byRule: RuleRow[] };
  checklist: ChecklistItem[];
}

function emptyTotals(): SeverityTotals {
  return { error: 0, warning: 0, information: 0, hint: 0 };
}

function addSeverity(t: SeverityTotals, s: Severity): void {
  if (s === Severity.Error) t.error++;
  else if (s === Severity.Warning) t.warning++;
  else if (s === Severity.Information) t.information++;
  else t.hint++;
}

/** A code as the file writes it, normalised ('015' → '15') when it is a number. */
function normaliseCode(raw: string): string {
  const n = parseServiceCode(raw);
  return n === undefined ? raw.trim() : String(n);
}

function compareCodes(a: string, b: string): number {
  const na = parseServiceCode(a);
  const nb = parseServiceCode(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return a.localeCompare(b);
}

interface CodeAcc {
  services: number;
  persons: Set<string>;
  withOrgNumber: number;
}

/** Builds the report model. Files of other kinds (an Apprec, a mapping) contribute their findings only. */
export function buildReport(input: ReportInput): ReportModel {
  const { lang } = input;
  const files: ReportFile[] = [];
  const byCode = new Map<string, CodeAcc>();
  const byOrg = new Map<string, { services: number; persons: Set<string>; codes: Set<string> }>();
  const ruleRows = new Map<RuleCode, RuleRow>();
  const totals = emptyTotals();
  let persons: ReportModel['persons'];
  let idents: ReportModel['idents'];
  let period: ReportModel['period'];
  let lopenr: string | undefined;
  let komnr: string | undefined;
  let servicesTotal = 0;
  let servicesMissingOrgNumber = 0;
  let haveFag = false;
  let haveIde = false;

  for (const [fileIndex, file] of input.files.entries()) {
    const counts = emptyTotals();
    for (const f of file.findings) {
      addSeverity(counts, f.severity);
      addSeverity(totals, f.severity);
      const row = ruleRows.get(f.code);
      if (row) {
        row.count++;
        if (f.severity < row.severity) {
          row.severity = f.severity;
          row.example = maskPersonIds(t(lang, f.key, f.args));
        }
      } else {
        ruleRows.set(f.code, { code: f.code, severity: f.severity, count: 1, example: maskPersonIds(t(lang, f.key, f.args)) });
      }
    }
    const reportFile: ReportFile = { name: file.name, kind: file.kind, counts };
    const s = file.summary;
    if (s) {
      if (!period && (s.header.from || s.header.to)) period = { from: s.header.from, to: s.header.to };
      lopenr ??= s.header.lopenr?.value.trim() || undefined;
      komnr ??= s.header.komnr?.trim() || undefined;
    }
    if (s?.kind === 'fagmelding') {
      haveFag = true;
      persons ??= { total: 0, testUsers: 0, withoutServices: 0 };
      persons.total += s.persons.length;
      let fileServices = 0;
      for (const p of s.persons) {
        if (p.testUser) persons.testUsers++;
        if (p.services.length === 0) persons.withoutServices++;
        // Person keys are local to a file; the file index keeps two files' keys apart.
        const personKey = `${fileIndex}:${p.id.value}`;
        for (const svc of p.services) {
          fileServices++;
          const code = normaliseCode(svc.code);
          let acc = byCode.get(code);
          if (!acc) byCode.set(code, (acc = { services: 0, persons: new Set(), withOrgNumber: 0 }));
          acc.services++;
          acc.persons.add(personKey);
          const org = svc.orgnr?.replace(/\s/g, '');
          if (org) {
            acc.withOrgNumber++;
            let o = byOrg.get(org);
            if (!o) byOrg.set(org, (o = { services: 0, persons: new Set(), codes: new Set() }));
            o.services++;
            o.persons.add(personKey);
            o.codes.add(code);
          } else {
            const n = parseServiceCode(code);
            if (n !== undefined && orgNumberRule(n) === 'required') servicesMissingOrgNumber++;
          }
        }
      }
      servicesTotal += fileServices;
      reportFile.persons = s.persons.length;
      reportFile.services = fileServices;
    } else if (s?.kind === 'identmelding') {
      haveIde = true;
      idents ??= { total: 0, testUsers: 0 };
      idents.total += s.idents.length;
      idents.testUsers += s.idents.filter((i) => i.testUser).length;
      reportFile.idents = s.idents.length;
    }
    files.push(reportFile);
  }

  const row = (code: string): ServiceCodeRow => {
    const acc = byCode.get(code);
    const n = parseServiceCode(code);
    const current = n === undefined ? undefined : serviceCode(n);
    const expired = n === undefined ? undefined : expiredServiceCode(n);
    const r: ServiceCodeRow = {
      code,
      status: current ? 'current' : expired ? 'expired' : 'unknown',
      services: acc?.services ?? 0,
      persons: acc?.persons.size ?? 0,
      welfareTechnology: current?.welfareTechnology === true,
      withOrgNumber: acc?.withOrgNumber ?? 0,
    };
    const name = current?.[lang] ?? expired?.[lang];
    if (name) r.name = name;
    const rule = n === undefined ? undefined : orgNumberRule(n);
    if (rule) r.orgNumberRule = rule;
    if (expired?.replacedBy !== undefined) r.replacedBy = expired.replacedBy;
    return r;
  };

  const serviceRows = [...byCode.keys()].sort(compareCodes).map(row);
  const welfareRows = WELFARE_TECHNOLOGY_CODES.map((c) => row(String(c)));
  const welfarePersons = new Set<string>();
  for (const c of WELFARE_TECHNOLOGY_CODES) for (const p of byCode.get(String(c))?.persons ?? []) welfarePersons.add(p);
  const housing = byCode.get(String(HOUSING_CODE));
  const expiredHousing = EXPIRED_HOUSING_CODES.reduce((n, c) => n + (byCode.get(String(c))?.services ?? 0), 0);
  const rehabilitationExpired = byCode.get(String(EXPIRED_REHABILITATION_CODE))?.services ?? 0;

  // A person number typed where the organisation number belongs must not reach the page unmasked.
  const orgNumbers: OrgNumberRow[] = [...byOrg.entries()]
    .map(([orgNumber, o]) => ({ orgNumber: maskPersonIds(orgNumber), valid: isValidOrgNumber(orgNumber), services: o.services, persons: o.persons.size, codes: [...o.codes].sort(compareCodes) }))
    .sort((a, b) => b.services - a.services || a.orgNumber.localeCompare(b.orgNumber));

  const byRule = [...ruleRows.values()].sort((a, b) => a.severity - b.severity || b.count - a.count || a.code.localeCompare(b.code));
  const count = (code: RuleCode) => ruleRows.get(code)?.count ?? 0;
  const worst = (codes: readonly RuleCode[]): Severity | undefined => {
    const severities = codes.map((c) => ruleRows.get(c)?.severity).filter((s): s is Severity => s !== undefined);
    return severities.length ? Math.min(...severities) : undefined;
  };
  const statusOf = (s: Severity | undefined): ChecklistStatus =>
    s === undefined ? 'ok' : s === Severity.Error ? 'error' : s === Severity.Warning ? 'warning' : 'info';

  const checklist: ChecklistItem[] = [];
  const testUsers = (persons?.testUsers ?? 0) + (idents?.testUsers ?? 0);
  const testFindings = count('test-user');
  checklist.push({
    id: 'test-users',
    // The letter is plain: test users must not be sent. A test person the rule's settings silence still counts.
    status: testFindings > 0 ? statusOf(worst(['test-user'])) : testUsers > 0 ? 'error' : 'ok',
    count: Math.max(testUsers, testFindings),
  });
  if (haveFag) {
    checklist.push({ id: 'welfare-technology', status: welfarePersons.size > 0 ? 'ok' : 'warning', count: welfarePersons.size });
    checklist.push({ id: 'rehabilitation', status: rehabilitationExpired > 0 ? 'error' : 'ok', count: rehabilitationExpired });
    checklist.push({
      id: 'housing',
      status: expiredHousing > 0 ? 'error' : (housing?.services ?? 0) === 0 ? 'warning' : 'ok',
      count: housing?.services ?? 0,
      other: expiredHousing,
    });
    const unknown = serviceRows.filter((r) => r.status === 'unknown').reduce((n, r) => n + r.services, 0);
    checklist.push({ id: 'service-codes', status: unknown > 0 ? 'error' : 'ok', count: unknown });
    const orgFindings = ORG_NUMBER_RULES.reduce((n, c) => n + count(c), 0);
    checklist.push({ id: 'org-numbers', status: statusOf(worst(ORG_NUMBER_RULES)), count: orgFindings, other: orgNumbers.length });
  }
  checklist.push({
    id: 'pair',
    status: haveFag && haveIde ? statusOf(worst(['ident-mismatch'])) : 'info',
    count: count('ident-mismatch'),
    other: (haveFag ? 1 : 0) + (haveIde ? 1 : 0),
  });
  checklist.push({ id: 'errors', status: totals.error > 0 ? 'error' : totals.warning > 0 ? 'warning' : 'ok', count: totals.error, other: totals.warning });

  const model: ReportModel = {
    lang,
    files,
    services: { total: servicesTotal, byCode: serviceRows },
    welfareTechnology: {
      persons: welfarePersons.size,
      services: welfareRows.reduce((n, r) => n + r.services, 0),
      byCode: welfareRows,
    },
    housing: { persons: housing?.persons.size ?? 0, services: housing?.services ?? 0, expiredServices: expiredHousing },
    rehabilitationExpired,
    orgNumbers,
    servicesMissingOrgNumber,
    findings: { totals, byRule },
    checklist,
  };
  if (period) model.period = period;
  if (lopenr) model.lopenr = lopenr;
  if (komnr) model.komnr = komnr;
  if (persons) model.persons = persons;
  if (idents) model.idents = idents;
  return model;
}
