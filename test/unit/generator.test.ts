import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { classifyPersonId, isValidOrgNumber, makePersonId } from '../../server/src/domain/identifiers';
import { maskForLog } from '../../server/src/privacy';
import {
  encodeXml,
  generateExtract,
  serializeFagmelding,
  serializeIdentmelding,
  wrapInMsgHead,
  type ExtractModel,
  type Person,
} from '../fixtures/generator';
import { Rng } from '../fixtures/rng';

const root = path.resolve(__dirname, '../..');
const schemas = path.join(root, 'schemas');
const IPLOS_XSD = path.join(schemas, 'kpr', 'IPLOS(2018)rev2018_10_10.xsd');
const IDE_XSD = path.join(schemas, 'kpr', 'XPR(ide).xsd');
const MSGHEAD_XSD = path.join(schemas, 'msghead', 'MsgHead-v1_2.xsd');

let dir: string;
let fileNo = 0;

function write(xml: string, encoding: 'UTF-8' | 'ISO-8859-1' = 'UTF-8'): string {
  const file = path.join(dir, `doc${fileNo++}.xml`);
  writeFileSync(file, encodeXml(xml, encoding));
  return file;
}

/** Runs xmllint, the independent oracle; failures are shown with person ids masked. */
function xmllint(args: string[]): { status: number | null; out: string; stdout: string } {
  const r = spawnSync('xmllint', ['--nonet', ...args], {
    env: { ...process.env, XML_CATALOG_FILES: path.join(schemas, 'catalog.xml') },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status, out: maskForLog(`${r.stdout}${r.stderr}`), stdout: r.stdout };
}

function assertValid(schema: string, xml: string, encoding: 'UTF-8' | 'ISO-8859-1' = 'UTF-8'): void {
  const file = write(xml, encoding);
  const r = xmllint(['--noout', '--schema', schema, file]);
  assert.equal(r.status, 0, `${path.basename(schema)}: ${r.out.slice(0, 2000)}`);
}

function xpathString(file: string, expr: string): string {
  const r = xmllint(['--xpath', `string(${expr})`, file]);
  assert.equal(r.status, 0, r.out);
  // xmllint ends the printed value with a newline of its own.
  return r.stdout.replace(/\n$/, '');
}

/**
 * MsgHead's Content is a strict wildcard, so the payload's schema must be loaded beside MsgHead for the
 * validator to accept it; this driver schema imports all three (and adds nothing of its own).
 */
function msgHeadBundle(): string {
  const file = path.join(dir, 'msghead-bundle.xsd');
  const imp = (ns: string, xsd: string) => `  <xs:import namespace="${ns}" schemaLocation="${pathToFileURL(xsd).href}"/>`;
  writeFileSync(
    file,
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:kpr-test:msghead-bundle">',
      imp('http://www.kith.no/xmlstds/msghead/2006-05-24', MSGHEAD_XSD),
      imp('http://www.npr.no/xmlstds/iplos/2018', IPLOS_XSD),
      imp('http://www.npr.no/xmlstds/53_1_2_ide', IDE_XSD),
      '</xs:schema>',
      '',
    ].join('\n'),
  );
  return file;
}

const REPEATED = new Set(['PERSON', 'iiKontakt', 'PERSONOPPL', 'FUNKSJON', 'TJENESTE', 'DIAGNOSE', 'DOGNTILBUD', 'Kontaktperson', 'Institusjon', 'PasientIdent']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => REPEATED.has(name),
});

type Node = Record<string, any>;
const CURRENT_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
const ORG_REQUIRED = new Set([1, 2, 3, 4, 8, 15, 17, 18, 19, 20, 21, 22, 25]);
const ORG_FORBIDDEN = new Set([26, 29]);
const HOUR_BASED = new Set([1, 2, 3, 7, 9, 11, 15]);

function ageOn(birthIso: string, compact: string): number {
  const [by, bm, bd] = birthIso.split('-').map(Number);
  const [y, m, d] = [Number(compact.slice(0, 4)), Number(compact.slice(4, 6)), Number(compact.slice(6, 8))];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

describe('synthetic extract generator', function () {
  this.timeout(60_000);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kpr-gen-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ seed: number | string; persons: number; year: number }> = [
    { seed: 1, persons: 1, year: 2023 },
    { seed: 42, persons: 40, year: 2019 },
    { seed: 'tromsø-2024', persons: 300, year: 2024 },
    { seed: 9001, persons: 150, year: 2020 },
  ];

  for (const c of cases) {
    it(`validates against the official XSDs (seed ${c.seed}, ${c.persons} persons, ${c.year})`, () => {
      const model = generateExtract(c);
      assertValid(IPLOS_XSD, serializeFagmelding(model));
      assertValid(IDE_XSD, serializeIdentmelding(model));
    });
  }

  it('validates unindented and in ISO-8859-1 as well', () => {
    const model = generateExtract({ seed: 5, persons: 60, year: 2023 });
    for (const encoding of ['UTF-8', 'ISO-8859-1'] as const) {
      for (const indent of [true, false]) {
        const fag = serializeFagmelding(model, { encoding, indent });
        const ide = serializeIdentmelding(model, { encoding, indent });
        assert.equal(fag.startsWith(`<?xml version="1.0" encoding="${encoding}"?>`), true);
        if (!indent) assert.equal(fag.split('\n').length, 1);
        assertValid(IPLOS_XSD, fag, encoding);
        assertValid(IDE_XSD, ide, encoding);
      }
    }
  });

  it('escapes XML special characters and keeps non-Latin-1 text readable in ISO-8859-1', () => {
    const model = generateExtract({ seed: 6, persons: 3, year: 2023 });
    const tricky = 'Kari «Testesen» & Søn <IT> "quoted" Ŧ';
    model.fag.innhinfo.contacts[0].name = tricky;
    model.ident.contacts[0].kontPerson = tricky;
    for (const encoding of ['UTF-8', 'ISO-8859-1'] as const) {
      const fagFile = write(serializeFagmelding(model, { encoding }), encoding);
      const ideFile = write(serializeIdentmelding(model, { encoding }), encoding);
      assert.equal(xpathString(fagFile, "//*[local-name()='iiKontakt'][1]/*[local-name()='Navn']"), tricky);
      assert.equal(xpathString(ideFile, "//*[local-name()='Kontaktperson'][1]/@kontPerson"), tricky);
    }
  });

  it('is reproducible: the same seed gives identical bytes, another seed a different extract', () => {
    const a = generateExtract({ seed: 77, persons: 120, year: 2023 });
    const b = generateExtract({ seed: 77, persons: 120, year: 2023 });
    const other = generateExtract({ seed: 78, persons: 120, year: 2023 });
    assert.equal(serializeFagmelding(a), serializeFagmelding(b));
    assert.equal(serializeIdentmelding(a), serializeIdentmelding(b));
    assert.notEqual(serializeFagmelding(a), serializeFagmelding(other));
    assert.notEqual(serializeIdentmelding(a), serializeIdentmelding(other));
  });

  it('pairs fagmelding and identmelding by løpenummer and person key, with valid non-test fids', () => {
    for (const seed of [3, 'pairing']) {
      const model = generateExtract({ seed, persons: 400, year: 2023, lopenr: seed === 3 ? '17' : undefined });
      const fag = parser.parse(serializeFagmelding(model));
      const ide = parser.parse(serializeIdentmelding(model));
      const persons: Node[] = fag.IPLOS.PERSON;
      const patients: Node[] = ide.Melding.Institusjon.flatMap((i: Node) => i.PasientIdent);

      assert.equal(fag.IPLOS.INNHINFO.iiLopenr, ide.Melding['@lopenr']);
      if (seed === 3) assert.equal(ide.Melding['@lopenr'], '17');
      const peIds = persons.map((p) => p['@pePeID']);
      assert.equal(new Set(peIds).size, peIds.length, 'pePeID must be unique');
      assert.deepEqual(new Set(patients.map((p) => p['@pid'])), new Set(peIds));
      assert.ok(ide.Melding.Institusjon.length >= 1 && ide.Melding.Institusjon.length <= 2);

      const fids = patients.map((p) => p['@fid']);
      assert.equal(new Set(fids).size, fids.length, 'fid must be unique');
      const byId = new Map(persons.map((p) => [p['@pePeID'], p]));
      let dNumbers = 0;
      for (const pat of patients) {
        const info = classifyPersonId(pat['@fid']);
        assert.equal(info.valid, true, `pid ${pat['@pid']}: fid invalid (${info.problem})`);
        assert.equal(info.isTestPerson, false);
        assert.ok(info.kind === 'fnr' || info.kind === 'd-number', `pid ${pat['@pid']}: kind ${info.kind}`);
        assert.equal(pat['@typeID'], info.kind === 'fnr' ? '1' : '2');
        if (info.kind === 'd-number') dNumbers++;
        // The fid tells the same birth date and sex as the fagmelding's peAlder and peKjonn.
        const person = byId.get(pat['@pid'])!;
        assert.equal(info.sex, person.peKjonn);
        assert.equal(ageOn(info.birthDate!, person.peDodDato ?? '20231231'), Number(person.peAlder));
      }
      assert.ok(dNumbers < patients.length / 4, 'mostly fødselsnummer');
    }
  });

  it('writes realistic services: current codes, org numbers where required, hours and dates within the rules', () => {
    const year = 2023;
    const model = generateExtract({ seed: 'services', persons: 800, year });
    const fag = parser.parse(serializeFagmelding(model));
    const seen = new Set<number>();
    let withOptionalOrg = 0;
    let optional = 0;
    for (const p of fag.IPLOS.PERSON as Node[]) {
      const services: Node[] = p.TJENESTE ?? [];
      assert.ok(services.length >= 1 && services.length <= 6, `person ${p['@pePeID']} has ${services.length} services`);
      for (const s of services) {
        const code = Number(s.tjTjenType);
        seen.add(code);
        assert.ok(CURRENT_CODES.has(code), `expired or unknown code ${code}`);
        assert.equal(s['@tjPeID'], p['@pePeID']);
        if (ORG_REQUIRED.has(code)) assert.ok(isValidOrgNumber(s.tjInstOrgnr ?? ''), `code ${code} needs a valid tjInstOrgnr`);
        else if (ORG_FORBIDDEN.has(code)) assert.equal(s.tjInstOrgnr, undefined, `code ${code} must not have tjInstOrgnr`);
        else {
          optional++;
          if (s.tjInstOrgnr !== undefined) {
            withOptionalOrg++;
            assert.ok(isValidOrgNumber(s.tjInstOrgnr));
          }
        }
        if (s.tjTimerUke !== undefined) {
          assert.ok(HOUR_BASED.has(code), `hours on code ${code}`);
          assert.match(s.tjTimerUke, /^[0-9]+(\.[0-9]{1,2})?$/);
          assert.ok(Number(s.tjTimerUke) > 0 && Number(s.tjTimerUke) <= 168);
        }
        if (s.tjVedtak === '1') {
          assert.ok(s.tjFraDato, 'a granted vedtak has a start date');
          assert.ok(s.tjFraDato <= `${year}1231` && s.tjFraDato >= '19800101');
          assert.ok(s.tjVedtDato <= s.tjFraDato);
          if (s.tjTilDato !== undefined) {
            assert.ok(s.tjTilDato >= s.tjFraDato && s.tjTilDato >= `${year}0101` && s.tjTilDato <= `${year}1231`);
          }
          if (p.peDodDato) assert.ok((s.tjTilDato ?? '99999999') <= p.peDodDato, 'no service after death');
        }
      }
      for (const g of (p.DOGNTILBUD ?? []) as Node[]) {
        assert.ok(isValidOrgNumber(g.dgInstOrgnr));
        assert.ok(g.dgFraDato <= g.dgTilDato);
      }
      for (const d of (p.DIAGNOSE ?? []) as Node[]) {
        assert.doesNotMatch(d.diDiagKode, /\./);
        assert.ok(d.diKodeVersjon === 'ICPC-2' || d.diKodeVersjon === 'ICD-10');
      }
      const functions: Node[] = p.FUNKSJON ?? [];
      const ids = functions.map((f) => f['@fnFnID']);
      assert.equal(new Set(ids).size, ids.length);
    }
    for (const code of [6, 15, 1, 21, 29, 26]) assert.ok(seen.has(code), `code ${code} should occur in 800 persons`);
    assert.ok(withOptionalOrg > 0 && withOptionalOrg < optional, 'optional org numbers sometimes, not always');
  });

  it('lets a test change the model before serializing', () => {
    const model: ExtractModel = generateExtract({ seed: 11, persons: 5, year: 2023 });
    model.persons[0].services[0].code = 12;
    const rng = new Rng('test-person');
    const donald: Person = {
      ...structuredClone(model.persons[1]),
      pePeID: 999_999,
      identity: {
        fid: makePersonId(rng, { kind: 'test-tenor', birthDate: '1934-06-09', sex: 'M' }),
        typeId: 1,
        institutionId: model.ident.institutions[0].institutionId,
      },
    };
    model.persons.push(donald);
    const fag = parser.parse(serializeFagmelding(model));
    const ide = parser.parse(serializeIdentmelding(model));
    assert.equal(fag.IPLOS.PERSON[0].TJENESTE[0].tjTjenType, '12');
    const added = fag.IPLOS.PERSON.find((p: Node) => p['@pePeID'] === '999999');
    assert.ok(added);
    for (const s of added.TJENESTE) assert.equal(s['@tjPeID'], '999999');
    const pat = ide.Melding.Institusjon.flatMap((i: Node) => i.PasientIdent).find((p: Node) => p['@pid'] === '999999');
    assert.equal(pat['@fid'], donald.identity!.fid);
    assert.equal(classifyPersonId(pat['@fid']).isTestPerson, true);
    // Still schema-valid: code 12 has expired but is a valid xs:short; that is for the rules to catch.
    assertValid(IPLOS_XSD, serializeFagmelding(model));
    assertValid(IDE_XSD, serializeIdentmelding(model));
  });

  it('follows an overridden identmelding namespace with its version', () => {
    const model = generateExtract({ seed: 2, persons: 2, year: 2023, idNamespace: 'http://www.npr.no/xmlstds/57_0_1_ide' });
    const ide = serializeIdentmelding(model);
    assert.match(ide, /<Melding xmlns="http:\/\/www\.npr\.no\/xmlstds\/57_0_1_ide" versjon="57\.0\.1"/);
    const other = serializeIdentmelding(model, { namespace: 'urn:x', versjon: '1.0' });
    assert.match(other, /<Melding xmlns="urn:x" versjon="1\.0"/);
    assert.match(serializeFagmelding(model, { versjon: '3.7' }), /<IPLOS xmlns="http:\/\/www\.npr\.no\/xmlstds\/iplos\/2018" versjon="3\.7">/);
  });

  it('wraps both payloads in a Hodemelding that validates against MsgHead-v1_2.xsd', () => {
    const bundle = msgHeadBundle();
    const model = generateExtract({ seed: 21, persons: 25, year: 2023 });
    const payloads = [
      ['KPR_IPL', serializeFagmelding(model), 'IPLOS'],
      ['KPR_IDE', serializeIdentmelding(model), 'Melding'],
    ] as const;
    for (const [type, payload, rootName] of payloads) {
      const msgId = new Rng(type).guid();
      const wrapped = wrapInMsgHead(payload, { type, msgId, genDate: '2024-01-10T08:00:00' });
      assertValid(bundle, wrapped);
      assert.equal(wrapped.match(/<\?xml/g)?.length, 1, 'only the envelope keeps an XML declaration');
      const file = write(wrapped);
      const mh = "//*[local-name()='MsgHead']/*[local-name()='MsgInfo']";
      assert.equal(xpathString(file, `${mh}/*[local-name()='Type']/@V`), type);
      assert.equal(xpathString(file, `${mh}/*[local-name()='MsgId']`), msgId);
      assert.equal(xpathString(file, `${mh}/*[local-name()='MIGversion']`), 'v1.2 2006-05-24');
      assert.equal(xpathString(file, `name(//*[local-name()='Content']/*[1])`), rootName);
      assertValid(bundle, wrapInMsgHead(payload, { type, indent: false, encoding: 'ISO-8859-1' }), 'ISO-8859-1');
    }
    // The envelope itself must be what MsgHead-v1_2.xsd demands: a broken MsgInfo is caught.
    const broken = wrapInMsgHead(payloads[0][1], { type: 'KPR_IPL' }).replace('<MIGversion>v1.2 2006-05-24', '<MIGversion>v1.1');
    const r = xmllint(['--noout', '--schema', bundle, write(broken)]);
    assert.notEqual(r.status, 0);
  });

  it('writes the same files from scripts/generate-fixtures.ts', () => {
    const out = path.join(dir, 'script-out');
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const r = spawnSync(
      tsx,
      ['scripts/generate-fixtures.ts', '--persons', '30', '--seed', '8', '--year', '2022', '--out', out, '--msghead'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, maskForLog(r.stderr));
    const model = generateExtract({ seed: 8, persons: 30, year: 2022 });
    assert.equal(readFileSync(path.join(out, 'fag.xml'), 'utf8'), serializeFagmelding(model));
    assert.equal(readFileSync(path.join(out, 'ide.xml'), 'utf8'), serializeIdentmelding(model));
    const bundle = msgHeadBundle();
    for (const name of ['fag-msghead.xml', 'ide-msghead.xml']) {
      const res = xmllint(['--noout', '--schema', bundle, path.join(out, name)]);
      assert.equal(res.status, 0, res.out);
    }
    const bad = spawnSync(tsx, ['scripts/generate-fixtures.ts', '--persons', 'many'], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /usage:/);
  });
});
