/**
 * An AppRec opened in the editor is not checked but explained: its status and each of its errors become
 * information findings, so an analyst reads the receipt without decoding code lists.
 */
import { registerMessages } from '../i18n';
import { attr, child, XmlElement } from '../xml/parser';
import { FindingInput } from './types';

registerMessages({
  'apprec.status': {
    nb: 'Applikasjonskvittering: {status} ({code}) for melding {msgId}.',
    en: 'Application receipt: {status} ({code}) for message {msgId}.',
  },
  'apprec.error': {
    nb: 'Feil {code}: {text}',
    en: 'Error {code}: {text}',
  },
});

const STATUS: Record<string, { nb: string; en: string }> = {
  '1': { nb: 'OK', en: 'OK' },
  '2': { nb: 'Avvist', en: 'Rejected' },
  '3': { nb: 'OK, feil i delmelding', en: 'OK, errors in part of the message' },
};

export function checkApprec(root: XmlElement, report: (f: FindingInput) => void): void {
  const status = child(root, 'Status');
  const v = status ? attr(status, 'V')?.value ?? '' : '';
  const original = child(root, 'OriginalMsgId');
  const msgId = original ? child(original, 'Id')?.text.trim() ?? '?' : '?';
  if (status) {
    const known = STATUS[v];
    report({
      code: 'apprec',
      start: status.start,
      end: status.end,
      key: 'apprec.status',
      args: { status: known ? known.en : attr(status, 'DN')?.value ?? v, code: v, msgId },
    });
  }
  for (const err of root.children) {
    if (err.local !== 'Error') continue;
    const code = attr(err, 'V')?.value ?? '?';
    const dn = attr(err, 'DN')?.value ?? '';
    const details = child(err, 'Details')?.text.trim() ?? child(err, 'ErrorLocation')?.text.trim() ?? '';
    report({
      code: 'apprec',
      start: err.start,
      end: err.end,
      key: 'apprec.error',
      args: { code, text: [dn, details].filter(Boolean).join(' – ') },
    });
  }
}
