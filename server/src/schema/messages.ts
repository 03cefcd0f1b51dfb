/**
 * Messages of the `schema` findings. Element names are written as in the file (<tjVedtDato>); lists of
 * names come pre-formatted as "<a>, <b>" in `{list}` with the last name in `{last}`, so that the word for
 * "or" belongs to the language, not to the arguments.
 */
import { MessageText, registerMessages } from '../i18n';

/** Value problems exist for element text and for attribute values; `{target}` is filled in per kind. */
const VALUE: Record<string, MessageText> = {
  enum: {
    nb: '«{value}» er ikke en tillatt verdi for {target}. Tillatt: {allowed}.',
    en: '"{value}" is not an allowed value for {target}. Allowed: {allowed}.',
  },
  length: {
    nb: '«{value}» har {actual} tegn, men {target} skal ha nøyaktig {expected}.',
    en: '"{value}" has {actual} characters, but {target} must have exactly {expected}.',
  },
  minLength: {
    nb: '«{value}» har {actual} tegn, men {target} skal ha minst {expected}.',
    en: '"{value}" has {actual} characters, but {target} must have at least {expected}.',
  },
  maxLength: {
    nb: '«{value}» har {actual} tegn, men {target} kan ha høyst {expected}.',
    en: '"{value}" has {actual} characters, but {target} may have at most {expected}.',
  },
  pattern: {
    nb: '«{value}» har ikke formen {target} krever (mønster {pattern}).',
    en: '"{value}" does not have the form {target} requires (pattern {pattern}).',
  },
  'format.yyyymmdd': {
    nb: '«{value}» er ikke en dato på formen ÅÅÅÅMMDD, som {target} krever (f.eks. 20230105).',
    en: '"{value}" is not a date of the form YYYYMMDD, which {target} requires (e.g. 20230105).',
  },
  'format.yyyymm': {
    nb: '«{value}» er ikke en måned på formen ÅÅÅÅMM, som {target} krever (f.eks. 202301).',
    en: '"{value}" is not a month of the form YYYYMM, which {target} requires (e.g. 202301).',
  },
  'format.guid': {
    nb: '«{value}» er ikke en GUID, som {target} krever (f.eks. 0f8fad5b-d9cb-469f-a165-70867728950e).',
    en: '"{value}" is not a GUID, which {target} requires (e.g. 0f8fad5b-d9cb-469f-a165-70867728950e).',
  },
  'format.oid': {
    nb: '«{value}» er ikke en OID (tall skilt med punktum), som {target} krever.',
    en: '"{value}" is not an OID (numbers separated by dots), which {target} requires.',
  },
  integer: {
    nb: '«{value}» er ikke et heltall, som {target} krever.',
    en: '"{value}" is not a whole number, which {target} requires.',
  },
  range: {
    nb: '{value} er utenfor området {min} til {max} for {target}.',
    en: '{value} is outside the range {min} to {max} of {target}.',
  },
  rangeMin: {
    nb: '{value} er mindre enn {min}, som er det minste {target} tillater.',
    en: '{value} is less than {min}, the least {target} allows.',
  },
  decimal: {
    nb: '«{value}» er ikke et desimaltall, som {target} krever (bruk punktum som desimaltegn, f.eks. 7.5).',
    en: '"{value}" is not a decimal number, which {target} requires (use a point as the decimal separator, e.g. 7.5).',
  },
  totalDigits: {
    nb: '«{value}» har {actual} sifre, men {target} kan ha høyst {expected}.',
    en: '"{value}" has {actual} digits, but {target} may have at most {expected}.',
  },
  fractionDigits: {
    nb: '«{value}» har {actual} desimaler, men {target} kan ha høyst {expected}.',
    en: '"{value}" has {actual} decimals, but {target} may have at most {expected}.',
  },
  date: {
    nb: '«{value}» er ikke en dato på formen ÅÅÅÅ-MM-DD, som {target} krever (f.eks. 2023-01-05).',
    en: '"{value}" is not a date of the form YYYY-MM-DD, which {target} requires (e.g. 2023-01-05).',
  },
  double: {
    nb: '«{value}» er ikke et tall, som {target} krever.',
    en: '"{value}" is not a number, which {target} requires.',
  },
  boolean: {
    nb: '«{value}» er ikke true, false, 1 eller 0, som {target} krever.',
    en: '"{value}" is not true, false, 1 or 0, which {target} requires.',
  },
  fixed: {
    nb: '«{value}» er ikke tillatt for {target}: verdien skal være «{fixed}».',
    en: '"{value}" is not allowed for {target}: the value must be "{fixed}".',
  },
  padded: {
    nb: '«{value}» har mellomrom rundt verdien for {target}. XML Schema tillater det, men noen validatorer (libxml2) avviser det; fjern mellomrommene.',
    en: '"{value}" has spaces around the value of {target}. XML Schema allows them, but some validators (libxml2) reject them; remove the spaces.',
  },
};

const TARGET_ELEMENT: MessageText = { nb: '<{name}>', en: '<{name}>' };
const TARGET_ATTRIBUTE: MessageText = { nb: 'attributtet {attr} i <{name}>', en: 'the attribute {attr} of <{name}>' };

function withTarget(prefix: string, target: MessageText): Record<string, MessageText> {
  const out: Record<string, MessageText> = {};
  for (const [k, m] of Object.entries(VALUE)) {
    out[`${prefix}.${k}`] = { nb: m.nb.replace('{target}', target.nb), en: m.en.replace('{target}', target.en) };
  }
  return out;
}

/** Value problems of an element's text: `schema.value.<kind>`. */
registerMessages(withTarget('schema.value', TARGET_ELEMENT));
/** Value problems of an attribute: `schema.attrValue.<kind>`. */
registerMessages(withTarget('schema.attrValue', TARGET_ATTRIBUTE));

/** "What was expected here", in the four shapes a sequence can give. */
function expectVariants(key: string, head: MessageText): Record<string, MessageText> {
  return {
    [`${key}.one`]: { nb: `${head.nb} Forventet her: {last}.`, en: `${head.en} Expected here: {last}.` },
    [`${key}.many`]: { nb: `${head.nb} Forventet her: {list} eller {last}.`, en: `${head.en} Expected here: {list} or {last}.` },
    [`${key}.orEnd`]: {
      nb: `${head.nb} Forventet her: {list} eller slutten av <{parent}>.`,
      en: `${head.en} Expected here: {list} or the end of <{parent}>.`,
    },
    [`${key}.end`]: {
      nb: `${head.nb} Her skal <{parent}> slutte.`,
      en: `${head.en} <{parent}> should end here.`,
    },
  };
}

registerMessages({
  ...expectVariants('schema.unexpected', {
    nb: 'Elementet <{name}> er ikke tillatt i <{parent}>.',
    en: 'The element <{name}> is not allowed in <{parent}>.',
  }),
  ...expectVariants('schema.order', {
    nb: 'Elementet <{name}> står på feil plass i <{parent}>: det skal stå før <{before}>.',
    en: 'The element <{name}> is out of order in <{parent}>: it belongs before <{before}>.',
  }),
  'schema.unexpected.none': {
    nb: 'Elementet <{name}> er ikke tillatt: <{parent}> skal ikke inneholde elementer.',
    en: 'The element <{name}> is not allowed: <{parent}> must not contain elements.',
  },
  'schema.unexpected.simple': {
    nb: 'Elementet <{name}> er ikke tillatt: <{parent}> skal bare inneholde en verdi.',
    en: 'The element <{name}> is not allowed: <{parent}> must contain only a value.',
  },
  'schema.unexpected.root': {
    nb: 'Rotelementet <{name}> er ikke definert i skjemaet. Forventet: {last}.',
    en: 'The root element <{name}> is not defined in the schema. Expected: {last}.',
  },
  'schema.missing.first': {
    nb: 'Elementet <{name}> mangler i <{parent}> (forventet først).',
    en: 'The element <{name}> is missing in <{parent}> (expected first).',
  },
  'schema.missing.after1': {
    nb: 'Elementet <{name}> mangler i <{parent}> (forventet etter {last}).',
    en: 'The element <{name}> is missing in <{parent}> (expected after {last}).',
  },
  'schema.missing.afterN': {
    nb: 'Elementet <{name}> mangler i <{parent}> (forventet etter {list} eller {last}).',
    en: 'The element <{name}> is missing in <{parent}> (expected after {list} or {last}).',
  },
  'schema.tooFew': {
    nb: '<{parent}> har {count} <{name}>, men skal ha minst {min}.',
    en: '<{parent}> has {count} <{name}>, but must have at least {min}.',
  },
  'schema.tooMany': {
    nb: 'For mange <{name}> i <{parent}>: høyst {max} er tillatt.',
    en: 'Too many <{name}> in <{parent}>: at most {max} are allowed.',
  },
  'schema.namespace': {
    nb: 'Elementet <{name}> er i navnerommet «{ns}», men skal være i «{expected}» som resten av meldingen.',
    en: 'The element <{name}> is in the namespace "{ns}", but must be in "{expected}" like the rest of the message.',
  },
  'schema.noNamespace': {
    nb: 'Elementet <{name}> har ikke noe navnerom, men skal være i «{expected}» som resten av meldingen.',
    en: 'The element <{name}> has no namespace, but must be in "{expected}" like the rest of the message.',
  },
  'schema.text': {
    nb: 'Tekst er ikke tillatt direkte i <{name}>; det skal bare inneholde elementer.',
    en: 'Text is not allowed directly in <{name}>; it must contain only elements.',
  },
  'schema.textEmpty': {
    nb: 'Tekst er ikke tillatt i <{name}>; det skal bare ha attributter.',
    en: 'Text is not allowed in <{name}>; it must have only attributes.',
  },
  'schema.attrMissing': {
    nb: 'Attributtet {attr} mangler i <{name}>.',
    en: 'The attribute {attr} is missing in <{name}>.',
  },
  'schema.attrNotAllowed': {
    nb: 'Attributtet {attr} er ikke tillatt i <{name}>. Tillatt: {allowed}.',
    en: 'The attribute {attr} is not allowed in <{name}>. Allowed: {allowed}.',
  },
  'schema.attrNotAllowedNone': {
    nb: 'Attributtet {attr} er ikke tillatt i <{name}>, som ikke skal ha attributter.',
    en: 'The attribute {attr} is not allowed in <{name}>, which must have no attributes.',
  },
  'schema.unique': {
    nb: '{attr} «{value}» forekommer mer enn én gang i <{scope}>; verdien skal være unik.',
    en: '{attr} "{value}" occurs more than once in <{scope}>; the value must be unique.',
  },
  'schema.unique.first': {
    nb: 'Første forekomst av {attr} «{value}».',
    en: 'First occurrence of {attr} "{value}".',
  },
  'schema.version.later': {
    nb: 'IPLOS versjon {version}: det offentlige skjemaet er versjon {public}. Filen kontrolleres mot {public} og de kjente tilleggene ({additions}).',
    en: 'IPLOS version {version}: the public schema is version {public}. The file is checked against {public} and the known additions ({additions}).',
  },
  'schema.version.laterNone': {
    nb: 'IPLOS versjon {version}: det offentlige skjemaet er versjon {public}, og ingen tillegg i {version} er kjent. Filen kontrolleres mot {public}.',
    en: 'IPLOS version {version}: the public schema is version {public}, and no additions in {version} are known. The file is checked against {public}.',
  },
  'schema.version.unknown': {
    nb: 'Ukjent IPLOS-versjon «{version}» (kjente: {known}). Filen kontrolleres mot det offentlige skjemaet {public} og alle kjente tillegg ({additions}).',
    en: 'Unknown IPLOS version "{version}" (known: {known}). The file is checked against the public schema {public} and all known additions ({additions}).',
  },
  'schema.version.ident': {
    nb: 'versjon «{version}» passer ikke til navnerommet {ns}; forventet «{expected}». Filen kontrolleres mot det offentlige skjemaet.',
    en: 'versjon "{version}" does not match the namespace {ns}; expected "{expected}". The file is checked against the public schema.',
  },
  'schema.unavailable': {
    nb: 'Skjemakontrollen ble ikke gjort: {error}',
    en: 'The schema check was not done: {error}',
  },
});

/** Hints for patterns users meet often, keyed by the pattern as written in the XSD. */
export const PATTERN_HINTS: ReadonlyMap<string, string> = new Map([
  ['[0-9]{4}([0][1-9]|[1][0-2])([0][1-9]|[1-2][0-9]|[3][0-1])', 'format.yyyymmdd'],
  ['[0-9]{4}([0][1-9]|[1][0-2])', 'format.yyyymm'],
  [
    '([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|(\\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\})',
    'format.guid',
  ],
  ['(\\d+\\.?)*\\d+', 'format.oid'],
]);
