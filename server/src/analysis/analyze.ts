/**
 * The analysis pipeline: one streaming pass over a document. The XML reader builds light elements; the
 * payload is recognised when its root opens (also inside a Hodemelding); the schema check follows every
 * element; rules see the header and then each record (PERSON / PasientIdent), which is pruned as soon as
 * it has been checked, so a whole-year extract is checked in flat memory.
 */
import { registerMessages } from '../i18n';
import { createSchemaCheck, SchemaCheck } from '../schema';
import { RULES } from '../rules';
import { Rule, RuleContext, RuleVisitor } from '../rules/rule';
import { attr, child, parseXml, prune, valueRange, XmlElement } from '../xml/parser';
import { checkApprec } from './apprec';
import { isEnvelopeContent, isMsgHead, payloadKindOf } from './recognize';
import { DocumentSummary, FagmeldingSummary, HeaderInfo, IdentmeldingSummary, PersonSummary, ServiceSummary, ValueAt } from './summary';
import { DocumentKind, Finding, FindingInput, KprSettings, PayloadKind, RuleCode, Severity, severityFromSetting } from './types';

registerMessages({
  'analysis.tooMany': {
    nb: 'Viser de første {shown} funnene; {hidden} til er ikke vist. Kjør «KPR: Sjekk fil på disk» eller `kpr check` for alle.',
    en: 'Showing the first {shown} findings; {hidden} more are not shown. Run "KPR: Check File on Disk" or `kpr check` for all of them.',
  },
  'analysis.ruleFailed': {
    nb: 'Regelen {rule} feilet internt og ble hoppet over: {error}',
    en: 'The rule {rule} failed internally and was skipped: {error}',
  },
  'analysis.envelopeType': {
    nb: 'Hodemeldingen sier meldingstype {declared}, men innholdet er en {kind} ({expected}).',
    en: 'The Hodemelding says message type {declared}, but the content is a {kind} ({expected}).',
  },
});

export interface AnalyzeOptions {
  settings: KprSettings;
  /** Polled while reading; returning true stops the analysis (the result is then partial). */
  shouldStop?: () => boolean;
  /** The rules to run (default: all). */
  rules?: readonly Rule[];
}

export interface AnalysisResult {
  kind: DocumentKind;
  /** True when the payload sits inside a Hodemelding. */
  envelope: boolean;
  /** The payload root (IPLOS / Melding / AppRec) when recognised. */
  payloadRoot?: { local: string; ns: string; start: number; nameEnd: number };
  findings: Finding[];
  summary?: DocumentSummary;
  /** True when stopped early by `shouldStop`. */
  stopped: boolean;
  stats: { records: number; ms: number; hiddenFindings: number };
}

/** Collects findings: applies the user's severity per code and the cap on how many are kept. */
export class FindingSink {
  readonly findings: Finding[] = [];
  hidden = 0;

  constructor(
    private readonly settings: KprSettings,
    private readonly defaults: Map<RuleCode, Severity>,
  ) {}

  add(f: FindingInput): void {
    const setting = this.settings.severity[f.code];
    let severity: Severity | undefined;
    if (setting) {
      severity = severityFromSetting(setting);
      if (severity === undefined) return; // 'off'
    } else {
      severity = f.severity ?? this.defaults.get(f.code) ?? Severity.Error;
    }
    if (this.findings.length >= this.settings.maxFindings) {
      this.hidden++;
      return;
    }
    this.findings.push({
      code: f.code,
      severity,
      start: f.start,
      end: f.end,
      key: f.key,
      args: f.args ?? {},
      data: f.data,
      related: f.related,
    });
  }
}

const BUILTIN_SEVERITY: [RuleCode, Severity][] = [
  ['xml-syntax', Severity.Error],
  ['schema', Severity.Error],
  ['apprec', Severity.Information],
  ['too-many-findings', Severity.Information],
];

export function defaultSeverities(rules: readonly Rule[] = RULES): Map<RuleCode, Severity> {
  const m = new Map<RuleCode, Severity>(BUILTIN_SEVERITY);
  for (const r of rules) m.set(r.code, r.defaultSeverity);
  return m;
}

/** The period a document reports on: settings.reportingYear wins, then the header's dates. */
export function reportingPeriod(settings: KprSettings, header: HeaderInfo): { from: string; to: string } | undefined {
  if (settings.reportingYear) return { from: `${settings.reportingYear}0101`, to: `${settings.reportingYear}1231` };
  if (header.from && header.to && /^\d{8}$/.test(header.from) && /^\d{8}$/.test(header.to)) return { from: header.from, to: header.to };
  return undefined;
}

function valueAt(el: XmlElement | undefined): ValueAt | undefined {
  if (!el) return undefined;
  const r = valueRange(el);
  return { value: el.text.trim(), start: r.start, end: r.end };
}

function attrAt(el: XmlElement, name: string): ValueAt | undefined {
  const a = attr(el, name);
  return a ? { value: a.value.trim(), start: a.valueStart, end: a.valueEnd } : undefined;
}

/** `YYYY-MM-DD` (xs:date, identmelding) → `YYYYMMDD`; other forms are returned unchanged. */
function compactDate(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s.trim());
  return m ? m[1] + m[2] + m[3] : s.trim();
}

function fagHeader(innhinfo: XmlElement, root: XmlElement): HeaderInfo {
  return {
    lopenr: valueAt(child(innhinfo, 'iiLopenr')),
    from: child(innhinfo, 'iiFraDato')?.text.trim(),
    to: child(innhinfo, 'iiTilDato')?.text.trim(),
    komnr: child(innhinfo, 'iiKomnr')?.text.trim(),
    versjon: attrAt(root, 'versjon'),
  };
}

function identHeader(root: XmlElement): HeaderInfo {
  return {
    lopenr: attrAt(root, 'lopenr'),
    from: compactDate(attr(root, 'fraDatoPeriode')?.value),
    to: compactDate(attr(root, 'tilDatoPeriode')?.value),
    versjon: attrAt(root, 'versjon'),
  };
}

function personSummary(person: XmlElement, settings: KprSettings): PersonSummary {
  const id = attrAt(person, 'pePeID') ?? { value: '', start: person.start, end: person.nameEnd };
  const services: ServiceSummary[] = [];
  for (const tj of person.children) {
    if (tj.local !== 'TJENESTE') continue;
    const type = child(tj, 'tjTjenType');
    const codeAt = type ? valueRange(type) : { start: tj.start, end: tj.nameEnd };
    services.push({
      code: type?.text.trim() ?? '',
      codeAt,
      orgnr: child(tj, 'tjInstOrgnr')?.text.trim(),
      from: child(tj, 'tjFraDato')?.text.trim(),
      to: child(tj, 'tjTilDato')?.text.trim(),
      vedtak: child(tj, 'tjVedtak')?.text.trim(),
    });
  }
  return { id, testUser: settings.testUsers.includes(id.value), services };
}

/** Analyses a KPR document held in memory. Other XML yields only its syntax findings, if any. */
export function analyzeText(text: string, options: AnalyzeOptions): AnalysisResult {
  const t0 = performance.now();
  const settings = options.settings;
  const rules = options.rules ?? RULES;
  const sink = new FindingSink(settings, defaultSeverities(rules));

  let kind: DocumentKind = 'other';
  let envelope = false;
  let payload: XmlElement | undefined;
  let schema: SchemaCheck | undefined;
  let visitors: { rule: Rule; visitor: RuleVisitor }[] = [];
  let header: HeaderInfo = {};
  let headerDone = false;
  let records = 0;
  let apprecRoot: XmlElement | undefined;
  const persons: PersonSummary[] = [];
  const idents: IdentmeldingSummary['idents'] = [];

  const ctx: RuleContext = {
    get kind() {
      return kind as PayloadKind;
    },
    settings,
    get header() {
      return header;
    },
    get period() {
      return reportingPeriod(settings, header);
    },
    report: (f) => sink.add(f),
  };

  const run = (what: 'header' | 'record', el: XmlElement) => {
    for (const { rule, visitor } of visitors) {
      const fn = visitor[what];
      if (!fn) continue;
      try {
        fn.call(visitor, el);
      } catch (err) {
        reportRuleFailure(sink, rule.code, el, err);
      }
    }
  };

  const startPayload = (el: XmlElement, k: PayloadKind) => {
    kind = k;
    payload = el;
    schema = createSchemaCheck(k, el, (f) => sink.add(f), settings);
    const active = rules.filter((r) => r.kinds.includes(k));
    visitors = [];
    for (const rule of active) {
      try {
        visitors.push({ rule, visitor: rule.create(ctx) });
      } catch (err) {
        reportRuleFailure(sink, rule.code, el, err);
      }
    }
    if (k === 'identmelding') {
      header = identHeader(el);
      headerDone = true;
      run('header', el);
    }
  };

  const parsed = parseXml(text, {
    shouldStop: options.shouldStop,
    onOpen: (el) => {
      if (payload) {
        schema?.open(el);
        return;
      }
      if (kind !== 'other') return;
      const atRoot = el.parent === null;
      if (!atRoot && !isEnvelopeContent(el)) return;
      const k = payloadKindOf(el);
      if (!k) return;
      envelope = !atRoot;
      if (envelope) checkEnvelopeType(el, k, sink);
      if (k === 'apprec') {
        kind = 'apprec';
        apprecRoot = el;
        return;
      }
      startPayload(el, k);
      schema?.open(el);
    },
    onClose: (el) => {
      if (!payload) return;
      schema?.close(el);
      if (kind === 'fagmelding') {
        if (el.parent === payload) {
          if (el.local === 'INNHINFO' && !headerDone) {
            header = fagHeader(el, payload);
            headerDone = true;
            run('header', el);
          } else if (el.local === 'PERSON') {
            records++;
            run('record', el);
            persons.push(personSummary(el, settings));
            prune(el);
          }
        }
      } else if (kind === 'identmelding') {
        if (el.local === 'PasientIdent' && el.parent?.parent === payload) {
          records++;
          run('record', el);
          const pid = attrAt(el, 'pid') ?? { value: '', start: el.start, end: el.nameEnd };
          idents.push({ pid, typeId: attr(el, 'typeID')?.value.trim() ?? '', testUser: settings.testUsers.includes(pid.value) });
        } else if (el.local === 'Institusjon' && el.parent === payload) {
          prune(el);
        }
      }
      if (el === payload) payload = undefined; // anything after the payload root is not payload
    },
  });

  for (const issue of parsed.issues) {
    sink.add({ code: 'xml-syntax', start: issue.start, end: issue.end, key: issue.key, args: issue.args });
  }

  // `kind` was set inside the reader's callbacks, which the compiler cannot see.
  const finalKind = kind as DocumentKind;
  let summary: DocumentSummary | undefined;
  if (finalKind === 'fagmelding') summary = { kind: finalKind, header, persons } satisfies FagmeldingSummary;
  else if (finalKind === 'identmelding') summary = { kind: finalKind, header, idents } satisfies IdentmeldingSummary;
  if (summary && !parsed.stopped) {
    for (const { rule, visitor } of visitors) {
      if (!visitor.end) continue;
      try {
        visitor.end(summary);
      } catch (err) {
        reportRuleFailure(sink, rule.code, parsed.root, err);
      }
    }
  }
  if (apprecRoot) checkApprec(apprecRoot, (f) => sink.add(f));

  if (sink.hidden > 0) {
    sink.findings.push({
      code: 'too-many-findings',
      severity: Severity.Information,
      start: 0,
      end: Math.min(text.length, 1),
      key: 'analysis.tooMany',
      args: { shown: sink.findings.length, hidden: sink.hidden },
    });
  }
  const root = parsed.root;
  const payloadRoot = findPayloadRoot(root);
  return {
    kind: finalKind,
    envelope,
    payloadRoot: payloadRoot ? { local: payloadRoot.local, ns: payloadRoot.ns, start: payloadRoot.start, nameEnd: payloadRoot.nameEnd } : undefined,
    findings: sink.findings,
    summary,
    stopped: parsed.stopped,
    stats: { records, ms: performance.now() - t0, hiddenFindings: sink.hidden },
  };
}

function findPayloadRoot(root: XmlElement | null): XmlElement | undefined {
  if (!root) return undefined;
  if (payloadKindOf(root)) return root;
  if (!isMsgHead(root)) return undefined;
  for (const doc of root.children) {
    if (doc.local !== 'Document') continue;
    const content = child(child(doc, 'RefDoc') ?? doc, 'Content');
    const first = content?.children[0];
    if (first && payloadKindOf(first)) return first;
  }
  return undefined;
}

const EXPECTED_TYPE: Record<string, string> = { fagmelding: 'KPR_IPL', identmelding: 'KPR_IDE', apprec: 'APPREC' };

/** The envelope's MsgInfo/Type must name the payload it carries. */
function checkEnvelopeType(payloadEl: XmlElement, k: PayloadKind | 'apprec', sink: FindingSink): void {
  let head: XmlElement | null = payloadEl;
  while (head && head.parent) head = head.parent;
  const type = head && child(child(head, 'MsgInfo') ?? head, 'Type');
  const v = type && attr(type, 'V');
  if (!v || k === 'apprec') return;
  const expected = EXPECTED_TYPE[k];
  const declared = v.value.trim();
  // KPR_HOM is the umbrella name of the reporting and is tolerated (DOMAIN.md §9).
  if (declared !== expected && declared !== 'KPR_HOM') {
    sink.add({
      code: 'schema',
      start: v.valueStart,
      end: v.valueEnd,
      key: 'analysis.envelopeType',
      args: { declared, kind: k, expected },
    });
  }
}

function reportRuleFailure(sink: FindingSink, code: RuleCode, el: XmlElement | null, err: unknown): void {
  sink.add({
    code,
    start: el?.start ?? 0,
    end: el?.nameEnd ?? 1,
    key: 'analysis.ruleFailed',
    args: { rule: code, error: err instanceof Error ? err.message : String(err) },
    severity: Severity.Warning,
  });
}
