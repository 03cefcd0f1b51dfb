/**
 * Hodemelding (MsgHead v1.2) around a KPR payload, and reading one back.
 *
 * A fagmelding can be close to 50 MB. The envelope is small and built with xmlbuilder2; the payload is never
 * pushed through an XML library: its text is spliced into the envelope at a unique placeholder, so packing
 * costs a scan of the payload's first bytes plus one string concatenation.
 */
import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { defineErrors } from '../errors';
import { decodeXml } from '../xml/encoding';
import type { KprConfig, MunicipalityIdentity } from './config';
import { EnvironmentSettings, isKprEnvironment, KprEnvironment, resolveEnvironment } from './environments';

export const MSGHEAD_NS = 'http://www.kith.no/xmlstds/msghead/2006-05-24';
export const MSGHEAD_MIG_VERSION = 'v1.2 2006-05-24';
/** OID of code list 9051, ID-typer for organisatoriske enheter. */
export const ID_TYPE_OID = '2.16.578.1.12.4.1.1.9051';

export type KprMsgType = 'KPR_IPL' | 'KPR_IDE';

/**
 * DN texts for MsgInfo/Type (code list 8279). UNCERTAIN: KPR's official texts are not public; receivers
 * route on V, DN is informational.
 */
export const MSG_TYPE_TEXT: Readonly<Record<KprMsgType, string>> = {
  KPR_IPL: 'Fagmelding til KPR (IPLOS)',
  KPR_IDE: 'Identmelding til KPR',
};

const ID_TYPE_TEXT = {
  HER: 'Identifikator fra Helsetjenesteenhetsregisteret (HER-id)',
  ENH: 'Organisasjonsnummeret i Enhetsregister',
} as const;

const newError = defineErrors({
  'submit.msghead.noRoot': {
    nb: 'Finner ikke noe rotelement i filen{what}. Er den tom eller ikke XML?',
    en: 'No root element found in the file{what}. Is it empty or not XML?',
  },
  'submit.msghead.doctype': {
    nb: 'Filen har en DOCTYPE-deklarasjon. En fagmelding eller identmelding kan ikke ha det, og den kan ikke legges inn i en hodemelding.',
    en: 'The file has a DOCTYPE declaration. A fagmelding or identmelding cannot have one, and it cannot be put inside a Hodemelding.',
  },
  'submit.msghead.truncated': {
    nb: 'Filen ser ut til å være avkortet: den slutter ikke med et avsluttet element.',
    en: 'The file looks truncated: it does not end with a closed element.',
  },
  'submit.msghead.unknownPayload': {
    nb: 'Filen er verken en fagmelding (rotelement IPLOS i et …/iplos/…-navnerom, KPR_IPL) eller en identmelding (rotelement Melding i et …_ide-navnerom, KPR_IDE). Rotelementet er «{root}» i navnerommet «{namespace}».',
    en: 'The file is neither a fagmelding (root element IPLOS in an …/iplos/… namespace, KPR_IPL) nor an identmelding (root element Melding in an …_ide namespace, KPR_IDE). The root element is "{root}" in namespace "{namespace}".',
  },
  'submit.msghead.typeMismatch': {
    nb: 'Meldingstypen {given} passer ikke med innholdet: filen er en {detected}-melding.',
    en: 'Message type {given} does not match the content: the file is a {detected} message.',
  },
  'submit.msghead.badMsgId': {
    nb: 'MsgId «{value}» er ikke en GUID. KPR avviser meldingen (E10) hvis MsgId ikke er en gyldig GUID.',
    en: 'MsgId "{value}" is not a GUID. KPR rejects the message (E10) if MsgId is not a valid GUID.',
  },
  'submit.msghead.badParty': {
    nb: '{field} mangler eller er ugyldig i konfigurasjonen; hodemeldingen kan ikke lages.',
    en: '{field} is missing or invalid in the configuration; the Hodemelding cannot be built.',
  },
  'submit.msghead.notMsgHead': {
    nb: 'Dette er ikke en hodemelding (MsgHead v1.2): rotelementet er «{root}» i navnerommet «{namespace}».',
    en: 'This is not a Hodemelding (MsgHead v1.2): the root element is "{root}" in namespace "{namespace}".',
  },
  'submit.msghead.malformed': {
    nb: 'Hodemeldingen er ikke velformet XML: {detail}',
    en: 'The Hodemelding is not well-formed XML: {detail}',
  },
  'submit.msghead.missingField': {
    nb: 'Hodemeldingen mangler {field}.',
    en: 'The Hodemelding lacks {field}.',
  },
});

// ---------------------------------------------------------------------------------------------------------
// Root element of a document, found by scanning its first bytes only.

export interface RootElement {
  /** Offset of '<' of the root start tag. */
  start: number;
  /** Offset just after the qualified name in the start tag (where attributes begin). */
  nameEnd: number;
  /** Offset just after the '>' of the start tag. */
  tagEnd: number;
  qname: string;
  prefix: string;
  localName: string;
  /** Namespace URI of the root element, '' when it has none. */
  namespace: string;
  /** True when the root start tag declares the default namespace (xmlns="…"). */
  declaresDefaultNamespace: boolean;
  selfClosing: boolean;
  attributes: Record<string, string>;
}

/**
 * Finds the root element of `text` without parsing the rest: skips a BOM, the XML declaration, comments
 * and processing instructions. Throws a KprError for a DOCTYPE or when there is no element.
 */
export function findRootElement(text: string, what = ''): RootElement {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  for (;;) {
    while (i < n && isXmlSpace(text.charCodeAt(i))) i++;
    if (i >= n || text.charCodeAt(i) !== 0x3c /* < */) throw newError('submit.msghead.noRoot', { what });
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) throw newError('submit.msghead.noRoot', { what });
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw newError('submit.msghead.noRoot', { what });
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      throw newError('submit.msghead.doctype');
    } else {
      return readStartTag(text, i, what);
    }
  }
}

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function readStartTag(text: string, start: number, what: string): RootElement {
  let i = start + 1;
  while (i < text.length && !isXmlSpace(text.charCodeAt(i)) && text[i] !== '>' && text[i] !== '/') i++;
  const nameEnd = i;
  const qname = text.slice(start + 1, nameEnd);
  if (!qname) throw newError('submit.msghead.noRoot', { what });
  // Scan to the end of the start tag; '>' may occur inside quoted attribute values.
  let quote = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e) {
      break;
    }
  }
  if (i >= text.length) throw newError('submit.msghead.noRoot', { what });
  const tagEnd = i + 1;
  const selfClosing = text.charCodeAt(i - 1) === 0x2f;
  const attributes: Record<string, string> = {};
  const attrText = text.slice(nameEnd, selfClosing ? i - 1 : i);
  const re = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = re.exec(attrText); m; m = re.exec(attrText)) attributes[m[1]] = m[2] ?? m[3] ?? '';
  const colon = qname.indexOf(':');
  const prefix = colon >= 0 ? qname.slice(0, colon) : '';
  const localName = colon >= 0 ? qname.slice(colon + 1) : qname;
  const nsAttr = prefix ? `xmlns:${prefix}` : 'xmlns';
  return {
    start,
    nameEnd,
    tagEnd,
    qname,
    prefix,
    localName,
    namespace: attributes[nsAttr] ?? '',
    declaresDefaultNamespace: Object.prototype.hasOwnProperty.call(attributes, 'xmlns'),
    selfClosing,
    attributes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Payload type

export interface PayloadKind {
  type: KprMsgType;
  root: RootElement;
}

/** The KPR message type a payload must be sent as, decided by its root element and namespace. */
export function detectPayloadType(payloadXml: string): PayloadKind {
  const root = findRootElement(payloadXml);
  const type = typeOfRoot(root.localName, root.namespace);
  if (!type) {
    throw newError('submit.msghead.unknownPayload', { root: root.qname, namespace: root.namespace || '(ingen/none)' });
  }
  return { type, root };
}

function typeOfRoot(localName: string, namespace: string): KprMsgType | undefined {
  const ns = namespace.replace(/\/+$/, '');
  if (localName === 'IPLOS' && /\/iplos\//i.test(ns + '/')) return 'KPR_IPL';
  if (localName === 'Melding' && /_ide$/i.test(ns)) return 'KPR_IDE';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Packing

export interface PackOptions {
  /** The payload as text. A file in ISO-8859-1 must be decoded before (the result is UTF-8). */
  payloadXml: string;
  /** Optional: must agree with what the payload is. */
  type?: KprMsgType;
  config: { municipality: MunicipalityIdentity } & Partial<Pick<KprConfig, 'environments' | 'target'>>;
  /** Receiver environment (name or resolved settings); default: config.target. */
  environment?: KprEnvironment | EnvironmentSettings;
  /** Default: a new random UUID. A given id must be a GUID. */
  msgId?: string;
  now?: Date;
}

export interface PackedMsgHead {
  /** The complete MsgHead, UTF-8 text with an XML declaration saying so. */
  xml: string;
  msgId: string;
  type: KprMsgType;
  /** MsgInfo/GenDate; an Apprec echoes it as OriginalMsgId/IssueDate. */
  genDate: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HER_ID = /^[0-9]{1,9}$/;

export function packMsgHead(opts: PackOptions): PackedMsgHead {
  const { type, root } = detectPayloadType(opts.payloadXml);
  if (opts.type && opts.type !== type) throw newError('submit.msghead.typeMismatch', { given: opts.type, detected: type });

  const msgId = opts.msgId ?? randomUUID();
  if (!GUID.test(msgId)) throw newError('submit.msghead.badMsgId', { value: msgId });
  const genDate = (opts.now ?? new Date()).toISOString();
  const receiver = receiverSettings(opts);
  const m = opts.config.municipality;
  checkParty(m);

  const placeholder = `kpr-payload-${randomUUID()}`;
  const head = create({ version: '1.0', encoding: 'UTF-8' }).ele(MSGHEAD_NS, 'MsgHead');
  const info = head.ele('MsgInfo');
  info.ele('Type').att('V', type).att('DN', MSG_TYPE_TEXT[type]);
  info.ele('MIGversion').txt(MSGHEAD_MIG_VERSION);
  info.ele('GenDate').txt(genDate);
  info.ele('MsgId').txt(msgId);
  info.ele('Ack').att('V', 'J').att('DN', 'Ja');

  const senderOrg = info.ele('Sender').ele('Organisation');
  senderOrg.ele('OrganisationName').txt(m.name);
  ident(senderOrg, m.herId, 'HER');
  if (m.orgNumber) ident(senderOrg, m.orgNumber, 'ENH');
  const senderService = senderOrg.ele('Organisation');
  senderService.ele('OrganisationName').txt(m.serviceName);
  ident(senderService, m.serviceHerId, 'HER');

  const receiverOrg = info.ele('Receiver').ele('Organisation');
  receiverOrg.ele('OrganisationName').txt(receiver.receiverName);
  ident(receiverOrg, receiver.receiverHerId, 'HER');
  if (receiver.receiverServiceHerId) {
    const receiverService = receiverOrg.ele('Organisation');
    receiverService.ele('OrganisationName').txt(receiver.receiverServiceName ?? 'KPR');
    ident(receiverService, receiver.receiverServiceHerId, 'HER');
  }

  const refDoc = head.ele('Document').ele('RefDoc');
  refDoc.ele('IssueDate').att('V', genDate);
  refDoc.ele('MsgType').att('V', 'XML').att('DN', 'XML-instans');
  refDoc.ele('Content').com(placeholder);

  const envelope = head.end({ prettyPrint: true });
  const marker = `<!--${placeholder}-->`;
  const at = envelope.indexOf(marker);
  // The marker is a fresh UUID inside a comment that xmlbuilder2 writes verbatim; absence is a bug here.
  if (at < 0) throw new Error('MsgHead placeholder not found in the envelope');

  const body = payloadBody(opts.payloadXml, root);
  return { xml: envelope.slice(0, at) + body + envelope.slice(at + marker.length), msgId, type, genDate };
}

function receiverSettings(opts: PackOptions): EnvironmentSettings {
  const env = opts.environment;
  if (env === undefined) {
    if (opts.config.target) return opts.config.target;
    return resolveEnvironment('test');
  }
  if (typeof env === 'string') {
    if (!isKprEnvironment(env)) return resolveEnvironment(env); // throws the "unknown environment" error
    return opts.config.environments?.[env] ?? resolveEnvironment(env);
  }
  return env;
}

function checkParty(m: MunicipalityIdentity): void {
  if (!m.name?.trim()) throw newError('submit.msghead.badParty', { field: 'municipality.name' });
  if (!HER_ID.test(m.herId ?? '')) throw newError('submit.msghead.badParty', { field: 'municipality.herId' });
  if (!HER_ID.test(m.serviceHerId ?? '')) throw newError('submit.msghead.badParty', { field: 'municipality.serviceHerId' });
  if (!m.serviceName?.trim()) throw newError('submit.msghead.badParty', { field: 'municipality.serviceName' });
  if (m.orgNumber !== undefined && !/^[0-9]{9}$/.test(m.orgNumber)) {
    throw newError('submit.msghead.badParty', { field: 'municipality.orgNumber' });
  }
}

function ident(org: XMLBuilder, id: string, kind: keyof typeof ID_TYPE_TEXT): void {
  const el = org.ele('Ident');
  el.ele('Id').txt(id);
  el.ele('TypeId').att('V', kind).att('DN', ID_TYPE_TEXT[kind]).att('S', ID_TYPE_OID);
}

/**
 * The payload from its root start tag to its last '>', as a slice (no copy of the 49 MB). A prefixed root
 * without a default-namespace declaration gets xmlns="" so that its unprefixed descendants do not fall into
 * the MsgHead namespace they would otherwise inherit from Content.
 */
function payloadBody(text: string, root: RootElement): string {
  let end = text.length;
  while (end > root.tagEnd && isXmlSpace(text.charCodeAt(end - 1))) end--;
  if (root.selfClosing ? end < root.tagEnd : text.charCodeAt(end - 1) !== 0x3e) throw newError('submit.msghead.truncated');
  if (root.prefix && !root.declaresDefaultNamespace) {
    return text.slice(root.start, root.nameEnd) + ' xmlns=""' + text.slice(root.nameEnd, end);
  }
  return text.slice(root.start, end);
}

// ---------------------------------------------------------------------------------------------------------
// Reading

export interface MsgHeadParty {
  name?: string;
  herId?: string;
  orgNumber?: string;
  /** The nested Organisation (service-based addressing), if any. */
  service?: { name?: string; herId?: string };
  /** The HER-id that is the communication party: the service if present, else the organisation. */
  communicationPartyHerId?: string;
}

export interface MsgHeadInfo {
  msgId: string;
  /** MsgInfo/Type/@V as written (KPR_IPL, KPR_IDE or anything else). */
  type: string;
  typeText?: string;
  migVersion?: string;
  genDate: string;
  ack?: string;
  sender: MsgHeadParty;
  receiver: MsgHeadParty;
  /** The first Document's payload: offsets into the input and its root, without parsing it. */
  payload?: {
    start: number;
    end: number;
    root: string;
    namespace: string;
    /** What the payload's root says it is, if it is a KPR payload. */
    kprType?: KprMsgType;
  };
}

const envelopeParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'Ident' || name === 'Document',
});

/**
 * Reads the envelope of a MsgHead. The payload inside Content is located by string search, not parsed, so
 * this is cheap on a 49 MB message. Assumes the usual one Document per message for `payload`. Bytes are
 * decoded by BOM and XML declaration; `payload` offsets then refer to the decoded text (use `decodeXml`
 * yourself and pass the text if you need them).
 */
export function readMsgHead(input: string | Uint8Array): MsgHeadInfo {
  const xml = typeof input === 'string' ? input : decodeXml(input).text;
  const root = findRootElement(xml);
  if (root.localName !== 'MsgHead' || root.namespace !== MSGHEAD_NS) {
    throw newError('submit.msghead.notMsgHead', { root: root.qname, namespace: root.namespace || '(ingen/none)' });
  }
  const p = root.prefix ? `${root.prefix}:` : '';

  let envelope = xml;
  let payload: MsgHeadInfo['payload'];
  const contentOpen = new RegExp(`<${escapeRe(p)}Content(?=[\\s/>])`, 'g');
  contentOpen.lastIndex = root.tagEnd;
  const open = contentOpen.exec(xml);
  if (open) {
    const openEnd = xml.indexOf('>', open.index);
    const selfClosing = openEnd > 0 && xml.charCodeAt(openEnd - 1) === 0x2f;
    const close = `</${p}Content>`;
    const closeAt = selfClosing ? -1 : xml.lastIndexOf(close);
    if (openEnd > 0 && closeAt > openEnd) {
      const inner = xml.slice(openEnd + 1, closeAt);
      envelope = xml.slice(0, openEnd + 1) + xml.slice(closeAt);
      const innerRoot = tryRoot(inner);
      if (innerRoot) {
        let end = closeAt;
        while (end > openEnd + 1 && isXmlSpace(xml.charCodeAt(end - 1))) end--;
        const kprType = typeOfRoot(innerRoot.localName, innerRoot.namespace);
        payload = {
          start: openEnd + 1 + innerRoot.start,
          end,
          root: innerRoot.qname,
          namespace: innerRoot.namespace,
          ...(kprType ? { kprType } : {}),
        };
      }
    }
  }

  const valid = XMLValidator.validate(envelope);
  if (valid !== true) {
    throw newError('submit.msghead.malformed', { detail: `${valid.err.msg} (${valid.err.line}:${valid.err.col})` });
  }
  const doc = envelopeParser.parse(envelope) as Record<string, unknown>;
  const info = get(doc, 'MsgHead', 'MsgInfo');
  const msgId = text(get(info, 'MsgId'));
  const type = attr(get(info, 'Type'), 'V');
  const genDate = text(get(info, 'GenDate'));
  if (!msgId) throw newError('submit.msghead.missingField', { field: 'MsgInfo/MsgId' });
  if (!type) throw newError('submit.msghead.missingField', { field: 'MsgInfo/Type' });
  if (!genDate) throw newError('submit.msghead.missingField', { field: 'MsgInfo/GenDate' });

  return {
    msgId,
    type,
    ...opt('typeText', attr(get(info, 'Type'), 'DN')),
    ...opt('migVersion', text(get(info, 'MIGversion'))),
    genDate,
    ...opt('ack', attr(get(info, 'Ack'), 'V')),
    sender: party(get(info, 'Sender', 'Organisation')),
    receiver: party(get(info, 'Receiver', 'Organisation')),
    ...(payload ? { payload } : {}),
  };
}

/** The payload text of a MsgHead read by readMsgHead (a slice, not a copy). */
export function msgHeadPayload(xml: string, info: MsgHeadInfo): string | undefined {
  return info.payload ? xml.slice(info.payload.start, info.payload.end) : undefined;
}

function tryRoot(inner: string): RootElement | undefined {
  try {
    return findRootElement(inner);
  } catch {
    return undefined;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function get(node: unknown, ...keys: string[]): unknown {
  let cur = node;
  for (const k of keys) {
    if (Array.isArray(cur)) cur = cur[0];
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return Array.isArray(cur) ? cur[0] : cur;
}

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim() || undefined;
  if (typeof node === 'object' && node !== null) {
    const t = (node as Record<string, unknown>)['#text'];
    return typeof t === 'string' ? t.trim() || undefined : undefined;
  }
  return undefined;
}

function attr(node: unknown, name: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const v = (node as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function idents(org: unknown): { herId?: string; orgNumber?: string } {
  const list = typeof org === 'object' && org !== null ? (org as Record<string, unknown>).Ident : undefined;
  const out: { herId?: string; orgNumber?: string } = {};
  for (const id of Array.isArray(list) ? list : []) {
    const kind = attr(get(id, 'TypeId'), 'V');
    const value = text(get(id, 'Id'));
    if (!value) continue;
    if (kind === 'HER' && out.herId === undefined) out.herId = value;
    if (kind === 'ENH' && out.orgNumber === undefined) out.orgNumber = value;
  }
  return out;
}

function party(org: unknown): MsgHeadParty {
  if (typeof org !== 'object' || org === null) return {};
  const top = idents(org);
  const nested = get(org, 'Organisation');
  const result: MsgHeadParty = { ...opt('name', text(get(org, 'OrganisationName'))), ...top };
  if (typeof nested === 'object' && nested !== null) {
    const n = idents(nested);
    result.service = { ...opt('name', text(get(nested, 'OrganisationName'))), ...(n.herId ? { herId: n.herId } : {}) };
  }
  const cp = result.service?.herId ?? result.herId;
  if (cp) result.communicationPartyHerId = cp;
  return result;
}
