/**
 * Small helpers shared by the service and org-number rules: reading a TJENESTE's code the way the schema
 * types it (xs:short), locating element values, and the range that removes an element with its line.
 */
import { ExpiredServiceCode, expiredServiceCode, ServiceCode, serviceCode } from '../domain/serviceCodes';
import { child, valueRange, XmlElement } from '../xml/parser';

/** The TJENESTE elements of a PERSON, in document order. */
export function servicesOf(person: XmlElement): readonly XmlElement[] {
  const services: XmlElement[] = [];
  const cs = person.children;
  for (let i = 0; i < cs.length; i++) if (cs[i].local === 'TJENESTE') services.push(cs[i]);
  return services;
}

export interface ServiceCodeAt {
  /** The tjTjenType element. */
  el: XmlElement;
  /** The code as written, trimmed. */
  text: string;
  /** The integer value, undefined when the text is not an xs:short (the schema reports that). */
  value: number | undefined;
  start: number;
  end: number;
}

/**
 * Reads tjTjenType with xs:short's lexical rules ('+15' and '015' are 15), so a code the schema accepts is
 * never called unknown because of how it is written.
 */
export function serviceCodeOf(tj: XmlElement): ServiceCodeAt | undefined {
  const el = child(tj, 'tjTjenType');
  if (!el) return undefined;
  const text = el.text.trim();
  const r = valueRange(el);
  let value: number | undefined;
  if (/^[+-]?[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n >= -32768 && n <= 32767) value = n === 0 ? 0 : n; // normalises -0
  }
  return { el, text, value, start: r.start, end: r.end };
}

/** The current or expired entry of a code, for labels in messages. */
export function codeEntry(code: number): ServiceCode | ExpiredServiceCode | undefined {
  return serviceCode(code) ?? expiredServiceCode(code);
}

/** The trimmed text of an element and where it is (the start tag when it has no text). */
export function valueAt(el: XmlElement): { value: string; start: number; end: number } {
  const r = valueRange(el);
  return { value: el.text.trim(), start: r.start, end: r.end };
}

/**
 * The range that deletes `el` together with the line break and indentation before it, so that removing an
 * element that stands on its own line leaves no blank line behind.
 *
 * The reader keeps no whitespace, so "only whitespace precedes it" is derived from the structure: the gap
 * from the previous sibling (or the parent's start tag) to the element holds no character data when the
 * parent's non-blank text does not reach into it. A comment in that gap cannot be seen and would be removed
 * with the element; generated extracts carry none inside TJENESTE. When text may be there, only the element
 * itself is removed.
 */
export function removalRange(el: XmlElement): { start: number; end: number } {
  const parent = el.parent;
  if (!parent) return { start: el.start, end: el.end };
  const i = parent.children.indexOf(el);
  const gapStart = i > 0 ? parent.children[i - 1].end : parent.startTagEnd;
  const textInGap = parent.textStart !== -1 && parent.textStart < el.start && parent.textEnd > gapStart;
  if (textInGap || gapStart > el.start) return { start: el.start, end: el.end };
  return { start: gapStart, end: el.end };
}
