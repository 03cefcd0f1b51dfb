/**
 * Finds what is under the cursor by looking only at the text around it, so hover and completion cost the
 * same on a 50 MB extract as on a snippet: no parse of the whole document.
 *
 * The scan is local and does not see comments or CDATA around the cursor; a '<' or '>' inside a comment
 * next to the cursor can mislead it, which costs at worst a missing or odd hover, never an edit.
 */

/** How far the scan looks for the end of a tag or the start of the next one. */
const MAX_TAG = 8192;

export type Spot =
  | { what: 'element'; local: string; prefix: string; start: number; end: number }
  | { what: 'attribute'; element: string; local: string; start: number; end: number }
  | { what: 'content'; element: string; elementStart: number; start: number; end: number };

function isNameChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 58 || c >= 0xc0
  );
}

function splitName(name: string): { prefix: string; local: string } {
  const colon = name.indexOf(':');
  return colon === -1 ? { prefix: '', local: name } : { prefix: name.slice(0, colon), local: name.slice(colon + 1) };
}

/**
 * What the offset points at: an element name in a tag, an attribute name, or the content of an element.
 * A hover asks about the character at `offset`; a caret (completion) sits between `offset - 1` and
 * `offset`, so a caret right before '<' is still in the content that ends there.
 */
export function spotAt(text: string, offset: number, caret = false): Spot | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  // The tag the cursor is in or after: a '<' that comes later than the last '>'.
  const lt = caret ? (offset === 0 ? -1 : text.lastIndexOf('<', offset - 1)) : text.lastIndexOf('<', offset);
  const gt = offset === 0 ? -1 : text.lastIndexOf('>', offset - 1);
  if (lt === -1) return undefined;
  if (lt > gt) return inTag(text, lt, offset);
  return inContent(text, lt, gt, offset);
}

function inTag(text: string, lt: number, offset: number): Spot | undefined {
  const endTag = text.charCodeAt(lt + 1) === 47; /* / */
  const nameStart = lt + (endTag ? 2 : 1);
  let p = nameStart;
  while (p < text.length && p - nameStart < 200 && isNameChar(text.charCodeAt(p))) p++;
  if (p === nameStart) return undefined; // '<!', '<?' or not a tag
  const name = text.slice(nameStart, p);
  const { prefix, local } = splitName(name);
  if (offset >= nameStart && offset <= p) {
    return { what: 'element', local, prefix, start: nameStart + (prefix ? prefix.length + 1 : 0), end: p };
  }
  if (endTag) return undefined;
  // Attributes: walk name="value" pairs up to the cursor.
  const limit = Math.min(text.length, lt + MAX_TAG);
  while (p < limit) {
    const c = text.charCodeAt(p);
    if (c === 62 /* > */ || c === 60 /* < */) return undefined;
    if (!isNameChar(c)) {
      p++;
      continue;
    }
    const aStart = p;
    while (p < limit && isNameChar(text.charCodeAt(p))) p++;
    const aEnd = p;
    if (offset >= aStart && offset <= aEnd) {
      return { what: 'attribute', element: local, local: splitName(text.slice(aStart, aEnd)).local, start: aStart, end: aEnd };
    }
    while (p < limit && /\s|=/.test(text[p])) p++;
    const q = text.charCodeAt(p);
    if (q === 34 || q === 39) {
      const close = text.indexOf(q === 34 ? '"' : "'", p + 1);
      if (close === -1 || close > limit) return undefined;
      if (offset > p && offset <= close) return undefined; // inside a value
      p = close + 1;
    }
    if (p > offset) return undefined;
  }
  return undefined;
}

function inContent(text: string, lt: number, gt: number, offset: number): Spot | undefined {
  // The content belongs to the element whose start tag ends at `gt`, if that tag is a start tag.
  if (gt < lt || gt - lt > MAX_TAG) return undefined;
  const c1 = text.charCodeAt(lt + 1);
  if (c1 === 47 || c1 === 33 || c1 === 63 || text.charCodeAt(gt - 1) === 47) return undefined;
  let p = lt + 1;
  while (p < gt && isNameChar(text.charCodeAt(p))) p++;
  if (p === lt + 1) return undefined;
  const { local } = splitName(text.slice(lt + 1, p));
  let end = text.indexOf('<', offset);
  if (end === -1 || end - offset > MAX_TAG) end = Math.min(text.length, offset + MAX_TAG);
  return { what: 'content', element: local, elementStart: lt, start: gt + 1, end };
}

/** The trimmed part of a content range. */
export function trimmedRange(text: string, start: number, end: number): { start: number; end: number } {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s])) s++;
  while (e > s && /\s/.test(text[e - 1])) e--;
  return { start: s, end: e };
}
