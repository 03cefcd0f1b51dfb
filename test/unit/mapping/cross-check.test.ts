import assert from 'node:assert/strict';
import { analyzeText } from '../../../server/src/analysis/analyze';
import { FagmeldingSummary } from '../../../server/src/analysis/summary';
import { defaultSettings, Finding } from '../../../server/src/analysis/types';
import { t } from '../../../server/src/i18n';
import { crossCheck, crossCheckIndexed, indexExtract, indexMappings, MAX_UNMAPPED_FINDINGS, parseMapping } from '../../../server/src/mapping';
import { serializeFagmelding } from '../../fixtures/generator';
import { MappingRowModel } from '../../fixtures/mappingGenerator';
import { extractModel, generated, mapping, rowWith } from './helpers';

const SEED = 'cross';

function extract(seed = SEED, persons = 60): { xml: string; summary: FagmeldingSummary } {
  const xml = serializeFagmelding(extractModel(seed, persons));
  const summary = analyzeText(xml, { settings: defaultSettings() }).summary;
  assert.ok(summary && summary.kind === 'fagmelding');
  return { xml, summary };
}

function check(mapText: string, ex = extract(), lang: 'nb' | 'en' = 'en') {
  const res = crossCheck([{ path: '/kommune/tjenester.kprmap', rows: parseMapping(mapText).rows }], [{ path: '/kommune/fagmelding-2023.xml', summary: ex.summary }]);
  const show = (text: string, fs: Finding[]) => fs.map((f) => ({ code: f.code, severity: f.severity, at: text.slice(f.start, f.end), message: t(lang, f.key, f.args), f }));
  return {
    inExtract: show(ex.xml, res.extractFindings.get('/kommune/fagmelding-2023.xml')!),
    inMapping: show(mapText, res.mappingFindings.get('/kommune/tjenester.kprmap')!),
    ex,
  };
}

function servicesWith(summary: FagmeldingSummary, code: string, orgnr?: string) {
  return summary.persons.flatMap((p) => p.services).filter((s) => s.code === code && (orgnr === undefined || (s.orgnr ?? '') === orgnr));
}

describe('mapping: cross-check against extracts (mapping-unmapped, mapping-unused)', () => {
  it('a generated mapping fits its generated extract: nothing on either side', () => {
    const r = check(generated(SEED, undefined, { history: true, notReported: 2 }));
    assert.deepEqual(r.inExtract.map((x) => x.message), []);
    assert.deepEqual(r.inMapping.map((x) => x.message), []);
  });

  it('a wrong org number in the mapping: the services are unmapped (once, counted), the row is unused', () => {
    let changed: MappingRowModel | undefined;
    let oldOrg = '';
    const text = generated(SEED, (rows) => {
      changed = rows[rowWith(rows, '15')];
      oldOrg = changed.orgnr;
      changed.orgnr = '874589098';
    });
    const r = check(text);
    const affected = servicesWith(r.ex.summary, '15', oldOrg);
    assert.ok(affected.length > 1, 'the seed gives several such services');
    assert.deepEqual(r.inExtract.map((x) => [x.code, x.severity, x.at]), [['mapping-unmapped', 3, '15']]);
    assert.equal(r.inExtract[0].f.start, Math.min(...affected.map((s) => s.codeAt.start)), 'on the first such service');
    const orgsOf15 = text.split('\r\n').filter((l) => l.split(';')[2] === '15').map((l) => l.split(';')[3]);
    assert.match(r.inExtract[0].message, new RegExp(`^No row in the mapping \\(tjenester\\.kprmap\\) gives service type 15 with organisation number ${oldOrg}\\. The mapping has service type 15 only with organisation number ${orgsOf15.slice(0, 3).join(', ')}`));
    assert.match(r.inExtract[0].message, new RegExp(` ${affected.length} services in this file have the same service type and organisation number\\.$`));
    assert.deepEqual(r.inMapping.map((x) => [x.code, x.severity, x.at]), [['mapping-unused', 4, changed!.localCode]]);
    assert.equal(
      r.inMapping[0].message,
      `No service in the extracts checked (fagmelding-2023.xml) has service type 15 with organisation number 874589098, so the row for "${changed!.localCode}" is not used. Is it old (set valid to), or does the EPJ map the service elsewhere?`,
    );
  });

  it('no row for a service type at all, in Norwegian', () => {
    const text = generated(SEED, (rows) => {
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i].kprCode === '29') rows.splice(i, 1);
    });
    const r = check(text, extract(), 'nb');
    assert.deepEqual(r.inExtract.map((x) => x.at), ['29']);
    assert.match(r.inExtract[0].message, /^Ingen rad i mappingen \(tjenester\.kprmap\) gir tjenestetype 29 uten organisasjonsnummer\. Ingen rad mapper til tjenestetype 29\./);
  });

  it('matches org numbers as the code requires: optional may be left out, required may not', () => {
    const ex = extract();
    const without6 = servicesWith(ex.summary, '6', '');
    assert.ok(without6.length > 0, 'the seed has safety alarms without org number');
    // Every row for 6 has an org number, yet the services without one are produced (optional).
    const r = check(generated(SEED), ex);
    assert.deepEqual(r.inExtract, []);
    // A 15 without org number is not produced by the rows with one.
    const person = ex.summary.persons.find((p) => p.services.some((s) => s.code === '15'))!;
    const s15 = person.services.find((s) => s.code === '15')!;
    const edited: FagmeldingSummary = { ...ex.summary, persons: [{ ...person, services: [{ ...s15, orgnr: undefined }] }] };
    const r2 = check(generated(SEED), { ...ex, summary: edited });
    assert.deepEqual(r2.inExtract.map((x) => x.code), ['mapping-unmapped']);
    assert.match(r2.inExtract[0].message, /gives service type 15 without an organisation number/);
  });

  it('validity: a row that ended before the services is no match, and not unused either (history)', () => {
    const text = generated(SEED, (rows) => {
      for (const r of rows) if (r.kprCode === '21') r.validTo = '2020-12-31';
    });
    const r = check(text);
    assert.ok(r.inExtract.length > 0);
    assert.ok(r.inExtract.every((x) => x.at === '21' && /not valid during the service’s period/.test(x.message)));
    assert.deepEqual(r.inMapping, []);
  });

  it('caps: at most 50 pairs one by one per extract, then one summarising finding', () => {
    const persons: FagmeldingSummary['persons'] = [];
    for (let i = 0; i < 80; i++) {
      const orgnr = String(800000000 + i);
      persons.push({ id: { value: String(i), start: 0, end: 0 }, testUser: false, services: [{ code: '15', codeAt: { start: i * 10, end: i * 10 + 2 }, orgnr }, { code: '15', codeAt: { start: i * 10 + 5, end: i * 10 + 7 }, orgnr }] });
    }
    const summary: FagmeldingSummary = { kind: 'fagmelding', header: { from: '20230101', to: '20231231' }, persons };
    const res = crossCheck([{ path: 'm.kprmap', rows: parseMapping(mapping(['HSP01;x;15;974589095;;;'])).rows }], [{ path: 'x.xml', summary }]);
    const found = res.extractFindings.get('x.xml')!;
    assert.equal(found.length, MAX_UNMAPPED_FINDINGS + 1);
    const last = found[found.length - 1];
    assert.equal(last.key, 'mapping-unmapped.more');
    assert.match(t('en', last.key, last.args), /^60 more services in 30 combinations of service type and organisation number have no row in the mapping \(m\.kprmap\), e\.g\. 15 \+ 80000005\d \(2×\)/);
  });

  it('without extracts nothing is unused; "-" rows and rows without a number never are', () => {
    const rows = parseMapping(mapping(['FRI01;Frisør;-;;;;', 'X;x;abc;;;;', 'HSP01;x;15;974589095;;;'])).rows;
    assert.deepEqual(crossCheck([{ path: 'm', rows }], []).mappingFindings.get('m'), []);
    const summary: FagmeldingSummary = { kind: 'fagmelding', header: {}, persons: [] };
    const res = crossCheck([{ path: 'm', rows }], [{ path: 'x', summary }]);
    assert.deepEqual(res.mappingFindings.get('m')!.map((f) => f.args.local), ['HSP01']);
  });

  it('applies the user’s severities', () => {
    const text = generated(SEED, (rows) => (rows[rowWith(rows, '15')].orgnr = '874589098'));
    const ex = extract();
    const res = crossCheck([{ path: 'm', rows: parseMapping(text).rows }], [{ path: 'x', summary: ex.summary }], defaultSettings({ severity: { 'mapping-unmapped': 'warning', 'mapping-unused': 'off' } }));
    assert.deepEqual(res.extractFindings.get('x')!.map((f) => f.severity), [2]);
    assert.deepEqual(res.mappingFindings.get('m'), []);
  });

  it('is cheap to redo while typing: the indexes are built once, the check itself is a lookup per pair', function () {
    this.timeout(60_000);
    const ex = extract('cross-big', 10_000);
    const services = ex.summary.persons.reduce((n, p) => n + p.services.length, 0);
    const index = indexExtract('x', ex.summary);
    const text = generated('cross-big');
    const t0 = performance.now();
    const runs = 50;
    for (let i = 0; i < runs; i++) crossCheckIndexed(indexMappings([{ path: 'm', rows: parseMapping(text).rows }]), [index]);
    const perRun = (performance.now() - t0) / runs;
    assert.ok(services > 20_000, `${services} services`);
    assert.ok(perRun < 20, `re-check after a mapping edit took ${perRun.toFixed(2)} ms`);
  });
});
