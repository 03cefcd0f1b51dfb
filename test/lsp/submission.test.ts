/**
 * The submission requests of the real language server (bundled, over stdio, as VS Code starts it):
 * configuration, file candidates, pre-flight, the report, certificate checks, and sending, both to the
 * built-in local receiver and to a real RabbitMQ broker with a throwaway test PKI, where KPR's side is
 * scripted here and answers with real, signed and encrypted Apprecs.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import {
  APPREC_RECEIVED_NOTIFICATION,
  ApprecReceivedParams,
  Candidate,
  CANDIDATES_REQUEST,
  CONFIG_REQUEST,
  ConfigInfo,
  JOURNAL_REQUEST,
  JournalResult,
  LISTEN_REQUEST,
  ListenerStateParams,
  LISTENER_STATE_NOTIFICATION,
  PREFLIGHT_REQUEST,
  PreflightResult,
  REPORT_REQUEST,
  ReportModel,
  SENDINGS_CHANGED_NOTIFICATION,
  SUBMIT_PROGRESS_NOTIFICATION,
  SUBMIT_REQUEST,
  SubmitParams,
  SubmitProgressParams,
  SubmitResult,
  VALIDATE_CERTIFICATE_REQUEST,
  ValidateCertificateResult,
} from '../../server/src/lsp/protocol';
import { ApprecStatusCode, buildApprec } from '../../server/src/submit/apprec';
import { decryptAndVerify, signAndEncrypt } from '../../server/src/submit/crypto/cms';
import { readMsgHead } from '../../server/src/submit/msghead';
import { BusConnection } from '../../server/src/submit/transport/bus';
import { buildBusMessage, IncomingBusMessage } from '../../server/src/submit/transport/message';
import { generateExtract, serializeFagmelding, serializeIdentmelding } from '../fixtures/generator';
import { createTestPki, TestPki } from '../support/pki';
import { Broker, startBroker } from '../support/rabbitmq';
import { fag, person, service } from '../support/kpr';
import { fileUri, TestServer } from './lspClient';

/** Collects notifications and waits for one that matches, woken by each arrival (no fixed sleeps). */
class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) w();
  }

  waitFor(pred: (item: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
    const found = this.items.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.items.find(pred);
        if (!hit) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.items.slice(-5))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }
}

interface Notifications {
  progress: Inbox<SubmitProgressParams>;
  listener: Inbox<ListenerStateParams>;
  apprecs: Inbox<ApprecReceivedParams>;
  changed: Inbox<unknown>;
}

function listen(server: TestServer): Notifications {
  const n: Notifications = { progress: new Inbox(), listener: new Inbox(), apprecs: new Inbox(), changed: new Inbox() };
  server.conn.onNotification(SUBMIT_PROGRESS_NOTIFICATION, (p: SubmitProgressParams) => n.progress.push(p));
  server.conn.onNotification(LISTENER_STATE_NOTIFICATION, (p: ListenerStateParams) => n.listener.push(p));
  server.conn.onNotification(APPREC_RECEIVED_NOTIFICATION, (p: ApprecReceivedParams) => n.apprecs.push(p));
  server.conn.onNotification(SENDINGS_CHANGED_NOTIFICATION, (p: unknown) => n.changed.push(p));
  return n;
}

/** A clean generated pair (no errors) in `dir`, new content for every seed. */
function writePair(dir: string, seed: number, persons = 8): { fag: string; ide: string } {
  const model = generateExtract({ seed, persons, year: 2023 });
  const f = path.join(dir, `fagmelding-${seed}.xml`);
  const i = path.join(dir, `identmelding-${seed}.xml`);
  fs.writeFileSync(f, serializeFagmelding(model));
  fs.writeFileSync(i, serializeIdentmelding(model));
  return { fag: f, ide: i };
}

describe('submission over LSP', function () {
  this.timeout(240_000);

  describe('configuration, files, pre-flight, report and certificates', () => {
    let server: TestServer;
    let ws: string;
    let pki: TestPki;
    let settings: Record<string, unknown> = { language: 'auto' };

    before(async () => {
      ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-sub-ws-'));
      pki = createTestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-sub-pki-')));
      server = await TestServer.start({ locale: 'nb', workspaceFolders: [{ uri: fileUri(ws), name: 'ws' }], settings: () => settings });
    });

    after(async () => {
      await server?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(pki.dir, { recursive: true, force: true });
    });

    it('says in Norwegian that the municipality is not configured, and offers the local receiver', async () => {
      const info = await server.conn.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env: 'qa' });
      assert.equal(info.sourceKind, 'none');
      assert.match(info.error ?? '', /^KPR vet ennå ikke hvilken kommune som sender/);
      const local = await server.conn.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env: 'local' });
      assert.equal(local.sourceKind, 'local-receiver');
      assert.deepEqual(local.secrets, [], 'the local receiver brings its own test secrets');
    });

    it('reads the municipality from the settings, and names the secrets a sending needs without asking for them', async () => {
      settings = {
        language: 'auto',
        municipality: { name: 'Øvre Testdal kommune', orgNumber: '910 000 004', herId: '1110001', serviceHerId: '1110002', serviceName: '' },
        amqp: { user: 'ovre-testdal', asyncQueue: '', errorQueue: '' },
        certificates: {
          signingP12: path.relative(ws, pki.municipalitySigning.p12Path),
          decryptionP12: pki.municipalityEncryption.p12Path,
          caFile: '',
          kprEncryption: { qa: pki.kprEncryption.certPath },
          kprSigning: {},
        },
        environments: {},
        journalPath: '',
      };
      const info = await server.conn.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env: 'qa' });
      assert.equal(info.error, undefined, info.error);
      assert.equal(info.sourceKind, 'settings');
      assert.equal(info.source, 'VS Code-innstillingene (kpr.*)');
      assert.deepEqual(info.municipality, { name: 'Øvre Testdal kommune', orgNumber: '910000004', herId: '1110001', serviceHerId: '1110002', serviceName: 'Saksbehandling' });
      assert.equal(info.target?.receiverHerId, '171479');
      assert.deepEqual(info.target?.uncertain, ['busUrl'], 'the QA bus address is a default, and says so');
      assert.equal(info.certificates?.signingP12, pki.municipalitySigning.p12Path, 'relative to the workspace folder');
      assert.equal(info.journalPath, path.join(ws, 'kpr-journal'));
      assert.deepEqual(info.missingSettings, []);
      assert.deepEqual(
        info.secrets.map((s) => [s.name, s.id]),
        [
          ['amqpPassword', 'amqp:ovre-testdal@tb.nhn.no:5671'],
          ['signP12Passphrase', `p12:${pki.municipalitySigning.p12Path}`],
          ['decryptP12Passphrase', `p12:${pki.municipalityEncryption.p12Path}`],
        ],
      );
      const test = await server.conn.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env: 'test' });
      assert.deepEqual(test.missingSettings, ['certificates.kpr.test.encryptionCert']);
      assert.equal(test.secrets[0].id, 'amqp:ovre-testdal@tb.test.nhn.no:5671', 'another bus, another password');
    });

    it('refuses a password in the settings\' kpr.config.json, naming the field', async () => {
      const file = path.join(ws, 'kpr.config.json');
      fs.writeFileSync(file, JSON.stringify({ municipality: { name: 'X', herId: '1', serviceHerId: '2' }, amqp: { user: 'u', password: 'hemmelig' } }));
      settings = { language: 'en', configFile: 'kpr.config.json' };
      const info = await server.conn.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env: 'test' });
      assert.match(info.error ?? '', /"amqp\.password" in .*kpr\.config\.json looks like a secret/);
      assert.ok(!JSON.stringify(info).includes('hemmelig'), 'the secret itself is never echoed');
      fs.rmSync(file);
      settings = { language: 'auto' };
    });

    it('finds the fagmeldinger and identmeldinger among the files, with their løpenummer', async () => {
      const pair = writePair(ws, 1);
      const other = path.join(ws, 'annet.xml');
      fs.writeFileSync(other, '<?xml version="1.0"?><root/>');
      const found = await server.conn.sendRequest<Candidate[]>(CANDIDATES_REQUEST, { uris: [pair.fag, pair.ide, other].map(fileUri) });
      assert.deepEqual(
        found.map((c) => [path.basename(new URL(c.uri).pathname), c.kind, c.envelope]),
        [
          ['fagmelding-1.xml', 'fagmelding', false],
          ['identmelding-1.xml', 'identmelding', false],
        ],
      );
      assert.ok(found[0].lopenr && found[0].lopenr === found[1].lopenr, JSON.stringify(found));
    });

    it('pre-flights a pair: counts, no errors, and the findings of a broken file as diagnostics', async () => {
      const pair = writePair(ws, 2, 12);
      const ok = await server.conn.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris: [fileUri(pair.fag), fileUri(pair.ide)], env: 'local' });
      assert.deepEqual(ok.problems, []);
      const [f, i] = ok.files;
      assert.equal(f.type, 'KPR_IPL');
      assert.equal(i.type, 'KPR_IDE');
      assert.equal(f.persons, 12);
      assert.equal(i.idents, 12);
      assert.ok((f.services ?? 0) >= 12);
      assert.equal(f.counts.error, 0, JSON.stringify(f.diagnostics.slice(0, 3)));
      assert.equal(i.counts.error, 0, JSON.stringify(i.diagnostics.slice(0, 3)));
      assert.equal(f.period?.from, '20230101');
      assert.match(f.sha256 ?? '', /^[0-9a-f]{64}$/);

      const broken = path.join(ws, 'broken.xml');
      fs.writeFileSync(broken, fag(person({ services: [service({ code: 12, orgnr: '974589095' })] })));
      const bad = await server.conn.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris: [fileUri(broken)], env: 'local' });
      const codes = bad.files[0].diagnostics.map((d) => d.code);
      assert.ok(codes.includes('deprecated-service-code'), JSON.stringify(codes));
      assert.ok(bad.files[0].counts.error >= 1);
      assert.match(String(bad.files[0].diagnostics.find((d) => d.code === 'deprecated-service-code')!.message), /^Tjenestetype 12 \(Omsorgsbolig\) er utgått/);

      const two = await server.conn.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris: [fileUri(pair.fag), fileUri(broken)], env: 'local' });
      assert.equal(two.problems.length, 1);
      assert.match(two.problems[0], /Både fagmelding-2\.xml og broken\.xml er KPR_IPL/);
    });

    it('computes the submission report from the files on disk', async () => {
      const pair = writePair(ws, 3, 10);
      const m = await server.conn.sendRequest<ReportModel>(REPORT_REQUEST, { uris: [fileUri(pair.fag), fileUri(pair.ide)] });
      assert.equal(m.lang, 'nb');
      assert.equal(m.persons?.total, 10);
      assert.equal(m.idents?.total, 10);
      assert.equal(m.services.total, m.services.byCode.reduce((n, r) => n + r.services, 0));
      assert.deepEqual(
        m.welfareTechnology.byCode.map((r) => r.code),
        ['6', '26', '27', '28'],
      );
      assert.equal(m.checklist.find((c) => c.id === 'pair')?.status, 'ok');
    });

    it('checks certificate files and says what is wrong in plain words', async () => {
      const v = (p: object) => server.conn.sendRequest<ValidateCertificateResult>(VALIDATE_CERTIFICATE_REQUEST, p);
      const good = await v({ path: pki.municipalitySigning.p12Path, role: 'signing', passphrase: pki.passphrase });
      assert.equal(good.ok, true, good.problems.join(' '));
      assert.equal(good.certificate?.organizationNumber, '910000004');
      assert.equal(good.secretId, `p12:${pki.municipalitySigning.p12Path}`);

      const wrong = await v({ path: pki.municipalitySigning.p12Path, role: 'signing', passphrase: 'feil' });
      assert.equal(wrong.wrongPassphrase, true);
      assert.deepEqual(wrong.problems, ['Feil passord for PKCS#12-filen.']);
      assert.equal(wrong.certificate, undefined);

      const usage = await v({ path: pki.municipalityEncryption.p12Path, role: 'signing', passphrase: pki.passphrase });
      assert.equal(usage.ok, false);
      assert.match(usage.problems[0], /kan ikke brukes til å signere .*Er dette krypteringssertifikatet\?/);

      const expired = await v({ path: pki.expiredSigning.p12Path, role: 'signing', passphrase: pki.passphrase });
      assert.equal(expired.ok, false);
      assert.match(expired.problems[0], /^Sertifikatet gikk ut \d{4}-\d{2}-\d{2}\. Bestill et nytt virksomhetssertifikat\.$/);

      const kpr = await v({ path: pki.kprEncryption.certPath, role: 'kpr-encryption' });
      assert.equal(kpr.ok, true, kpr.problems.join(' '));
      const missing = await v({ path: path.join(ws, 'finnes-ikke.p12'), role: 'decryption', passphrase: 'x' });
      assert.match(missing.problems[0], /Kan ikke lese .*finnes-ikke\.p12: ENOENT/);
    });
  });

  describe('sending to the built-in local receiver', () => {
    let server: TestServer;
    let ws: string;
    let n: Notifications;

    before(async () => {
      ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-sub-local-'));
      server = await TestServer.start({ locale: 'en', workspaceFolders: [{ uri: fileUri(ws), name: 'ws' }], settings: () => ({ language: 'en' }) });
      n = listen(server);
    });

    after(async () => {
      await server?.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(server.logs.slice(-30).join('\n'));
    });

    it('sends a pair as two sendings, reports progress, and the Apprecs arrive', async () => {
      const pair = writePair(ws, 10);
      const params: SubmitParams = { submissionId: randomUUID(), uris: [fileUri(pair.fag), fileUri(pair.ide)], env: 'local', secrets: {} };
      const result = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, params);
      assert.equal(result.refused, undefined, result.refused);
      assert.equal(result.ok, true);
      assert.deepEqual(
        result.sendings.map((s) => [s.name, s.type, s.state]),
        [
          ['fagmelding-10.xml', 'KPR_IPL', 'sent'],
          ['identmelding-10.xml', 'KPR_IDE', 'sent'],
        ],
      );
      assert.equal(result.listening, true);

      const mine = n.progress.items.filter((p) => p.submissionId === params.submissionId);
      const phases = mine.map((p) => p.phase);
      assert.equal(phases[0], 'starting-local-receiver');
      for (const phase of ['checking', 'packing', 'recorded', 'sending', 'sent']) assert.ok(phases.includes(phase as never), `${phase} in ${phases.join(', ')}`);
      const firstSending = mine.findIndex((p) => p.phase === 'sending');
      assert.ok(mine.slice(0, firstSending).every((p) => p.cancellable), 'cancellable until the first message goes to the bus');
      assert.ok(
        mine.filter((p) => p.phase === 'sending' || p.phase === 'sent').every((p) => !p.cancellable),
        'a message handed to the bus cannot be called back',
      );
      assert.match(mine.find((p) => p.phase === 'sending')!.message, /^Sending KPR_IPL to Local receiver – can no longer be cancelled/);

      const ids = result.sendings.map((s) => s.msgId!);
      for (const id of ids) {
        const a = await n.apprecs.waitFor((x) => x.msgId === id, `the Apprec of ${id}`);
        assert.equal(a.kind, 'apprec');
        assert.equal(a.isNew, true);
        assert.equal(a.state, 'accepted', a.message);
        assert.match(a.message, /^Apprec for KPR_I(PL|DE) \((fag|ident)melding-10\.xml\) to Local receiver: OK – accepted\.$/);
      }
      await n.listener.waitFor((s) => s.env === 'local' && s.state === 'connected', 'the listener connected');

      const journal = await server.conn.sendRequest<JournalResult>(JOURNAL_REQUEST, {});
      for (const id of ids) {
        const s = journal.sendings.find((x) => x.msgId === id);
        assert.ok(s, `${id} in the journal`);
        assert.equal(s.state, 'accepted');
        assert.equal(s.env, 'local');
        assert.equal(s.apprecs[0].status, '1');
        assert.match(s.apprecs[0].raw, /<AppRec/);
        assert.ok(s.sentAt);
      }
      assert.ok(journal.journals.some((j) => j.startsWith(path.join(ws, '.kpr', 'simulator'))), JSON.stringify(journal.journals));
    });

    it('stops before sending when cancelled during the checks, and nothing reaches the journal', async () => {
      const pair = writePair(ws, 11, 30);
      const before = (await server.conn.sendRequest<JournalResult>(JOURNAL_REQUEST, {})).sendings.length;
      const cts = new CancellationTokenSource();
      const params: SubmitParams = { submissionId: randomUUID(), uris: [fileUri(pair.fag), fileUri(pair.ide)], env: 'local', secrets: {} };
      const checking = n.progress.waitFor((p) => p.submissionId === params.submissionId && p.phase === 'checking', 'the first check');
      const pending = server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, params, cts.token);
      await checking;
      cts.cancel();
      const result = await pending;
      assert.equal(result.ok, false);
      assert.equal(result.refusedKey, 'submit.cancelled', JSON.stringify(result));
      assert.equal(result.refused, 'The sending was cancelled before anything was sent.');
      assert.ok(!n.progress.items.some((p) => p.submissionId === params.submissionId && p.phase === 'sending'));
      const after = (await server.conn.sendRequest<JournalResult>(JOURNAL_REQUEST, {})).sendings.length;
      assert.equal(after, before);
    });

    it('refuses a file that changed after the pre-flight', async () => {
      const pair = writePair(ws, 12);
      const pre = await server.conn.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris: [fileUri(pair.fag)], env: 'local' });
      fs.appendFileSync(pair.fag, '\n<!-- edited -->\n');
      const result = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, {
        submissionId: randomUUID(),
        uris: [fileUri(pair.fag)],
        env: 'local',
        secrets: {},
        expectedSha256: { [fileUri(pair.fag)]: pre.files[0].sha256! },
      } satisfies SubmitParams);
      assert.equal(result.ok, false);
      assert.equal(result.refused, 'fagmelding-12.xml changed after the check. Nothing was sent; start the sending again so the new version is checked.');
    });

    it('stops listening on request and says so', async () => {
      const state = await server.conn.sendRequest<ListenerStateParams>(LISTEN_REQUEST, { env: 'local', action: 'stop' });
      assert.equal(state.state, 'stopped');
      await n.listener.waitFor((s) => s.env === 'local' && s.state === 'stopped', 'stopped');
    });
  });

  describe('sending to a RabbitMQ broker with a test PKI', () => {
    const KPR_HER = '8133973';
    const MUNI_HER = '1110001';
    const SERVICE_HER = '1110002';
    let broker: Broker;
    let password: string;
    let pki: TestPki;
    let ws: string;
    let server: TestServer;
    let n: Notifications;
    let kprBus: BusConnection;
    const kprInbox = new Inbox<IncomingBusMessage>();

    /** KPR's answer to a sending: decrypted with KPR's key, signed by KPR, encrypted to the municipality. */
    async function answer(m: IncomingBusMessage, status: ApprecStatusCode, errors: Array<{ code: string; details?: string }> = []): Promise<string> {
      const v = decryptAndVerify(m.body, pki.kprEncryption, { expectedSigner: pki.municipalitySigning.cert });
      const head = readMsgHead(v.content.toString('utf8'));
      const xml = buildApprec({
        status,
        errors,
        original: { msgType: head.type, issueDate: head.genDate, id: head.msgId },
        sender: { name: 'KPR testmottak', herId: KPR_HER },
        receiver: { name: 'Øvre Testdal kommune', herId: MUNI_HER, service: { name: 'Saksbehandling', herId: SERVICE_HER } },
      });
      const body = signAndEncrypt(Buffer.from(xml, 'utf8'), { cert: pki.kprSigning.cert, key: pki.kprSigning.key, chain: pki.kprSigning.chain }, pki.municipalityEncryption.cert);
      await kprBus.send(
        m.replyTo!,
        buildBusMessage({ msgId: randomUUID(), type: 'APPREC', fromHerId: KPR_HER, toHerId: SERVICE_HER, toQueue: m.replyTo!, replyToQueue: `${KPR_HER}_async`, body, now: new Date() }),
      );
      return head.msgId;
    }

    const secrets = () => ({ amqpPassword: password, signP12Passphrase: pki.passphrase, decryptP12Passphrase: pki.passphrase });

    before(async () => {
      ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-sub-rabbit-'));
      pki = createTestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-sub-rabbit-pki-')));
      password = randomBytes(12).toString('base64url');
      broker = await startBroker({ herIds: [SERVICE_HER, KPR_HER], password });
      kprBus = await BusConnection.connect({ url: broker.url, password, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
      await kprBus.receive(`${KPR_HER}_async`, async (m) => kprInbox.push(m));
      // The municipality's own settings: the 'local' environment is its private broker, with KPR's test certificates.
      const settings = {
        language: 'en',
        municipality: { name: 'Øvre Testdal kommune', orgNumber: '910000004', herId: MUNI_HER, serviceHerId: SERVICE_HER },
        amqp: { user: broker.user },
        certificates: {
          signingP12: pki.municipalitySigning.p12Path,
          decryptionP12: pki.municipalityEncryption.p12Path,
          kprEncryption: { local: pki.kprEncryption.certPath },
          kprSigning: { local: pki.kprSigning.certPath },
        },
        environments: { local: { busUrl: `amqp://127.0.0.1:${broker.port}/${broker.exchange}` } },
        journalPath: 'journal/sendings.jsonl',
      };
      server = await TestServer.start({ locale: 'en', workspaceFolders: [{ uri: fileUri(ws), name: 'ws' }], settings: () => settings });
      n = listen(server);
    });

    after(async () => {
      await server?.stop();
      await kprBus?.close().catch(() => undefined);
      await broker?.dispose();
      if (ws) fs.rmSync(ws, { recursive: true, force: true });
      if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') console.log(server.logs.slice(-30).join('\n'));
    });

    it('uses the configured broker, not the built-in receiver, and needs the three secrets', async () => {
      const info = await server.conn.sendRequest<ConfigInfo>(CONFIG_REQUEST, { env: 'local' });
      assert.equal(info.sourceKind, 'settings');
      assert.deepEqual(
        info.secrets.map((s) => s.name),
        ['amqpPassword', 'signP12Passphrase', 'decryptP12Passphrase'],
      );
      assert.equal(info.journalPath, path.join(ws, 'journal', 'sendings.jsonl'));
    });

    it('names the refused secret: a wrong AMQP password, a wrong passphrase', async () => {
      const pair = writePair(ws, 20);
      const uris = [fileUri(pair.fag), fileUri(pair.ide)];
      const badPassword = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, {
        submissionId: randomUUID(),
        uris,
        env: 'local',
        secrets: { ...secrets(), amqpPassword: 'wrong-password' },
      } satisfies SubmitParams);
      assert.equal(badPassword.ok, false);
      assert.equal(badPassword.badSecret, 'amqpPassword', JSON.stringify(badPassword));
      assert.ok(!JSON.stringify(badPassword).includes('wrong-password'));
      assert.ok(!server.logs.join('\n').includes('wrong-password'), 'the password is not in the log');

      const badPassphrase = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, {
        submissionId: randomUUID(),
        uris,
        env: 'local',
        secrets: { ...secrets(), signP12Passphrase: 'not-it' },
      } satisfies SubmitParams);
      assert.equal(badPassphrase.badSecret, 'signP12Passphrase', JSON.stringify(badPassphrase));
      assert.match(badPassphrase.refused ?? '', /Wrong passphrase for the PKCS#12 file/);
      assert.deepEqual(badPassphrase.sendings, [], 'nothing was recorded or sent');
    });

    it('sends, receives a rejection and an OK from KPR, and refuses a resend while an Apprec is awaited', async () => {
      const pair = writePair(ws, 21);
      const uris = [fileUri(pair.fag), fileUri(pair.ide)];
      const result = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, { submissionId: randomUUID(), uris, env: 'local', secrets: secrets() } satisfies SubmitParams);
      assert.equal(result.ok, true, result.refused);
      const [ipl, ide] = result.sendings.map((s) => s.msgId!);
      await kprInbox.waitFor((m) => m.messageId === ipl, 'KPR_IPL at KPR');
      const ideMsg = await kprInbox.waitFor((m) => m.messageId === ide, 'KPR_IDE at KPR');

      // KPR has not answered the identmelding yet: the same content again is refused, then forced.
      const pre = await server.conn.sendRequest<PreflightResult>(PREFLIGHT_REQUEST, { uris: [uris[1]], env: 'local' });
      assert.equal(pre.files[0].pending?.msgId, ide);
      const again = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, { submissionId: randomUUID(), uris: [uris[1]], env: 'local', secrets: secrets() } satisfies SubmitParams);
      assert.equal(again.refusedKey, 'journal.resendRefused');
      assert.match(again.refused ?? '', new RegExp(`still waiting for its Apprec`));
      const forced = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, {
        submissionId: randomUUID(),
        uris: [uris[1]],
        env: 'local',
        force: true,
        secrets: secrets(),
      } satisfies SubmitParams);
      assert.equal(forced.ok, true, forced.refused);

      await answer(await kprInbox.waitFor((m) => m.messageId === ipl, 'KPR_IPL'), '2', [{ code: 'T02', details: 'Element tjTjenType mangler' }]);
      await answer(ideMsg, '1');
      const rejected = await n.apprecs.waitFor((a) => a.msgId === ipl, 'the rejection');
      assert.equal(rejected.state, 'rejected');
      assert.equal(rejected.message, `Apprec for KPR_IPL (fagmelding-21.xml) to Local receiver: Rejected (Avvist).`);
      const accepted = await n.apprecs.waitFor((a) => a.msgId === ide, 'the OK');
      assert.equal(accepted.state, 'accepted');
      await n.listener.waitFor((s) => s.env === 'local' && s.state === 'connected' && /signed with KPR's signing certificate/.test(s.trust ?? ''), 'a listener that trusts KPR only');

      const journal = await server.conn.sendRequest<JournalResult>(JOURNAL_REQUEST, {});
      const s = journal.sendings.find((x) => x.msgId === ipl)!;
      assert.equal(s.state, 'rejected');
      assert.deepEqual(s.apprecs[0].errors, [{ code: 'T02', text: 'The XML does not validate', details: 'Element tjTjenType mangler' }]);
      assert.equal(s.apprecs[0].sender?.herId, KPR_HER);
      assert.deepEqual(journal.journals, [path.join(ws, 'journal', 'sendings.jsonl')]);
      assert.ok(n.changed.items.length > 0, 'the client was told to read the journal again');
    });
  });
});
