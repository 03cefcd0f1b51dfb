import assert from 'node:assert/strict';
import { makePersonId } from '../../../server/src/domain/identifiers';
import { Severity } from '../../../server/src/analysis/types';
import { analyze, expectFindings, expectNone, fag, findings, ide, ident, person, service } from '../../support/kpr';
import { Rng } from '../../fixtures/rng';

const CODE = 'person-id-in-fagmelding';
const rng = new Rng('person-id-in-fagmelding');
const fnr = () => makePersonId(rng, { kind: 'fnr' });

function assertNoPersonNumberInMessages(xml: string): void {
  for (const language of ['nb', 'en'] as const) {
    for (const f of findings(xml, CODE, { language })) assert.doesNotMatch(f.message, /[0-9]{11}/, f.message);
  }
}

describe('person-id-in-fagmelding', () => {
  it('finds nothing in a fagmelding from the builders (phone numbers, org numbers, dates)', () => {
    expectNone(fag([person({ id: 1 }), person({ id: 2 })]), CODE);
  });

  it('reports a fødselsnummer used as pePeID and tjPeID, pointing at each, without printing it', () => {
    const id = fnr();
    const xml = fag(person({ id, services: [service({ peId: 1 })] })).replace('tjPeID="1"', `tjPeID="${id}"`);
    const seen = expectFindings(xml, CODE, [id, id]);
    assert.equal(seen[0].severity, Severity.Error);
    assert.equal(
      seen[0].message,
      'A fødselsnummer appears in the fagmelding (PERSON/@pePeID). The fagmelding must be pseudonymous: person numbers belong only in the identmelding (KPR_IDE).',
    );
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[1].message,
      'Et fødselsnummer står i fagmeldingen (TJENESTE/@tjPeID). Fagmeldingen skal være pseudonym: personnummer hører bare hjemme i identmeldingen (KPR_IDE).',
    );
    assertNoPersonNumberInMessages(xml);
  });

  it('finds a D-nummer as a whole token inside longer text, at its exact place', () => {
    const d = makePersonId(rng, { kind: 'd-number' });
    const xml = fag(person({ services: [service({ extra: `      <tjMerknad>Gjelder bruker ${d}, se journal</tjMerknad>` })] }));
    const [f] = expectFindings(xml, CODE, [d]);
    assert.match(f.message, /^A D-nummer appears in the fagmelding \(tjMerknad\)/);
    // Letters around the digits still separate a token.
    expectFindings(fag(person({ after: `    <Merknad>fnr:${d}x</Merknad>` })), CODE, [d]);
  });

  it('checks the INNHINFO header too', () => {
    const id = fnr();
    const xml = fag(person()).replace('<Telefon>12345678</Telefon>', `<Telefon>${id}</Telefon>`);
    const [f] = expectFindings(xml, CODE, [id]);
    assert.match(f.message, /\(Telefon\)/);
  });

  it('ignores digit runs that are not exactly 11 long, invalid numbers, H- and FH-numbers', () => {
    const id = fnr();
    const broken = id.slice(0, 10) + String((Number(id[10]) + 1) % 10);
    const h = makePersonId(rng, { kind: 'h-number' });
    const fh = makePersonId(rng, { kind: 'fh-number' });
    const extra = [`${id}1`, `9${id}`, broken, h, fh].map((v, i) => `      <tjMerknad${i}>${v}</tjMerknad${i}>`).join('\n');
    expectNone(fag(person({ services: [service({ extra })] })), CODE);
  });

  it('marks the whole value when entities make exact offsets impossible', () => {
    const id = fnr();
    const xml = fag(person({ after: `    <Merknad>A &amp; B ${id}</Merknad>` }));
    expectFindings(xml, CODE, [`A &amp; B ${id}`]);
  });

  it('does not run on the identmelding, where the number belongs', () => {
    expectNone(ide(ident({ pid: '1', fid: fnr(), typeID: '1' })), CODE);
  });

  it('is silent when switched off', () => {
    const xml = fag(person({ id: fnr(), services: [service({ peId: 1 })] }));
    assert.equal(analyze(xml).findings.filter((f) => f.code === CODE).length, 1);
    expectNone(xml, CODE, { severity: { [CODE]: 'off' } });
  });
});
