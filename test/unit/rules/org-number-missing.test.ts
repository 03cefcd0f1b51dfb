import assert from 'node:assert/strict';
import { SERVICE_CODES } from '../../../server/src/domain/serviceCodes';
import { expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'org-number-missing';

describe('org-number-missing', () => {
  it('finds nothing in a valid fagmelding from the builders', () => {
    expectNone(fag(person()), CODE);
  });

  it('reports every code that requires an org number when tjInstOrgnr is absent', () => {
    const required = SERVICE_CODES.filter((c) => c.orgNumber === 'required').map((c) => c.code);
    assert.deepEqual(required, [1, 2, 3, 4, 8, 15, 17, 18, 19, 20, 21, 22, 25], 'DOMAIN.md §4');
    const xml = fag(person({ services: required.map((code, i) => service({ code, orgnr: null, tjTjID: i + 1 })) }));
    expectFindings(xml, CODE, required.map(String));
  });

  it('says which service needs which number, in both languages', () => {
    const xml = fag(person({ services: [service({ code: 21, orgnr: null })] }));
    const [f] = expectFindings(xml, CODE, ['21']);
    assert.equal(
      f.message,
      'Service type 21 (Long-term stay in an institution) must be reported with the organisation number of the unit providing it (tjInstOrgnr), but it is missing.',
    );
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'Tjenestetype 21 (Langtidsopphold i institusjon) skal rapporteres med organisasjonsnummeret til enheten som yter tjenesten (tjInstOrgnr), men det mangler.',
    );
  });

  it('does not ask for one on optional or forbidden codes, expired housing codes or unknown codes', () => {
    const codes = [5, 6, 7, 9, 11, 14, 23, 24, 26, 27, 28, 29, 12, 13, 16, 10, 77];
    expectNone(fag(person({ services: codes.map((code, i) => service({ code, orgnr: null, tjTjID: i + 1 })) })), CODE);
  });

  it('leaves an empty or invalid tjInstOrgnr to org-number-invalid', () => {
    expectNone(fag(person({ services: [service({ code: 15, orgnr: '' })] })), CODE);
    expectNone(fag(person({ services: [service({ code: 15, orgnr: '123' })] })), CODE);
  });
});
