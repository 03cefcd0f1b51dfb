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
  /** Start reading at this offset instead of 0 (with `openElements` giving the open ancestors). */
  startOffset?: number;
  /**
   * The elements open at `startOffset`, outermost first: reading resumes inside them as if the text before
   * had just been read (new children are appended to the innermost one). The array is not modified.
   */
  openElements?: readonly XmlElement[];
  /** Lets a callback stop reading right after the tag it is handling (see `ParseResult.haltedAt`). */
  control?: ParseControl;
  /** Issues are appended to this array (also returned as `ParseResult.issues`), so callbacks can count them. */
  issues?: XmlIssue[];
}

/** Passed in `ParseOptions.control`; a callback calls `halt()` to end reading after the current tag. */
export class ParseControl {
  halted = false;
  halt(): void {
    this.halted = true;
  }
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
  /**
   * When a callback halted reading through `ParseControl`: the offset after the tag it was handling.
   * The elements still open are then left open (no recovery, no end-of-input checks) and listed in `open`.
   */
  haltedAt?: number;
  /** With `haltedAt`: the elements open at that point, outermost first. */
  open?: XmlElement[];
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
const COLON = 58;


function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === COLON || c >= 0xc0;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A name as written, split once: extracts repeat a few dozen names a million times. */
interface Name {
  name: string;
  prefix: string;
  local: string;
  hash: number;
}

function makeName(written: string, hash: number): Name {
  const name = internalize(written);
  const colon = name.indexOf(':');
  return colon === -1 ? { name, prefix: '', local: name, hash } : { name, prefix: internalize(name.slice(0, colon)), local: internalize(name.slice(colon + 1)), hash };
}

/**
 * V8's own copy of a string as a property name: string literals are such copies too, so the rules' and the
 * schema check's many `el.local === 'TJENESTE'` compare two pointers instead of two strings.
 */
export function internalize(s: string): string {
  const key = Object.keys({ [s]: 0 })[0];
  return key === s ? key : s;
}

/**
 * Names are read through a trie of the names seen so far (shared by all documents, bounded): scanning a
 * name walks it one character at a time, so a known name is recognised exactly in the same pass that
 * finds its end, and every element with that name shares one string. Columns are the usual name
 * characters; anything else (rare) takes the slower path below.
 */
const COLUMN = new Uint8Array(128).fill(255);
for (const c of [32, 10, 9, 13, GT, SLASH, EQ, LT, DQUOTE, SQUOTE]) COLUMN[c] = 0;
let columns = 1;
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:.-') COLUMN[ch.charCodeAt(0)] = columns++;
const WIDTH = columns;
const MAX_NODES = 8192;
// Allocated once at full size (about 1 MB, only the used part is ever touched) and never replaced, so the
// compiled scanner keeps a fixed pointer to it; 16-bit entries keep the hot part small in the cache.
const trie = new Uint16Array(MAX_NODES * WIDTH);
const trieNames: (Name | undefined)[] = new Array(MAX_NODES).fill(undefined);
let trieNodes = 1; // node 0 is the root

function addNode(node: number, col: number): number {
  if (trieNodes >= MAX_NODES) return 0;
  const n = trieNodes++;
  trie[node * WIDTH + col] = n;
  return n;
}

/**
 * Names outside the trie (unusual characters, or the trie is full), by hash of their characters. A hit
 * is verified character by character; a collision just replaces the slot.
 */
const NAME_SLOTS = 4096;
const names: (Name | undefined)[] = new Array(NAME_SLOTS).fill(undefined);

function internName(text: string, start: number, end: number, hash: number): Name {
  const slot = hash & (NAME_SLOTS - 1);
  const cached = names[slot];
  if (cached !== undefined && cached.hash === hash && sameChars(cached.name, text, start, end)) return cached;
  const n = makeName(flat(text.slice(start, end)), hash);
  names[slot] = n;
  return n;
}

/** True when `text` holds exactly `name` from `start` to `end` (a plain loop: `startsWith` costs a builtin call). */
function sameChars(name: string, text: string, start: number, end: number): boolean {
  const n = name.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (name.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}

/**
 * A sequential copy of a string: V8 makes longer slices views into their source, which would keep a whole
 * document alive from the name table and make every `charCodeAt` on the name take a slower path.
 */
function flat(s: string): string {
  return s.length < 13 ? s : s.split('').join('');
}

export function parseXml(text: string, options: ParseOptions = {}): ParseResult {
  return new Reader(text, options).run();
}

class Reader {
  private pos: number;
  private readonly len: number;
  private readonly issues: XmlIssue[];
  private issuesTruncated = false;
  private readonly maxIssues: number;
  private readonly stack: XmlElement[];
  private root: XmlElement | null = null;
  private rootClosed = false;
  private declaredEncoding: string | undefined;
  private stopped = false;
  private tagCount = 0;
  private readonly onOpen: ((el: XmlElement) => void) | undefined;
  private readonly onClose: ((el: XmlElement) => void) | undefined;
  private readonly shouldStop: (() => boolean) | undefined;
  private readonly control: ParseControl | undefined;

  constructor(
    private readonly text: string,
    options: ParseOptions,
  ) {
    this.pos = options.startOffset ?? 0;
    this.len = text.length;
    this.maxIssues = options.maxIssues ?? 1000;
    this.issues = options.issues ?? [];
    this.onOpen = options.onOpen;
    this.onClose = options.onClose;
    this.shouldStop = options.shouldStop;
    this.control = options.control;
    this.stack = options.openElements ? options.openElements.slice() : [];
    if (this.stack.length > 0) this.root = this.stack[0];
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
    const len = this.len;
    const control = this.control;
    if (this.pos === 0) {
      if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
      if (len === 0 || text.trim().length === 0) {
        this.issue('xml.empty', 0, 0);
        return this.result();
      }
    }
    while (this.pos < len) {
      const pos = this.pos;
      const lt = text.indexOf('<', pos);
      if (lt === -1) {
        this.textSegment(pos, len);
        this.pos = len;
        break;
      }
      if (lt > pos) this.textSegment(pos, lt);
      this.pos = lt;
      const c = text.charCodeAt(lt + 1);
      if (c === SLASH) this.endTag();
      else if (c === BANG) this.bang();
      else if (c === QMARK) this.processingInstruction();
      else this.startTag();
      if (control !== undefined && control.halted) {
        const r = this.result();
        r.haltedAt = this.pos;
        r.open = this.stack.slice();
        return r;
      }
      if ((++this.tagCount & 4095) === 0 && this.shouldStop !== undefined && this.shouldStop()) {
        this.stopped = true;
        return this.result();
      }
    }
    // Everything still open at the end was never closed.
    while (this.stack.length > 0) {
      const el = this.stack.pop()!;
      this.issue('xml.unclosedElement', el.start, el.nameEnd, { name: el.name });
      el.end = len;
      el.endTagStart = len;
      this.close(el);
    }
    if (!this.root) this.issue('xml.noRoot', 0, Math.min(len, 1));
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

  /** Scans a name from `start`; returns its interned form, with `this.pos` set after it. */
  private scanName(start: number): Name {
    const text = this.text;
    const len = this.len;
    let p = start;
    let node = 0;
    while (p < len) {
      const c = text.charCodeAt(p);
      const col = c < 128 ? COLUMN[c] : 255;
      if (col === 0) break;
      let next = col === 255 ? 0 : trie[node * WIDTH + col];
      if (next === 0 && (col === 255 || (next = addNode(node, col)) === 0)) return this.scanNameSlowly(start, p);
      node = next;
      p++;
    }
    this.pos = p;
    const known = trieNames[node];
    if (known !== undefined) return known;
    const n = makeName(flat(text.slice(start, p)), 0);
    if (node !== 0) trieNames[node] = n;
    return n;
  }

  /** The rest of `scanName` for names the trie does not take. */
  private scanNameSlowly(start: number, from: number): Name {
    const text = this.text;
    const len = this.len;
    let h = 0;
    for (let i = start; i < from; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    let p = from;
    while (p < len) {
      const c = text.charCodeAt(p);
      if (c < 128 && COLUMN[c] === 0) break;
      h = (Math.imul(h, 31) + c) | 0;
      p++;
    }
    this.pos = p;
    return internName(text, start, p, h);
  }

  /**
   * The end tag of the open element, written plainly (`</name>`): compared with the open element's name
   * directly, which costs no name lookup. Returns false when the tag needs the full treatment.
   */
  private plainEndTag(top: XmlElement, start: number): boolean {
    const text = this.text;
    const p = start + 2 + top.name.length;
    if (text.charCodeAt(p) !== GT || !sameChars(top.name, text, start + 2, p)) return false;
    this.stack.pop();
    this.pos = p + 1;
    top.endTagStart = start;
    top.end = p + 1;
    top.closed = true;
    this.close(top);
    return true;
  }

  private startTag(): void {
    const text = this.text;
    const len = this.len;
    const start = this.pos;
    const c0 = text.charCodeAt(start + 1);
    if (!isNameStart(c0)) {
      this.issue('xml.badTagStart', start, start + 1);
      this.pos = start + 1;
      return;
    }
    const nm = this.scanName(start + 1);
    const name = nm.name;
    let p = this.pos;
    const nameEnd = p;
    let attrs: XmlAttr[] = NONE;
    let selfClosing = false;
    let closedTag = false;
    let nsDecls: Record<string, string> | null = null;
    // Attributes.
    for (;;) {
      while (p < len && isSpace(text.charCodeAt(p))) p++;
      if (p >= len) break;
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
      const an = this.scanName(p);
      p = this.pos;
      if (p === aStart) {
        this.issue('xml.badAttribute', p, p + 1, { element: name });
        p++;
        continue;
      }
      const aName = an.name;
      while (p < len && isSpace(text.charCodeAt(p))) p++;
      if (text.charCodeAt(p) !== EQ) {
        this.issue('xml.attrNoValue', aStart, p, { name: aName });
        continue;
      }
      p++;
      while (p < len && isSpace(text.charCodeAt(p))) p++;
      const q = text.charCodeAt(p);
      let valueStart: number;
      let valueEnd: number;
      let value: string;
      if (q === DQUOTE || q === SQUOTE) {
        valueStart = p + 1;
        // Scan the value once: it ends at the quote; a '<' first means the tag was never finished.
        let v = valueStart;
        let amp = false;
        let cv = 0;
        while (v < len) {
          cv = text.charCodeAt(v);
          if (cv === q || cv === LT) break;
          if (cv === 38 /* & */) amp = true;
          v++;
        }
        if (v >= len || cv === LT) {
          // Unterminated value or '<' inside it: report and stop the tag at the '<'. It is a '<' inside the
          // value when the quote follows before the next '>'; the search stops there so that how a tag is read
          // never depends on text after the next tag (the incremental analysis relies on that).
          let inValue = false;
          if (v < len) {
            const gt = text.indexOf('>', v);
            const close = text.indexOf(q === DQUOTE ? '"' : "'", v);
            inValue = close !== -1 && (gt === -1 || close < gt);
          }
          this.issue(inValue ? 'xml.ltInAttr' : 'xml.attrUnterminated', aStart, Math.min(v, aStart + 200), { name: aName });
          p = v;
          break;
        }
        valueEnd = v;
        p = v + 1;
        value = text.slice(valueStart, valueEnd);
        if (amp) value = this.decode(value, valueStart);
      } else {
        valueStart = p;
        while (p < len && !isSpace(text.charCodeAt(p)) && text.charCodeAt(p) !== GT && text.charCodeAt(p) !== LT) p++;
        valueEnd = p;
        this.issue('xml.attrNoQuote', aStart, p, { name: aName });
        value = text.slice(valueStart, valueEnd);
        if (value.indexOf('&') !== -1) value = this.decode(value, valueStart);
      }
      for (let i = 0; i < attrs.length; i++) {
        if (attrs[i].name === aName) this.issue('xml.duplicateAttr', aStart, valueEnd + 1, { name: aName });
      }
      const prefix = an.prefix;
      if (prefix === 'xmlns' || aName === 'xmlns') {
        (nsDecls ??= {})[prefix === 'xmlns' ? an.local : ''] = value;
      }
      const a: XmlAttr = { name: aName, prefix, local: an.local, value, start: aStart, end: Math.min(valueEnd + 1, len), valueStart, valueEnd };
      if (attrs === NONE) attrs = [a];
      else attrs.push(a);
    }
    if (!closedTag) this.issue('xml.unterminatedTag', start, nameEnd, { name });
    this.pos = p;

    const stack = this.stack;
    const parent = stack.length > 0 ? stack[stack.length - 1] : null;
    const scope: NsScope = nsDecls ? { ...(parent ? parent.nsScope : ROOT_SCOPE), ...nsDecls } : parent ? parent.nsScope : ROOT_SCOPE;
    const prefix = nm.prefix;
    // An unprefixed element that declares nothing is in its unprefixed parent's namespace (no lookup).
    let ns = prefix === '' && nsDecls === null && parent !== null && parent.prefix === '' ? parent.ns : scope[prefix];
    if (ns === undefined) {
      this.issue('xml.unboundPrefix', start + 1, start + 1 + prefix.length, { prefix });
      ns = '';
    }
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i];
      if (a.prefix && a.prefix !== 'xmlns' && scope[a.prefix] === undefined) {
        this.issue('xml.unboundPrefix', a.start, a.start + a.prefix.length, { prefix: a.prefix });
      }
    }
    const el: XmlElement = {
      name,
      prefix,
      local: nm.local,
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
    if (this.onOpen !== undefined) this.onOpen(el);
    if (selfClosing) {
      this.close(el);
    } else {
      stack.push(el);
    }
  }

  private close(el: XmlElement): void {
    if (el.parent === null && el === this.root) this.rootClosed = true;
    if (this.onClose !== undefined) this.onClose(el);
  }

  private endTag(): void {
    const text = this.text;
    const start = this.pos;
    const stack = this.stack;
    // Fast path: the end tag of the open element, written plainly (no slice, no search).
    if (stack.length > 0 && this.plainEndTag(stack[stack.length - 1], start)) return;
    const name = this.scanName(start + 2).name;
    let p = this.pos;
    while (p < this.len && isSpace(text.charCodeAt(p))) p++;
    if (text.charCodeAt(p) === GT) p++;
    else this.issue('xml.unterminatedTag', start, p, { name: '/' + name });
    this.pos = p;
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
