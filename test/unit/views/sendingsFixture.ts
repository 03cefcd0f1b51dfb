/**
 * Sendings as the side panel gets them: recorded in a real journal in a temp folder, answered with real
 * Apprec XML (built by the engine), and turned into `SendingInfo` by the server's own conversion.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SendingInfo } from '../../../server/src/lsp/protocol';
import { sendingInfo } from '../../../server/src/lsp/submission';
import { ApprecErrorInput, buildApprec } from '../../../server/src/submit/apprec';
import { Journal } from '../../../server/src/submit/journal';

export interface Scenario {
  file?: string;
  type?: 'KPR_IPL' | 'KPR_IDE';
  env?: string;
  /** What happened: answered with an Apprec status, a transport error, a failed send, or nothing yet. */
  outcome: '1' | '2' | '3' | 'transport-error' | 'failed' | 'waiting';
  errors?: ApprecErrorInput[];
  sentAt?: Date;
}

export class JournalFixture {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-views-'));
  private clock = new Date('2025-01-10T08:00:00Z');
  readonly journal = Journal.open(path.join(this.dir, 'journal.jsonl'), { now: () => this.clock });

  /** Records and answers one sending; returns its MsgId. */
  add(s: Scenario): string {
    const msgId = randomUUID();
    const type = s.type ?? 'KPR_IPL';
    if (s.sentAt) this.clock = s.sentAt;
    this.journal.recordSending({
      msgId,
      file: s.file ?? '/data/kpr/fagmelding-2024.xml',
      sha256: createHash('sha256').update(msgId).digest('hex'),
      type,
      env: s.env ?? 'qa',
      toHerId: '171479',
      size: 123456,
    });
    if (s.outcome === 'failed') {
      this.journal.markFailed(msgId, 'the service bus refused the password');
      return msgId;
    }
    this.journal.markSent(msgId);
    this.clock = new Date(this.clock.getTime() + 60_000);
    if (s.outcome === 'transport-error') {
      this.journal.applyTransportError(msgId, { errorCondition: 'transport:invalid-certificate', errorDescription: 'The signing certificate is not trusted' });
    } else if (s.outcome !== 'waiting') {
      const raw = buildApprec({
        status: s.outcome,
        errors: s.outcome === '1' ? [] : (s.errors ?? [{ code: 'T02', details: 'Element tjTjenType is missing', rule: 'schema', location: 'PERSON[3]/TJENESTE[1]' }]),
        original: { msgType: type, issueDate: '2025-01-10T08:00:00Z', id: msgId },
        sender: { name: 'KPR testmottak', herId: '171479' },
        receiver: { name: 'Øvre Testdal kommune', herId: '1110001', service: { name: 'Saksbehandling', herId: '1110002' } },
      });
      this.journal.applyApprec(msgId, { status: s.outcome, originalMsgId: msgId, originalMsgType: type, raw, errors: [] });
    }
    return msgId;
  }

  sendings(lang: 'nb' | 'en' = 'en'): SendingInfo[] {
    return this.journal.entries().map((e) => sendingInfo(e, this.journal.path, lang));
  }

  dispose(): void {
    this.journal.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
