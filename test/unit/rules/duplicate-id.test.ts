import assert from 'node:assert/strict';
import { analyzeText } from '../../../server/src/analysis/analyze';
import { IdentmeldingSummary } from '../../../server/src/analysis/summary';
import { defaultSettings, Severity } from '../../../server/src/analysis/types';
import { makePersonId } from '../../../server/src/domain/identifiers';
import { createDuplicateIdRule } from '../../../server/src/rules/duplicateId';
import { analyze, expectFindings, expectNone, fag, findings, ide, ident, person, service } from '../../support/kpr';
import { Rng } from '../../fixtures/rng';

const CODE = 'duplicate-id';
const rng = new Rng('duplicate-id');
const fnr = () => makePersonId(rng, { kind: 'fnr' });

/** An identmelding with two Institusjon elements. */
function ideTwoInstitutions(first: string[], second: string[], secondId = '5002'): string {
  return ide(first).replace('  </Institusjon>\n', `  </Institusjon>\n  <Institusjon institusjonID="${secondId}">\n${second.join('\n')}\n  </Institusjon>\n`);
}

function relatedText(xml: string, code = CODE): string[] {
  return analyze(xml)
    .findings.filter((f) => f.code === code)
    .map((f) => xml.slice(f.related![0].start, f.related![0].end) + '@' + f.related![0].start);
}

describe('duplicate-id', () => {
  it('finds nothing when every id is unique', () => {
    expectNone(fag([person({ id: 1 }), person({ id: 2 })]), CODE);
    expectNone(ideTwoInstitutions([ident({ pid: '1', fid: fnr() })], [ident({ pid: '2', fid: fnr() })]), CODE);
  });

  it('reports each later PERSON with the same pePeID, pointing back at the first', () => {
    const xml = fag([person({ id: 7 }), person({ id: 8 }), person({ id: 7 }), person({ id: 7 })]);
    const seen = expectFindings(xml, CODE, ['7', '7']);
    assert.equal(seen[0].severity, Severity.Error);
    assert.equal(seen[0].message, 'pePeID 7 already occurs in the fagmelding. Each person must have one PERSON with its own pePeID.');
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'pePeID 7 finnes allerede i fagmeldingen. Hver person skal ha én PERSON med sin egen pePeID.',
    );
    const first = xml.indexOf('pePeID="7"') + 'pePeID="'.length;
    assert.deepEqual(relatedText(xml), [`7@${first}`, `7@${first}`]);
    const raw = analyze(xml).findings.filter((f) => f.code === CODE);
    assert.ok(raw[0].start > first && raw[1].start > raw[0].start);
  });

  it('reports the same pid twice, also across Institusjon, and the same institusjonID twice', () => {
    const xml = ideTwoInstitutions([ident({ pid: '1', fid: fnr() }), ident({ pid: '2', fid: fnr() })], [ident({ pid: '1', fid: fnr() })], '5001');
    const seen = expectFindings(xml, CODE, ['1', '5001']);
    assert.equal(seen[0].message, 'pid 1 already occurs in the identmelding. Each person must have one PasientIdent with its own pid.');
    assert.equal(
      seen[1].message,
      "institusjonID 5001 already occurs in the identmelding. Put the institution's PasientIdent under one Institusjon.",
    );
    assert.deepEqual(relatedText(xml), [`1@${xml.indexOf('pid="1"') + 5}`, `5001@${xml.indexOf('institusjonID="5001"') + 15}`]);
    const summary = analyze(xml).summary as IdentmeldingSummary;
    assert.deepEqual(
      summary.institutions!.map((i) => i.value),
      ['5001', '5001'],
    );
  });

  it('reports a TJENESTE repeated with the same tjTjID, tjVeID and tjVeNrID within one person', () => {
    const xml = fag(person({ services: [service({ tjTjID: 3 }), service({ tjTjID: 4 }), service({ tjTjID: 3, code: 2 })] }));
    const [f] = expectFindings(xml, CODE, ['3']);
    assert.equal(f.message, 'A TJENESTE with tjTjID 3, tjVeID 1 and tjVeNrID 1 already occurs for this person.');
    assert.deepEqual(relatedText(xml), [`3@${xml.indexOf('tjTjID="3"') + 8}`]);
  });

  it('accepts the same tjTjID under another vedtak, and in another person', () => {
    const renewed = service({ tjTjID: 3 }).replace('tjVeNrID="1"', 'tjVeNrID="2"');
    expectNone(fag(person({ services: [service({ tjTjID: 3 }), renewed] })), CODE);
    expectNone(fag([person({ id: 1, services: [service({ tjTjID: 3 })] }), person({ id: 2, services: [service({ tjTjID: 3, peId: 2 })] })]), CODE);
  });

  it('can be made strict on tjTjID alone', () => {
    const renewed = service({ tjTjID: 3 }).replace('tjVeNrID="1"', 'tjVeNrID="2"');
    const xml = fag(person({ services: [service({ tjTjID: 3 }), renewed] }));
    const r = analyzeText(xml, { settings: defaultSettings(), rules: [createDuplicateIdRule({ serviceKey: 'tjTjID' })] });
    const dup = r.findings.filter((f) => f.code === CODE);
    assert.equal(dup.length, 1);
    assert.equal(xml.slice(dup[0].start, dup[0].end), '3');
  });

  it('masks a local key that is a person number, and never prints 11 digits', () => {
    const key = fnr();
    const xml = ide([ident({ pid: key, fid: fnr() }), ident({ pid: key, fid: fnr() })]);
    for (const language of ['nb', 'en'] as const) {
      const seen = findings(xml, CODE, { language });
      assert.equal(seen.length, 1);
      assert.doesNotMatch(seen[0].message, /[0-9]{11}/);
      assert.match(seen[0].message, /^pid \*{9}[0-9]{2} /);
    }
  });

  it('leaves empty ids to the schema check and follows the severity setting', () => {
    expectNone(ide([ident({ pid: '', fid: fnr() }), ident({ pid: '', fid: fnr() })]), CODE);
    const xml = fag([person({ id: 1 }), person({ id: 1 })]);
    assert.equal(findings(xml, CODE, { severity: { [CODE]: 'hint' } })[0].severity, Severity.Hint);
    expectNone(xml, CODE, { severity: { [CODE]: 'off' } });
  });
});
