/**
 * The submission report page (client/src/views/model/reportHtml.ts) over a real report model: the
 * checklist in words, the numbers, and bar charts whose bars are as long as their numbers say.
 */
import assert from 'node:assert/strict';
import { barChart, checklistText, renderReport } from '../../../client/src/views/model/reportHtml';
import { buildReport } from '../../../server/src/report/report';
import { analyze, fag, person, service } from '../../support/kpr';
import { en, nb } from './l10nFixture';

const PAGE = { nonce: 'abc', cspSource: 'vscode-webview://x', lang: 'en', locale: 'en-GB', l10n: en };

function model(lang: 'nb' | 'en') {
  const xml = fag([
    person({ id: 1, services: [service({ code: 6, peId: 1 }), service({ code: 12, peId: 1, tjTjID: 2, orgnr: null })] }),
    person({ id: 2, services: [service({ code: 6, peId: 2 }), service({ code: 15, peId: 2, tjTjID: 2 })] }),
    person({ id: 3, services: [service({ code: 15, peId: 3, orgnr: '&lt;b&gt;974' })] }),
  ]);
  const r = analyze(xml);
  return buildReport({ files: [{ name: 'fagmelding <2024>.xml', kind: r.kind, summary: r.summary, findings: r.findings }], lang });
}

describe('submission report page (view model)', () => {
  it('opens with the letter\'s checklist, in words', () => {
    const html = renderReport(model('en'), { ...PAGE, municipality: 'Øvre Testdal kommune' });
    assert.match(html, /<h1>Submission report<\/h1>/);
    assert.match(html, /Øvre Testdal kommune · Period 01\/01\/2023 – 31\/12\/2023/);
    assert.match(html, /<tr data-check="housing" data-status="error"><td><span class="status status-error">Fix<\/span><\/td><td>1 service uses an expired housing code 12 or 13: report it as service type 29\.<\/td><\/tr>/);
    assert.match(html, /data-check="welfare-technology" data-status="ok"/);
    assert.match(html, /Welfare technology is registered for 2 persons/);
    assert.match(html, /Only one of the two messages is in this report/);
  });

  it('draws bars in proportion to the numbers, and writes the numbers out', () => {
    const svg = barChart(
      [
        { label: '15 Health care at home', value: 40 },
        { label: '6 Safety alarm', value: 10, tone: 'ok' },
        { label: '26 Location technology', value: 0, tone: 'warning' },
      ],
      { title: 'Services', locale: 'en', width: 620 },
    );
    const widths = [...svg.matchAll(/<rect class="bar[^"]*" x="250" y="\d+" width="(\d+)"/g)].map((m) => Number(m[1]));
    assert.deepEqual(widths, [300, 75, 0]);
    assert.match(svg, /role="img" aria-label="Services"/);
    assert.match(svg, /<text x="331" y="\d+">10<\/text>/, 'the number follows its bar');
    assert.match(svg, /class="bar bar-warning"/);
  });

  it('escapes every value that comes from the files', () => {
    const html = renderReport(model('en'), PAGE);
    const m = model('en');
    assert.ok(m.orgNumbers.some((o) => o.orgNumber === '<b>974'), 'the file\'s value, decoded');
    assert.ok(!html.includes('<b>974'), 'an org number of "<b>974" is not markup');
    assert.ok(html.includes('<code>&lt;b&gt;974</code>'));
    assert.ok(html.includes('fagmelding &lt;2024&gt;.xml'));
  });

  it('lists the service types with their names and what replaces an expired one', () => {
    const html = renderReport(model('en'), PAGE);
    assert.match(html, /<tr data-code="12"><td>12 Sheltered housing<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">0<\/td><td>expired: use 29<\/td><\/tr>/);
    assert.match(html, /<tr data-code="6"><td>6 Safety alarm<\/td><td class="num">2<\/td><td class="num">2<\/td>/);
    assert.match(html, /<tr data-rule="deprecated-service-code"><td><code>deprecated-service-code<\/code><\/td><td>Error<\/td><td class="num">1<\/td>/);
  });

  it('reads in Norwegian with the Norwegian bundle', () => {
    const m = model('nb');
    const html = renderReport(m, { ...PAGE, lang: 'nb', locale: 'nb-NO', l10n: nb });
    assert.match(html, /<h1>Innsendingsrapport<\/h1>/);
    assert.match(html, /Før du sender: sjekklisten fra KPRs brev/);
    assert.match(html, /12 Omsorgsbolig/);
    assert.match(html, /Periode 01\.01\.2023 – 31\.12\.2023/);
    const housing = m.checklist.find((c) => c.id === 'housing')!;
    assert.equal(checklistText(housing, nb, 'nb'), '1 tjeneste bruker en utgått boligkode 12 eller 13: rapporter den som tjenestetype 29.');
  });
});
