/**
 * The detail page of one sending: what KPR answered in plain words, the Apprec's errors, a timeline of what
 * happened, the facts a support person asks for, the receipt's raw XML (escaped), and the actions (open the
 * file that was sent, copy the MsgId, check again). Pure: the webview panel only shows the string.
 */
import type { SendingInfo } from '../../../../server/src/lsp/protocol';
import { baseName, envLabel, formatNumber, formatTime } from './format';
import { BUTTON_SCRIPT, esc, page } from './html';
import type { L10n } from './l10n';
import { presentStatus, StatusKind } from './sendings';

export type Tone = 'info' | 'ok' | 'warning' | 'error';

export interface TimelineEvent {
  at: string;
  kind: 'recorded' | 'sent' | 'unconfirmed' | 'failed' | 'apprec' | 'transport-error';
  text: string;
  tone: Tone;
}

/** Every step the journal knows, oldest first. */
export function timeline(s: SendingInfo, l10n: L10n): TimelineEvent[] {
  const events: TimelineEvent[] = [{ at: s.createdAt, kind: 'recorded', text: l10n.t('Recorded in the sending journal, ready to send'), tone: 'info' }];
  if (s.sentAt) events.push({ at: s.sentAt, kind: 'sent', text: l10n.t('Accepted by the service bus'), tone: 'info' });
  if (s.state === 'sending-unconfirmed') {
    events.push({ at: s.updatedAt, kind: 'unconfirmed', text: l10n.t('The connection broke before the service bus confirmed; the sending may have arrived'), tone: 'warning' });
  }
  if (s.failure) events.push({ at: s.failure.at, kind: 'failed', text: l10n.t('Not sent: {0}', s.failure.reason), tone: 'error' });
  for (const te of s.transportErrors) {
    events.push({ at: te.receivedAt, kind: 'transport-error', text: l10n.t('Transport error from the service bus: {0}', te.errorCondition), tone: 'error' });
  }
  for (const a of s.apprecs) {
    const tone: Tone = a.status === '1' ? 'ok' : a.status === '3' ? 'warning' : 'error';
    const what = a.status === '1' ? l10n.t('OK') : a.status === '2' ? l10n.t('Rejected') : a.status === '3' ? l10n.t('OK with errors') : a.status;
    events.push({ at: a.receivedAt, kind: 'apprec', text: l10n.t('Apprec received: {0}', what), tone });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

/** One or two sentences on what the state means and what to do next. */
export function verdict(kind: StatusKind, s: SendingInfo, l10n: L10n): string {
  switch (kind) {
    case 'ok':
      return l10n.t('KPR accepted the sending. Nothing more to do for this file.');
    case 'ok-with-errors':
      return l10n.t('KPR accepted the sending, but parts of it have errors. Read the errors below; correct the extract and send it again before the deadline if they matter.');
    case 'rejected':
      return l10n.t('KPR rejected the sending. Fix what the errors below say and send the corrected file again before the deadline (15 January).');
    case 'transport-error':
      return l10n.t('The service bus could not deliver the sending to KPR. Read the error below; it is usually about the address or the certificate, not the content.');
    case 'not-sent':
      return l10n.t('The sending never left this machine: {0}', s.failure?.reason ?? '');
    case 'unconfirmed':
      return l10n.t('It is not known whether the service bus got the sending: the connection broke before it confirmed. Wait for an Apprec before sending the same file again.');
    case 'waiting':
      return l10n.t('No Apprec yet. KPR can take some time to answer; do not send again before the Apprec has been checked.');
  }
}

export interface DetailOptions {
  nonce: string;
  cspSource: string;
  lang: string;
  locale: string;
  l10n: L10n;
}

const TONE_CLASS: Record<StatusKind, string> = {
  ok: 'status-ok',
  'ok-with-errors': 'status-warning',
  rejected: 'status-error',
  'transport-error': 'status-error',
  'not-sent': 'status-muted',
  unconfirmed: 'status-warning',
  waiting: 'status-info',
};

function row(label: string, value: string | undefined): string {
  return value ? `<tr><th scope="row">${esc(label)}</th><td>${esc(value)}</td></tr>` : '';
}

/** The whole detail page of a sending. */
export function renderSendingDetail(s: SendingInfo, o: DetailOptions): string {
  const { l10n, locale } = o;
  const status = presentStatus(s.state, l10n);
  const name = baseName(s.file);
  const latest = s.apprecs[s.apprecs.length - 1];
  const parts: string[] = [];

  parts.push(`<h1>${esc(name)} <span class="status ${TONE_CLASS[status.kind]}" data-status="${esc(status.kind)}">${esc(status.word)}</span></h1>`);
  parts.push(`<p class="muted">${esc(`${s.type} · ${envLabel(s.env, l10n)} · MsgId ${s.msgId}`)}</p>`);
  parts.push(
    `<div class="actions">` +
      `<button data-command="openFile">${esc(l10n.t('Open the file that was sent'))}</button>` +
      `<button class="secondary" data-command="copyMsgId">${esc(l10n.t('Copy MsgId'))}</button>` +
      `<button class="secondary" data-command="checkAgain">${esc(l10n.t('Check again'))}</button>` +
      `</div>`,
  );

  parts.push(`<h2>${esc(l10n.t('What KPR answered'))}</h2>`);
  parts.push(`<p id="verdict">${esc(verdict(status.kind, s, l10n))}</p>`);
  if (latest) {
    if (latest.errors.length > 0) {
      parts.push(
        `<table id="apprec-errors"><thead><tr><th>${esc(l10n.t('Code'))}</th><th>${esc(l10n.t('Meaning'))}</th><th>${esc(l10n.t('Details'))}</th><th>${esc(
          l10n.t('Where'),
        )}</th></tr></thead><tbody>` +
          latest.errors
            .map(
              (e) =>
                `<tr><td><code>${esc(e.code)}</code></td><td>${esc(e.text ?? '')}</td><td>${esc(e.details ?? '')}</td><td>${esc(
                  [e.rule, e.location].filter(Boolean).join(' @ '),
                )}</td></tr>`,
            )
            .join('') +
          `</tbody></table>`,
      );
    }
    parts.push(
      `<table>` +
        row(l10n.t('Apprec received'), formatTime(latest.receivedAt, locale)) +
        row(l10n.t('Apprec id'), latest.apprecId) +
        row(l10n.t('Message type named in the Apprec'), latest.originalMsgType) +
        row(l10n.t('From'), [latest.sender?.name, latest.sender?.herId ? `HER-id ${latest.sender.herId}` : ''].filter(Boolean).join(', ')) +
        `</table>`,
    );
  }
  if (s.transportErrors.length > 0) {
    parts.push(
      `<table id="transport-errors"><thead><tr><th>${esc(l10n.t('Transport error'))}</th><th>${esc(l10n.t('Details'))}</th><th>${esc(
        l10n.t('Received'),
      )}</th></tr></thead><tbody>` +
        s.transportErrors
          .map((te) => `<tr><td><code>${esc(te.errorCondition)}</code></td><td>${esc(te.errorDescription)}</td><td>${esc(formatTime(te.receivedAt, locale))}</td></tr>`)
          .join('') +
        `</tbody></table>`,
    );
  }

  parts.push(`<h2>${esc(l10n.t('Timeline'))}</h2>`);
  parts.push(
    `<ol class="timeline">` +
      timeline(s, l10n)
        .map((e) => `<li class="${e.tone}" data-kind="${esc(e.kind)}"><span class="muted">${esc(formatTime(e.at, locale))}</span> — ${esc(e.text)}</li>`)
        .join('') +
      `</ol>`,
  );

  parts.push(`<h2>${esc(l10n.t('The sending'))}</h2>`);
  parts.push(
    `<table>` +
      row(l10n.t('File'), s.file) +
      row(l10n.t('Message type'), s.type) +
      row(l10n.t('Environment'), envLabel(s.env, l10n)) +
      row(l10n.t('Receiver HER-id'), s.toHerId) +
      row(l10n.t('Size'), s.size !== undefined ? l10n.t('{0} bytes', formatNumber(s.size, locale)) : undefined) +
      row(l10n.t('Sent'), s.sentAt ? formatTime(s.sentAt, locale) : l10n.t('not sent')) +
      row(l10n.t('Sent again on purpose'), s.forced ? l10n.t('yes') : undefined) +
      row('MsgId', s.msgId) +
      row(l10n.t('Journal'), s.journal) +
      `</table>`,
  );

  if (s.apprecs.length > 0) {
    parts.push(`<h2>${esc(l10n.t('The Apprec as received'))}</h2>`);
    for (const a of [...s.apprecs].reverse()) {
      parts.push(
        `<details${a === latest ? ' open' : ''}><summary>${esc(l10n.t('Raw XML received {0}', formatTime(a.receivedAt, locale)))}</summary><pre class="raw">${esc(a.raw)}</pre></details>`,
      );
    }
  }
  return page({ nonce: o.nonce, cspSource: o.cspSource, lang: o.lang, title: `KPR – ${name}` }, parts.join('\n'), BUTTON_SCRIPT);
}
