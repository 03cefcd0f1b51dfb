/**
 * Hovers: on a tjTjenType value, the service code's name and its organisation-number rule (expired codes
 * say what replaces them); on an element or attribute name of a KPR payload, what it means.
 */
import { recognizedKind } from './kind';
import { DocumentKind } from '../analysis/types';
import {
  expiredServiceCode,
  OrgNumberRule,
  parseServiceCode,
  serviceCode,
  SERVICE_CODE_LIST_OID,
} from '../domain/serviceCodes';
import { Lang, registerMessages, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { attributeInfo, elementInfo, ElementInfo } from './elements';
import { spotAt, trimmedRange } from './locate';

registerMessages({
  'hover.serviceList': {
    nb: 'Tjenestetype, kodeverk 9151 ({oid}).',
    en: 'Service type, code list 9151 ({oid}).',
  },
  'hover.org.required': {
    nb: 'Organisasjonsnummer (tjInstOrgnr): skal oppgis.',
    en: 'Organisation number (tjInstOrgnr): required.',
  },
  'hover.org.optional': {
    nb: 'Organisasjonsnummer (tjInstOrgnr): kan oppgis.',
    en: 'Organisation number (tjInstOrgnr): optional.',
  },
  'hover.org.forbidden': {
    nb: 'Organisasjonsnummer (tjInstOrgnr): skal ikke oppgis.',
    en: 'Organisation number (tjInstOrgnr): must not be given.',
  },
  'hover.orgOf.required': {
    nb: 'Tjenestetype {to} skal ha organisasjonsnummer (tjInstOrgnr).',
    en: 'Service type {to} requires an organisation number (tjInstOrgnr).',
  },
  'hover.orgOf.optional': {
    nb: 'Tjenestetype {to} kan ha organisasjonsnummer (tjInstOrgnr).',
    en: 'Service type {to} may have an organisation number (tjInstOrgnr).',
  },
  'hover.orgOf.forbidden': {
    nb: 'Tjenestetype {to} skal ikke ha organisasjonsnummer (tjInstOrgnr).',
    en: 'Service type {to} must not have an organisation number (tjInstOrgnr).',
  },
  'hover.welfareTechnology': {
    nb: 'Velferdsteknologi (telles for seg i statistikken).',
    en: 'Welfare technology (counted separately in the statistics).',
  },
  'hover.expired': { nb: 'utgått', en: 'expired' },
  'hover.replacedBy': {
    nb: 'Utgått{since}: rapporteres som **{to} – {toName}**.',
    en: 'Expired{since}: report it as **{to} – {toName}**.',
  },
  'hover.since': { nb: ' fra {year}', en: ' since {year}' },
  'hover.replacedByNote': {
    nb: 'Utgått: registreres i stedet som {note}.',
    en: 'Expired: record {note} instead.',
  },
  'hover.noReplacement': {
    nb: 'Utgått, uten erstatning: kartlegg den lokale tjenesten til en gyldig tjenestetype.',
    en: 'Expired, with no replacement: map the local service to a valid service type.',
  },
  'hover.unknownCode': {
    nb: '**{code}** er ikke en tjenestetype i kodeverk 9151.',
    en: '**{code}** is not a service type in code list 9151.',
  },
  'hover.format': { nb: 'Format: {format}', en: 'Format: {format}' },
});

export interface HoverOptions {
  lang: Lang;
  /** The document's kind when the caller knows it (from the analysis); sniffed from the head otherwise. */
  kind?: DocumentKind;
  /** Where the payload root starts, so elements of a Hodemelding around it get no payload hover. */
  payloadStart?: number;
}

export interface HoverResult {
  markdown: string;
  start: number;
  end: number;
}

function orgRuleText(rule: OrgNumberRule, lang: Lang): string {
  return t(lang, `hover.org.${rule}`);
}

/** The hover text of a service code as written in tjTjenType, in markdown. */
export function serviceCodeHover(written: string, lang: Lang): string {
  const code = parseServiceCode(written);
  const list = t(lang, 'hover.serviceList', { oid: SERVICE_CODE_LIST_OID });
  // What is not a 1–4 digit code may be anything an EPJ wrote there, a fødselsnummer too.
  if (code === undefined) return t(lang, 'hover.unknownCode', { code: maskPersonIds(written.trim()) }) + '\n\n' + list;
  const current = serviceCode(code);
  if (current) {
    const lines = [`**${current.code} – ${current[lang]}**`, list, orgRuleText(current.orgNumber, lang)];
    if (current.welfareTechnology) lines.push(t(lang, 'hover.welfareTechnology'));
    return lines.join('\n\n');
  }
  const expired = expiredServiceCode(code);
  if (expired) {
    const lines = [`**${expired.code} – ${expired[lang]}** (${t(lang, 'hover.expired')})`, list];
    const to = expired.replacedBy !== undefined ? serviceCode(expired.replacedBy) : undefined;
    if (to) {
      const since = expired.since ? t(lang, 'hover.since', { year: expired.since }) : '';
      lines.push(t(lang, 'hover.replacedBy', { since, to: to.code, toName: to[lang] }));
      lines.push(t(lang, `hover.orgOf.${to.orgNumber}`, { to: to.code }));
    } else if (expired.replacedByNote) {
      lines.push(t(lang, 'hover.replacedByNote', { note: expired.replacedByNote[lang] }));
    } else {
      lines.push(t(lang, 'hover.noReplacement'));
    }
    return lines.join('\n\n');
  }
  return t(lang, 'hover.unknownCode', { code }) + '\n\n' + list;
}

function infoText(name: string, info: ElementInfo, lang: Lang): string {
  const lines = [`**${name}**`, info[lang]];
  if (info.format) lines.push(t(lang, 'hover.format', { format: `\`${info.format}\`` }));
  return lines.join('\n\n');
}

/** The hover at `offset`, or undefined when there is nothing KPR-specific to say there. */
export function hoverAt(text: string, offset: number, options: HoverOptions): HoverResult | undefined {
  const kind = options.kind ?? recognizedKind(text);
  if (kind !== 'fagmelding' && kind !== 'identmelding') return undefined;
  if (options.payloadStart !== undefined && offset < options.payloadStart) return undefined;
  const spot = spotAt(text, offset);
  if (!spot) return undefined;
  const lang = options.lang;
  if (spot.what === 'content') {
    if (kind !== 'fagmelding' || spot.element !== 'tjTjenType') return undefined;
    const r = trimmedRange(text, spot.start, spot.end);
    if (r.start === r.end || offset < r.start || offset > r.end) return undefined;
    return { markdown: serviceCodeHover(text.slice(r.start, r.end), lang), start: r.start, end: r.end };
  }
  if (spot.what === 'element') {
    const info = elementInfo(kind, spot.local);
    return info ? { markdown: infoText(spot.local, info, lang), start: spot.start, end: spot.end } : undefined;
  }
  const info = attributeInfo(kind, spot.local);
  return info ? { markdown: infoText(`@${spot.local}`, info, lang), start: spot.start, end: spot.end } : undefined;
}
