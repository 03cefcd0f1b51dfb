import assert from 'node:assert/strict';
import { analyze, expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'org-number-not-allowed';

function removeAsFixed(xml: string, code: string): string {
  const f = analyze(xml).findings.find((x) => x.code === code);
  assert.ok(f?.data && f.data.fix === 'remove-element', 'a remove-element fix');
  if (f.data.fix !== 'remove-element') return xml;
  assert.equal(f.data.what, 'tjInstOrgnr');
  return xml.slice(0, f.data.start) + xml.slice(f.data.end);
}

describe('org-number-not-allowed', () => {
  it('finds nothing in a valid fagmelding from the builders (their 26 and 29 carry no org number)', () => {
    expectNone(fag(person()), CODE);
    expectNone(fag(person({ services: [service({ code: 26 }), service({ code: 29, tjTjID: 2 })] })), CODE);
  });

  it('allows an org number where it is optional or required', () => {
    expectNone(fag(person({ services: [6, 7, 15, 27, 28].map((code, i) => service({ code, orgnr: '974589095', tjTjID: i + 1 })) })), CODE);
  });

  it('reports an org number on 26 and 29, at the number, in both languages', () => {
    const xml = fag(person({ services: [service({ code: 26, orgnr: '974589095' }), service({ code: 29, orgnr: '983544622', tjTjID: 2 })] }));
    const f = expectFindings(xml, CODE, ['974589095', '983544622']);
    assert.equal(f[0].message, 'Service type 26 (Location technology (GPS)) must be reported without an organisation number. Remove tjInstOrgnr.');
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[1].message,
      'Tjenestetype 29 (Bolig som kommunen disponerer for helse- og omsorgsformål) skal rapporteres uten organisasjonsnummer. Fjern tjInstOrgnr.',
    );
    assert.equal(f[0].severity, 1);
  });

  it('reports an empty tjInstOrgnr too (the element must be absent), at its start tag', () => {
    expectFindings(fag(person({ services: [service({ code: 29, orgnr: '' })] })), CODE, ['<tjInstOrgnr>']);
  });

  it('removes the whole line with its fix, leaving the same text as a 29 written without it', () => {
    const xml = fag(person({ services: [service({ code: 29, orgnr: '974589095' })] }));
    const fixed = removeAsFixed(xml, CODE);
    assert.equal(fixed, fag(person({ services: [service({ code: 29 })] })));
    expectNone(fixed, CODE);
  });

  it('keeps CRLF line ends intact when removing the line', () => {
    const xml = fag(person({ services: [service({ code: 29, orgnr: '974589095' })] })).replace(/\n/g, '\r\n');
    const fixed = removeAsFixed(xml, CODE);
    assert.equal(fixed, fag(person({ services: [service({ code: 29 })] })).replace(/\n/g, '\r\n'));
  });

  it('reports 12/13 with an org number and points to the migration fix that handles both', () => {
    const xml = fag(person({ services: [service({ code: 13, orgnr: '974589095' })] }));
    const [f] = expectFindings(xml, CODE, ['974589095']);
    assert.equal(
      f.message,
      'Service type 13 has expired and is to be reported as service type 29, which must not have an organisation number. The fix for deprecated-service-code changes the service type and removes tjInstOrgnr in one edit.',
    );
    assert.match(findings(xml, CODE, { language: 'nb' })[0].message, /^Tjenestetype 13 er utgått og skal rapporteres som tjenestetype 29/);
    const migration = analyze(xml).findings.find((x) => x.code === 'deprecated-service-code');
    const removal = analyze(xml).findings.find((x) => x.code === CODE)?.data;
    assert.ok(migration?.data?.fix === 'replace-service-code' && removal?.fix === 'remove-element');
    assert.deepEqual(migration.data.removeOrg, { start: removal.start, end: removal.end }, 'both fixes remove the same range');
  });

  it('is silent on codes with no org-number rule (10, 16, unknown)', () => {
    expectNone(fag(person({ services: [10, 16, 77].map((code, i) => service({ code, orgnr: '974589095', tjTjID: i + 1 })) })), CODE);
  });
});
