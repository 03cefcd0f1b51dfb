/**
 * The columns of a mapping file and the header names that select them. Municipalities export these tables
 * from Excel or from their EPJ's admin screens, so the same column turns up as `lokal_kode`, `Lokal kode`,
 * `LokalKode` or `local_code`: names are compared case- and accent-insensitively with everything but letters
 * and digits dropped, and each column accepts the Norwegian and English variants seen in such exports.
 */
import { MessageText } from '../i18n';

export type MappingField = 'localCode' | 'localName' | 'kprCode' | 'orgnr' | 'validFrom' | 'validTo' | 'comment';

/** The documented column order, used by the snippets and when a file has no header at all. */
export const DEFAULT_COLUMNS: readonly MappingField[] = ['localCode', 'localName', 'kprCode', 'orgnr', 'validFrom', 'validTo', 'comment'];

export const REQUIRED_COLUMNS: readonly MappingField[] = ['localCode', 'kprCode'];

/** The header name the documentation and snippets write for each column. */
export const CANONICAL_NAMES: Readonly<Record<MappingField, string>> = {
  localCode: 'lokal_kode',
  localName: 'lokalt_navn',
  kprCode: 'tjenestetype',
  orgnr: 'orgnr',
  validFrom: 'gyldig_fra',
  validTo: 'gyldig_til',
  comment: 'kommentar',
};

/** The canonical header line with `delimiter` between the names. */
export function canonicalHeader(delimiter: string): string {
  return DEFAULT_COLUMNS.map((f) => CANONICAL_NAMES[f]).join(delimiter);
}

/** Accepted names, already normalised (see `normalizeColumnName`). */
const ALIASES: Readonly<Record<MappingField, readonly string[]>> = {
  localCode: [
    'lokalkode', 'lokaltjenestekode', 'lokaltjenestetype', 'lokaltjenesteid', 'lokalid', 'epjkode', 'internkode',
    'localcode', 'localservicecode', 'localservicetype', 'localserviceid', 'localid', 'epjcode',
  ],
  localName: [
    'lokaltnavn', 'lokalnavn', 'lokaltjenestenavn', 'tjenestenavn', 'navn',
    'localname', 'localservicename', 'servicename', 'name',
  ],
  kprCode: [
    'tjenestetype', 'kprkode', 'kprtjenestetype', 'kprtjenestekode', 'tjenestekode', 'tjtjentype', 'kode9151', 'kodeverk9151',
    'kprcode', 'kprservicecode', 'kprservicetype', 'servicecode', 'servicetype',
  ],
  orgnr: [
    'orgnr', 'orgnummer', 'organisasjonsnummer', 'orgnrenhet', 'tjinstorgnr',
    'orgnumber', 'organisationnumber', 'organizationnumber', 'orgno',
  ],
  validFrom: ['gyldigfra', 'gyldigfom', 'fradato', 'fom', 'fra', 'startdato', 'validfrom', 'fromdate', 'from', 'startdate', 'start'],
  validTo: ['gyldigtil', 'gyldigtom', 'tildato', 'tom', 'til', 'sluttdato', 'slutt', 'validto', 'todate', 'to', 'enddate', 'end'],
  comment: ['kommentar', 'merknad', 'notat', 'comment', 'comments', 'note', 'notes', 'remark', 'remarks'],
};

const BY_NAME = new Map<string, MappingField>();
for (const [field, names] of Object.entries(ALIASES) as [MappingField, readonly string[]][]) {
  for (const n of names) BY_NAME.set(n, field);
}

/**
 * Lower case, accents dropped (é → e, å → a), æ → ae and ø → o (they do not decompose), and only letters and
 * digits kept, so `Lokal-kode`, `lokal_kode` and `LOKALKODE` compare equal.
 */
export function normalizeColumnName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/[^a-z0-9]/g, '');
}

/** The column a header name selects, or undefined for a name the mapping does not use. */
export function columnOf(name: string): MappingField | undefined {
  return BY_NAME.get(normalizeColumnName(name));
}

/** What each column holds, for hovers on the header and for messages. */
export const COLUMN_INFO: Readonly<Record<MappingField, MessageText>> = {
  localCode: {
    nb: 'Den lokale tjenestekoden slik EPJ-et har den (påkrevd). Én lokal kode skal gi én tjenestetype per periode.',
    en: 'The local service code as the EPJ has it (required). One local code must give one service type per period.',
  },
  localName: {
    nb: 'Navnet på den lokale tjenesten, f.eks. «Hjemmesykepleie sone nord» (valgfritt, bare til hjelp for leseren).',
    en: 'The name of the local service, e.g. "Hjemmesykepleie sone nord" (optional, for the reader only).',
  },
  kprCode: {
    nb: 'Tjenestetypen i KPR, kodeverk 9151 (påkrevd). Skriv «-» for en lokal tjeneste som ikke skal rapporteres.',
    en: 'The KPR service type, code list 9151 (required). Write "-" for a local service that is not reported.',
  },
  orgnr: {
    nb: 'Organisasjonsnummeret til enheten som yter tjenesten (tjInstOrgnr), 9 sifre. Påkrevd, valgfritt eller forbudt etter tjenestetypen.',
    en: 'The organisation number of the unit providing the service (tjInstOrgnr), 9 digits. Required, optional or forbidden depending on the service type.',
  },
  validFrom: {
    nb: 'Første dag raden gjelder (valgfritt): ÅÅÅÅ-MM-DD, DD.MM.ÅÅÅÅ eller ÅÅÅÅMMDD. Tom: fra alltid.',
    en: 'The first day the row applies (optional): YYYY-MM-DD, DD.MM.YYYY or YYYYMMDD. Empty: since always.',
  },
  validTo: {
    nb: 'Siste dag raden gjelder (valgfritt), samme datoformater. Tom: fortsatt gyldig.',
    en: 'The last day the row applies (optional), same date formats. Empty: still valid.',
  },
  comment: {
    nb: 'Fritekst (valgfritt), leses ikke av sjekkene.',
    en: 'Free text (optional), not read by the checks.',
  },
};

/** Short names of the columns for messages ("the org number column"). */
export const COLUMN_LABEL: Readonly<Record<MappingField, MessageText>> = {
  localCode: { nb: 'lokal kode', en: 'local code' },
  localName: { nb: 'lokalt navn', en: 'local name' },
  kprCode: { nb: 'tjenestetype (KPR-kode)', en: 'service type (KPR code)' },
  orgnr: { nb: 'organisasjonsnummer', en: 'organisation number' },
  validFrom: { nb: 'gyldig fra', en: 'valid from' },
  validTo: { nb: 'gyldig til', en: 'valid to' },
  comment: { nb: 'kommentar', en: 'comment' },
};
