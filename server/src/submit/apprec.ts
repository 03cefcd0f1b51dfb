/**
 * Applikasjonskvittering (AppRec) v1.0 and v1.1: reading KPR's receipts, and writing them for the local
 * receiver that answers like KPR.
 *
 * Correlation is by `OriginalMsgId/Id` (the MsgId we sent), never by AMQP ids. Free text in a receipt (DN,
 * OT) may quote the message it answers; person numbers there are masked on the way in and on the way out so
 * that an Apprec can be journaled and shown without leaking a fødselsnummer.
 */
import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { defineErrors } from '../errors';
import { maskPersonIds } from '../privacy';
import { decodeXml } from '../xml/encoding';
import { findRootElement, RootElement } from './msghead';

export const APPREC_NS_V1_0 = 'http://www.kith.no/xmlstds/apprec/2004-11-21';
export const APPREC_NS_V1_1 = 'http://www.kith.no/xmlstds/apprec/2012-02-15';
export const APPREC_MIG_VERSION = { '1.0': '1.0 2004-11-21', '1.1': 'v1.1 2012-02-15' } as const;
/** OID of code list 8221, Feilmeldinger for applikasjonskvittering – generelle. */
export const APPREC_ERROR_OID = '2.16.578.1.12.4.1.1.8221';
/** OID of code list 8258, Status for mottak av melding. */
export const APPREC_STATUS_OID = '2.16.578.1.12.4.1.1.8258';

export type ApprecVersion = '1.0' | '1.1';
export type ApprecStatusCode = '1' | '2' | '3';
export type ApprecOutcome = 'accepted' | 'rejected' | 'accepted-with-errors';

/** Code list 8258 with its bokmål texts (DN) and what each means for a sending. */
export const APPREC_STATUS: Readonly<Record<ApprecStatusCode, { dn: string; outcome: ApprecOutcome }>> = {
  '1': { dn: 'OK', outcome: 'accepted' },
  '2': { dn: 'Avvist', outcome: 'rejected' },
  '3': { dn: 'OK, feil i delmelding', outcome: 'accepted-with-errors' },
};

/**
 * Code list 8221 (HIS 80415 §6.3). `dn` is the official bokmål text to write in Error/@DN; `en` is our
 * translation for English users. The list may grow on Volven: unknown codes are shown with the DN the
 * receipt carries.
 */
export const APPREC_ERROR_CODES: Readonly<Record<string, { dn: string; en: string }>> = {
  T01: { dn: "Ikke XML / ikke 'well formed' / uleselig", en: 'Not XML / not well-formed / unreadable' },
  T02: { dn: 'XML validerer ikke', en: 'The XML does not validate' },
  T10: { dn: 'Støtter ikke meldingsformatet', en: 'Message format not supported' },
  T99: { dn: 'Annen feil på format', en: 'Other format error' },
  S01: { dn: 'Feil på signatur', en: 'Signature error' },
  S02: { dn: 'Ugyldig sertifikat', en: 'Invalid certificate' },
  S03: { dn: 'Tilbaketrukket sertifikat', en: 'Revoked certificate' },
  S99: { dn: 'Annen feil på signatur eller sertifikat', en: 'Other signature or certificate error' },
  E10: { dn: 'Ugyldig meldingsidentifikator', en: 'Invalid message identifier' },
  E20: { dn: 'Lege finnes ikke', en: 'Physician does not exist' },
  E21: { dn: 'Mottaker finnes ikke', en: 'Receiver does not exist' },
  E30: { dn: 'Pasientens fødselsnummer mangler', en: "The patient's national identity number is missing" },
  E31: { dn: 'Pasientens fødselsnummer er feil', en: "The patient's national identity number is wrong" },
  E32: { dn: 'Pasientens navn mangler', en: "The patient's name is missing" },
  E35: { dn: 'Pasienten finnes ikke i mottakersystemet', en: "The patient does not exist in the receiver's system" },
  E36: { dn: 'Pasientopplysninger er utilstrekkelig', en: 'Insufficient patient information' },
  E53: {
    dn: 'Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret.',
    en: "The patient's national identity number or D-number is not registered in Folkeregisteret.",
  },
  E54: {
    dn: 'Pasientens fødselsnummer er ikke registrert i mottagersystemet',
    en: "The patient's national identity number is not registered in the receiver's system",
  },
  X99: { dn: 'Annen feil', en: 'Other error' },
};

export interface CodedValue {
  v: string;
  dn?: string;
}

/** One party of a receipt (HCP): an institution with optional departments/persons, or a professional. */
export interface ApprecParty {
  role?: CodedValue;
  name?: string;
  /** Inst/Id or HCProf/Id with its TypeId (e.g. HER, ENH). */
  id?: string;
  idType?: string;
  herId?: string;
  orgNumber?: string;
  /** Dept (a service under service-based addressing) and HCPerson entries. */
  units: ApprecUnit[];
  /** The lowest HER-id given: a department/person if any, else the institution. */
  communicationPartyHerId?: string;
}

export interface ApprecUnit {
  kind: 'dept' | 'person';
  name?: string;
  id?: string;
  idType?: string;
}

export interface ApprecError {
  /** Error/@V, e.g. 'T02' or 'X99'. */
  code: string;
  /** Error/@DN as written (person numbers masked). */
  text?: string;
  /** Error/@S, the code list OID. */
  system?: string;
  /** Error/@OT, the receiver's extra text (person numbers masked). */
  details?: string;
  /** Rule code, when the OT follows our convention `[RULE] @ location: text` or an ErrorLocation child names it. */
  rule?: string;
  /** Where in the message the error is, from the OT convention or a non-standard ErrorLocation child. */
  location?: string;
  /** Official texts of the code if it is a code of list 8221. */
  known?: { nb: string; en: string };
}

export type ApprecWarningCode =
  /** Status 2 or 3 without any Error: the standard requires at least one. */
  | 'status-without-errors'
  /** Status 1 with Error elements: the standard says OK carries none. */
  | 'ok-with-errors'
  /** MsgType is not APPREC. */
  | 'unexpected-msg-type';

export interface Apprec {
  version: ApprecVersion;
  namespace: string;
  msgType: CodedValue;
  migVersion?: string;
  softwareName?: string;
  softwareVersion?: string;
  genDate: string;
  id: string;
  sender: ApprecParty;
  receiver: ApprecParty;
  status: { code: ApprecStatusCode; dn?: string };
  outcome: ApprecOutcome;
  errors: ApprecError[];
  originalMsgId: { msgType: string; msgTypeText?: string; issueDate: string; id: string };
  /** Deviations from the standard that still allow reading the receipt. */
  warnings: ApprecWarningCode[];
}

const newError = defineErrors({
  'submit.apprec.malformed': {
    nb: 'Applikasjonskvitteringen er ikke velformet XML: {detail}',
    en: 'The application receipt is not well-formed XML: {detail}',
  },
  'submit.apprec.notApprec': {
    nb: 'Dette er ikke en applikasjonskvittering (AppRec v1.0 eller v1.1): rotelementet er «{root}» i navnerommet «{namespace}».',
    en: 'This is not an application receipt (AppRec v1.0 or v1.1): the root element is "{root}" in namespace "{namespace}".',
  },
  'submit.apprec.missing': {
    nb: 'Applikasjonskvitteringen mangler {field}.',
    en: 'The application receipt lacks {field}.',
  },
  'submit.apprec.badStatus': {
    nb: 'Applikasjonskvitteringen har en ukjent status «{value}» (kodeverk 8258 kjenner 1 OK, 2 Avvist, 3 OK, feil i delmelding).',
    en: 'The application receipt has an unknown status "{value}" (code list 8258 knows 1 OK, 2 Avvist/rejected, 3 OK with errors in parts).',
  },
  'submit.apprec.buildErrorsForOk': {
    nb: 'En kvittering med status 1 (OK) kan ikke ha feil.',
    en: 'A receipt with status 1 (OK) cannot carry errors.',
  },
  'submit.apprec.buildNoErrors': {
    nb: 'En kvittering med status {status} må ha minst én feil.',
    en: 'A receipt with status {status} needs at least one error.',
  },
  'submit.apprec.buildUnknownCode': {
    nb: 'Feilkoden {code} finnes ikke i kodeverk 8221; oppgi teksten (DN) og kodeverket (S) selv.',
    en: 'Error code {code} is not in code list 8221; give its text (DN) and code list (S) yourself.',
  },
  'submit.apprec.buildMissing': {
    nb: 'Kan ikke lage kvitteringen: {field} mangler.',
    en: 'Cannot build the receipt: {field} is missing.',
  },
});

// ---------------------------------------------------------------------------------------------------------
// Reading

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['Error', 'Dept', 'HCPerson', 'AdditionalId'].includes(name),
});

type Node = Record<string, unknown>;

/**
 * Parses an AppRec v1.0 or v1.1, given as text or as the decrypted bytes (decoded by BOM and XML
 * declaration). Throws a KprError for anything that is not one.
 */
export function parseApprec(input: string | Uint8Array): Apprec {
  const xml = typeof input === 'string' ? input : decodeXml(input).text;
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw newError('submit.apprec.malformed', { detail: `${valid.err.msg} (${valid.err.line}:${valid.err.col})` });
  }
  let root: RootElement;
  try {
    root = findRootElement(xml);
  } catch (err) {
    throw newError('submit.apprec.notApprec', { root: '(ingen/none)', namespace: '(ingen/none)' }, err);
  }
  const version: ApprecVersion | undefined =
    root.namespace === APPREC_NS_V1_1 ? '1.1' : root.namespace === APPREC_NS_V1_0 ? '1.0' : undefined;
  if (root.localName !== 'AppRec' || !version) {
    throw newError('submit.apprec.notApprec', { root: root.qname, namespace: root.namespace || '(ingen/none)' });
  }
  const doc = parser.parse(xml) as Node;
  const a = node(doc.AppRec) ?? {};

  const msgType = coded(a.MsgType);
  const genDate = text(a.GenDate);
  const id = text(a.Id);
  const statusCv = coded(a.Status);
  const orig = node(a.OriginalMsgId);
  const origType = coded(orig?.MsgType);
  const origIssue = text(orig?.IssueDate);
  const origId = text(orig?.Id);
  if (!genDate) throw newError('submit.apprec.missing', { field: 'GenDate' });
  if (!id) throw newError('submit.apprec.missing', { field: 'Id' });
  if (!statusCv?.v) throw newError('submit.apprec.missing', { field: 'Status' });
  if (!orig || !origId) throw newError('submit.apprec.missing', { field: 'OriginalMsgId/Id' });
  if (!origType?.v) throw newError('submit.apprec.missing', { field: 'OriginalMsgId/MsgType' });
  if (!origIssue) throw newError('submit.apprec.missing', { field: 'OriginalMsgId/IssueDate' });
  const code = statusCv.v.trim();
  if (code !== '1' && code !== '2' && code !== '3') throw newError('submit.apprec.badStatus', { value: code });

  const errors = list(a.Error).map(readError);
  const warnings: ApprecWarningCode[] = [];
  if (code !== '1' && errors.length === 0) warnings.push('status-without-errors');
  if (code === '1' && errors.length > 0) warnings.push('ok-with-errors');
  if (msgType?.v !== 'APPREC') warnings.push('unexpected-msg-type');

  return {
    version,
    namespace: root.namespace,
    msgType: msgType ?? { v: '' },
    ...opt('migVersion', text(a.MIGversion)),
    ...opt('softwareName', text(a.SoftwareName)),
    ...opt('softwareVersion', text(a.SoftwareVersion)),
    genDate,
    id,
    sender: readParty(node(a.Sender)),
    receiver: readParty(node(a.Receiver)),
    status: { code, ...opt('dn', statusCv.dn) },
    outcome: APPREC_STATUS[code].outcome,
    errors,
    originalMsgId: { msgType: origType.v, ...opt('msgTypeText', origType.dn), issueDate: origIssue, id: origId },
    warnings,
  };
}

/** True when `xml`'s root is an AppRec of a supported version (cheap: looks at the root only). */
export function isApprec(xml: string): boolean {
  try {
    const root = findRootElement(xml);
    return root.localName === 'AppRec' && (root.namespace === APPREC_NS_V1_1 || root.namespace === APPREC_NS_V1_0);
  } catch {
    return false;
  }
}

function readError(n: unknown): ApprecError {
  const e = node(n) ?? {};
  const code = (attr(e, 'V') ?? '').trim();
  const err: ApprecError = { code };
  const dn = attr(e, 'DN');
  const s = attr(e, 'S');
  const ot = attr(e, 'OT');
  if (dn?.trim()) err.text = maskPersonIds(dn.trim());
  if (s?.trim()) err.system = s.trim();
  if (ot?.trim()) {
    err.details = maskPersonIds(ot.trim());
    const parsed = parseDetails(err.details);
    if (parsed.rule) err.rule = parsed.rule;
    if (parsed.location) err.location = parsed.location;
  }
  // Not in the AppRec schemas, but some receivers add structured children; keep what they say.
  const details = text(e.Details);
  if (details && !err.details) err.details = maskPersonIds(details);
  const location = text(e.ErrorLocation);
  if (location) err.location = maskPersonIds(location);
  const known = APPREC_ERROR_CODES[code];
  if (known && (!err.system || err.system === APPREC_ERROR_OID)) err.known = { nb: known.dn, en: known.en };
  return err;
}

const DETAILS_CONVENTION = /^\[([^\]\s]+)\](?:\s*@\s*(.*?):(?=\s|$))?\s*([\s\S]*)$/;

/** Splits an OT written as `[RULE] @ location: text` (our local receiver's convention) into its parts. */
export function parseDetails(ot: string): { rule?: string; location?: string; text: string } {
  const m = DETAILS_CONVENTION.exec(ot);
  if (!m) return { text: ot };
  return { rule: m[1], ...(m[2] ? { location: m[2].trim() } : {}), text: m[3].trim() };
}

/** Writes the OT convention that parseDetails reads. */
export function formatDetails(parts: { rule?: string; location?: string; text?: string }): string | undefined {
  const text = parts.text?.trim() ?? '';
  if (!parts.rule) {
    if (parts.location) return text ? `${parts.location}: ${text}` : parts.location;
    return text || undefined;
  }
  const loc = parts.location ? ` @ ${parts.location}:` : '';
  return `[${parts.rule}]${loc}${text ? ` ${text}` : ''}`;
}

function readParty(p: Node | undefined): ApprecParty {
  const party: ApprecParty = { units: [] };
  if (!p) return party;
  const role = coded(p.Role);
  if (role?.v) party.role = role;
  const hcp = node(p.HCP);
  const inst = node(hcp?.Inst);
  const prof = node(hcp?.HCProf);
  const main = inst ?? prof;
  if (main) {
    const name = text(main.Name);
    const id = text(main.Id);
    const idType = coded(main.TypeId)?.v;
    if (name) party.name = name;
    if (id) party.id = id;
    if (idType) party.idType = idType;
    if (id && idType === 'HER') party.herId = id;
    if (id && idType === 'ENH') party.orgNumber = id;
    for (const add of list(main.AdditionalId)) {
      const an = node(add);
      const aid = text(an?.Id);
      const atype = coded(an?.Type)?.v;
      if (aid && atype === 'HER' && !party.herId) party.herId = aid;
      if (aid && atype === 'ENH' && !party.orgNumber) party.orgNumber = aid;
    }
  }
  if (inst) {
    for (const d of list(inst.Dept)) party.units.push(readUnit('dept', node(d)));
    for (const h of list(inst.HCPerson)) party.units.push(readUnit('person', node(h)));
  }
  const lowest = party.units.find((u) => u.idType === 'HER' && u.id)?.id ?? party.herId;
  if (lowest) party.communicationPartyHerId = lowest;
  return party;
}

function readUnit(kind: ApprecUnit['kind'], n: Node | undefined): ApprecUnit {
  const unit: ApprecUnit = { kind };
  const name = text(n?.Name);
  const id = text(n?.Id);
  const idType = coded(n?.TypeId)?.v;
  if (name) unit.name = name;
  if (id) unit.id = id;
  if (idType) unit.idType = idType;
  return unit;
}

function node(v: unknown): Node | undefined {
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'object' && v !== null ? (v as Node) : undefined;
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function text(v: unknown): string | undefined {
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'object' && v !== null) {
    const t = (v as Node)['#text'];
    return typeof t === 'string' ? t.trim() || undefined : undefined;
  }
  return undefined;
}

function attr(n: Node | undefined, name: string): string | undefined {
  const v = n?.[name];
  return typeof v === 'string' ? v : undefined;
}

function coded(v: unknown): CodedValue | undefined {
  const n = node(v);
  if (!n) return undefined;
  const value = attr(n, 'V');
  const dn = attr(n, 'DN');
  return { v: value?.trim() ?? '', ...(dn?.trim() ? { dn: dn.trim() } : {}) };
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

// ---------------------------------------------------------------------------------------------------------
// Writing

export interface ApprecPartyInput {
  name: string;
  herId: string;
  orgNumber?: string;
  /** A service under the organisation (service-based addressing), written as Dept. */
  service?: { name: string; herId: string };
  role?: CodedValue;
}

export interface ApprecErrorInput {
  code: string;
  /** DN; default: the 8221 text of `code`. */
  text?: string;
  /** S; default: the 8221 OID. */
  system?: string;
  /** Free text for OT. With `rule`/`location` it is written as `[RULE] @ location: text`. */
  details?: string;
  rule?: string;
  location?: string;
}

export interface BuildApprecOptions {
  version?: ApprecVersion;
  status: ApprecStatusCode | 1 | 2 | 3 | ApprecOutcome;
  errors?: ApprecErrorInput[];
  /** The message answered: its MsgInfo/Type, GenDate and MsgId. */
  original: { msgType: string; msgTypeText?: string; issueDate: string; id: string };
  /** Who sends the receipt (KPR or the local receiver). */
  sender: ApprecPartyInput;
  /** Who gets it (the municipality that sent the original). */
  receiver: ApprecPartyInput;
  id?: string;
  now?: Date;
  softwareName?: string;
  softwareVersion?: string;
}

/** Writes an AppRec (v1.1 unless asked otherwise) as UTF-8 XML text. */
export function buildApprec(opts: BuildApprecOptions): string {
  const version = opts.version ?? '1.1';
  const status = statusCode(opts.status);
  const errors = opts.errors ?? [];
  if (status === '1' && errors.length > 0) throw newError('submit.apprec.buildErrorsForOk');
  if (status !== '1' && errors.length === 0) throw newError('submit.apprec.buildNoErrors', { status });
  if (!opts.original?.id) throw newError('submit.apprec.buildMissing', { field: 'original.id' });
  if (!opts.original.msgType) throw newError('submit.apprec.buildMissing', { field: 'original.msgType' });
  if (!opts.original.issueDate) throw newError('submit.apprec.buildMissing', { field: 'original.issueDate' });

  const ns = version === '1.1' ? APPREC_NS_V1_1 : APPREC_NS_V1_0;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(ns, 'AppRec');
  root.ele('MsgType').att('V', 'APPREC').att('DN', 'Applikasjonskvittering');
  root.ele('MIGversion').txt(APPREC_MIG_VERSION[version]);
  if (opts.softwareName) root.ele('SoftwareName').txt(opts.softwareName);
  if (opts.softwareVersion) root.ele('SoftwareVersion').txt(opts.softwareVersion);
  root.ele('GenDate').txt((opts.now ?? new Date()).toISOString());
  root.ele('Id').txt(opts.id ?? randomUUID());
  writeParty(root.ele('Sender'), opts.sender, 'sender');
  writeParty(root.ele('Receiver'), opts.receiver, 'receiver');
  root.ele('Status').att('V', status).att('DN', APPREC_STATUS[status].dn);
  for (const e of errors) writeError(root, e);
  const orig = root.ele('OriginalMsgId');
  const origType = orig.ele('MsgType').att('V', opts.original.msgType);
  if (opts.original.msgTypeText) origType.att('DN', opts.original.msgTypeText);
  orig.ele('IssueDate').txt(opts.original.issueDate);
  orig.ele('Id').txt(opts.original.id);
  return root.end({ prettyPrint: true });
}

function statusCode(s: BuildApprecOptions['status']): ApprecStatusCode {
  switch (s) {
    case 1:
    case '1':
    case 'accepted':
      return '1';
    case 2:
    case '2':
    case 'rejected':
      return '2';
    case 3:
    case '3':
    case 'accepted-with-errors':
      return '3';
    default:
      throw newError('submit.apprec.badStatus', { value: String(s) });
  }
}

function writeParty(el: XMLBuilder, p: ApprecPartyInput, field: string): void {
  if (!p?.name || !p.herId) throw newError('submit.apprec.buildMissing', { field: `${field}.name/herId` });
  if (p.role) {
    const role = el.ele('Role').att('V', p.role.v);
    if (p.role.dn) role.att('DN', p.role.dn);
  }
  const inst = el.ele('HCP').ele('Inst');
  inst.ele('Name').txt(p.name);
  inst.ele('Id').txt(p.herId);
  inst.ele('TypeId').att('V', 'HER').att('DN', 'HER-id');
  if (p.service) {
    const dept = inst.ele('Dept');
    dept.ele('Name').txt(p.service.name);
    dept.ele('Id').txt(p.service.herId);
    dept.ele('TypeId').att('V', 'HER').att('DN', 'HER-id');
  }
  if (p.orgNumber) {
    const add = inst.ele('AdditionalId');
    add.ele('Id').txt(p.orgNumber);
    add.ele('Type').att('V', 'ENH').att('DN', 'Organisasjonsnummeret i Enhetsregister');
  }
}

function writeError(root: XMLBuilder, e: ApprecErrorInput): void {
  const known = APPREC_ERROR_CODES[e.code];
  const system = e.system ?? APPREC_ERROR_OID;
  const dn = e.text ?? (system === APPREC_ERROR_OID ? known?.dn : undefined);
  if (!dn) throw newError('submit.apprec.buildUnknownCode', { code: e.code });
  const el = root.ele('Error').att('V', e.code).att('DN', maskPersonIds(dn)).att('S', system);
  const ot = formatDetails({ rule: e.rule, location: e.location, text: e.details });
  if (ot) el.att('OT', maskPersonIds(ot));
}
