/**
 * A tolerant, position-aware, non-validating XML reader built for KPR extracts.
 *
 * Why our own: a whole-year fagmelding is tens of megabytes. General-purpose parsers either lose positions
 * (fast-xml-parser), build far too much (a DOM of a 49 MB file costs hundreds of MB), or stop at the first
 * syntax error. This reader walks the string once with `indexOf`/`charCodeAt`, builds light element nodes
 * with offsets, resolves namespaces, reports syntax problems and carries on, and lets the caller prune
 * subtrees as soon as they close (see `ParseOptions.onClose`) so memory stays flat on whole-year files.
 *
 * It never reads a DTD and never expands entities other than the five predefined ones and character
 * references: a DOCTYPE is reported and skipped, so an entity bomb costs nothing.
 */
import { MessageArgs } from '../i18n';
import './messages';

export interface XmlAttr {
  /** Qualified name as written. */
  name: string;
  prefix: string;
  local: string;
  /** Decoded value. */
  value: string;
  /** Offset of the name. */
  start: number;
  /** Offset after the closing quote. */
  end: number;
  /** Offsets of the value between the quotes. */
  valueStart: number;
  valueEnd: number;
}

export interface XmlElement {
  /** Qualified name as written. */
  name: string;
  prefix: string;
  local: string;
  /** Resolved namespace URI ('' when none). */
  ns: string;
  /** Offset of '<'. */
  start: number;
  /** Offset after the name in the start tag. */
  nameEnd: number;
  /** Offset after the '>' of the start tag. */
  startTagEnd: number;
  /** Offset after the '>' of the end tag; for an element never closed, where reading stopped. */
  end: number;
  /** Offset of '<' of the end tag (= startTagEnd for a self-closing element). */
  endTagStart: number;
  attrs: XmlAttr[];
  children: XmlElement[];
  parent: XmlElement | null;
  /** Decoded character data directly inside, from the first to the last non-blank segment. */
  text: string;
  /** Offsets of that character data in the source, -1 when there is none. */
  textStart: number;
  textEnd: number;
  selfClosing: boolean;
  /** False when the end tag is missing (a syntax problem was reported). */
  closed: boolean;
  /** Set by callers that pruned this element's children after checking them. */
  pruned: boolean;
  /** Namespace declarations in scope (prefix → URI), shared with the parent when this element declares none. */
  nsScope: NsScope;
}

export type NsScope = Readonly<Record<string, string>>;

export interface XmlIssue {
  key: string;
  args: MessageArgs;
  start: number;
  end: number;
}

export interface ParseOptions {
  /** Called when a start tag has been read (attributes and namespace known, children not yet). */
  onOpen?: (el: XmlElement) => void;
  /** Called when an element is complete (or closed by recovery). The callee may prune `el.children`. */
  onClose?: (el: XmlElement) => void;
  /** Polled every few thousand tags; returning true stops reading (the result is then partial). */
  shouldStop?: () => boolean;
  /** At most this many syntax issues are kept (default 1000). */
  maxIssues?: number;
  /** Start reading at this offset instead of 0 (with `context` giving the open ancestors). */
  startOffset?: number;
}

export interface ParseResult {
  root: XmlElement | null;
  issues: XmlIssue[];
  /** True when reading was stopped by `shouldStop`. */
  stopped: boolean;
  /** The encoding named in the XML declaration, if any. */
  declaredEncoding: string | undefined;
  /** True when the issue list was cut at `maxIssues`. */
  issuesTruncated: boolean;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** Shared by every element without children or attributes, so leaves cost no arrays. Frozen: never push to it. */
const NONE: never[] = Object.freeze([]) as unknown as never[];
const ROOT_SCOPE: NsScope = Object.freeze({ xml: XML_NS, '': '' });

const LT = 60; // <
const GT = 62; // >
const SLASH = 47;
const QMARK = 63;
const BANG = 33;
const EQ = 61;
const DQUOTE = 34;
const SQUOTE = 39;
const AMP = 38;
const COLON = 58;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** Characters that end a name. Kept permissive: strict name rules add nothing a user needs here. */
function endsName(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === GT || c === SLASH || c === EQ || c === LT ||
    c === DQUOTE || c === SQUOTE || Number.isNaN(c);
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === COLON || c >= 0xc0;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(text: string, options: ParseOptions = {}): ParseResult {
  return new Reader(text, options).run();
}

class Reader {
  private pos: number;
  private readonly len: number;
  private readonly issues: XmlIssue[] = [];
  private issuesTruncated = false;
  private readonly maxIssues: number;
  private stack: XmlElement[] = [];
  private root: XmlElement | null = null;
  private rootClosed = false;
  private declaredEncoding: string | undefined;
  private stopped = false;
  private tagCount = 0;

  constructor(
    private readonly text: string,
    private readonly options: ParseOptions,
  ) {
    this.pos = options.startOffset ?? 0;
    this.len = text.length;
    this.maxIssues = options.maxIssues ?? 1000;
  }

  private issue(key: string, start: number, end: number, args: MessageArgs = {}): void {
    if (this.issues.length >= this.maxIssues) {
      this.issuesTruncated = true;
      return;
    }
    this.issues.push({ key, args, start, end: Math.min(Math.max(end, start + 1), Math.max(this.len, start)) });
  }

  run(): ParseResult {
    const text = this.text;
    if (this.pos === 0 && text.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.len === 0 || text.trim().length === 0) {
      this.issue('xml.empty', 0, 0);
      return this.result();
    }
    while (this.pos < this.len) {
      const lt = text.indexOf('<', this.pos);
      if (lt === -1) {
        this.textSegment(this.pos, this.len);
        this.pos = this.len;
        break;
      }
      if (lt > this.pos) this.textSegment(this.pos, lt);
      this.pos = lt;
      const c = text.charCodeAt(lt + 1);
      if (c === SLASH) this.endTag();
      else if (c === BANG) this.bang();
      else if (c === QMARK) this.processingInstruction();
      else this.startTag();
      if ((++this.tagCount & 4095) === 0 && this.options.shouldStop?.()) {
        this.stopped = true;
        return this.result();
      }
    }
    // Everything still open at the end was never closed.
    while (this.stack.length > 0) {
      const el = this.stack.pop()!;
      this.issue('xml.unclosedElement', el.start, el.nameEnd, { name: el.name });
      el.end = this.len;
      el.endTagStart = this.len;
      this.close(el);
    }
    if (!this.root) this.issue('xml.noRoot', 0, Math.min(this.len, 1));
    return this.result();
  }

  private result(): ParseResult {
    return {
      root: this.root,
      issues: this.issues,
      stopped: this.stopped,
      declaredEncoding: this.declaredEncoding,
      issuesTruncated: this.issuesTruncated,
    };
  }

  /** Character data between markup. Only non-blank data is kept, on the current element. */
  private textSegment(start: number, end: number): void {
    const text = this.text;
    let s = start;
    while (s < end && isSpace(text.charCodeAt(s))) s++;
    if (s === end) return;
    let e = end;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
    const parent = this.stack.length > 0 ? this.stack[this.stack.length - 1] : null;
    if (!parent) {
      if (text.charCodeAt(s) === 0) {
        this.issue('xml.binary', s, s + 1);
        this.pos = this.len; // nothing sensible can follow in a binary file
        return;
      }
      this.issue(this.rootClosed ? 'xml.textAfterRoot' : 'xml.textBeforeRoot', s, e);
      return;
    }
    let raw = text.slice(s, e);
    if (raw.indexOf('&') !== -1) raw = this.decode(raw, s);
    if (parent.textStart === -1) {
      parent.text = raw;
      parent.textStart = s;
    } else {
      parent.text += raw;
    }
    parent.textEnd = e;
  }

  /** Replaces entity and character references; unknown entities are reported and left as written. */
  private decode(raw: string, offset: number): string {
    let out = '';
    let last = 0;
    let amp = raw.indexOf('&');
    while (amp !== -1) {
      const semi = raw.indexOf(';', amp + 1);
      const ref = semi === -1 || semi - amp > 12 ? '' : raw.slice(amp + 1, semi);
      let replacement: string | undefined;
      if (ref.charCodeAt(0) === 35 /* # */) {
        const hex = ref.charCodeAt(1) === 120 /* x */;
        const n = parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
        if (Number.isFinite(n) && n > 0 && n <= 0x10ffff && /^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ref)) {
          replacement = String.fromCodePoint(n);
        } else {
          this.issue('xml.badCharRef', offset + amp, offset + (semi === -1 ? amp + 1 : semi + 1), { ref: ref.slice(0, 12) });
        }
      } else if (ref && Object.prototype.hasOwnProperty.call(PREDEFINED, ref)) {
        replacement = PREDEFINED[ref];
      } else {
        this.issue(ref ? 'xml.undefinedEntity' : 'xml.bareAmpersand', offset + amp, offset + (ref ? semi + 1 : amp + 1), {
          name: ref.slice(0, 40),
        });
      }
      if (replacement !== undefined) {
        out += raw.slice(last, amp) + replacement;
        last = semi + 1;
      }
      amp = raw.indexOf('&', replacement !== undefined ? semi + 1 : amp + 1);
    }
    return out + raw.slice(last);
  }

  private startTag(): void {
    const text = this.text;
    const start = this.pos;
    let p = start + 1;
    const c0 = text.charCodeAt(p);
    if (!isNameStart(c0)) {
      this.issue('xml.badTagStart', start, start + 1);
      this.pos = start + 1;
      return;
    }
    while (p < this.len && !endsName(text.charCodeAt(p))) p++;
    const name = text.slice(start + 1, p);
    const nameEnd = p;
    let attrs: XmlAttr[] = NONE;
    let selfClosing = false;
    let closedTag = false;
    let nsDecls: Record<string, string> | null = null;
    // Attributes.
    for (;;) {
      while (p < this.len && isSpace(text.charCodeAt(p))) p++;
      if (p >= this.len) break;
      const c = text.charCodeAt(p);
      if (c === GT) {
        p++;
        closedTag = true;
        break;
      }
      if (c === SLASH && text.charCodeAt(p + 1) === GT) {
        p += 2;
        selfClosing = true;
        closedTag = true;
        break;
      }
      if (c === LT) break; // a new tag begins: this one was never finished
      const aStart = p;
      while (p < this.len && !endsName(text.charCodeAt(p))) p++;
      if (p === aStart) {
        this.issue('xml.badAttribute', p, p + 1, { element: name });
        p++;
        continue;
      }
      const aName = text.slice(aStart, p);
      while (p < this.len && isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== EQ) {
        this.issue('xml.attrNoValue', aStart, p, { name: aName });
        continue;
      }
      p++;
      while (p < this.len && isSpace(text.charCodeAt(p))) p++;
      const q = text.charCodeAt(p);
      let valueStart: number;
      let valueEnd: number;
      if (q === DQUOTE || q === SQUOTE) {
        valueStart = p + 1;
        const close = text.indexOf(q === DQUOTE ? '"' : "'", valueStart);
        const nextLt = text.indexOf('<', valueStart);
        if (close === -1 || (nextLt !== -1 && nextLt < close)) {
          // Unterminated value or '<' inside it: report and stop the tag at the next '<'.
          this.issue(close === -1 ? 'xml.attrUnterminated' : 'xml.ltInAttr', aStart, Math.min(nextLt === -1 ? this.len : nextLt, aStart + 200), {
            name: aName,
          });
          p = nextLt === -1 ? this.len : nextLt;
          break;
        }
        valueEnd = close;
        p = close + 1;
      } else {
        valueStart = p;
        while (p < this.len && !isSpace(text.charCodeAt(p)) && text.charCodeAt(p) !== GT && text.charCodeAt(p) !== LT) p++;
        valueEnd = p;
        this.issue('xml.attrNoQuote', aStart, p, { name: aName });
      }
      let value = text.slice(valueStart, valueEnd);
      if (value.indexOf('&') !== -1) value = this.decode(value, valueStart);
      const colon = aName.indexOf(':');
      const prefix = colon === -1 ? '' : aName.slice(0, colon);
      const local = colon === -1 ? aName : aName.slice(colon + 1);
      for (let i = 0; i < attrs.length; i++) {
        if (attrs[i].name === aName) this.issue('xml.duplicateAttr', aStart, valueEnd + 1, { name: aName });
      }
      if (aName === 'xmlns' || prefix === 'xmlns') {
        (nsDecls ??= {})[prefix === 'xmlns' ? local : ''] = value;
      }
      const a: XmlAttr = { name: aName, prefix, local, value, start: aStart, end: Math.min(valueEnd + 1, this.len), valueStart, valueEnd };
      if (attrs === NONE) attrs = [a];
      else attrs.push(a);
    }
    if (!closedTag) this.issue('xml.unterminatedTag', start, nameEnd, { name });
    this.pos = p;

    const parent = this.stack.length > 0 ? this.stack[this.stack.length - 1] : null;
    const scope: NsScope = nsDecls ? { ...(parent ? parent.nsScope : ROOT_SCOPE), ...nsDecls } : parent ? parent.nsScope : ROOT_SCOPE;
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? '' : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    let ns = scope[prefix];
    if (ns === undefined) {
      this.issue('xml.unboundPrefix', start + 1, start + 1 + prefix.length, { prefix });
      ns = '';
    }
    for (const a of attrs) {
      if (a.prefix && a.prefix !== 'xmlns' && scope[a.prefix] === undefined) {
        this.issue('xml.unboundPrefix', a.start, a.start + a.prefix.length, { prefix: a.prefix });
      }
    }
    const el: XmlElement = {
      name,
      prefix,
      local,
      ns,
      start,
      nameEnd,
      startTagEnd: p,
      end: p,
      endTagStart: p,
      attrs,
      children: NONE,
      parent,
      text: '',
      textStart: -1,
      textEnd: -1,
      selfClosing,
      closed: selfClosing,
      pruned: false,
      nsScope: scope,
    };
    if (parent) {
      if (parent.children === NONE) parent.children = [el];
      else parent.children.push(el);
    } else if (this.root) {
      this.issue('xml.multipleRoots', start, nameEnd, { name });
    } else {
      this.root = el;
    }
    this.options.onOpen?.(el);
    if (selfClosing) {
      this.close(el);
    } else {
      this.stack.push(el);
    }
  }

  private close(el: XmlElement): void {
    if (el.parent === null && el === this.root) this.rootClosed = true;
    this.options.onClose?.(el);
  }

  private endTag(): void {
    const text = this.text;
    const start = this.pos;
    // Fast path: the end tag of the open element, written plainly (no slice, no search).
    const stack0 = this.stack;
    if (stack0.length > 0) {
      const top = stack0[stack0.length - 1];
      const after = start + 2 + top.name.length;
      if (text.charCodeAt(after) === GT && text.startsWith(top.name, start + 2)) {
        stack0.pop();
        this.pos = after + 1;
        top.endTagStart = start;
        top.end = after + 1;
        top.closed = true;
        this.close(top);
        return;
      }
    }
    let p = start + 2;
    while (p < this.len && !endsName(text.charCodeAt(p))) p++;
    const name = text.slice(start + 2, p);
    while (p < this.len && isSpace(text.charCodeAt(p))) p++;
    if (text.charCodeAt(p) === GT) p++;
    else this.issue('xml.unterminatedTag', start, p, { name: '/' + name });
    this.pos = p;
    const stack = this.stack;
    if (stack.length === 0) {
      this.issue('xml.strayEnd', start, p, { name });
      return;
    }
    const top = stack[stack.length - 1];
    if (top.name === name) {
      stack.pop();
      top.endTagStart = start;
      top.end = p;
      top.closed = true;
      this.close(top);
      return;
    }
    // Mismatch. If the name is open further up, the elements above it were never closed; otherwise the
    // end tag is stray. Either way reading goes on, so later problems are still found.
    let i = stack.length - 2;
    while (i >= 0 && stack[i].name !== name) i--;
    if (i < 0) {
      this.issue('xml.mismatchedEnd', start, p, { found: name, expected: top.name });
      return;
    }
    while (stack.length - 1 > i) {
      const el = stack.pop()!;
      this.issue('xml.unclosedElement', el.start, el.nameEnd, { name: el.name });
      el.endTagStart = start;
      el.end = start;
      this.close(el);
    }
    const el = stack.pop()!;
    el.endTagStart = start;
    el.end = p;
    el.closed = true;
    this.close(el);
  }

  private bang(): void {
    const text = this.text;
    const start = this.pos;
    if (text.startsWith('<!--', start)) {
      const end = text.indexOf('-->', start + 4);
      if (end === -1) {
        this.issue('xml.unexpectedEnd', start, start + 4, { what: 'comment' });
        this.pos = this.len;
      } else {
        this.pos = end + 3;
      }
      return;
    }
    if (text.startsWith('<![CDATA[', start)) {
      const end = text.indexOf(']]>', start + 9);
      const parent = this.stack.length > 0 ? this.stack[this.stack.length - 1] : null;
      const contentEnd = end === -1 ? this.len : end;
      if (end === -1) this.issue('xml.unexpectedEnd', start, start + 9, { what: 'CDATA' });
      if (!parent) this.issue('xml.textBeforeRoot', start, start + 9);
      else if (contentEnd > start + 9) {
        const raw = text.slice(start + 9, contentEnd);
        if (raw.trim().length > 0) {
          if (parent.textStart === -1) {
            parent.text = raw;
            parent.textStart = start + 9;
          } else parent.text += raw;
          parent.textEnd = contentEnd;
        }
      }
      this.pos = end === -1 ? this.len : end + 3;
      return;
    }
    if (text.startsWith('<!DOCTYPE', start)) {
      // Skip the whole declaration, internal subset included, without reading it.
      let p = start + 9;
      let depth = 0;
      let quote = 0;
      for (; p < this.len; p++) {
        const c = text.charCodeAt(p);
        if (quote) {
          if (c === quote) quote = 0;
        } else if (c === DQUOTE || c === SQUOTE) quote = c;
        else if (c === 91 /* [ */) depth++;
        else if (c === 93 /* ] */) depth--;
        else if (c === GT && depth <= 0) break;
      }
      this.issue('xml.doctype', start, Math.min(p + 1, this.len));
      this.pos = Math.min(p + 1, this.len);
      return;
    }
    this.issue('xml.badTagStart', start, start + 2);
    this.pos = start + 2;
  }

  private processingInstruction(): void {
    const text = this.text;
    const start = this.pos;
    const end = text.indexOf('?>', start + 2);
    if (end === -1) {
      this.issue('xml.unexpectedEnd', start, start + 2, { what: '<?…?>' });
      this.pos = this.len;
      return;
    }
    const body = text.slice(start + 2, end);
    if (/^xml\s/i.test(body) || body === 'xml') {
      const bomOffset = text.charCodeAt(0) === 0xfeff ? 1 : 0;
      if (start !== bomOffset) this.issue('xml.declNotFirst', start, end + 2);
      const m = /encoding\s*=\s*["']([^"']+)["']/.exec(body);
      if (m) this.declaredEncoding = m[1];
    }
    this.pos = end + 2;
  }
}

/**
 * Drops the children of an element that has been fully checked, keeping memory flat on large files.
 * The element itself stays in its parent's list (its name and offsets are still needed).
 */
export function prune(el: XmlElement): void {
  el.children = NONE;
  el.pruned = true;
}

/** The first element child with local name `local` (any namespace). */
export function child(el: XmlElement, local: string): XmlElement | undefined {
  const cs = el.children;
  for (let i = 0; i < cs.length; i++) if (cs[i].local === local) return cs[i];
  return undefined;
}

export function attr(el: XmlElement, name: string): XmlAttr | undefined {
  const as = el.attrs;
  for (let i = 0; i < as.length; i++) if (as[i].name === name) return as[i];
  return undefined;
}

/** The trimmed value range of an element's text, or the start tag when it has none. */
export function valueRange(el: XmlElement): { start: number; end: number } {
  if (el.textStart === -1) return { start: el.start, end: el.startTagEnd };
  return { start: el.textStart, end: el.textEnd };
}
