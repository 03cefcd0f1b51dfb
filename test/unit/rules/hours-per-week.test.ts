import assert from 'node:assert/strict';
import { expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'hours-per-week';

describe('hours-per-week', () => {
  it('finds nothing in a valid fagmelding from the builders', () => {
    expectNone(fag(person()), CODE);
  });

  it('accepts 0 to 168 hours, decimals included', () => {
    const services = ['0', '12.5', '168', '168.00', '.5'].map((h, i) => service({ timerUke: h, resTimerUke: h, tjTjID: i + 1 }));
    expectNone(fag(person({ services })), CODE);
  });

  it('reports more than 168 hours in tjTimerUke and tjResTimerUke, telling to divide monthly hours by 4', () => {
    const xml = fag(person({ services: [service({ timerUke: '168.01', resTimerUke: '600' })] }));
    const f = expectFindings(xml, CODE, ['168.01', '600']);
    assert.equal(
      f[1].message,
      'tjResTimerUke 600 is more than 168, the number of hours in a week. Monthly hours must be divided by 4 before they are reported as hours per week.',
    );
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'tjTimerUke 168.01 er mer enn 168, antall timer i en uke. Timer per måned skal deles på 4 før de rapporteres som timer per uke.',
    );
    assert.equal(f[0].severity, 1);
  });

  it('reports negative hours', () => {
    const [f] = expectFindings(fag(person({ services: [service({ timerUke: '-2.5' })] })), CODE, ['-2.5']);
    assert.equal(f.message, 'tjTimerUke -2.5 is negative; hours per week must be 0 or more (at most 168). Monthly hours must be divided by 4.');
    expectNone(fag(person({ services: [service({ timerUke: '-0.00' })] })), CODE);
  });

  it('leaves values that are not decimals to the schema', () => {
    expectNone(fag(person({ services: [service({ timerUke: '200 t' }), service({ timerUke: '1e3', tjTjID: 2 }), service({ timerUke: '200,5', tjTjID: 3 })] })), CODE);
  });
});
