/**
 * The streaming schema check. The pipeline calls `open` for every payload element when its start tag has
 * been read and `close` when it is complete; the validator keeps one frame per open element (reused, so a
 * 49 MB file costs no allocation per element) holding the element's declaration and the position reached
 * in its parent's sequence.
 *
 * - open: the declaration is looked up by local name in the parent's content model (a Map per complex
 *   type), the sequence automaton advances (order, minOccurs between, maxOccurs), the namespace is checked.
 * - close: attributes (required, unknown, value, fixed), the element's value or the absence of text, and the
 *   end of the sequence (required elements never seen).
 *
 * Other IPLOS namespaces and identmelding namespaces are checked by local name against the public schema,
 * with every element required to be in the payload's own namespace (DOMAIN.md §2–3).
 */
import { FindingInput, KprSettings, PayloadKind, RelatedLocation, Severity } from '../analysis/types';
import { describeError } from '../errors';
import { MessageArgs } from '../i18n';
import { maskPersonIds } from '../privacy';
import { XmlAttr, XmlElement, attr, valueRange } from '../xml/parser';
import { FAGMELDING_VERSIONS, KnownAddition, additionsFor } from './additions';
import { PATTERN_HINTS } from './messages';
import {
  AttributeDecl,
  CompiledSchema,
  ComplexType,
  ElementDecl,
  SimpleType,
  ValueProblem,
  XSI_NS,
  enumerationType,
  loadKprSchema,
  normalizeWs,
} from './xsd';

export interface SchemaCheck {
  open(el: XmlElement): void;
  close(el: XmlElement): void;
  /**
   * What the check knows of the elements open now, as a string: two checks with equal keys go on to report
   * the same for the same remaining text. Undefined when that cannot be told from a key (xs:unique values
   * have been collected). Used to join the halves of a file read on two threads (analysis/split.ts).
   */
  stateKey(): string | undefined;
}

type Report = (f: FindingInput) => void;

/** One open element. Frames are pooled: fields are reset on reuse, never reallocated. */
class Frame {
  el: XmlElement | null = null;
  decl: ElementDecl | undefined = undefined;
  ct: ComplexType | undefined = undefined;
  st: SimpleType | undefined = undefined;
  /** Not validated (unknown element, wrong namespace, or inside one): its problem was reported once. */
  skip = false;
  /** Index of the last sequence particle matched (-1: none yet) and how often it occurred in a row. */
  state = -1;
  count = 0;
  /** Local names of known additions seen in this element (rare: null until the first). */
  extras: string[] | null = null;
  /** xs:unique tables of this element (null unless its declaration has some). */
  uniq: Map<string, XmlAttr>[] | null = null;
  /** A child element inside a simple value was reported; the value is not checked again. */
  childProblem = false;
  /**
   * Required particles skipped over, reported when the element closes: should one turn up later (two
   * siblings swapped), the single finding is then "out of order" rather than "missing" plus "out of order".
   */
  missing: number[] | null = null;
}

const IDE_NS_VERSION = /(\d+)_(\d+)_(\d+)_ide\/?$/;

/** The identmelding versjon that goes with a namespace: '…/57_0_1_ide' → '57.0.1'. */
export function identVersionForNamespace(ns: string, fallback: string): string {
  const m = IDE_NS_VERSION.exec(ns);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : fallback;
}

/** Long values are cut in messages; person numbers are masked (privacy.ts). */
function shown(value: string): string {
  const v = value.length > 60 ? value.slice(0, 57) + '…' : value;
  return maskPersonIds(v);
}

/** At most this many names in a list of expected elements. */
const MAX_LISTED = 8;

const NOOP: SchemaCheck = { open() {}, close() {}, stateKey: () => '' };

/**
 * Creates the check for one payload. `source`, when given, is the document text: it lets the check see
 * white space around values of string types (the XML reader trims it), which KPR's validator counts.
 */
export function createValidator(
  kind: PayloadKind,
  root: XmlElement,
  report: Report,
  settings: KprSettings,
  source?: string,
): SchemaCheck {
  let schema: CompiledSchema;
  try {
    schema = loadKprSchema(kind);
  } catch (err) {
    report({
      code: 'schema',
      start: root.start + 1,
      end: root.nameEnd,
      key: 'schema.unavailable',
      args: { error: describeError(err, settings.language) },
      severity: Severity.Warning,
    });
    return NOOP;
  }
  return new StreamingValidator(kind, schema, root, report, source);
}

class StreamingValidator implements SchemaCheck {
  private readonly frames: Frame[] = [];
  private depth = 0;
  private readonly payloadNs: string;
  /** Known additions in force, by the complex type they extend. */
  private extras: Map<ComplexType, Map<string, { decl: ElementDecl; max: number }>> | null = null;

  constructor(
    private readonly kind: PayloadKind,
    private readonly schema: CompiledSchema,
    private readonly root: XmlElement,
    private readonly report: Report,
    private readonly source: string | undefined,
  ) {
    this.payloadNs = root.ns;
  }

  // ----- reporting -----

  private add(start: number, end: number, key: string, args: MessageArgs, severity?: Severity, related?: RelatedLocation[]): void {
    this.report({ code: 'schema', start, end, key, args, severity, related });
  }

  private atName(el: XmlElement, key: string, args: MessageArgs): void {
    this.add(el.start + 1, el.nameEnd, key, args);
  }

  /** A name from the schema written with the prefix the file uses for the payload namespace. */
  private qn(parent: XmlElement, local: string): string {
    return parent.prefix ? `${parent.prefix}:${local}` : local;
  }

  /**
   * With "or the end of …" every name goes in the list; otherwise the last one stands after "or". Long
   * lists (PERSONOPPL has 26 optional elements) keep their first names and, when required, the last one.
   */
  private expectedArgs(parent: XmlElement, e: { variant: string; names: string[] }): { list: string; last: string } {
    if (e.variant === 'orEnd') {
      const shownNames = e.names.map((n) => `<${this.qn(parent, n)}>`);
      if (shownNames.length > MAX_LISTED) shownNames.splice(MAX_LISTED - 1, shownNames.length, '…');
      return { list: shownNames.join(', '), last: '' };
    }
    return this.list(parent, e.names);
  }

  private list(parent: XmlElement, names: readonly string[]): { list: string; last: string } {
    const shownNames = names.map((n) => `<${this.qn(parent, n)}>`);
    const last = shownNames.pop() ?? '';
    if (shownNames.length >= MAX_LISTED) shownNames.splice(MAX_LISTED - 2, shownNames.length, '…');
    return { list: shownNames.join(', '), last };
  }

  // ----- open -----

  open(el: XmlElement): void {
    const parent = this.depth > 0 ? this.frames[this.depth - 1] : undefined;
    let f = this.frames[this.depth];
    if (!f) this.frames[this.depth] = f = new Frame();
    this.depth++;
    f.el = el;
    f.decl = undefined;
    f.ct = undefined;
    f.st = undefined;
    f.skip = false;
    f.state = -1;
    f.count = 0;
    f.extras = null;
    f.uniq = null;
    f.childProblem = false;
    f.missing = null;

    let decl: ElementDecl | undefined;
    if (!parent) {
      decl = this.schema.roots.get(el.local);
      if (!decl) {
        this.atName(el, 'schema.unexpected.root', { name: el.name, last: [...this.schema.roots.keys()].map((n) => `<${n}>`).join(', ') });
        f.skip = true;
        return;
      }
      this.checkVersion(el);
    } else {
      if (parent.skip) {
        f.skip = true;
        return;
      }
      const pct = parent.ct;
      if (!pct) {
        f.skip = true;
        if (parent.st) {
          // A simple value with an element inside it.
          this.atName(el, 'schema.unexpected.simple', { name: el.name, parent: parent.el!.name });
          parent.childProblem = true;
        }
        return; // inside xs:anyType anything goes
      }
      // Children mostly come in schema order: try the current and the next few particles before the Map
      // (optional ones are often skipped). Names are unique in a sequence, so either finds the same index.
      const ps = pct.particles;
      const s = parent.state;
      const local = el.local;
      let idx: number | undefined = s >= 0 && ps[s].name === local ? s : undefined;
      for (let j = s + 1, stop = Math.min(ps.length, s + 6); idx === undefined && j < stop; j++) if (ps[j].name === local) idx = j;
      if (idx === undefined) idx = pct.childIndex.get(local);
      if (idx !== undefined) {
        decl = pct.particles[idx];
        this.step(parent, pct, idx, el);
      } else {
        decl = this.extra(parent, pct, el);
        if (!decl) {
          this.unexpected(parent, pct, el);
          f.skip = true;
          return;
        }
      }
      const expectedNs = decl.ns === this.schema.targetNamespace ? this.payloadNs : decl.ns;
      if (el.ns !== expectedNs) {
        if (el.ns) this.atName(el, 'schema.namespace', { name: el.name, ns: el.ns, expected: expectedNs });
        else this.atName(el, 'schema.noNamespace', { name: el.name, expected: expectedNs });
        f.skip = true;
        return;
      }
      if (parent.uniq) this.checkUnique(parent, el);
    }
    f.decl = decl;
    const type = decl.type;
    if (type) {
      if (type.kind === 'complex') f.ct = type;
      else f.st = type;
    }
    if (decl.uniques.length > 0) f.uniq = decl.uniques.map(() => new Map<string, XmlAttr>());
    // Attributes are complete in the start tag; checking them here keeps findings in document order.
    this.checkAttributes(el, f.ct);
  }

  /** Advances the parent's sequence automaton with a child matching particle `idx`. */
  private step(parent: Frame, ct: ComplexType, idx: number, child: XmlElement): void {
    const ps = ct.particles;
    const i = parent.state;
    if (idx === i) {
      parent.count++;
      if (parent.count > ps[i].maxOccurs) {
        this.atName(child, 'schema.tooMany', { name: child.name, parent: parent.el!.name, max: ps[i].maxOccurs });
      }
      return;
    }
    if (idx > i) {
      const p = parent.el!;
      if (i >= 0 && parent.count < ps[i].minOccurs) this.tooFew(p, ps[i], parent.count);
      for (let j = i + 1; j < idx; j++) if (ps[j].minOccurs > 0) (parent.missing ??= []).push(j);
      parent.state = idx;
      parent.count = 1;
      return;
    }
    // Out of order: an element that belongs before one already seen. The state stays where it was; if it
    // was counted missing, this finding replaces that one.
    const m = parent.missing;
    if (m) {
      const at = m.indexOf(idx);
      if (at !== -1) m.splice(at, 1);
    }
    const e = this.expected(ct, parent.state, parent.count);
    this.atName(child, `schema.order.${e.variant}`, {
      name: child.name,
      parent: parent.el!.name,
      before: this.qn(parent.el!, ps[i].name),
      ...this.expectedArgs(parent.el!, e),
    });
  }

  /** What the sequence accepts after particle `state` occurred `count` times. */
  private expected(ct: ComplexType, state: number, count: number): { variant: 'one' | 'many' | 'orEnd' | 'end'; names: string[] } {
    const ps = ct.particles;
    const names: string[] = [];
    let end = true;
    if (state >= 0) {
      if (count < ps[state].maxOccurs) names.push(ps[state].name);
      if (count < ps[state].minOccurs) end = false;
    }
    if (end) {
      for (let j = state + 1; j < ps.length; j++) {
        names.push(ps[j].name);
        if (ps[j].minOccurs > 0) {
          end = false;
          break;
        }
      }
    }
    if (end) return { variant: names.length === 0 ? 'end' : 'orEnd', names };
    return { variant: names.length === 1 ? 'one' : 'many', names };
  }

  private unexpected(parent: Frame, ct: ComplexType, child: XmlElement): void {
    const p = parent.el!;
    if (ct.particles.length === 0) {
      this.atName(child, 'schema.unexpected.none', { name: child.name, parent: p.name });
      return;
    }
    const e = this.expected(ct, parent.state, parent.count);
    this.atName(child, `schema.unexpected.${e.variant}`, { name: child.name, parent: p.name, ...this.expectedArgs(p, e) });
  }

  private missing(parent: XmlElement, ct: ComplexType, j: number): void {
    const ps = ct.particles;
    const name = this.qn(parent, ps[j].name);
    if (j === 0) {
      this.atName(parent, 'schema.missing.first', { name, parent: parent.name });
      return;
    }
    // The elements it was expected after, nearest first, back to the nearest required one.
    const after: string[] = [];
    for (let k = j - 1; k >= 0; k--) {
      after.push(ps[k].name);
      if (ps[k].minOccurs > 0) break;
    }
    const l = this.list(parent, after);
    this.atName(parent, after.length === 1 ? 'schema.missing.after1' : 'schema.missing.afterN', { name, parent: parent.name, ...l });
  }

  private tooFew(parent: XmlElement, p: ElementDecl, count: number): void {
    this.atName(parent, 'schema.tooFew', { name: this.qn(parent, p.name), parent: parent.name, count, min: p.minOccurs });
  }

  /** A known addition of a later version (accepted anywhere in its parent, at most `max` times). */
  private extra(parent: Frame, ct: ComplexType, child: XmlElement): ElementDecl | undefined {
    const x = this.extras?.get(ct)?.get(child.local);
    if (!x) return undefined;
    const seen = (parent.extras ??= []);
    let n = 1;
    for (const s of seen) if (s === child.local) n++;
    seen.push(child.local);
    if (n > x.max) this.atName(child, 'schema.tooMany', { name: child.name, parent: parent.el!.name, max: x.max });
    return x.decl;
  }

  private checkUnique(parent: Frame, el: XmlElement): void {
    const uniques = parent.decl!.uniques;
    for (let k = 0; k < uniques.length; k++) {
      const u = uniques[k];
      if (u.selector !== el.local) continue;
      const a = attr(el, u.field);
      if (!a) continue;
      const table = parent.uniq![k];
      const first = table.get(a.value);
      if (!first) {
        table.set(a.value, a);
        continue;
      }
      const value = shown(a.value);
      this.add(...attrValueRange(a), 'schema.unique', { attr: a.name, value, scope: parent.el!.name }, undefined, [
        { start: first.valueStart, end: Math.max(first.valueEnd, first.valueStart), key: 'schema.unique.first', args: { attr: a.name, value } },
      ]);
    }
  }

  // ----- versions -----

  private checkVersion(root: XmlElement): void {
    const a = attr(root, 'versjon');
    let additions: KnownAddition[];
    if (this.kind === 'fagmelding') {
      const policy = FAGMELDING_VERSIONS;
      const v = a?.value.trim();
      if (a && a.value !== v) {
        this.add(...attrValueRange(a), 'schema.attrValue.fixed', { value: a.value, attr: a.name, name: root.name, fixed: v! });
      }
      if (v === undefined || v === policy.public) {
        additions = additionsFor(this.kind, policy.public);
      } else if (policy.knownLater.includes(v)) {
        additions = additionsFor(this.kind, v);
        const names = additions.map((x) => `<${x.element}>`).join(', ');
        this.add(a!.valueStart, a!.valueEnd, names ? 'schema.version.later' : 'schema.version.laterNone', { version: v, public: policy.public, additions: names }, Severity.Information);
      } else {
        additions = additionsFor(this.kind, undefined);
        this.add(...attrValueRange(a!), 'schema.version.unknown', {
          version: shown(v),
          public: policy.public,
          known: [policy.public, ...policy.knownLater].join(', '),
          additions: additions.map((x) => `<${x.element}>`).join(', ') || '–',
        }, Severity.Warning);
      }
    } else {
      const fixed = this.schema.roots.get(root.local)?.type;
      const publicVersion = (fixed?.kind === 'complex' && fixed.attributes.get('versjon')?.fixed) || '';
      const expected = identVersionForNamespace(root.ns, publicVersion);
      if (a && a.value !== expected) {
        this.add(...attrValueRange(a), 'schema.version.ident', { version: shown(a.value), ns: root.ns, expected }, Severity.Warning);
      }
      additions = additionsFor(this.kind, a && a.value === expected ? expected : undefined);
    }
    this.installAdditions(additions);
  }

  private installAdditions(additions: KnownAddition[]): void {
    if (additions.length === 0) return;
    const map = new Map<ComplexType, Map<string, { decl: ElementDecl; max: number }>>();
    for (const x of additions) {
      const ct = this.typeAt(x.parent);
      if (!ct) continue;
      let byName = map.get(ct);
      if (!byName) map.set(ct, (byName = new Map()));
      const decl: ElementDecl = {
        name: x.element,
        ns: this.schema.targetNamespace,
        minOccurs: 0,
        maxOccurs: x.maxOccurs,
        type: additionType(x),
        uniques: [],
      };
      byName.set(x.element, { decl, max: x.maxOccurs });
    }
    this.extras = map;
  }

  /** The complex type of the element at a path of local names from the root. */
  private typeAt(names: readonly string[]): ComplexType | undefined {
    let decl = this.schema.roots.get(names[0]);
    for (let i = 1; decl && i < names.length; i++) {
      const t = decl.type;
      if (!t || t.kind !== 'complex') return undefined;
      const idx = t.childIndex.get(names[i]);
      decl = idx === undefined ? undefined : t.particles[idx];
    }
    const t = decl?.type;
    return t && t.kind === 'complex' ? t : undefined;
  }

  // ----- close -----

  stateKey(): string | undefined {
    let key = '';
    for (let d = 0; d < this.depth; d++) {
      const f = this.frames[d];
      if (f.uniq && f.uniq.some((table) => table.size > 0)) return undefined;
      // Past its minimum, how often an unbounded particle occurred changes nothing that follows.
      let count: number | string = f.count;
      if (f.ct && f.state >= 0) {
        const p = f.ct.particles[f.state];
        if (p.maxOccurs === Number.POSITIVE_INFINITY && f.count >= p.minOccurs) count = 'n';
      }
      key += `${f.el?.start}:${f.decl?.name ?? ''}:${f.skip ? 1 : 0}:${f.childProblem ? 1 : 0}:${f.state}:${count}:${f.extras?.join(',') ?? ''}:${f.missing?.join(',') ?? ''};`;
    }
    return key;
  }

  close(el: XmlElement): void {
    if (this.depth === 0) return;
    let f = this.frames[this.depth - 1];
    if (f.el !== el) {
      // The reader closes in order; should it ever not, drop the frames above the element.
      let d = this.depth - 1;
      while (d >= 0 && this.frames[d].el !== el) d--;
      if (d < 0) return;
      this.depth = d + 1;
      f = this.frames[d];
    }
    this.depth--;
    f.el = null;
    if (f.skip || !f.decl) return;
    const ct = f.ct;
    if (ct) {
      if (!ct.mixed && el.textStart !== -1) this.textNotAllowed(el, ct);
      if (el.closed) this.checkEnd(f, ct, el);
    } else if (f.st && !f.childProblem) {
      this.checkValue(el, f.decl, f.st);
    }
    f.uniq = null;
  }

  private checkEnd(f: Frame, ct: ComplexType, el: XmlElement): void {
    const ps = ct.particles;
    const i = f.state;
    if (f.missing) for (const j of f.missing) this.missing(el, ct, j);
    if (i >= 0 && f.count < ps[i].minOccurs) this.tooFew(el, ps[i], f.count);
    for (let j = i + 1; j < ps.length; j++) if (ps[j].minOccurs > 0) this.missing(el, ct, j);
  }

  private textNotAllowed(el: XmlElement, ct: ComplexType): void {
    // Point at the first run of text only (text may be spread around the children).
    let end = el.textEnd;
    const cs = el.children;
    for (let i = 0; i < cs.length; i++) {
      if (cs[i].start > el.textStart) {
        end = Math.min(end, cs[i].start);
        break;
      }
    }
    if (this.source) while (end > el.textStart + 1 && /\s/.test(this.source[end - 1])) end--;
    this.add(el.textStart, end, ct.particles.length === 0 ? 'schema.textEmpty' : 'schema.text', { name: el.name });
  }

  private checkAttributes(el: XmlElement, ct: ComplexType | undefined): void {
    const as = el.attrs;
    if (as.length === 0 && (!ct || ct.requiredAttributes.length === 0)) return;
    let required = 0;
    for (let k = 0; k < as.length; k++) {
      const a = as[k];
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      // The attribute declared at the same position is tried before the Map (names are internalized).
      let d: AttributeDecl | undefined;
      if (!a.prefix && ct) {
        const list = ct.attributeList;
        d = k < list.length && list[k].name === a.local ? list[k] : ct.attributes.get(a.local);
      }
      if (!d) {
        if (a.prefix && el.nsScope[a.prefix] === XSI_NS && (a.local === 'schemaLocation' || a.local === 'noNamespaceSchemaLocation')) continue;
        const allowed = ct ? [...ct.attributes.keys()].join(', ') : '';
        this.add(a.start, a.start + a.name.length, allowed ? 'schema.attrNotAllowed' : 'schema.attrNotAllowedNone', { attr: a.name, name: el.name, allowed });
        continue;
      }
      if (d.required) required++;
      if (el === this.root && a.local === 'versjon') continue; // the version policy replaces the fixed value
      this.checkAttrValue(el, a, d.type, d.fixed);
    }
    if (ct && required < ct.requiredAttributes.length) {
      for (const r of ct.requiredAttributes) {
        if (!attr(el, r.name)) this.atName(el, 'schema.attrMissing', { attr: r.name, name: el.name });
      }
    }
  }

  private checkAttrValue(el: XmlElement, a: XmlAttr, st: SimpleType, fixed: string | undefined): void {
    let v = a.value;
    if (st.whiteSpace !== 'preserve') v = normalizeWs(v, st.whiteSpace);
    const p = st.check(v);
    if (p) {
      this.add(...attrValueRange(a), problemKey('schema.attrValue', p), { ...p.args, value: shown(a.value), attr: a.name, name: el.name });
    } else if (fixed !== undefined && v !== fixed && v !== normalizeWs(fixed, st.whiteSpace)) {
      this.add(...attrValueRange(a), 'schema.attrValue.fixed', { value: shown(a.value), attr: a.name, name: el.name, fixed });
    } else if (st.paddingRejectedByLibxml2 && v !== a.value) {
      this.add(...attrValueRange(a), 'schema.attrValue.padded', { value: shown(a.value), attr: a.name, name: el.name }, Severity.Warning);
    }
  }

  private checkValue(el: XmlElement, decl: ElementDecl, st: SimpleType): void {
    const raw = this.rawValue(el, st);
    const constraint = decl.fixed ?? decl.default;
    // An empty element takes its fixed or default value.
    if (constraint !== undefined && raw === '' && this.isEmpty(el)) return;
    const v = st.whiteSpace === 'preserve' ? raw : normalizeWs(raw, st.whiteSpace);
    const p = st.check(v);
    if (p) {
      const r = valueRange(el);
      this.add(r.start, r.end, problemKey('schema.value', p), { ...p.args, value: shown(raw), name: el.name });
    } else if (decl.fixed !== undefined && v !== decl.fixed && v !== normalizeWs(decl.fixed, st.whiteSpace)) {
      const r = valueRange(el);
      this.add(r.start, r.end, 'schema.value.fixed', { value: shown(raw), name: el.name, fixed: decl.fixed });
    } else if (st.paddingRejectedByLibxml2 && this.source && el.textStart !== -1 && this.padded(el)) {
      const r = valueRange(el);
      this.add(r.start, r.end, 'schema.value.padded', { value: shown(el.text), name: el.name }, Severity.Warning);
    }
  }

  /**
   * The element's value as a validator sees it. The reader trims the edges of text; with the source at
   * hand, white space at the edges of a string value is put back (it makes "K " differ from "K").
   */
  private rawValue(el: XmlElement, st: SimpleType): string {
    const src = this.source;
    if (!src || st.whiteSpace === 'collapse' || el.selfClosing) return el.text;
    if (el.textStart === -1) {
      if (el.endTagStart <= el.startTagEnd || el.children.length > 0) return el.text;
      const inner = src.slice(el.startTagEnd, el.endTagStart);
      return inner.indexOf('<') === -1 ? inner.replace(/\r\n?/g, '\n') : el.text;
    }
    if (el.textStart === el.startTagEnd && el.textEnd === el.endTagStart) return el.text;
    const head = src.slice(el.startTagEnd, el.textStart);
    const tail = src.slice(el.textEnd, el.endTagStart);
    if (head.indexOf('<') !== -1 || tail.indexOf('<') !== -1) return el.text;
    return (head + el.text + tail).replace(/\r\n?/g, '\n');
  }

  private padded(el: XmlElement): boolean {
    const src = this.source!;
    return (
      (el.textStart > el.startTagEnd && /^\s+$/.test(src.slice(el.startTagEnd, el.textStart))) ||
      (el.endTagStart > el.textEnd && /^\s+$/.test(src.slice(el.textEnd, el.endTagStart)))
    );
  }

  private isEmpty(el: XmlElement): boolean {
    return el.textStart === -1 && el.children.length === 0 && (el.selfClosing || !this.source || el.endTagStart === el.startTagEnd);
  }
}

function attrValueRange(a: XmlAttr): [number, number] {
  return a.valueEnd > a.valueStart ? [a.valueStart, a.valueEnd] : [a.start, a.end];
}

function problemKey(prefix: string, p: ValueProblem): string {
  if (p.kind === 'pattern') {
    const hint = PATTERN_HINTS.get(String(p.args.pattern));
    if (hint) return `${prefix}.${hint}`;
  }
  return `${prefix}.${p.kind}`;
}

const additionTypes = new Map<KnownAddition, SimpleType>();

function additionType(x: KnownAddition): SimpleType {
  let t = additionTypes.get(x);
  if (!t) additionTypes.set(x, (t = enumerationType(x.element, x.values)));
  return t;
}
