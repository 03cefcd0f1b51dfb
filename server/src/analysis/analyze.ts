/**
 * The analysis pipeline: one streaming pass over a document. The XML reader builds light elements; the
 * payload is recognised when its root opens (also inside a Hodemelding); the schema check follows every
 * element; rules see the header and then each record (PERSON / PasientIdent), which is pruned as soon as
 * it has been checked, so a whole-year extract is checked in flat memory.
 */
import { registerMessages } from '../i18n';
import { createSchemaCheck, SchemaCheck } from '../schema';
import { RULES } from '../rules';
import { isTestRecord } from '../domain/testUsers';
import { Rule, RuleContext, RuleVisitor } from '../rules/rule';
import { attr, child, ParseControl, parseXml, prune, valueRange, XmlElement, XmlIssue } from '../xml/parser';
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
  // The mapping-file checks (server/src/mapping) are not XML rules; their defaults live here with the others.
  ['mapping-format', Severity.Error],
  ['mapping-duplicate', Severity.Warning],
  ['mapping-conflict', Severity.Error],
  ['mapping-unmapped', Severity.Information],
  ['mapping-unused', Severity.Hint],
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
  const cs = person.children;
  for (let i = 0; i < cs.length; i++) {
    const tj = cs[i];
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
  return { id, testUser: isTestRecord(person, { key: id.value }, settings), services };
}

/** At most this many syntax findings per document (the reader's own default). */
const MAX_SYNTAX_ISSUES = 1000;

/** Analyses a KPR document held in memory. Other XML yields only its syntax findings, if any. */
export function analyzeText(text: string, options: AnalyzeOptions): AnalysisResult {
  const t0 = performance.now();
  return finishAnalysis(readDocument(text, options), options, t0);
}

// ---------------------------------------------------------------------------------------------------------
// The two steps of an analysis. analyzeText runs them back to back; the incremental analyzer
// (incremental.ts) keeps what reading produced, re-reads only from a checkpoint near an edit, splices the
// parts together and finishes them the same way, so its result is the one analyzeText would give.
// ---------------------------------------------------------------------------------------------------------

/**
 * A point where a child of the payload root (a record, INNHINFO, …) has just closed with its end tag: the
 * reader is then back inside the payload root and everything before `offset` has been read and checked.
 * The counts say how much of each list came before it.
 */
export interface Checkpoint {
  /** Offset after the child's end tag. */
  offset: number;
  findings: number;
  issues: number;
  /** Record summaries (persons). */
  records: number;
  /** Children of the payload root. */
  children: number;
  /** True when the child was a record (PERSON). */
  record: boolean;
  /** Echo ranges (`Reading.echoes`). */
  echoes: number;
}

/**
 * The span of an element closed by its own end tag that contains an element the reader had to close by
 * recovery (a misspelt or missing end tag): the schema findings inside it are echoes of that one syntax
 * error (the following siblings were read as the broken element's children) and are not reported.
 */
export interface EchoRange {
  start: number;
  end: number;
}

/** Reading that starts at a checkpoint of an earlier reading instead of at the start of the text. */
export interface ResumeFrom {
  checkpoint: Checkpoint;
  /**
   * Copies of the payload root's ancestors and the payload root itself, outermost first, as open at the
   * checkpoint; the payload root copy's children are its children before the checkpoint.
   */
  open: XmlElement[];
  envelope: boolean;
  header: HeaderInfo;
  /** Called at each new checkpoint; true stops reading there. */
  stopAt(cp: Checkpoint): boolean;
}

/** What reading a document yields, before the document-level checks. */
export interface Reading {
  kind: DocumentKind;
  envelope: boolean;
  payloadRoot?: AnalysisResult['payloadRoot'];
  root: XmlElement | null;
  header: HeaderInfo;
  /** True when read with `trace`: kept for incremental updates. */
  traced: boolean;
  /** The reading's findings sink: all its findings in the order reported (the cap is applied when finishing). */
  sink: FindingSink;
  /** The findings to finish with: `sink.findings`, or a list spliced together by incremental.ts. */
  findings: Finding[];
  /** Sends what the rules report from now on (their `end` checks) to `report` instead of `sink`. */
  redirect(report: (f: FindingInput) => void): void;
  /** Syntax problems, in reading order (all of them when traced). */
  issues: XmlIssue[];
  /** Where schema findings are echoes of a syntax error, in the order the ranges closed. */
  echoes: EchoRange[];
  persons: PersonSummary[];
  idents: IdentmeldingSummary['idents'];
  institutions: ValueAt[];
  visitors: { rule: Rule; visitor: RuleVisitor }[];
  apprecRoot?: XmlElement;
  stopped: boolean;
  records: number;
  /** With `trace`: where the records and the other children of the payload root ended. */
  checkpoints: Checkpoint[];
  /** With `trace`: the payload root's ancestors and the payload root, outermost first. */
  payloadPath?: XmlElement[];
  /** With `trace`: the end of INNHINFO when it was read before any record, else -1. */
  headerEnd: number;
  /** The offset where reading stopped, when a `stopAt` said so. */
  haltedAt?: number;
  textLength: number;
  /** The schema check's state key now (see `SchemaCheck.stateKey`); at `haltedAt` when halted. */
  schemaKey(): string | undefined;
  /** With `resume`: the schema check's state key once brought to the checkpoint. */
  resumedKey?: string;
  /** True when an element still open when reading ended holds one that was closed by recovery. */
  openTainted: boolean;
}

export interface ReadTrace {
  resume?: ResumeFrom;
  /** For a reading from the start: called at each checkpoint; true stops reading there. */
  stopAt?(cp: Checkpoint): boolean;
}

/**
 * Copies of the payload root's ancestors and the payload root (`path`, outermost first) to resume reading
 * inside: each ancestor copy holds its children up to the next copy, the payload root copy `children`.
 * The originals are never touched.
 */
export function openCopies(path: readonly XmlElement[], children: readonly XmlElement[]): XmlElement[] {
  const open: XmlElement[] = [];
  for (let i = 0; i < path.length; i++) {
    const orig = path[i];
    const parent = i > 0 ? open[i - 1] : null;
    const kids = i < path.length - 1 ? orig.children.slice(0, orig.children.indexOf(path[i + 1])) : children.slice();
    const copy: XmlElement = { ...orig, parent, children: kids, closed: false };
    parent?.children.push(copy);
    open.push(copy);
  }
  return open;
}

/**
 * The reading pass: the reader's callbacks run the schema check, the rules' header and record visits and
 * collect the summaries. With `trace`, nothing is capped and checkpoints are kept (for incremental.ts).
 */
export function readDocument(text: string, options: AnalyzeOptions, trace?: ReadTrace): Reading {
  const settings = options.settings;
  const rules = options.rules ?? RULES;
  const defaults = defaultSeverities(rules);
  // Nothing is capped while reading: echoes of a syntax error are only known when their range closes, and
  // they must not take the place of findings the cap would otherwise show (finishAnalysis caps).
  const sink = new FindingSink({ ...settings, maxFindings: Number.POSITIVE_INFINITY }, defaults);
  const resume = trace?.resume;

  let kind: DocumentKind = 'other';
  let envelope = false;
  let payload: XmlElement | undefined;
  let schema: SchemaCheck | undefined;
  let visitors: { rule: Rule; visitor: RuleVisitor }[] = [];
  let header: HeaderInfo = {};
  let headerDone = false;
  let headerEnd = -1;
  let records = 0;
  let apprecRoot: XmlElement | undefined;
  let payloadPath: XmlElement[] | undefined;
  const persons: PersonSummary[] = [];
  const idents: IdentmeldingSummary['idents'] = [];
  const institutions: ValueAt[] = [];
  const issues: XmlIssue[] = [];
  const checkpoints: Checkpoint[] = [];
  const echoes: EchoRange[] = [];
  // Elements with a child closed by recovery (or an element inside closed so), until they close themselves.
  const tainted = new Set<XmlElement>();
  // While a resumed reading brings the schema check and the rules to where they stood, what they report
  // was already reported by the reading that made the checkpoint.
  let muted = false;
  let target = (f: FindingInput) => sink.add(f);
  const report = (f: FindingInput) => {
    if (!muted) target(f);
  };

  let periodOf: HeaderInfo | undefined;
  let period: { from: string; to: string } | undefined;
  const ctx: RuleContext = {
    get kind() {
      return kind as PayloadKind;
    },
    settings,
    get header() {
      return header;
    },
    get period() {
      // Asked for at every record: worked out once per header.
      if (periodOf !== header) {
        periodOf = header;
        period = reportingPeriod(settings, header);
      }
      return period;
    },
    report,
  };

  const run = (what: 'header' | 'record', el: XmlElement) => {
    for (const { rule, visitor } of visitors) {
      const fn = visitor[what];
      if (!fn) continue;
      try {
        fn.call(visitor, el);
      } catch (err) {
        reportRuleFailure(report, rule.code, el, err);
      }
    }
  };

  const startPayload = (el: XmlElement, k: PayloadKind) => {
    kind = k;
    payload = el;
    // The text lets the check see white space around string values that the reader trims (KPR counts it).
    schema = createSchemaCheck(k, el, report, settings, text);
    const active = rules.filter((r) => r.kinds.includes(k));
    visitors = [];
    for (const rule of active) {
      try {
        visitors.push({ rule, visitor: rule.create(ctx) });
      } catch (err) {
        reportRuleFailure(report, rule.code, el, err);
      }
    }
    if (trace) {
      payloadPath = [];
      for (let p: XmlElement | null = el; p; p = p.parent) payloadPath.unshift(p);
    }
    if (k === 'identmelding') {
      header = identHeader(el);
      headerDone = true;
      run('header', el);
    }
  };

  const base = resume?.checkpoint;
  const stopAt = resume ? resume.stopAt : trace?.stopAt;
  const checkpoint = (el: XmlElement, record: boolean): boolean => {
    const cp: Checkpoint = {
      offset: el.end,
      findings: (base?.findings ?? 0) + sink.findings.length,
      issues: (base?.issues ?? 0) + issues.length,
      records: (base?.records ?? 0) + persons.length,
      children: el.parent!.children.length,
      record,
      echoes: (base?.echoes ?? 0) + echoes.length,
    };
    checkpoints.push(cp);
    return stopAt !== undefined && stopAt(cp);
  };

  let control: ParseControl | undefined = stopAt ? new ParseControl() : undefined;
  let resumedKey: string | undefined;
  if (resume) {
    // Only fagmelding readings are resumed (incremental.ts): the payload root is open, its header known.
    muted = true;
    const open = resume.open;
    const root = open[open.length - 1];
    envelope = resume.envelope;
    startPayload(root, 'fagmelding');
    header = resume.header;
    headerDone = true;
    schema!.open(root);
    for (const c of root.children) replaySchema(schema!, c);
    resumedKey = schema!.stateKey();
    muted = false;
  }

  const parsed = parseXml(text, {
    shouldStop: options.shouldStop,
    maxIssues: trace ? Number.POSITIVE_INFINITY : MAX_SYNTAX_ISSUES,
    issues,
    startOffset: resume?.checkpoint.offset,
    openElements: resume?.open,
    control,
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
      // The nearest ancestor closed by its own end tag bounds the echoes of a recovery close below it.
      // (A checkpoint never falls inside such an ancestor, so nothing of this carries across one.)
      if (tainted.size !== 0 && tainted.delete(el) && el.closed) echoes.push({ start: el.start, end: el.end });
      if (!el.closed && el.parent) tainted.add(el.parent);
      if (!payload) return;
      schema?.close(el);
      if (kind === 'fagmelding') {
        if (el.parent === payload) {
          const isRecord = el.local === 'PERSON';
          if (el.local === 'INNHINFO' && !headerDone) {
            header = fagHeader(el, payload);
            headerDone = true;
            run('header', el);
            if (persons.length === 0 && el.closed) headerEnd = el.end;
          } else if (isRecord) {
            records++;
            run('record', el);
            persons.push(personSummary(el, settings));
            prune(el);
          }
          // Only a child closed by its own end tag leaves the reader exactly at `el.end`.
          if (trace && el.closed && checkpoint(el, isRecord)) control!.halt();
        }
      } else if (kind === 'identmelding') {
        if (el.local === 'PasientIdent' && el.parent?.parent === payload) {
          records++;
          run('record', el);
          const pid = attrAt(el, 'pid') ?? { value: '', start: el.start, end: el.nameEnd };
          const typeId = attr(el, 'typeID')?.value.trim() ?? '';
          const testUser = isTestRecord(el, { key: pid.value, personId: attr(el, 'fid')?.value, typeId }, settings);
          idents.push({ pid, typeId, testUser });
        } else if (el.local === 'Institusjon' && el.parent === payload) {
          const id = attrAt(el, 'institusjonID');
          if (id) institutions.push(id);
          prune(el);
        }
      }
      if (el === payload) payload = undefined; // anything after the payload root is not payload
    },
  });

  const payloadRoot = resume ? undefined : findPayloadRoot(parsed.root);
  return {
    // `kind` was set inside the reader's callbacks, which the compiler cannot see.
    kind: kind as DocumentKind,
    envelope,
    payloadRoot: payloadRoot ? { local: payloadRoot.local, ns: payloadRoot.ns, start: payloadRoot.start, nameEnd: payloadRoot.nameEnd } : undefined,
    root: parsed.root,
    header,
    traced: trace !== undefined,
    sink,
    findings: sink.findings,
    redirect: (r) => {
      target = r;
    },
    issues,
    echoes,
    persons,
    idents,
    institutions,
    visitors,
    apprecRoot,
    stopped: parsed.stopped,
    records,
    checkpoints,
    payloadPath,
    headerEnd,
    haltedAt: parsed.haltedAt,
    textLength: text.length,
    schemaKey: () => schema?.stateKey(),
    resumedKey,
    openTainted: tainted.size > 0,
  };
}

/** Brings a schema check past a child of the payload root read earlier (only the parent's state counts). */
function replaySchema(schema: SchemaCheck, child: XmlElement): void {
  // Without its subtree, text and end tag the child's own checks have nothing to report.
  const shell: XmlElement = { ...child, children: [], text: '', textStart: -1, textEnd: -1, closed: false };
  schema.open(shell);
  schema.close(shell);
}

/**
 * The document-level step: syntax findings, the rules' `end` checks on the summary, the Apprec check and
 * the cap on findings, in the order analyzeText has always reported them.
 */
export function finishAnalysis(reading: Reading, options: AnalyzeOptions, t0: number): AnalysisResult {
  const settings = options.settings;
  let sink = reading.sink;
  const findings = reading.echoes.length > 0 ? withoutEchoes(reading.findings, reading.echoes) : reading.findings;
  if (reading.traced || findings !== sink.findings || settings.maxFindings !== Number.POSITIVE_INFINITY) {
    // Reading kept everything: the cap applies here, to what is left once the echoes are gone.
    sink = new FindingSink(settings, defaultSeverities(options.rules ?? RULES));
    for (const f of findings) sink.add(f);
  }
  const issues = reading.issues.length > MAX_SYNTAX_ISSUES ? reading.issues.slice(0, MAX_SYNTAX_ISSUES) : reading.issues;
  for (const issue of issues) {
    sink.add({ code: 'xml-syntax', start: issue.start, end: issue.end, key: issue.key, args: issue.args });
  }

  const kind = reading.kind;
  let summary: DocumentSummary | undefined;
  if (kind === 'fagmelding') summary = { kind, header: reading.header, persons: reading.persons } satisfies FagmeldingSummary;
  else if (kind === 'identmelding') summary = { kind, header: reading.header, idents: reading.idents, institutions: reading.institutions } satisfies IdentmeldingSummary;
  if (summary && !reading.stopped) {
    const report = (f: FindingInput) => sink.add(f);
    reading.redirect(report);
    for (const { rule, visitor } of reading.visitors) {
      if (!visitor.end) continue;
      try {
        visitor.end(summary);
      } catch (err) {
        reportRuleFailure(report, rule.code, reading.root, err);
      }
    }
  }
  if (reading.apprecRoot) checkApprec(reading.apprecRoot, (f) => sink.add(f));

  if (sink.hidden > 0) {
    sink.findings.push({
      code: 'too-many-findings',
      severity: Severity.Information,
      start: 0,
      end: Math.min(reading.textLength, 1),
      key: 'analysis.tooMany',
      args: { shown: sink.findings.length, hidden: sink.hidden },
    });
  }
  return {
    kind,
    envelope: reading.envelope,
    payloadRoot: reading.payloadRoot,
    findings: sink.findings,
    summary,
    stopped: reading.stopped,
    stats: { records: reading.records, ms: performance.now() - t0, hiddenFindings: sink.hidden },
  };
}

/** `findings` without the schema findings that start inside an echo range. */
function withoutEchoes(findings: readonly Finding[], echoes: readonly EchoRange[]): Finding[] {
  // Ranges may nest or overlap: merged in order of their start, then each schema finding is looked up.
  const sorted = echoes.slice().sort((a, b) => a.start - b.start);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const r of sorted) {
    const n = starts.length;
    if (n > 0 && r.start <= ends[n - 1]) ends[n - 1] = Math.max(ends[n - 1], r.end);
    else {
      starts.push(r.start);
      ends.push(r.end);
    }
  }
  const inside = (x: number): boolean => {
    let lo = 0;
    let hi = starts.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= x) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return k >= 0 && x < ends[k];
  };
  return findings.filter((f) => f.code !== 'schema' || !inside(f.start));
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

function reportRuleFailure(report: (f: FindingInput) => void, code: RuleCode, el: XmlElement | null, err: unknown): void {
  report({
    code,
    start: el?.start ?? 0,
    end: el?.nameEnd ?? 1,
    key: 'analysis.ruleFailed',
    args: { rule: code, error: err instanceof Error ? err.message : String(err) },
    severity: Severity.Warning,
  });
}
