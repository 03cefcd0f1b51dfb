/**
 * The document outline: for a fagmelding INNHINFO, then each person (pePeID) with its services (code and
 * name) as children; for an identmelding the Melding header, its contact persons and each Institusjon
 * with its persons (pid and kind of number; never the number itself). Whole-year files hold tens of
 * thousands of persons, so the outline stops after the first `maxRecords` and says so in a last entry.
 */
import { isEnvelopeContent, isMsgHead, payloadKindOf } from '../analysis/recognize';
import { DocumentKind } from '../analysis/types';
import { expiredServiceCode, parseServiceCode, serviceCode } from '../domain/serviceCodes';
import { Lang, registerMessages, t } from '../i18n';
import { attr, child, parseXml, prune, XmlElement } from '../xml/parser';

registerMessages({
  'symbols.person': { nb: 'Person {id}', en: 'Person {id}' },
  'symbols.services': { nb: '{count} tjenester', en: '{count} services' },
  'symbols.service1': { nb: '1 tjeneste', en: '1 service' },
  'symbols.expired': { nb: 'utgått', en: 'expired' },
  'symbols.unknownCode': { nb: 'ukjent tjenestetype', en: 'unknown service type' },
  'symbols.header': { nb: 'kommune {komnr} · {from}–{to} · løpenr {lopenr}', en: 'municipality {komnr} · {from}–{to} · løpenr {lopenr}' },
  'symbols.identHeader': { nb: '{from}–{to} · løpenr {lopenr}', en: '{from}–{to} · løpenr {lopenr}' },
  'symbols.institution': { nb: 'Institusjon {id}', en: 'Institusjon {id}' },
  'symbols.persons': { nb: '{count} personer', en: '{count} persons' },
  'symbols.capped': {
    nb: 'Omrisset viser de første {count} personene',
    en: 'The outline shows the first {count} persons',
  },
  'symbols.cappedDetail': {
    nb: 'resten av filen er ikke med her',
    en: 'the rest of the file is not listed',
  },
  'symbols.typeId.1': { nb: 'fødselsnummer', en: 'fødselsnummer' },
  'symbols.typeId.2': { nb: 'D-nummer', en: 'D-nummer' },
  'symbols.typeId.3': { nb: 'H-nummer', en: 'H-nummer' },
  'symbols.typeId.12': { nb: 'felles hjelpenummer (FH)', en: 'common help number (FH)' },
  'symbols.typeId.other': { nb: 'typeID {typeId}', en: 'typeID {typeId}' },
});

export type OutlineKind = 'message' | 'header' | 'person' | 'service' | 'contact' | 'institution' | 'ident' | 'note';

export interface OutlineSymbol {
  name: string;
  detail?: string;
  kind: OutlineKind;
  /** The whole element. */
  start: number;
  end: number;
  /** What the editor highlights and reveals: the element name or its key attribute. */
  selectionStart: number;
  selectionEnd: number;
  children: OutlineSymbol[];
}

export interface OutlineOptions {
  lang: Lang;
  /** Persons (PERSON or PasientIdent) listed at most; the default 5,000 keeps the outline responsive. */
  maxRecords?: number;
  shouldStop?: () => boolean;
}

export interface Outline {
  kind: DocumentKind;
  symbols: OutlineSymbol[];
  /** The record cap was reached: the outline ends with a note. */
  truncated: boolean;
  /** Stopped by `shouldStop`: the outline is partial. */
  stopped: boolean;
  records: number;
}

export const DEFAULT_MAX_OUTLINE_RECORDS = 5000;

function formatCount(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang === 'nb' ? 'nb-NO' : 'en-US').format(n);
}

function text(el: XmlElement | undefined): string {
  return el?.text.trim() ?? '';
}

/** The attribute's value range as the selection, or the element name when the attribute is missing. */
function selectionOf(el: XmlElement, attrName: string): { selectionStart: number; selectionEnd: number } {
  const a = attr(el, attrName);
  if (a) return { selectionStart: a.valueStart, selectionEnd: a.valueEnd };
  return { selectionStart: el.start + 1, selectionEnd: el.nameEnd };
}

function serviceName(written: string, lang: Lang): string {
  const code = parseServiceCode(written);
  const current = code === undefined ? undefined : serviceCode(code);
  if (current) return `${current.code} – ${current[lang]}`;
  const expired = code === undefined ? undefined : expiredServiceCode(code);
  if (expired) return `${expired.code} – ${expired[lang]} (${t(lang, 'symbols.expired')})`;
  return `${written || '?'} – ${t(lang, 'symbols.unknownCode')}`;
}

function serviceSymbol(tj: XmlElement, lang: Lang): OutlineSymbol {
  const type = child(tj, 'tjTjenType');
  const from = text(child(tj, 'tjFraDato'));
  const to = text(child(tj, 'tjTilDato'));
  const sel = type
    ? { selectionStart: type.textStart === -1 ? type.start : type.textStart, selectionEnd: type.textStart === -1 ? type.end : type.textEnd }
    : { selectionStart: tj.start + 1, selectionEnd: tj.nameEnd };
  return {
    name: serviceName(text(type), lang),
    detail: from || to ? `${from}–${to}` : undefined,
    kind: 'service',
    start: tj.start,
    end: tj.end,
    ...sel,
    children: [],
  };
}

function personSymbol(person: XmlElement, lang: Lang): OutlineSymbol {
  const id = attr(person, 'pePeID')?.value.trim() ?? '?';
  const services = person.children.filter((c) => c.local === 'TJENESTE').map((tj) => serviceSymbol(tj, lang));
  return {
    name: t(lang, 'symbols.person', { id }),
    detail: services.length === 1 ? t(lang, 'symbols.service1') : t(lang, 'symbols.services', { count: services.length }),
    kind: 'person',
    start: person.start,
    end: person.end,
    ...selectionOf(person, 'pePeID'),
    children: services,
  };
}

function headerSymbol(innhinfo: XmlElement, lang: Lang): OutlineSymbol {
  return {
    name: 'INNHINFO',
    detail: t(lang, 'symbols.header', {
      komnr: text(child(innhinfo, 'iiKomnr')) || '?',
      from: text(child(innhinfo, 'iiFraDato')) || '?',
      to: text(child(innhinfo, 'iiTilDato')) || '?',
      lopenr: text(child(innhinfo, 'iiLopenr')) || '?',
    }),
    kind: 'header',
    start: innhinfo.start,
    end: innhinfo.end,
    selectionStart: innhinfo.start + 1,
    selectionEnd: innhinfo.nameEnd,
    children: [],
  };
}

function typeIdText(typeId: string, lang: Lang): string {
  return ['1', '2', '3', '12'].includes(typeId) ? t(lang, `symbols.typeId.${typeId}`) : t(lang, 'symbols.typeId.other', { typeId });
}

function noteSymbol(at: XmlElement, count: number, lang: Lang): OutlineSymbol {
  return {
    name: t(lang, 'symbols.capped', { count: formatCount(count, lang) }),
    detail: t(lang, 'symbols.cappedDetail'),
    kind: 'note',
    start: at.start,
    end: at.nameEnd,
    selectionStart: at.start + 1,
    selectionEnd: at.nameEnd,
    children: [],
  };
}

/** The outline of a KPR document; other documents get an empty one. */
export function documentOutline(source: string, options: OutlineOptions): Outline {
  const lang = options.lang;
  const max = Math.max(1, options.maxRecords ?? DEFAULT_MAX_OUTLINE_RECORDS);
  const symbols: OutlineSymbol[] = [];
  let kind: DocumentKind = 'other';
  let payload: XmlElement | undefined;
  let done = false;
  let truncated = false;
  let records = 0;
  let institution: OutlineSymbol | undefined;

  const cap = (el: XmlElement): boolean => {
    if (records < max) return false;
    const note = noteSymbol(el, max, lang);
    if (institution) institution.children.push(note);
    else symbols.push(note);
    truncated = true;
    done = true;
    return true;
  };

  const parsed = parseXml(source, {
    maxIssues: 0,
    shouldStop: () => done || options.shouldStop?.() === true,
    onOpen: (el) => {
      if (done) return;
      if (payload) {
        if (kind === 'fagmelding' && el.local === 'PERSON' && el.parent === payload) cap(el);
        else if (kind === 'identmelding' && el.local === 'PasientIdent') cap(el);
        else if (kind === 'identmelding' && el.local === 'Institusjon' && el.parent === payload) {
          institution = {
            name: t(lang, 'symbols.institution', { id: attr(el, 'institusjonID')?.value.trim() ?? '?' }),
            kind: 'institution',
            start: el.start,
            end: el.end,
            ...selectionOf(el, 'institusjonID'),
            children: [],
          };
          symbols.push(institution);
        }
        return;
      }
      if (kind !== 'other') return;
      const atRoot = el.parent === null;
      if (!atRoot && !isEnvelopeContent(el)) return;
      const k = payloadKindOf(el);
      if (k === 'fagmelding' || k === 'identmelding') {
        kind = k;
        payload = el;
        if (k === 'identmelding') {
          const a = (n: string) => attr(el, n)?.value.trim() || '?';
          symbols.push({
            name: el.local,
            detail: t(lang, 'symbols.identHeader', { from: a('fraDatoPeriode'), to: a('tilDatoPeriode'), lopenr: a('lopenr') }),
            kind: 'message',
            start: el.start,
            end: el.startTagEnd,
            selectionStart: el.start + 1,
            selectionEnd: el.nameEnd,
            children: [],
          });
        }
      } else if (k === 'apprec' || (atRoot && !isMsgHead(el))) {
        kind = k ?? 'other';
        done = true; // an AppRec or foreign XML: no outline of ours
      }
    },
    onClose: (el) => {
      if (done || !payload) return;
      if (kind === 'fagmelding' && el.parent === payload) {
        if (el.local === 'INNHINFO') symbols.push(headerSymbol(el, lang));
        else if (el.local === 'PERSON') {
          records++;
          symbols.push(personSymbol(el, lang));
          prune(el);
        }
      } else if (kind === 'identmelding') {
        if (el.local === 'PasientIdent' && institution && el.parent?.parent === payload) {
          records++;
          institution.children.push({
            name: `pid ${attr(el, 'pid')?.value.trim() ?? '?'}`,
            detail: typeIdText(attr(el, 'typeID')?.value.trim() ?? '', lang),
            kind: 'ident',
            start: el.start,
            end: el.end,
            ...selectionOf(el, 'pid'),
            children: [],
          });
        } else if (el.local === 'Institusjon' && el.parent === payload && institution) {
          institution.end = el.end;
          institution.detail = t(lang, 'symbols.persons', { count: formatCount(institution.children.length, lang) });
          institution = undefined;
          prune(el);
        } else if (el.local === 'Kontaktperson' && el.parent === payload) {
          symbols.push({
            name: el.local,
            detail: attr(el, 'kontPerson')?.value.trim(),
            kind: 'contact',
            start: el.start,
            end: el.end,
            ...selectionOf(el, 'kontPerson'),
            children: [],
          });
        }
      }
      if (el === payload) payload = undefined;
    },
  });

  // An Institusjon cut off by the cap (or never closed) ends where reading stopped.
  if (institution) {
    const last = institution.children[institution.children.length - 1];
    institution.end = Math.max(institution.end, last?.end ?? institution.end);
    institution.detail = t(lang, 'symbols.persons', { count: formatCount(institution.children.filter((c) => c.kind === 'ident').length, lang) });
  }
  return { kind, symbols, truncated, stopped: parsed.stopped && !done, records };
}
