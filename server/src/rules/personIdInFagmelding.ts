/**
 * person-id-in-fagmelding: the fagmelding (KPR_IPL) is pseudonymous; the fødselsnummer travels only in the
 * identmelding (KPR_IDE), in a separate shipment (DOMAIN.md §1; the 2023 letter). A valid fødselsnummer or
 * D-nummer anywhere in it, header or record, in an element's text or an attribute's value, is reported:
 * typically a system that uses the fødselsnummer as person key (pePeID) or pastes it into a free-text field.
 *
 * A number counts only as a whole token: exactly 11 digits with no digit right before or after, and valid
 * by check digits and date. H- and FH-numbers are left out, since random 11-digit values match them far
 * more often. Messages never print the number; the finding points at it.
 */
import { registerMessages } from '../i18n';
import { classifyPersonId } from '../domain/identifiers';
import { Severity } from '../analysis/types';
import { XmlElement } from '../xml/parser';
import { Rule, RuleContext } from './rule';

registerMessages({
  'person-id-in-fagmelding.found': {
    nb: 'Et {kind} står i fagmeldingen ({where}). Fagmeldingen skal være pseudonym: personnummer hører bare hjemme i identmeldingen (KPR_IDE).',
    en: 'A {kind} appears in the fagmelding ({where}). The fagmelding must be pseudonymous: person numbers belong only in the identmelding (KPR_IDE).',
  },
});

const ELEVEN_DIGITS = /(?<![0-9])[0-9]{11}(?![0-9])/g;

/**
 * Finds valid fødselsnumre / D-numre in one value. `start`/`end` are the value's offsets in the source;
 * when the decoded value is as long as its source (no entities, no interleaved markup), each number is
 * located exactly, otherwise the whole value is marked.
 */
function scanValue(value: string, start: number, end: number, el: XmlElement, attrName: string | undefined, ctx: RuleContext): void {
  if (value.length < 11) return;
  ELEVEN_DIGITS.lastIndex = 0;
  const exact = end - start === value.length;
  for (let m = ELEVEN_DIGITS.exec(value); m !== null; m = ELEVEN_DIGITS.exec(value)) {
    const info = classifyPersonId(m[0]);
    if (!info.valid || (info.kind !== 'fnr' && info.kind !== 'd-number')) continue;
    ctx.report({
      code: 'person-id-in-fagmelding',
      start: exact ? start + m.index : start,
      end: exact ? start + m.index + 11 : end,
      key: 'person-id-in-fagmelding.found',
      args: { kind: info.kind === 'fnr' ? 'fødselsnummer' : 'D-nummer', where: attrName === undefined ? el.local : `${el.local}/@${attrName}` },
    });
  }
}

/**
 * Walks a subtree in document order, checking every attribute value and every element's text. Index loops
 * and recursion (records are a few levels deep): this runs for every element of a whole-year file, and
 * for-of over the reader's shared empty lists allocated an iterator each time.
 */
function scanTree(el: XmlElement, ctx: RuleContext): void {
  const attrs = el.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    if (a.value.length >= 11) scanValue(a.value, a.valueStart, a.valueEnd, el, a.local, ctx);
  }
  if (el.text.length >= 11) scanValue(el.text, el.textStart, el.textEnd, el, undefined, ctx);
  const children = el.children;
  for (let i = 0; i < children.length; i++) scanTree(children[i], ctx);
}

export const personIdInFagmelding: Rule = {
  code: 'person-id-in-fagmelding',
  defaultSeverity: Severity.Error,
  kinds: ['fagmelding'],
  title: {
    nb: 'Et fødselsnummer eller D-nummer står i fagmeldingen, som skal være pseudonym',
    en: 'A fødselsnummer or D-nummer appears in the fagmelding, which must be pseudonymous',
  },
  create(ctx) {
    return {
      header: (el) => scanTree(el, ctx),
      record: (el) => scanTree(el, ctx),
    };
  },
};
