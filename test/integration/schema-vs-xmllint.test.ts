/**
 * Differential test of the `schema` rule against xmllint (libxml2), an independent XML Schema validator
 * reading the same official XSDs: for generated valid extracts and hundreds of single mutations of them,
 * both must agree on valid vs invalid.
 *
 * Mutants where the two legitimately differ are not generated, by design:
 * - IPLOS/@versjon and Melding/@versjon values (our version policy accepts 3.6/3.7 and warns on others);
 * - renaming or re-namespacing the payload root (it is then no KPR payload for us, so nothing is checked);
 * - white space around values: libxml2 rejects spaces around xs:int/xs:short/xs:date that XML Schema
 *   allows, where we give a warning (spaces around string values are errors on both sides and are tested
 *   in test/unit/schema.test.ts);
 * - xs:date values of the right form that are no real date (2023-02-30): libxml2 rejects them, we leave
 *   them to the date-invalid rule.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeText } from '../../server/src/analysis/analyze';
import { defaultSettings, Severity } from '../../server/src/analysis/types';
import { t } from '../../server/src/i18n';
import { decodeXml } from '../../server/src/xml/encoding';
import { parseXml, XmlElement } from '../../server/src/xml/parser';
import { encodeXml, generateExtract, serializeFagmelding, serializeIdentmelding, type XmlEncoding } from '../fixtures/generator';
import { Rng } from '../fixtures/rng';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMAS = path.join(ROOT, 'schemas');
const XSD = {
  fag: path.join(SCHEMAS, 'kpr', 'IPLOS(2018)rev2018_10_10.xsd'),
  ide: path.join(SCHEMAS, 'kpr', 'XPR(ide).xsd'),
};

type Kind = keyof typeof XSD;

interface Doc {
  kind: Kind;
  name: string;
  xml: string;
  encoding: XmlEncoding;
  /** What was changed, for the report of a disagreement. */
  mutation: string;
}

// ------------------------------------------------------------------------------------------------------
// Mutations
// ------------------------------------------------------------------------------------------------------

/** Element values to try: out of an enumeration, too long, not numeric, wrong date forms, too many decimals… */
const ELEMENT_VALUES = [
  'Z', '0', '7', '-1', '+5', '99999', '32768', '-32769', 'abc', '12,5', '1.234', '123456', '1234.5', '0.5', '', 'x'.repeat(16),
  '2023-01-05', '2023010', '20231301', '20230132', '202301', '202313', 'ICD10', '97458909', '9745890951', 'P', 'M K',
  '&#75;', 'a&amp;b', '<![CDATA[K]]>', '<!-- c -->1',
];
/** Elements whose values carry the facets, so value mutations hit them often. */
const FACETED = new Set([
  'peAlder', 'peKjonn', 'peKomnr', 'peBydelsnr', 'iiKomnr', 'iiBydelsnr', 'iiInnhType', 'iiSysID', 'Type', 'fnFunkType',
  'fnFunkVerdi', 'tjTjenType', 'tjVedtak', 'tjTimerUke', 'tjResTimerUke', 'tjInstOrgnr', 'tjFraDato', 'poVurdTann',
  'poHusstand', 'diKodeVersjon', 'diDiagKode', 'dgInstOrgnr', 'peFraDato',
]);
/** Attribute values to try (none is a lexically valid but unreal xs:date). */
const ATTRIBUTE_VALUES = [
  '', 'abc', '-1', '0', '016', '17', '2147483648', '1.5', 'E', 'b', '20230101', '2023/01/01', '2023-13-01', '2023-1-05',
  '2023-01-05Z', '{0F8FAD5B-D9CB-469F-A165-70867728950E}', '0F8FAD5B', '12',
];

function elementsOf(xml: string): { root: XmlElement; all: XmlElement[] } {
  const all: XmlElement[] = [];
  const r = parseXml(xml, { onOpen: (el) => all.push(el) });
  assert.deepEqual(r.issues, [], 'the base document is well-formed');
  return { root: r.root!, all: all.slice(1) };
}

function splice(xml: string, start: number, end: number, insert: string): string {
  return xml.slice(0, start) + insert + xml.slice(end);
}

/** One random single mutation of `xml`, or undefined when the drawn operator does not apply. */
function mutate(xml: string, rng: Rng): { xml: string; what: string } | undefined {
  const { root, all } = elementsOf(xml);
  const faceted = all.filter((e) => FACETED.has(e.local));
  const el = faceted.length > 0 && rng.chance(0.3) ? rng.pick(faceted) : rng.pick(all);
  const leaf = el.children.length === 0 && el.attrs.length === 0 && !el.selfClosing;
  const siblings = el.parent!.children;
  const names = [...new Set(all.map((e) => e.local))];
  const op = rng.int(0, 14);
  switch (op) {
    case 0:
      return { xml: splice(xml, el.start, el.end, ''), what: `delete <${el.name}>` };
    case 1:
      return { xml: splice(xml, el.end, el.end, xml.slice(el.start, el.end)), what: `duplicate <${el.name}>` };
    case 2: {
      const i = siblings.indexOf(el);
      const next = siblings[i + 1];
      if (!next || next.local === el.local) return undefined;
      const a = xml.slice(el.start, el.end);
      const b = xml.slice(next.start, next.end);
      return { xml: xml.slice(0, el.start) + b + xml.slice(el.end, next.start) + a + xml.slice(next.end), what: `swap <${el.name}> and <${next.name}>` };
    }
    case 3: {
      const to = rng.chance(0.5) ? el.local + rng.pick(['x', 'Dato', '2']) : rng.pick(names.filter((n) => n !== el.local));
      let out = xml;
      if (!el.selfClosing) out = splice(out, el.endTagStart + 2, el.endTagStart + 2 + el.name.length, to);
      out = splice(out, el.start + 1, el.nameEnd, to);
      return { xml: out, what: `rename <${el.name}> to <${to}>` };
    }
    case 4:
    case 5:
    case 6: {
      if (!leaf) return undefined;
      const v = rng.pick(ELEMENT_VALUES);
      const s = el.textStart === -1 ? el.startTagEnd : el.textStart;
      const e = el.textStart === -1 ? el.endTagStart : el.textEnd;
      if (xml.slice(s, e) === v) return undefined;
      return { xml: splice(xml, s, e, v), what: `<${el.name}> value ${JSON.stringify(xml.slice(s, e))} → ${JSON.stringify(v)}` };
    }
    case 7:
    case 8: {
      const target = rng.chance(0.2) ? root : el;
      const attrs = target.attrs.filter((a) => a.name !== 'xmlns' && !(target === root && a.name === 'versjon'));
      if (attrs.length === 0) return undefined;
      const a = rng.pick(attrs);
      if (op === 7) return { xml: splice(xml, a.start - 1, a.end, ''), what: `remove ${a.name} from <${target.name}>` };
      const v = rng.pick(ATTRIBUTE_VALUES);
      if (v === a.value) return undefined;
      return { xml: splice(xml, a.valueStart, a.valueEnd, v), what: `<${target.name}> ${a.name}=${JSON.stringify(a.value)} → ${JSON.stringify(v)}` };
    }
    case 9: {
      const name = rng.pick(['foo', 'tjPeID', 'pid', 'versjon', 'pePeID']);
      if (el.attrs.some((a) => a.name === name)) return undefined;
      return { xml: splice(xml, el.nameEnd, el.nameEnd, ` ${name}="1"`), what: `add ${name}="1" to <${el.name}>` };
    }
    case 10: {
      if (el.selfClosing) return { xml: splice(xml, el.startTagEnd - 2, el.startTagEnd, '>tekst</' + el.name + '>'), what: `text in <${el.name}>` };
      if (leaf) return undefined;
      return { xml: splice(xml, el.startTagEnd, el.startTagEnd, 'tekst'), what: `text in <${el.name}>` };
    }
    case 11: {
      const name = rng.pick(['foo', ...names]);
      return { xml: splice(xml, el.end, el.end, `<${name}/>`), what: `insert <${name}/> after <${el.name}>` };
    }
    case 12:
      return { xml: splice(xml, el.nameEnd, el.nameEnd, ' xmlns="urn:other"'), what: `<${el.name}> in another namespace` };
    case 13:
      if (el.selfClosing) return undefined;
      return { xml: splice(xml, el.startTagEnd, el.startTagEnd, '<!-- kommentar --><?pi x?>'), what: `comment in <${el.name}>` };
    default: {
      if (el.selfClosing) return { xml: splice(xml, el.startTagEnd - 1, el.startTagEnd, ''), what: `break the tag <${el.name}>` };
      return { xml: splice(xml, el.endTagStart, el.end, ''), what: `remove </${el.name}>` };
    }
  }
}

// ------------------------------------------------------------------------------------------------------
// The two validators
// ------------------------------------------------------------------------------------------------------

/** Ours: invalid when the schema or xml-syntax rule reports an error. */
function ours(bytes: Buffer): { valid: boolean; errors: string[] } {
  const text = decodeXml(bytes).text;
  const r = analyzeText(text, { settings: defaultSettings() });
  const errors = r.findings
    .filter((f) => (f.code === 'schema' || f.code === 'xml-syntax') && f.severity === Severity.Error)
    .map((f) => `${f.code}: ${t('en', f.key, f.args)}`);
  return { valid: errors.length === 0, errors };
}

/** xmllint over many files in one run; a file is valid when xmllint says "<file> validates". */
function xmllint(xsd: string, files: string[]): Map<string, { valid: boolean; output: string }> {
  const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', xsd, ...files], {
    env: { ...process.env, XML_CATALOG_FILES: path.join(SCHEMAS, 'catalog.xml') },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`;
  const lines = out.split('\n');
  const result = new Map<string, { valid: boolean; output: string }>();
  for (const f of files) {
    const mine = lines.filter((l) => l.startsWith(f + ':') || l.startsWith(f + ' '));
    result.set(f, { valid: lines.includes(`${f} validates`), output: mine.join('\n').slice(0, 600) });
  }
  return result;
}

// ------------------------------------------------------------------------------------------------------

describe('schema rule vs xmllint (differential)', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kpr-schema-diff-'));
    const v = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
    assert.ok(!v.error, 'xmllint (libxml2-utils) must be installed for this test');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('agrees with xmllint on valid extracts and on hundreds of single mutations', () => {
    const bases: Doc[] = [];
    for (const seed of [11, 22, 33, 44]) {
      const model = generateExtract({ seed, persons: 4, year: 2023 });
      const encoding: XmlEncoding = seed === 33 ? 'ISO-8859-1' : 'UTF-8';
      bases.push({ kind: 'fag', name: `fag-${seed}`, xml: serializeFagmelding(model, { encoding }), encoding, mutation: 'none' });
      bases.push({ kind: 'ide', name: `ide-${seed}`, xml: serializeIdentmelding(model, { encoding }), encoding, mutation: 'none' });
    }
    const docs: Doc[] = [...bases];
    // KPR_DIFF_SEED / KPR_DIFF_SCALE explore further (e.g. before a release); the default run is fixed.
    const rng = new Rng(process.env.KPR_DIFF_SEED ?? 'schema-vs-xmllint');
    const scale = Number(process.env.KPR_DIFF_SCALE ?? 1);
    const perBase = { fag: 130 * scale, ide: 50 * scale };
    for (const base of bases) {
      let made = 0;
      for (let tries = 0; made < perBase[base.kind] && tries < 2000; tries++) {
        const m = mutate(base.xml, rng);
        if (!m || m.xml === base.xml) continue;
        docs.push({ kind: base.kind, name: `${base.name}-m${made}`, xml: m.xml, encoding: base.encoding, mutation: m.what });
        made++;
      }
    }

    const files = new Map<string, Doc>();
    for (const d of docs) {
      const file = path.join(dir, `${d.name}.xml`);
      writeFileSync(file, encodeXml(d.xml, d.encoding));
      files.set(file, d);
    }
    const verdicts = new Map<string, { valid: boolean; output: string }>();
    for (const kind of ['fag', 'ide'] as const) {
      const list = [...files].filter(([, d]) => d.kind === kind).map(([f]) => f);
      for (const [f, v] of xmllint(XSD[kind], list)) verdicts.set(f, v);
    }

    const disagreements: string[] = [];
    let invalid = 0;
    for (const [file, d] of files) {
      const theirs = verdicts.get(file)!;
      const mine = ours(readFileSync(file));
      if (d.mutation === 'none') assert.ok(theirs.valid && mine.valid, `${d.name} must be valid: ${theirs.output} ${mine.errors.join('; ')}`);
      if (!theirs.valid) invalid++;
      if (theirs.valid !== mine.valid) {
        disagreements.push(
          `${d.name} (${d.mutation}): xmllint ${theirs.valid ? 'valid' : 'invalid'}, ours ${mine.valid ? 'valid' : 'invalid'}\n` +
            `  xmllint: ${theirs.output.replace(dir + path.sep, '')}\n  ours: ${mine.errors.join(' | ')}`,
        );
      }
    }
    if (process.env.KPR_DIFF_VERBOSE) {
      for (const [file, d] of files) console.log(verdicts.get(file)!.valid ? 'valid  ' : 'invalid', d.name, d.mutation);
    }
    assert.ok(docs.length >= 700, `only ${docs.length} documents`);
    assert.ok(invalid > docs.length / 2, `the mutations should mostly break the documents (${invalid} of ${docs.length})`);
    assert.deepEqual(disagreements, [], `${disagreements.length} disagreements:\n${disagreements.join('\n')}`);
  });
});
