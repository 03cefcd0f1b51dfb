/**
 * The submission report as a page: the yearly letter's checklist first, then the numbers an analyst checks
 * before sending (persons, services per code, welfare technology, housing, organisation numbers) and the
 * findings per rule. Simple inline SVG bars where a picture beats a table. Pure: the model comes from the
 * engine (server/src/report/report.ts, via `kpr/report`).
 */
import type { ChecklistItem, ReportModel, ServiceCodeRow } from '../../../../server/src/report/report';
import { formatNumber, formatPeriod } from './format';
import { BUTTON_SCRIPT, esc, page } from './html';
import type { L10n } from './l10n';

export interface Bar {
  label: string;
  value: number;
  tone?: 'ok' | 'warning' | 'error' | 'info';
}

/** A horizontal bar chart with its numbers written out, readable without colour. */
export function barChart(bars: readonly Bar[], o: { title: string; locale: string; width?: number }): string {
  const width = o.width ?? 620;
  const labelWidth = 250;
  const valueWidth = 70;
  const barSpace = width - labelWidth - valueWidth;
  const rowHeight = 22;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * rowHeight + 4;
  const rows = bars
    .map((b, i) => {
      const y = i * rowHeight + 2;
      const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * barSpace));
      const cls = b.tone === 'error' ? 'bar bar-error' : b.tone === 'warning' ? 'bar bar-warning' : b.tone === 'ok' ? 'bar bar-ok' : 'bar';
      const label = b.label.length > 38 ? b.label.slice(0, 37) + '…' : b.label;
      return (
        `<g><title>${esc(`${b.label}: ${formatNumber(b.value, o.locale)}`)}</title>` +
        `<text x="0" y="${y + 15}">${esc(label)}</text>` +
        `<rect class="track" x="${labelWidth}" y="${y + 3}" width="${barSpace}" height="14" rx="2"></rect>` +
        `<rect class="${cls}" x="${labelWidth}" y="${y + 3}" width="${w}" height="14" rx="2"></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 15}">${esc(formatNumber(b.value, o.locale))}</text></g>`
      );
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${esc(o.title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg"><title>${esc(
    o.title,
  )}</title>${rows}</svg>`;
}

/** The checklist item in words: what was found and, when something is wrong, what to do. */
export function checklistText(item: ChecklistItem, l10n: L10n, locale: string): string {
  const n = formatNumber(item.count, locale);
  const other = formatNumber(item.other ?? 0, locale);
  switch (item.id) {
    case 'test-users':
      return item.count === 0
        ? l10n.t('No test users (such as "Donald Duck") in the extract.')
        : item.count === 1
          ? l10n.t('1 test user found. Test users must not be sent to KPR: remove it from the extract.')
          : l10n.t('{0} test users found. Test users must not be sent to KPR: remove them from the extract.', n);
    case 'welfare-technology':
      return item.count > 0
        ? l10n.t('Welfare technology is registered for {0} persons (safety alarm, location technology, electronic medication support, digital supervision).', n)
        : l10n.t('No welfare technology (service types 6, 26, 27, 28) in the extract. Check that it is registered, so that it is reported.');
    case 'rehabilitation':
      return item.count === 0
        ? l10n.t('No expired service type 16: re/habilitation outside an institution is reported with the person flag poHab.')
        : l10n.t('{0} services still use the expired service type 16 (re/habilitation outside an institution). Report it with the person flag poHab instead.', n);
    case 'housing':
      if (item.other === 1) return l10n.t('1 service uses an expired housing code 12 or 13: report it as service type 29.');
      if ((item.other ?? 0) > 0) return l10n.t('{0} services use the expired housing codes 12 or 13: report them as service type 29.', other);
      return item.count > 0
        ? l10n.t('Housing is reported as service type 29 ({0} services).', n)
        : l10n.t('No housing (service type 29) in the extract. Check that housing the municipality provides is registered.');
    case 'service-codes':
      return item.count === 0
        ? l10n.t('Every service type is in code list 9151. If the numbers below look wrong, check the mapping from local service types.')
        : l10n.t('{0} services have a service type that is not in code list 9151: check the mapping from local service types.', n);
    case 'org-numbers':
      return item.count === 0
        ? l10n.t('Organisation numbers: {0} in use, no problems found.', other)
        : item.count === 1
          ? l10n.t('1 problem with organisation numbers ({0} in use). Each service that needs one must carry the right organisation number.', other)
          : l10n.t('{0} problems with organisation numbers ({1} in use). Each service that needs one must carry the right organisation number.', n, other);
    case 'pair':
      if (item.status === 'info') {
        return l10n.t('Only one of the two messages is in this report. KPR needs both: the fagmelding (KPR_IPL) and the identmelding (KPR_IDE), sent separately.');
      }
      return item.count === 0
        ? l10n.t('The fagmelding and the identmelding belong together (løpenummer and persons match).')
        : l10n.t('{0} mismatches between the fagmelding and the identmelding (løpenummer or persons).', n);
    case 'errors':
      if (item.count > 0) {
        const errors = item.count === 1 ? l10n.t('1 error must be fixed before sending') : l10n.t('{0} errors must be fixed before sending', n);
        const warnings = item.other === 1 ? l10n.t('1 warning') : l10n.t('{0} warnings', other);
        return `${errors}; ${warnings}.`;
      }
      return (item.other ?? 0) > 0 ? l10n.t('No errors; {0} warnings to read before sending.', other) : l10n.t('No errors and no warnings.');
  }
}

export function statusLabel(status: ChecklistItem['status'], l10n: L10n): string {
  switch (status) {
    case 'ok':
      return l10n.t('OK');
    case 'warning':
      return l10n.t('Check');
    case 'error':
      return l10n.t('Fix');
    case 'info':
      return l10n.t('Note');
  }
}

const STATUS_CLASS: Record<ChecklistItem['status'], string> = { ok: 'status-ok', warning: 'status-warning', error: 'status-error', info: 'status-info' };

function severityWord(severity: number, l10n: L10n): string {
  return severity === 1 ? l10n.t('Error') : severity === 2 ? l10n.t('Warning') : severity === 3 ? l10n.t('Information') : l10n.t('Hint');
}

function codeLabel(r: ServiceCodeRow, l10n: L10n): string {
  const name = r.name ?? l10n.t('unknown service type');
  return `${r.code} ${name}`;
}

function codeNote(r: ServiceCodeRow, l10n: L10n): string {
  if (r.status === 'expired') return r.replacedBy !== undefined ? l10n.t('expired: use {0}', r.replacedBy) : l10n.t('expired');
  if (r.status === 'unknown') return l10n.t('not in code list 9151');
  return '';
}

export interface ReportOptions {
  nonce: string;
  cspSource: string;
  lang: string;
  locale: string;
  l10n: L10n;
  /** The municipality's name, when the configuration is known. */
  municipality?: string;
}

/** The whole report page. */
export function renderReport(m: ReportModel, o: ReportOptions): string {
  const { l10n, locale } = o;
  const num = (n: number) => formatNumber(n, locale);
  const parts: string[] = [];
  parts.push(`<h1>${esc(l10n.t('Submission report'))}</h1>`);
  const facts = [
    o.municipality ? o.municipality : '',
    m.period ? l10n.t('Period {0}', formatPeriod(m.period, locale)) : '',
    m.komnr ? l10n.t('Municipality number {0}', m.komnr) : '',
    m.lopenr ? l10n.t('Løpenummer {0}', m.lopenr) : '',
  ].filter(Boolean);
  parts.push(`<p class="muted">${esc(m.files.map((f) => f.name).join(', '))}${facts.length ? '<br>' + esc(facts.join(' · ')) : ''}</p>`);
  parts.push(`<div class="actions"><button data-command="refresh">${esc(l10n.t('Check again'))}</button></div>`);

  parts.push(`<h2>${esc(l10n.t('Before you send: the checklist from KPR\'s letter'))}</h2>`);
  parts.push(
    `<table id="checklist"><tbody>` +
      m.checklist
        .map(
          (c) =>
            `<tr data-check="${esc(c.id)}" data-status="${esc(c.status)}"><td><span class="status ${STATUS_CLASS[c.status]}">${esc(statusLabel(c.status, l10n))}</span></td><td>${esc(
              checklistText(c, l10n, locale),
            )}</td></tr>`,
        )
        .join('') +
      `</tbody></table>`,
  );

  parts.push(`<h2>${esc(l10n.t('In numbers'))}</h2>`);
  parts.push(
    `<table id="totals">` +
      (m.persons
        ? `<tr><th scope="row">${esc(l10n.t('Persons'))}</th><td class="num">${num(m.persons.total)}</td></tr>` +
          `<tr><th scope="row">${esc(l10n.t('Persons without any service'))}</th><td class="num">${num(m.persons.withoutServices)}</td></tr>` +
          `<tr><th scope="row">${esc(l10n.t('Services'))}</th><td class="num">${num(m.services.total)}</td></tr>`
        : '') +
      (m.idents ? `<tr><th scope="row">${esc(l10n.t('Identities in the identmelding'))}</th><td class="num">${num(m.idents.total)}</td></tr>` : '') +
      `<tr><th scope="row">${esc(l10n.t('Test users'))}</th><td class="num">${num((m.persons?.testUsers ?? 0) + (m.idents?.testUsers ?? 0))}</td></tr>` +
      `</table>`,
  );

  if (m.services.byCode.length > 0) {
    parts.push(`<h2>${esc(l10n.t('Services per service type'))}</h2>`);
    parts.push(
      barChart(
        m.services.byCode.map((r) => ({ label: codeLabel(r, l10n), value: r.services, tone: r.status === 'current' ? 'info' : 'error' })),
        { title: l10n.t('Services per service type'), locale },
      ),
    );
    parts.push(
      `<table id="services"><thead><tr><th>${esc(l10n.t('Service type'))}</th><th class="num">${esc(l10n.t('Services'))}</th><th class="num">${esc(
        l10n.t('Persons'),
      )}</th><th class="num">${esc(l10n.t('With org. number'))}</th><th>${esc(l10n.t('Note'))}</th></tr></thead><tbody>` +
        m.services.byCode
          .map(
            (r) =>
              `<tr data-code="${esc(r.code)}"><td>${esc(codeLabel(r, l10n))}</td><td class="num">${num(r.services)}</td><td class="num">${num(r.persons)}</td><td class="num">${num(
                r.withOrgNumber,
              )}</td><td>${esc(codeNote(r, l10n))}</td></tr>`,
          )
          .join('') +
        `</tbody></table>`,
    );
  }

  if (m.persons) {
    parts.push(`<h2>${esc(l10n.t('Welfare technology'))}</h2>`);
    parts.push(`<p>${esc(l10n.t('{0} persons have at least one welfare technology service ({1} services).', num(m.welfareTechnology.persons), num(m.welfareTechnology.services)))}</p>`);
    parts.push(
      barChart(
        m.welfareTechnology.byCode.map((r) => ({ label: codeLabel(r, l10n), value: r.persons, tone: r.persons === 0 ? 'warning' : 'ok' })),
        { title: l10n.t('Persons per welfare technology service type'), locale },
      ),
    );

    parts.push(`<h2>${esc(l10n.t('Housing (service type 29)'))}</h2>`);
    parts.push(
      `<p id="housing">${esc(l10n.t('{0} persons, {1} services with service type 29.', num(m.housing.persons), num(m.housing.services)))}` +
        (m.housing.expiredServices > 0 ? ` <strong>${esc(l10n.t('{0} services still use the expired codes 12 or 13.', num(m.housing.expiredServices)))}</strong>` : '') +
        `</p>`,
    );

    parts.push(`<h2>${esc(l10n.t('Organisation numbers'))}</h2>`);
    if (m.servicesMissingOrgNumber > 0) {
      parts.push(`<p><strong>${esc(l10n.t('{0} services of types that require an organisation number have none.', num(m.servicesMissingOrgNumber)))}</strong></p>`);
    }
    if (m.orgNumbers.length === 0) parts.push(`<p class="muted">${esc(l10n.t('No organisation numbers in the extract.'))}</p>`);
    else {
      parts.push(
        `<table id="org-numbers"><thead><tr><th>${esc(l10n.t('Organisation number'))}</th><th class="num">${esc(l10n.t('Services'))}</th><th class="num">${esc(
          l10n.t('Persons'),
        )}</th><th>${esc(l10n.t('Service types'))}</th><th></th></tr></thead><tbody>` +
          m.orgNumbers
            .map(
              (o) =>
                `<tr><td><code>${esc(o.orgNumber)}</code></td><td class="num">${num(o.services)}</td><td class="num">${num(o.persons)}</td><td>${esc(o.codes.join(', '))}</td><td>${
                  o.valid ? '' : `<span class="status status-error">${esc(l10n.t('invalid check digit'))}</span>`
                }</td></tr>`,
            )
            .join('') +
          `</tbody></table>`,
      );
    }
  }

  parts.push(`<h2>${esc(l10n.t('Findings per rule'))}</h2>`);
  const t = m.findings.totals;
  parts.push(`<p>${esc(l10n.t('{0} errors, {1} warnings, {2} notes', num(t.error), num(t.warning), num(t.information + t.hint)))}</p>`);
  if (m.findings.byRule.length > 0) {
    parts.push(
      barChart(
        m.findings.byRule.map((r) => ({ label: r.code, value: r.count, tone: r.severity === 1 ? 'error' : r.severity === 2 ? 'warning' : 'info' })),
        { title: l10n.t('Findings per rule'), locale },
      ),
    );
    parts.push(
      `<table id="findings"><thead><tr><th>${esc(l10n.t('Rule'))}</th><th>${esc(l10n.t('Severity'))}</th><th class="num">${esc(l10n.t('Count'))}</th><th>${esc(
        l10n.t('Example'),
      )}</th></tr></thead><tbody>` +
        m.findings.byRule
          .map(
            (r) =>
              `<tr data-rule="${esc(r.code)}"><td><code>${esc(r.code)}</code></td><td>${esc(severityWord(r.severity, l10n))}</td><td class="num">${num(r.count)}</td><td>${esc(
                r.example,
              )}</td></tr>`,
          )
          .join('') +
        `</tbody></table>`,
    );
  }
  return page({ nonce: o.nonce, cspSource: o.cspSource, lang: o.lang, title: l10n.t('Submission report') }, parts.join('\n'), BUTTON_SCRIPT);
}
