/**
 * The submission report model (server/src/report/report.ts), computed from real analyses of generated
 * extracts: what the analyst reads before sending must add up to what the files hold.
 */
import assert from 'node:assert/strict';
import { checkPair } from '../../server/src/analysis/pairing';
import { defaultSettings, Severity } from '../../server/src/analysis/types';
import { buildReport, ReportFileInput, ReportModel } from '../../server/src/report/report';
import { makePersonId } from '../../server/src/domain/identifiers';
import { Rng } from '../fixtures/rng';
import { analyze, fag, ide, ident, person, service } from '../support/kpr';

function fileOf(name: string, xml: string, settings = {}): ReportFileInput {
  const r = analyze(xml, settings);
  return { name, kind: r.kind, ...(r.summary ? { summary: r.summary } : {}), findings: r.findings };
}

function check(m: ReportModel, id: string) {
  const c = m.checklist.find((x) => x.id === id);
  assert.ok(c, `checklist item ${id}`);
  return c;
}

describe('submission report', () => {
  const extract = fag(
    [
      person({ id: 1, services: [service({ code: 6, peId: 1, tjTjID: 1 }), service({ code: 15, peId: 1, tjTjID: 2 })] }),
      person({ id: 2, services: [service({ code: 6, peId: 2 }), service({ code: 29, peId: 2, tjTjID: 2 })] }),
      person({ id: 3, services: [service({ code: 15, peId: 3, orgnr: '974589095' }), service({ code: 15, peId: 3, tjTjID: 2, orgnr: '974589096' })] }),
      person({ id: 4, services: [] }),
    ],
    { lopenr: '7' },
  );

  it('counts persons, services per code with names, and distinct persons per code', () => {
    const m = buildReport({ files: [fileOf('fagmelding.xml', extract)], lang: 'nb' });
    assert.deepEqual(m.persons, { total: 4, testUsers: 0, withoutServices: 1 });
    assert.equal(m.services.total, 6);
    const rows = Object.fromEntries(m.services.byCode.map((r) => [r.code, r]));
    assert.deepEqual(Object.keys(rows), ['6', '15', '29'], 'ordered by code');
    assert.equal(rows['15'].services, 3);
    assert.equal(rows['15'].persons, 2, 'person 3 has two services of type 15');
    assert.equal(rows['15'].name, 'Helsetjenester i hjemmet');
    assert.equal(rows['6'].welfareTechnology, true);
    assert.equal(rows['29'].orgNumberRule, 'forbidden');
    assert.equal(m.period?.from, '20230101');
    assert.equal(m.lopenr, '7');
  });

  it('always shows the four welfare technology codes, zeros included', () => {
    const m = buildReport({ files: [fileOf('fagmelding.xml', extract)], lang: 'en' });
    assert.deepEqual(
      m.welfareTechnology.byCode.map((r) => [r.code, r.persons, r.name]),
      [
        ['6', 2, 'Safety alarm'],
        ['26', 0, 'Location technology (GPS)'],
        ['27', 0, 'Electronic medication support'],
        ['28', 0, 'Digital supervision'],
      ],
    );
    assert.equal(m.welfareTechnology.persons, 2);
    assert.equal(check(m, 'welfare-technology').status, 'ok');

    const none = buildReport({ files: [fileOf('f.xml', fag(person({ services: [service({ code: 15 })] })))], lang: 'en' });
    assert.equal(check(none, 'welfare-technology').status, 'warning', 'no welfare technology at all is worth a look');
    assert.equal(check(none, 'housing').status, 'warning', 'nor is a year without housing');
  });

  it('flags the expired housing codes 12/13 and rehabilitation 16 the letter warns about', () => {
    const xml = fag([
      person({ id: 1, services: [service({ code: 12, peId: 1, orgnr: null }), service({ code: 13, peId: 1, tjTjID: 2, orgnr: null })] }),
      person({ id: 2, services: [service({ code: 16, peId: 2 })] }),
    ]);
    const m = buildReport({ files: [fileOf('f.xml', xml)], lang: 'nb' });
    const housing = check(m, 'housing');
    assert.equal(housing.status, 'error');
    assert.equal(housing.other, 2);
    assert.equal(m.housing.expiredServices, 2);
    assert.deepEqual(check(m, 'rehabilitation'), { id: 'rehabilitation', status: 'error', count: 1 });
    const twelve = m.services.byCode.find((r) => r.code === '12')!;
    assert.equal(twelve.status, 'expired');
    assert.equal(twelve.replacedBy, 29);
    assert.ok(m.findings.byRule.some((r) => r.code === 'deprecated-service-code' && r.count === 3 && r.severity === Severity.Error));
  });

  it('lists the organisation numbers in use, with a bad check digit marked', () => {
    const m = buildReport({ files: [fileOf('fagmelding.xml', extract)], lang: 'nb' });
    const byNumber = Object.fromEntries(m.orgNumbers.map((o) => [o.orgNumber, o]));
    assert.equal(byNumber['974589095'].valid, true);
    assert.equal(byNumber['974589096'].valid, false);
    assert.deepEqual(byNumber['974589095'].codes, ['6', '15']);
    assert.equal(m.orgNumbers[0].orgNumber, '974589095', 'the most used first');
    const org = check(m, 'org-numbers');
    assert.equal(org.status, 'error');
    assert.equal(org.other, 2);
  });

  it('counts test users and puts them first on the checklist, as severe as the test-user rule says', () => {
    const m = buildReport({ files: [fileOf('f.xml', extract, { testUsers: ['3'] })], lang: 'nb' });
    assert.equal(m.persons?.testUsers, 1);
    assert.equal(m.checklist[0].id, 'test-users');
    assert.equal(m.checklist[0].status, 'warning', 'the rule reports test users as warnings by default');
    assert.equal(m.checklist[0].count, 1);
    const strict = buildReport({ files: [fileOf('f.xml', extract, { testUsers: ['3'], severity: { 'test-user': 'error' } })], lang: 'nb' });
    assert.equal(strict.checklist[0].status, 'error');
    // Switching the rule off does not hide a test person from the checklist: the letter says none may be sent.
    const silenced = buildReport({ files: [fileOf('f.xml', extract, { testUsers: ['3'], severity: { 'test-user': 'off' } })], lang: 'nb' });
    assert.equal(silenced.checklist[0].status, 'error');
  });

  it('gives the findings per rule with a Norwegian example message, worst first', () => {
    const m = buildReport({ files: [fileOf('f.xml', extract)], lang: 'nb' });
    const first = m.findings.byRule[0];
    assert.equal(first.severity, Severity.Error);
    const invalid = m.findings.byRule.find((r) => r.code === 'org-number-invalid');
    assert.ok(invalid, JSON.stringify(m.findings.byRule));
    assert.match(invalid.example, /974589096/);
    assert.match(invalid.example, /organisasjonsnummer/i);
    assert.equal(m.findings.totals.error, m.findings.byRule.filter((r) => r.severity === Severity.Error).reduce((n, r) => n + r.count, 0));
    assert.deepEqual(check(m, 'errors'), { id: 'errors', status: 'error', count: m.findings.totals.error, other: m.findings.totals.warning });
  });

  it('reports a matching pair, and notes when only one of the two messages is there', () => {
    const fagXml = fag([person({ id: 1 }), person({ id: 2 })], { lopenr: '5' });
    const ideXml = ide([ident({ pid: '1', fid: '' }), ident({ pid: '2', fid: '' })], { lopenr: '5' });
    const f = fileOf('fagmelding.xml', fagXml);
    const i = fileOf('identmelding.xml', ideXml);
    const pair = checkPair(
      { path: '/x/fagmelding.xml', summary: f.summary as never },
      { path: '/x/identmelding.xml', summary: i.summary as never },
      defaultSettings(),
    );
    const m = buildReport({ files: [{ ...f, findings: [...f.findings, ...pair.fagFindings] }, { ...i, findings: [...i.findings, ...pair.ideFindings] }], lang: 'en' });
    assert.equal(check(m, 'pair').status, 'ok');
    assert.deepEqual(m.idents, { total: 2, testUsers: 0 });
    assert.deepEqual(
      m.files.map((x) => [x.name, x.kind, x.persons, x.idents]),
      [
        ['fagmelding.xml', 'fagmelding', 2, undefined],
        ['identmelding.xml', 'identmelding', undefined, 2],
      ],
    );

    const alone = buildReport({ files: [f], lang: 'en' });
    assert.equal(check(alone, 'pair').status, 'info');

    const mismatch = ide([ident({ pid: '1' }), ident({ pid: '9' })], { lopenr: '6' });
    const j = fileOf('identmelding.xml', mismatch);
    const bad = checkPair({ path: '/x/f.xml', summary: f.summary as never }, { path: '/x/i.xml', summary: j.summary as never }, defaultSettings());
    const m2 = buildReport({ files: [{ ...f, findings: [...f.findings, ...bad.fagFindings] }, { ...j, findings: [...j.findings, ...bad.ideFindings] }], lang: 'en' });
    const p = check(m2, 'pair');
    assert.notEqual(p.status, 'ok');
    assert.ok(p.count > 0);
  });

  it('never puts a person number in an example, even when a rule quotes the value', () => {
    const fnr = makePersonId(new Rng('report'), { kind: 'fnr' });
    const xml = fag(person({ id: 1, services: [service({ code: 15, orgnr: fnr })] }));
    const m = buildReport({ files: [fileOf('f.xml', xml)], lang: 'nb' });
    assert.ok(m.findings.byRule.some((r) => r.code === 'org-number-invalid'), 'the value is reported');
    for (const r of m.findings.byRule) assert.ok(!r.example.includes(fnr), `${r.code}: ${r.example}`);
    assert.ok(m.orgNumbers.length === 1 && !m.orgNumbers[0].orgNumber.includes(fnr) && !m.orgNumbers[0].valid, JSON.stringify(m.orgNumbers));
  });
});
