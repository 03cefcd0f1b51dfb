import assert from 'node:assert/strict';
import { SERVICE_CODES } from '../../../server/src/domain/serviceCodes';
import { expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'unknown-service-code';

describe('unknown-service-code', () => {
  it('finds nothing in a valid fagmelding from the builders', () => {
    expectNone(fag(person()), CODE);
  });

  it('accepts every code of list 9151 and leaves the expired ones to deprecated-service-code', () => {
    const services = SERVICE_CODES.map((c, i) => service({ code: c.code, tjTjID: i + 1 }));
    expectNone(fag(person({ services })), CODE);
    const expired = [10, 12, 13, 16].map((code, i) => service({ code, tjTjID: i + 1 }));
    expectNone(fag(person({ services: expired })), CODE);
  });

  it('reports an integer that is not in the list, at the code', () => {
    const xml = fag(person({ services: [service({ code: 30 }), service({ code: 15, tjTjID: 2 }), service({ code: 0, tjTjID: 3 }), service({ code: 115, tjTjID: 4 })] }));
    const f = expectFindings(xml, CODE, ['30', '0', '115']);
    assert.equal(f[0].message, 'Service type 30 is not in code list 9151 (tjenestetype). Check the mapping from the local service to the KPR service type.');
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'Tjenestetype 30 finnes ikke i kodeverk 9151 (tjenestetype). Sjekk mappingen fra lokal tjeneste til tjenestetype for KPR.',
    );
    assert.equal(f[0].severity, 1);
  });

  it('reads codes as xs:short: 015 is 15, -3 is unknown, text is the schema’s job', () => {
    expectNone(fag(person({ services: [service({ code: '015' })] })), CODE);
    expectFindings(fag(person({ services: [service({ code: '-3' })] })), CODE, ['-3']);
    expectNone(fag(person({ services: [service({ code: 'BPA' })] })), CODE);
    expectNone(fag(person({ services: [service({ code: '15.5' })] })), CODE);
    expectNone(fag(person({ services: [service({ code: '99999' })] })), CODE);
  });
});
