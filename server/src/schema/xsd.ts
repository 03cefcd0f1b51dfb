/**
 * A compiler for the part of XML Schema 1.0 that KPR's official schemas use, reading the .xsd files at run
 * time with our own XML reader, so the check follows the published files rather than a hand copy of them.
 *
 * Supported: global and local xs:element (ref, type, anonymous types, minOccurs/maxOccurs, fixed/default),
 * xs:complexType (named and anonymous, one flat xs:sequence, complexContent/extension, mixed), xs:attribute
 * (type, use, fixed/default), xs:simpleType restrictions of the built-in string, numeric, date, double and
 * boolean types with their facets, xs:include, xs:import and xs:unique with a one-step selector and an
 * attribute field. Anything else throws a clear error at load time, so a new schema with a construct the
 * validator cannot honour fails loudly instead of being half-checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { defineErrors } from '../errors';
import { MessageArgs } from '../i18n';
import { decodeXml } from '../xml/encoding';
import { internalize, parseXml, XmlElement } from '../xml/parser';

export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

const newError = defineErrors({
  'schema.load.notFound': {
    nb: 'Fant ikke KPR-skjemaene (mappen schemas/kpr) over {from}. Installer utvidelsen på nytt.',
    en: 'The KPR schemas (folder schemas/kpr) were not found above {from}. Reinstall the extension.',
  },
  'schema.load.read': {
    nb: 'Kunne ikke lese skjemafilen {file}: {detail}',
    en: 'Could not read the schema file {file}: {detail}',
  },
  'schema.load.broken': {
    nb: 'Skjemafilen {file} er ikke velformet XML ({detail} ved tegn {offset}).',
    en: 'The schema file {file} is not well-formed XML ({detail} at character {offset}).',
  },
  'schema.load.unsupported': {
    nb: 'Skjemafilen {file} bruker {what}, som KPR-validatoren ikke støtter.',
    en: 'The schema file {file} uses {what}, which the KPR validator does not support.',
  },
  'schema.load.unresolved': {
    nb: 'Skjemafilen {file} viser til {what} som ikke er definert.',
    en: 'The schema file {file} refers to {what}, which is not defined.',
  },
});

// ---------------------------------------------------------------------------------------------------------
// The compiled model
// ---------------------------------------------------------------------------------------------------------

/** The built-in types the facets are checked against. */
export type Builtin =
  | 'anySimpleType'
  | 'string'
  | 'normalizedString'
  | 'token'
  | 'decimal'
  | 'integer'
  | 'nonNegativeInteger'
  | 'positiveInteger'
  | 'nonPositiveInteger'
  | 'negativeInteger'
  | 'long'
  | 'int'
  | 'short'
  | 'byte'
  | 'unsignedLong'
  | 'unsignedInt'
  | 'unsignedShort'
  | 'unsignedByte'
  | 'date'
  | 'double'
  | 'float'
  | 'boolean';

export type WhiteSpace = 'preserve' | 'replace' | 'collapse';

/** What is wrong with a value; `kind` selects the message, `args` fill it. */
export interface ValueProblem {
  kind:
    | 'integer'
    | 'decimal'
    | 'date'
    | 'double'
    | 'boolean'
    | 'range'
    | 'rangeMin'
    | 'enum'
    | 'length'
    | 'minLength'
    | 'maxLength'
    | 'pattern'
    | 'totalDigits'
    | 'fractionDigits';
  args: MessageArgs;
}

export interface SimpleType {
  readonly kind: 'simple';
  /** 'xs:short', a named type's name, or '' when anonymous. */
  readonly name: string;
  readonly builtin: Builtin;
  readonly whiteSpace: WhiteSpace;
  /**
   * True for the built-ins libxml2 (2.9) rejects when the value has surrounding white space, although
   * XML Schema collapses it: KPR's own validator is unknown, so such values deserve a warning.
   */
  readonly paddingRejectedByLibxml2: boolean;
  readonly enumeration?: readonly string[];
  /** Checks a value that has already been white-space normalised for this type. */
  readonly check: (value: string) => ValueProblem | undefined;
}

export interface AttributeDecl {
  readonly name: string;
  readonly type: SimpleType;
  readonly required: boolean;
  /** The fixed value, if any. */
  readonly fixed?: string;
}

export interface UniqueDecl {
  readonly name: string;
  /** Local name of the child elements the constraint selects. */
  readonly selector: string;
  /** Local name of the attribute whose values must be unique. */
  readonly field: string;
}

export interface ElementDecl {
  readonly name: string;
  /** The namespace the schema puts the element in ('' when unqualified). */
  readonly ns: string;
  readonly minOccurs: number;
  /** Infinity for unbounded. */
  readonly maxOccurs: number;
  /** Undefined: xs:anyType (anything goes). */
  readonly type: ComplexType | SimpleType | undefined;
  /** A fixed value; an empty element takes it. */
  readonly fixed?: string;
  /** A default value; an empty element takes it. */
  readonly default?: string;
  readonly uniques: readonly UniqueDecl[];
}

export interface ComplexType {
  readonly kind: 'complex';
  /** A named type's name, or '' when anonymous. */
  readonly name: string;
  readonly mixed: boolean;
  /** The element particles of the (flat) sequence, in order. */
  readonly particles: readonly ElementDecl[];
  /** Local name → index in `particles`: names are unique within each sequence in these schemas. */
  readonly childIndex: ReadonlyMap<string, number>;
  readonly attributes: ReadonlyMap<string, AttributeDecl>;
  readonly requiredAttributes: readonly AttributeDecl[];
  /** The attributes in declaration order (as `attributes` iterates): files mostly write them in this order. */
  readonly attributeList: readonly AttributeDecl[];
}

export interface CompiledSchema {
  /** The main file's target namespace. */
  readonly targetNamespace: string;
  /** The xs:schema/@version of the main file, when given. */
  readonly version: string | undefined;
  /** Global elements of the target namespace by local name. */
  readonly roots: ReadonlyMap<string, ElementDecl>;
  /** Every file read, absolute. */
  readonly files: readonly string[];
}

// ---------------------------------------------------------------------------------------------------------
// Finding and loading the schema files
// ---------------------------------------------------------------------------------------------------------

/** The main schema file of each KPR payload, inside schemas/kpr. */
export const KPR_SCHEMA_FILES = {
  fagmelding: 'IPLOS(2018)rev2018_10_10.xsd',
  identmelding: 'XPR(ide).xsd',
} as const;

export type KprSchemaKind = keyof typeof KPR_SCHEMA_FILES;

/**
 * The folder holding the KPR schemas. The bundled server runs from dist/ (schemas beside it, one level up)
 * and the tests run the TypeScript from server/src/schema/ (three levels up), so search upward rather than
 * assume either layout.
 */
export function findSchemaDir(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, 'schemas', 'kpr');
    if (existsSync(path.join(candidate, KPR_SCHEMA_FILES.fagmelding))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw newError('schema.load.notFound', { from });
    dir = up;
  }
}

const cache = new Map<string, CompiledSchema>();

/** The compiled schema of a KPR payload; compiled on first use and kept. */
export function loadKprSchema(kind: KprSchemaKind): CompiledSchema {
  const file = path.join(findSchemaDir(), KPR_SCHEMA_FILES[kind]);
  return loadSchema(file);
}

/** Compiles the schema whose main file is `file` (once; later calls return the same object). */
export function loadSchema(file: string): CompiledSchema {
  const abs = path.resolve(file);
  let s = cache.get(abs);
  if (!s) {
    s = new Compiler().compile(abs);
    cache.set(abs, s);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// The compiler
// ---------------------------------------------------------------------------------------------------------

interface SchemaDoc {
  file: string;
  root: XmlElement;
  targetNs: string;
  elementQualified: boolean;
}

/** A global component before compilation: its node and the document it came from. */
interface Global {
  node: XmlElement;
  doc: SchemaDoc;
}

const key = (ns: string, local: string) => `{${ns}}${local}`;

function attrValue(el: XmlElement, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}

class Compiler {
  private readonly docs = new Map<string, SchemaDoc>();
  private readonly elements = new Map<string, Global>();
  private readonly complexTypes = new Map<string, Global>();
  private readonly simpleTypes = new Map<string, Global>();
  private readonly compiled = new Map<XmlElement, ElementDecl | ComplexType | SimpleType>();

  compile(mainFile: string): CompiledSchema {
    const main = this.read(mainFile, undefined);
    const roots = new Map<string, ElementDecl>();
    for (const [k, g] of this.elements) {
      if (g.doc.targetNs !== main.targetNs) continue;
      const decl = this.globalElement(g);
      roots.set(k.slice(k.indexOf('}') + 1), decl);
    }
    return {
      targetNamespace: main.targetNs,
      version: attrValue(main.root, 'version'),
      roots,
      files: [...this.docs.keys()],
    };
  }

  // ----- reading -----

  private read(file: string, chameleonNs: string | undefined): SchemaDoc {
    const known = this.docs.get(file);
    if (known) return known;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw newError('schema.load.read', { file, detail: err instanceof Error ? err.message : String(err) }, err);
    }
    const parsed = parseXml(decodeXml(bytes).text);
    const root = parsed.root;
    if (parsed.issues.length > 0 || !root) {
      const first = parsed.issues[0];
      throw newError('schema.load.broken', { file, detail: first?.key ?? 'no root', offset: first?.start ?? 0 });
    }
    if (root.local !== 'schema' || root.ns !== XSD_NS) this.unsupported(file, `<${root.name}> as the root`);
    const targetNs = attrValue(root, 'targetNamespace') ?? chameleonNs ?? '';
    const doc: SchemaDoc = { file, root, targetNs, elementQualified: attrValue(root, 'elementFormDefault') === 'qualified' };
    if (attrValue(root, 'attributeFormDefault') === 'qualified') this.unsupported(file, 'attributeFormDefault="qualified"');
    this.docs.set(file, doc);
    for (const c of root.children) {
      if (c.ns !== XSD_NS) this.unsupported(file, `<${c.name}>`);
      switch (c.local) {
        case 'annotation':
          break;
        case 'include':
        case 'import': {
          const loc = attrValue(c, 'schemaLocation');
          if (!loc || /^[a-z]+:/i.test(loc)) this.unsupported(file, `<${c.name}> without a local schemaLocation`);
          const next = path.resolve(path.dirname(file), loc!);
          const sub = this.read(next, c.local === 'include' ? targetNs : undefined);
          if (c.local === 'include' && sub.targetNs !== targetNs) this.unsupported(file, `an include of another namespace (${loc})`);
          break;
        }
        case 'element':
          this.register(this.elements, c, doc);
          break;
        case 'complexType':
          this.register(this.complexTypes, c, doc);
          break;
        case 'simpleType':
          this.register(this.simpleTypes, c, doc);
          break;
        default:
          this.unsupported(file, `<${c.name}>`);
      }
    }
    return doc;
  }

  private register(into: Map<string, Global>, node: XmlElement, doc: SchemaDoc): void {
    const name = attrValue(node, 'name');
    if (!name) this.unsupported(doc.file, `a global <${node.name}> without a name`);
    into.set(key(doc.targetNs, name!), { node, doc });
  }

  private unsupported(file: string, what: string): never {
    throw newError('schema.load.unsupported', { file: path.basename(file), what });
  }

  /** Resolves a QName written in the schema (type="ipl:DatoType") against the node's namespace scope. */
  private qname(node: XmlElement, doc: SchemaDoc, value: string): { ns: string; local: string } {
    const colon = value.indexOf(':');
    const prefix = colon === -1 ? '' : value.slice(0, colon);
    const ns = node.nsScope[prefix];
    if (ns === undefined) throw newError('schema.load.unresolved', { file: path.basename(doc.file), what: `the prefix ${prefix}` });
    return { ns, local: colon === -1 ? value : value.slice(colon + 1) };
  }

  // ----- elements -----

  private globalElement(g: Global): ElementDecl {
    const done = this.compiled.get(g.node);
    if (done) return done as ElementDecl;
    return this.element(g.node, g.doc, g.doc.targetNs, 1, 1);
  }

  private occurs(node: XmlElement, doc: SchemaDoc): { min: number; max: number } {
    const min = attrValue(node, 'minOccurs');
    const max = attrValue(node, 'maxOccurs');
    const minN = min === undefined ? 1 : Number(min);
    const maxN = max === undefined ? 1 : max === 'unbounded' ? Infinity : Number(max);
    if (!Number.isInteger(minN) || !(maxN === Infinity || Number.isInteger(maxN)) || minN > maxN) {
      this.unsupported(doc.file, `minOccurs="${min}" maxOccurs="${max}"`);
    }
    return { min: minN, max: maxN };
  }

  /** A local element particle (or a global declaration when called from `globalElement`). */
  private particle(node: XmlElement, doc: SchemaDoc): ElementDecl {
    const { min, max } = this.occurs(node, doc);
    const ref = attrValue(node, 'ref');
    if (ref !== undefined) {
      const q = this.qname(node, doc, ref);
      const g = this.elements.get(key(q.ns, q.local));
      if (!g) throw newError('schema.load.unresolved', { file: path.basename(doc.file), what: `the element ${ref}` });
      const global = this.globalElement(g);
      return { ...global, minOccurs: min, maxOccurs: max };
    }
    const form = attrValue(node, 'form');
    const qualified = form ? form === 'qualified' : doc.elementQualified;
    return this.element(node, doc, qualified ? doc.targetNs : '', min, max);
  }

  private element(node: XmlElement, doc: SchemaDoc, ns: string, minOccurs: number, maxOccurs: number): ElementDecl {
    const name = attrValue(node, 'name');
    if (!name) this.unsupported(doc.file, `<${node.name}> without a name or ref`);
    for (const a of node.attrs) {
      if (a.local === 'substitutionGroup' || a.local === 'abstract' || a.local === 'nillable' || a.local === 'block') {
        this.unsupported(doc.file, `${a.local} on <${node.name} name="${name}">`);
      }
    }
    let type: ComplexType | SimpleType | undefined;
    const typeAttr = attrValue(node, 'type');
    const uniques: UniqueDecl[] = [];
    if (typeAttr !== undefined) type = this.typeByName(node, doc, typeAttr);
    for (const c of node.children) {
      if (c.ns !== XSD_NS) continue;
      if (c.local === 'complexType') type = this.complexType(c, doc, '');
      else if (c.local === 'simpleType') type = this.simpleType(c, doc, '');
      else if (c.local === 'unique') uniques.push(this.unique(c, doc));
      else if (c.local !== 'annotation') this.unsupported(doc.file, `<${c.name}> in an element declaration`);
    }
    const decl: ElementDecl = {
      // The validator compares names with the reader's element names, which are internalized: so are these.
      name: internalize(name!),
      ns,
      minOccurs,
      maxOccurs,
      type,
      fixed: attrValue(node, 'fixed'),
      default: attrValue(node, 'default'),
      uniques,
    };
    this.compiled.set(node, decl);
    return decl;
  }

  private unique(node: XmlElement, doc: SchemaDoc): UniqueDecl {
    let selector: string | undefined;
    let field: string | undefined;
    for (const c of node.children) {
      if (c.local === 'selector') selector = attrValue(c, 'xpath');
      else if (c.local === 'field') {
        if (field !== undefined) this.unsupported(doc.file, 'an xs:unique with several fields');
        field = attrValue(c, 'xpath');
      }
    }
    // Only the shape these schemas use: a child element selected by name, an attribute as the field.
    if (!selector || !/^([\w.-]+:)?[\w.-]+$/.test(selector) || !field || !/^@[\w.-]+$/.test(field)) {
      this.unsupported(doc.file, `xs:unique selector "${selector}" field "${field}"`);
    }
    return {
      name: attrValue(node, 'name') ?? '',
      selector: selector!.slice(selector!.indexOf(':') + 1),
      field: field!.slice(1),
    };
  }

  private typeByName(node: XmlElement, doc: SchemaDoc, value: string): ComplexType | SimpleType | undefined {
    const q = this.qname(node, doc, value);
    if (q.ns === XSD_NS) {
      if (q.local === 'anyType') return undefined;
      return builtinType(q.local) ?? this.unsupported(doc.file, `the built-in type xs:${q.local}`);
    }
    const k = key(q.ns, q.local);
    const ct = this.complexTypes.get(k);
    if (ct) return this.complexType(ct.node, ct.doc, q.local);
    const st = this.simpleTypes.get(k);
    if (st) return this.simpleType(st.node, st.doc, q.local);
    throw newError('schema.load.unresolved', { file: path.basename(doc.file), what: `the type ${value}` });
  }

  private simpleTypeByName(node: XmlElement, doc: SchemaDoc, value: string): SimpleType {
    const t = this.typeByName(node, doc, value);
    if (!t || t.kind !== 'simple') this.unsupported(doc.file, `the complex type ${value} where a simple type is needed`);
    return t;
  }

  // ----- complex types -----

  private complexType(node: XmlElement, doc: SchemaDoc, name: string): ComplexType {
    const done = this.compiled.get(node);
    if (done) return done as ComplexType;
    const particles: ElementDecl[] = [];
    const attributes = new Map<string, AttributeDecl>();
    // Registered before its content so that a type used inside itself resolves to this object.
    const ct: ComplexType = {
      kind: 'complex',
      name,
      mixed: attrValue(node, 'mixed') === 'true',
      particles,
      childIndex: new Map(),
      attributes,
      requiredAttributes: [],
      attributeList: [],
    };
    this.compiled.set(node, ct);
    let mixed = ct.mixed;
    for (const c of node.children) {
      if (c.ns !== XSD_NS || c.local === 'annotation') continue;
      if (c.local === 'sequence') this.sequence(c, doc, particles);
      else if (c.local === 'attribute') this.attribute(c, doc, attributes);
      else if (c.local === 'complexContent') {
        if (attrValue(c, 'mixed') === 'true') mixed = true;
        for (const d of c.children) {
          if (d.ns !== XSD_NS || d.local === 'annotation') continue;
          if (d.local !== 'extension') this.unsupported(doc.file, `xs:complexContent/xs:${d.local}`);
          const baseName = attrValue(d, 'base');
          const base = baseName === undefined ? undefined : this.typeByName(d, doc, baseName);
          if (!base || base.kind !== 'complex') this.unsupported(doc.file, `an extension of ${baseName}`);
          if (base.mixed) mixed = true;
          particles.push(...base.particles);
          for (const [k, v] of base.attributes) attributes.set(k, v);
          for (const e of d.children) {
            if (e.ns !== XSD_NS || e.local === 'annotation') continue;
            if (e.local === 'sequence') this.sequence(e, doc, particles);
            else if (e.local === 'attribute') this.attribute(e, doc, attributes);
            else this.unsupported(doc.file, `xs:${e.local} in an extension`);
          }
        }
      } else this.unsupported(doc.file, `xs:${c.local} in a complex type`);
    }
    const index = ct.childIndex as Map<string, number>;
    particles.forEach((p, i) => {
      if (index.has(p.name)) this.unsupported(doc.file, `two elements named ${p.name} in one sequence`);
      index.set(p.name, i);
    });
    (ct as { mixed: boolean }).mixed = mixed;
    (ct as { attributeList: readonly AttributeDecl[] }).attributeList = [...attributes.values()];
    (ct as { requiredAttributes: readonly AttributeDecl[] }).requiredAttributes = ct.attributeList.filter((a) => a.required);
    return ct;
  }

  private sequence(node: XmlElement, doc: SchemaDoc, into: ElementDecl[]): void {
    if (attrValue(node, 'minOccurs') !== undefined || attrValue(node, 'maxOccurs') !== undefined) {
      const { min, max } = this.occurs(node, doc);
      if (min !== 1 || max !== 1) this.unsupported(doc.file, 'an xs:sequence that repeats');
    }
    for (const c of node.children) {
      if (c.ns !== XSD_NS || c.local === 'annotation') continue;
      if (c.local !== 'element') this.unsupported(doc.file, `xs:${c.local} in a sequence`);
      into.push(this.particle(c, doc));
    }
  }

  private attribute(node: XmlElement, doc: SchemaDoc, into: Map<string, AttributeDecl>): void {
    const name = attrValue(node, 'name');
    if (!name || attrValue(node, 'ref') !== undefined) this.unsupported(doc.file, 'an attribute reference');
    if (attrValue(node, 'form') === 'qualified') this.unsupported(doc.file, `the qualified attribute ${name}`);
    const use = attrValue(node, 'use') ?? 'optional';
    if (use === 'prohibited') {
      into.delete(name!);
      return;
    }
    let type: SimpleType = builtinType('anySimpleType')!;
    const typeAttr = attrValue(node, 'type');
    if (typeAttr !== undefined) type = this.simpleTypeByName(node, doc, typeAttr);
    for (const c of node.children) {
      if (c.ns === XSD_NS && c.local === 'simpleType') type = this.simpleType(c, doc, '');
    }
    const internal = internalize(name!); // looked up with the reader's internalized attribute names
    into.set(internal, { name: internal, type, required: use === 'required', fixed: attrValue(node, 'fixed') });
  }

  // ----- simple types -----

  private simpleType(node: XmlElement, doc: SchemaDoc, name: string): SimpleType {
    const done = this.compiled.get(node);
    if (done) return done as SimpleType;
    let restriction: XmlElement | undefined;
    for (const c of node.children) {
      if (c.ns !== XSD_NS || c.local === 'annotation') continue;
      if (c.local !== 'restriction') this.unsupported(doc.file, `xs:${c.local} in a simple type`);
      restriction = c;
    }
    if (!restriction) this.unsupported(doc.file, 'a simple type without a restriction');
    let base: SimpleType | undefined;
    const baseName = attrValue(restriction, 'base');
    if (baseName !== undefined) base = this.simpleTypeByName(restriction, doc, baseName);
    const facets: FacetSet = { patterns: [] };
    for (const f of restriction.children) {
      if (f.ns !== XSD_NS || f.local === 'annotation') continue;
      if (f.local === 'simpleType') {
        base = this.simpleType(f, doc, '');
        continue;
      }
      const value = attrValue(f, 'value');
      if (value === undefined) this.unsupported(doc.file, `xs:${f.local} without a value`);
      switch (f.local) {
        case 'enumeration':
          (facets.enumeration ??= []).push(value);
          break;
        case 'pattern':
          (facets.stepPatterns ??= []).push(value);
          break;
        case 'length':
        case 'minLength':
        case 'maxLength':
        case 'totalDigits':
        case 'fractionDigits':
          facets[f.local] = nonNegative(value, () => this.unsupported(doc.file, `xs:${f.local} value="${value}"`));
          break;
        case 'minInclusive':
        case 'maxInclusive':
        case 'minExclusive':
        case 'maxExclusive':
          facets[f.local] = value;
          break;
        case 'whiteSpace':
          if (value !== 'preserve' && value !== 'replace' && value !== 'collapse') this.unsupported(doc.file, `xs:whiteSpace value="${value}"`);
          facets.whiteSpace = value;
          break;
        default:
          this.unsupported(doc.file, `the facet xs:${f.local}`);
      }
    }
    if (!base) this.unsupported(doc.file, 'a restriction without a base');
    let st: SimpleType;
    try {
      st = derive(base, name, facets);
    } catch (err) {
      if (err instanceof RegexError) this.unsupported(doc.file, err.message);
      throw err;
    }
    this.compiled.set(node, st);
    return st;
  }
}

function nonNegative(value: string, fail: () => never): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fail();
}

// ---------------------------------------------------------------------------------------------------------
// Simple types: built-ins, derivation and the compiled value check
// ---------------------------------------------------------------------------------------------------------

interface PatternStep {
  /** The patterns of one derivation step: a value must match one of them. */
  sources: string[];
  regexes: RegExp[];
}

/** The facets in force on a type, accumulated along its derivation. */
interface FacetSet {
  enumeration?: string[];
  length?: number;
  minLength?: number;
  maxLength?: number;
  totalDigits?: number;
  fractionDigits?: number;
  minInclusive?: string;
  maxInclusive?: string;
  minExclusive?: string;
  maxExclusive?: string;
  whiteSpace?: WhiteSpace;
  /** Patterns of the type being compiled (one step). */
  stepPatterns?: string[];
  /** Pattern steps inherited and own, all of which must hold. */
  patterns: PatternStep[];
}

type Family = 'string' | 'integer' | 'decimal' | 'date' | 'double' | 'boolean';

interface BuiltinInfo {
  family: Family;
  whiteSpace: WhiteSpace;
  min?: string;
  max?: string;
  libxml2Padding?: boolean;
}

const BUILTINS: Record<Builtin, BuiltinInfo> = {
  anySimpleType: { family: 'string', whiteSpace: 'preserve' },
  string: { family: 'string', whiteSpace: 'preserve' },
  normalizedString: { family: 'string', whiteSpace: 'replace' },
  token: { family: 'string', whiteSpace: 'collapse' },
  decimal: { family: 'decimal', whiteSpace: 'collapse' },
  integer: { family: 'integer', whiteSpace: 'collapse' },
  nonNegativeInteger: { family: 'integer', whiteSpace: 'collapse', min: '0' },
  positiveInteger: { family: 'integer', whiteSpace: 'collapse', min: '1' },
  nonPositiveInteger: { family: 'integer', whiteSpace: 'collapse', max: '0' },
  negativeInteger: { family: 'integer', whiteSpace: 'collapse', max: '-1' },
  long: { family: 'integer', whiteSpace: 'collapse', min: '-9223372036854775808', max: '9223372036854775807', libxml2Padding: true },
  int: { family: 'integer', whiteSpace: 'collapse', min: '-2147483648', max: '2147483647', libxml2Padding: true },
  short: { family: 'integer', whiteSpace: 'collapse', min: '-32768', max: '32767', libxml2Padding: true },
  byte: { family: 'integer', whiteSpace: 'collapse', min: '-128', max: '127', libxml2Padding: true },
  unsignedLong: { family: 'integer', whiteSpace: 'collapse', min: '0', max: '18446744073709551615', libxml2Padding: true },
  unsignedInt: { family: 'integer', whiteSpace: 'collapse', min: '0', max: '4294967295', libxml2Padding: true },
  unsignedShort: { family: 'integer', whiteSpace: 'collapse', min: '0', max: '65535', libxml2Padding: true },
  unsignedByte: { family: 'integer', whiteSpace: 'collapse', min: '0', max: '255', libxml2Padding: true },
  date: { family: 'date', whiteSpace: 'collapse', libxml2Padding: true },
  double: { family: 'double', whiteSpace: 'collapse' },
  float: { family: 'double', whiteSpace: 'collapse' },
  boolean: { family: 'boolean', whiteSpace: 'collapse' },
};

interface InternalType extends SimpleType {
  readonly facets: FacetSet;
  readonly family: Family;
}

const builtinCache = new Map<string, InternalType>();

/** The built-in simple type `local` (e.g. 'short'), or undefined when it is not supported. */
export function builtinType(local: string): SimpleType | undefined {
  if (!Object.prototype.hasOwnProperty.call(BUILTINS, local)) return undefined;
  let t = builtinCache.get(local);
  if (!t) {
    const info = BUILTINS[local as Builtin];
    t = makeType(`xs:${local}`, local as Builtin, { patterns: [], minInclusive: info.min, maxInclusive: info.max, whiteSpace: info.whiteSpace });
    builtinCache.set(local, t);
  }
  return t;
}

function derive(base: SimpleType, name: string, own: FacetSet): SimpleType {
  const b = base as InternalType;
  const f: FacetSet = { ...b.facets, patterns: b.facets.patterns };
  if (own.enumeration) f.enumeration = own.enumeration;
  for (const k of ['length', 'minLength', 'maxLength', 'totalDigits', 'fractionDigits'] as const) {
    if (own[k] !== undefined) f[k] = own[k];
  }
  for (const k of ['minInclusive', 'maxInclusive', 'minExclusive', 'maxExclusive'] as const) {
    if (own[k] !== undefined) f[k] = own[k];
  }
  if (own.whiteSpace) f.whiteSpace = own.whiteSpace;
  if (own.stepPatterns) {
    f.patterns = [...b.facets.patterns, { sources: own.stepPatterns, regexes: own.stepPatterns.map(translateXsdRegex) }];
  }
  return makeType(name, b.builtin, f);
}

function makeType(name: string, builtin: Builtin, facets: FacetSet): InternalType {
  const info = BUILTINS[builtin];
  const family = info.family;
  const enumeration = facets.enumeration ? facets.enumeration.map((e) => canonical(family, normalizeWs(e, facets.whiteSpace ?? info.whiteSpace))) : undefined;
  return {
    kind: 'simple',
    name,
    builtin,
    whiteSpace: facets.whiteSpace ?? info.whiteSpace,
    paddingRejectedByLibxml2: !!info.libxml2Padding,
    enumeration: facets.enumeration,
    facets,
    family,
    check: compileCheck(family, facets, enumeration),
  };
}

/** Applies a white-space facet to a value. */
export function normalizeWs(v: string, ws: WhiteSpace): string {
  if (ws === 'preserve') return v;
  // Most values have nothing to normalise: find that out with one loop rather than regular expressions.
  const n = v.length;
  let clean = true;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c > 32) continue;
    if (c === 9 || c === 10 || c === 13 || (ws === 'collapse' && c === 32 && (i === 0 || i === n - 1 || v.charCodeAt(i + 1) === 32))) {
      clean = false;
      break;
    }
  }
  if (clean) return v;
  const replaced = v.replace(/[\t\n\r]/g, ' ');
  return ws === 'replace' ? replaced : replaced.replace(/ {2,}/g, ' ').trim();
}

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const DOUBLE = /^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|INF|-INF|NaN)$/;
const BOOLEAN = /^(?:true|false|1|0)$/;
/** xs:date's lexical form; whether the day exists in that month is a separate rule (date-invalid). */
const DATE = /^-?(?:[1-9][0-9]{4,}|[0-9]{4})-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$/;

/** A decimal in canonical form for comparing values: sign, integer digits without leading zeros, fraction without trailing zeros. */
function canonicalDecimal(v: string): string {
  let s = v;
  let sign = '';
  if (s[0] === '+' || s[0] === '-') {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1);
  }
  const dot = s.indexOf('.');
  let int = dot === -1 ? s : s.slice(0, dot);
  let frac = dot === -1 ? '' : s.slice(dot + 1);
  int = int.replace(/^0+/, '');
  frac = frac.replace(/0+$/, '');
  if (!int && !frac) return '0';
  return sign + (int || '0') + (frac ? '.' + frac : '');
}

function canonical(family: Family, v: string): string {
  if ((family === 'integer' && INTEGER.test(v)) || (family === 'decimal' && DECIMAL.test(v))) return canonicalDecimal(v);
  return v;
}

/** -1, 0 or 1 comparing two canonical decimals. */
function compareDecimal(a: string, b: string): number {
  const an = a[0] === '-';
  const bn = b[0] === '-';
  if (an !== bn) return an ? -1 : 1;
  const sign = an ? -1 : 1;
  const ai = (an ? a.slice(1) : a).split('.');
  const bi = (bn ? b.slice(1) : b).split('.');
  if (ai[0].length !== bi[0].length) return (ai[0].length < bi[0].length ? -1 : 1) * sign;
  if (ai[0] !== bi[0]) return (ai[0] < bi[0] ? -1 : 1) * sign;
  const af = ai[1] ?? '';
  const bf = bi[1] ?? '';
  if (af === bf) return 0;
  return (af < bf ? -1 : 1) * sign;
}

/** Characters counted as XML Schema does: code points, not UTF-16 units. */
function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

type Step = (v: string) => ValueProblem | undefined;

const NOT_INTEGER: ValueProblem = Object.freeze({ kind: 'integer', args: Object.freeze({}) }) as ValueProblem;

/**
 * The integer check: lexical form and range in one pass without a regular expression or an allocation,
 * since every person, service and function row carries several xs:short/xs:int values.
 */
function integerStep(f: FacetSet): Step {
  const bound = (s: string | undefined, exclusive: string | undefined, dir: 1 | -1): string | undefined => {
    if (exclusive === undefined) return s;
    const e = canonicalDecimal(exclusive);
    // An exclusive integer bound is the next integer inward (decimal bounds are rounded the safe way).
    const n = Number(e) + dir;
    return Number.isSafeInteger(n) ? String(dir === 1 ? Math.floor(n) : Math.ceil(n)) : e;
  };
  const minS = bound(f.minInclusive, f.minExclusive, 1);
  const maxS = bound(f.maxInclusive, f.maxExclusive, -1);
  const min = minS === undefined ? -Infinity : Number(minS);
  const max = maxS === undefined ? Infinity : Number(maxS);
  const minC = minS === undefined ? undefined : canonicalDecimal(minS);
  const maxC = maxS === undefined ? undefined : canonicalDecimal(maxS);
  const ranged = minS !== undefined || maxS !== undefined;
  const outside = (): ValueProblem =>
    maxS === undefined ? { kind: 'rangeMin', args: { min: minS! } } : { kind: 'range', args: { min: minS ?? '−∞', max: maxS } };
  return (v) => {
    const n = v.length;
    let i = 0;
    const c0 = v.charCodeAt(0);
    if (c0 === 43 || c0 === 45) i = 1;
    if (i >= n) return NOT_INTEGER;
    // The value is accumulated in the same pass: Number(v) would hash the string first.
    let x = 0;
    for (let k = i; k < n; k++) {
      const c = v.charCodeAt(k);
      if (c < 48 || c > 57) return NOT_INTEGER;
      x = x * 10 + (c - 48);
    }
    if (!ranged) return undefined;
    if (n <= 15) {
      // At most 15 digits: exact in a double, and equal to Number(v) (-0 compares as 0).
      if (c0 === 45) x = -x;
      return x < min || x > max ? outside() : undefined;
    }
    const c = canonicalDecimal(v);
    if ((minC !== undefined && compareDecimal(c, minC) < 0) || (maxC !== undefined && compareDecimal(c, maxC) > 0)) return outside();
    return undefined;
  };
}

function compileCheck(family: Family, f: FacetSet, enumeration: string[] | undefined): (v: string) => ValueProblem | undefined {
  const steps: Step[] = [];
  // 1. The lexical space of the built-in (integers: with their range, in one pass, as most values are).
  if (family === 'integer') steps.push(integerStep(f));
  else if (family === 'decimal') steps.push((v) => (DECIMAL.test(v) ? undefined : { kind: 'decimal', args: {} }));
  else if (family === 'date') steps.push((v) => (DATE.test(v) && !/^-?0000-/.test(v) ? undefined : { kind: 'date', args: {} }));
  else if (family === 'double') steps.push((v) => (DOUBLE.test(v) ? undefined : { kind: 'double', args: {} }));
  else if (family === 'boolean') steps.push((v) => (BOOLEAN.test(v) ? undefined : { kind: 'boolean', args: {} }));
  // 2. Enumeration, compared in the value space of numbers (so 016 is 16).
  if (enumeration) {
    const set = new Set(enumeration);
    const allowed = f.enumeration!.join(', ');
    const numeric = family === 'integer' || family === 'decimal';
    steps.push((v) => (set.has(v) || (numeric && set.has(canonicalDecimal(v))) ? undefined : { kind: 'enum', args: { allowed } }));
  }
  // 3. Patterns: a format error says more than a length error (a date written 2023-01-05 is too long, but
  //    the useful news is its form).
  for (const step of f.patterns) {
    const regexes = step.regexes;
    const pattern = step.sources.join(' | ');
    if (regexes.length === 1) {
      const re = regexes[0];
      steps.push((v) => (re.test(v) ? undefined : { kind: 'pattern', args: { pattern } }));
    } else {
      steps.push((v) => (regexes.some((re) => re.test(v)) ? undefined : { kind: 'pattern', args: { pattern } }));
    }
  }
  // 4. Lengths (string family only; other families have no length facets in XML Schema 1.0).
  if (family === 'string') {
    const { length, minLength, maxLength } = f;
    if (length !== undefined) {
      steps.push((v) => {
        const n = v.length === length ? length : charLength(v);
        return n === length ? undefined : { kind: 'length', args: { actual: n, expected: length } };
      });
    }
    if (minLength !== undefined) {
      steps.push((v) => {
        if (v.length < minLength) return { kind: 'minLength', args: { actual: v.length, expected: minLength } };
        const n = charLength(v);
        return n >= minLength ? undefined : { kind: 'minLength', args: { actual: n, expected: minLength } };
      });
    }
    if (maxLength !== undefined) {
      steps.push((v) => {
        if (v.length <= maxLength) return undefined;
        const n = charLength(v);
        return n <= maxLength ? undefined : { kind: 'maxLength', args: { actual: n, expected: maxLength } };
      });
    }
  }
  // 5. Ranges (decimals; integers had theirs in step 1) and digits of numbers.
  if (family === 'decimal') {
    const min = f.minInclusive !== undefined ? canonicalDecimal(f.minInclusive) : undefined;
    const max = f.maxInclusive !== undefined ? canonicalDecimal(f.maxInclusive) : undefined;
    const minEx = f.minExclusive !== undefined ? canonicalDecimal(f.minExclusive) : undefined;
    const maxEx = f.maxExclusive !== undefined ? canonicalDecimal(f.maxExclusive) : undefined;
    if (min !== undefined || max !== undefined || minEx !== undefined || maxEx !== undefined) {
      const shownMin = f.minInclusive ?? f.minExclusive;
      const shownMax = f.maxInclusive ?? f.maxExclusive;
      steps.push((v): ValueProblem | undefined => {
        const c = canonicalDecimal(v);
        const bad =
          (min !== undefined && compareDecimal(c, min) < 0) ||
          (max !== undefined && compareDecimal(c, max) > 0) ||
          (minEx !== undefined && compareDecimal(c, minEx) <= 0) ||
          (maxEx !== undefined && compareDecimal(c, maxEx) >= 0);
        if (!bad) return undefined;
        return shownMax === undefined
          ? { kind: 'rangeMin', args: { min: shownMin! } }
          : { kind: 'range', args: { min: shownMin ?? '−∞', max: shownMax } };
      });
    }
  }
  if (family === 'integer' || family === 'decimal') {
    const { totalDigits, fractionDigits } = f;
    if (totalDigits !== undefined || fractionDigits !== undefined) {
      steps.push((v) => {
        const c = canonicalDecimal(v);
        const body = c[0] === '-' ? c.slice(1) : c;
        const dot = body.indexOf('.');
        const int = dot === -1 ? body : body.slice(0, dot);
        const frac = dot === -1 ? 0 : body.length - dot - 1;
        const total = (int === '0' ? 0 : int.length) + frac;
        if (totalDigits !== undefined && total > totalDigits) return { kind: 'totalDigits', args: { actual: total, expected: totalDigits } };
        if (fractionDigits !== undefined && frac > fractionDigits) return { kind: 'fractionDigits', args: { actual: frac, expected: fractionDigits } };
        return undefined;
      });
    }
  }
  if (steps.length === 0) return () => undefined;
  if (steps.length === 1) return steps[0];
  if (steps.length === 2) {
    const [a, b] = steps;
    return (v) => a(v) ?? b(v);
  }
  return (v) => {
    for (let i = 0; i < steps.length; i++) {
      const p = steps[i](v);
      if (p) return p;
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------------------
// XML Schema regular expressions → JavaScript
// ---------------------------------------------------------------------------------------------------------

export class RegexError extends Error {}

/** XML Schema's \s: only these four. */
const XSD_SPACE = '[ \\t\\n\\r]';
/** XML name characters, approximated with Unicode categories (the exact XML 1.0 tables add nothing here). */
const NAME_START = '[\\p{L}\\p{Nl}_:]';
const NAME_CHAR = '[\\p{L}\\p{Nl}\\p{Nd}\\p{Mn}\\p{Mc}\\p{Pc}._:\\-\\u00B7]';
/** Characters to escape inside a JavaScript class in 'v' mode. */
const CLASS_SYNTAX = new Set('^$\\.*+?()[]{}|/&-!#%,:;<=>@`~'.split(''));
const OUTSIDE_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

/**
 * Translates an XML Schema pattern to a JavaScript RegExp matching the whole value. The dialects differ:
 * XSD patterns are implicitly anchored, `^` and `$` are ordinary characters, `\d` is any Unicode digit,
 * `\s` only four characters, `.` excludes only line ends, and classes may be subtracted (`[a-z-[aeiou]]`).
 * The 'v' flag gives nested classes and subtraction.
 */
export function translateXsdRegex(src: string): RegExp {
  let i = 0;
  const n = src.length;

  const fail = (what: string): never => {
    throw new RegexError(`the pattern ${JSON.stringify(src)} (${what})`);
  };

  /** A category escape \p{..}/\P{..}; `i` is at 'p' or 'P'. */
  const category = (): string => {
    const neg = src[i] === 'P';
    if (src[i + 1] !== '{') fail('\\p without {');
    const close = src.indexOf('}', i + 2);
    if (close === -1) fail('unterminated \\p{');
    const name = src.slice(i + 2, close);
    i = close + 1;
    if (/^Is/.test(name)) fail(`the block escape \\p{${name}}`);
    if (!/^(L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|Z[slp]?|S[mcko]?|C[cfon]?)$/.test(name)) fail(`the category \\p{${name}}`);
    return `\\${neg ? 'P' : 'p'}{${name}}`;
  };

  /** An escape; `i` is after the backslash. Returns JS syntax valid both inside and outside a class. */
  const escape = (inClass: boolean): string => {
    const c = src[i];
    if (c === undefined) fail('a trailing backslash');
    if (c === 'p' || c === 'P') return category();
    i++;
    switch (c) {
      case 'n':
        return '\\n';
      case 'r':
        return '\\r';
      case 't':
        return '\\t';
      case 'd':
        return '\\p{Nd}';
      case 'D':
        return '\\P{Nd}';
      case 's':
        return XSD_SPACE;
      case 'S':
        return '[^ \\t\\n\\r]';
      case 'w':
        return '[^\\p{P}\\p{Z}\\p{C}]';
      case 'W':
        return '[\\p{P}\\p{Z}\\p{C}]';
      case 'i':
        return NAME_START;
      case 'I':
        return `[^${NAME_START.slice(1, -1)}]`;
      case 'c':
        return NAME_CHAR;
      case 'C':
        return `[^${NAME_CHAR.slice(1, -1)}]`;
      default:
        if ('\\|.-^?*+{}()[]'.includes(c)) return literal(c, inClass);
        return fail(`the escape \\${c}`);
    }
  };

  const literal = (c: string, inClass: boolean): string => ((inClass ? CLASS_SYNTAX : OUTSIDE_SYNTAX).has(c) ? '\\' + c : c);

  /** One character of a class (for ranges), or a multi-character escape; `i` is at it. */
  const classAtom = (): { js: string; single: boolean } => {
    const c = src[i];
    if (c === '\\') {
      i++;
      const e = src[i];
      const js = escape(true);
      const single = 'nrt\\|.-^?*+{}()[]'.includes(e);
      return { js, single };
    }
    i += c.length;
    return { js: literal(c, true), single: true };
  };

  /** A character class; `i` is after '['. */
  const charClass = (): string => {
    let neg = false;
    if (src[i] === '^') {
      neg = true;
      i++;
    }
    let items = '';
    let first = true;
    let subtraction: string | undefined;
    while (i < n && src[i] !== ']') {
      if (src[i] === '-' && src[i + 1] === '[') {
        i += 2;
        subtraction = charClass();
        if (src[i] !== ']') fail('a subtraction not at the end of a class');
        break;
      }
      if (src[i] === '-' && !first && src[i + 1] !== ']') fail('a "-" that is not a range');
      const a = classAtom();
      if (src[i] === '-' && src[i + 1] !== ']' && src[i + 1] !== '[' && i + 1 < n) {
        i++;
        const b = classAtom();
        if (!a.single || !b.single) fail('a range with a multi-character escape');
        items += `${a.js}-${b.js}`;
      } else {
        items += a.js;
      }
      first = false;
    }
    if (src[i] !== ']') fail('an unterminated class');
    i++;
    if (!items) fail('an empty class');
    if (subtraction !== undefined) return neg ? `[[^${items}]--${subtraction}]` : `[[${items}]--${subtraction}]`;
    return neg ? `[^${items}]` : `[${items}]`;
  };

  let out = '';
  while (i < n) {
    const c = src[i];
    if (c === '\\') {
      i++;
      out += escape(false);
    } else if (c === '[') {
      i++;
      out += charClass();
    } else if (c === '(') {
      i++;
      out += '(?:';
    } else if (c === '.') {
      i++;
      out += '[^\\n\\r]';
    } else if (c === '^' || c === '$') {
      i++;
      out += '\\' + c;
    } else if (c === '{') {
      const close = src.indexOf('}', i);
      const q = close === -1 ? '' : src.slice(i, close + 1);
      if (!/^\{[0-9]+(,[0-9]*)?\}$/.test(q)) fail('a "{" that is not a quantifier');
      out += q;
      i = close + 1;
    } else if (c === '/') {
      i++;
      out += '\\/';
    } else {
      out += c;
      i++;
    }
  }
  try {
    return new RegExp(`^(?:${out})$`, 'v');
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
}

/** An xs:string restricted to `values`, for additions known only by their value domain. */
export function enumerationType(name: string, values: readonly string[]): SimpleType {
  return derive(builtinType('string')!, name, { patterns: [], enumeration: [...values] });
}
