import { registerMessages } from '../i18n';

/** Messages of the `xml-syntax` findings, reported by the XML reader. */
registerMessages({
  'xml.empty': { nb: 'Filen er tom.', en: 'The file is empty.' },
  'xml.binary': {
    nb: 'Filen ser ut til å være binær (inneholder NUL-tegn), ikke XML.',
    en: 'The file looks binary (it contains NUL characters), not XML.',
  },
  'xml.noRoot': { nb: 'Fant ikke noe rotelement.', en: 'No root element was found.' },
  'xml.doctype': {
    nb: 'DOCTYPE er ikke tillatt i KPR-filer. Den blir ikke lest, og entiteter definert i den blir ikke utvidet.',
    en: 'A DOCTYPE is not allowed in KPR files. It is not read, and entities defined in it are not expanded.',
  },
  'xml.undefinedEntity': {
    nb: 'Ukjent entitet &{name}; – bare &lt; &gt; &amp; &quot; &apos; og tegnreferanser er tillatt.',
    en: 'Unknown entity &{name}; – only &lt; &gt; &amp; &quot; &apos; and character references are allowed.',
  },
  'xml.bareAmpersand': {
    nb: 'Et &-tegn må skrives som &amp;.',
    en: 'An & character must be written as &amp;.',
  },
  'xml.badCharRef': { nb: 'Ugyldig tegnreferanse &{ref};.', en: 'Invalid character reference &{ref};.' },
  'xml.badTagStart': {
    nb: '«<» følges ikke av et gyldig elementnavn. Skriv &lt; for et mindre-enn-tegn i tekst.',
    en: '"<" is not followed by a valid element name. Write &lt; for a less-than sign in text.',
  },
  'xml.unterminatedTag': { nb: 'Taggen <{name}> mangler avsluttende «>».', en: 'The tag <{name}> is missing its closing ">".' },
  'xml.badAttribute': { nb: 'Ugyldig tegn i taggen <{element}>.', en: 'Invalid character in the tag <{element}>.' },
  'xml.attrNoValue': {
    nb: 'Attributtet {name} mangler «=» og verdi.',
    en: 'The attribute {name} has no "=" and value.',
  },
  'xml.attrNoQuote': {
    nb: 'Verdien til attributtet {name} må stå i anførselstegn.',
    en: 'The value of the attribute {name} must be in quotes.',
  },
  'xml.attrUnterminated': {
    nb: 'Verdien til attributtet {name} mangler avsluttende anførselstegn.',
    en: 'The value of the attribute {name} has no closing quote.',
  },
  'xml.ltInAttr': {
    nb: 'Verdien til attributtet {name} inneholder «<» (eller mangler avsluttende anførselstegn).',
    en: 'The value of the attribute {name} contains "<" (or its closing quote is missing).',
  },
  'xml.duplicateAttr': { nb: 'Attributtet {name} står to ganger.', en: 'The attribute {name} appears twice.' },
  'xml.unboundPrefix': {
    nb: 'Navneromsprefikset «{prefix}» er ikke deklarert.',
    en: 'The namespace prefix "{prefix}" is not declared.',
  },
  'xml.unclosedElement': { nb: 'Elementet <{name}> avsluttes aldri.', en: 'The element <{name}> is never closed.' },
  'xml.mismatchedEnd': {
    nb: 'Slutt-taggen </{found}> passer ikke til <{expected}>.',
    en: 'The end tag </{found}> does not match <{expected}>.',
  },
  'xml.strayEnd': {
    nb: 'Slutt-taggen </{name}> har ingen start-tagg.',
    en: 'The end tag </{name}> has no matching start tag.',
  },
  'xml.textBeforeRoot': { nb: 'Tekst før rotelementet.', en: 'Text before the root element.' },
  'xml.textAfterRoot': { nb: 'Tekst etter rotelementet.', en: 'Text after the root element.' },
  'xml.multipleRoots': {
    nb: 'Et XML-dokument kan bare ha ett rotelement; <{name}> er et til.',
    en: 'An XML document can have only one root element; <{name}> is another one.',
  },
  'xml.unexpectedEnd': { nb: 'Filen slutter midt i {what}.', en: 'The file ends inside a {what}.' },
  'xml.declNotFirst': {
    nb: 'XML-deklarasjonen må stå helt først i filen.',
    en: 'The XML declaration must come first in the file.',
  },
  'xml.encoding': {
    nb: 'Filen er ikke gyldig {encoding} (første feil ved byte {offset}). Er den lagret i en annen tegnkoding enn deklarasjonen sier?',
    en: 'The file is not valid {encoding} (first error at byte {offset}). Was it saved in another encoding than its declaration says?',
  },
  'xml.unsupportedEncoding': {
    nb: 'Tegnkodingen «{encoding}» støttes ikke; bruk UTF-8 eller ISO-8859-1.',
    en: 'The encoding "{encoding}" is not supported; use UTF-8 or ISO-8859-1.',
  },
});
