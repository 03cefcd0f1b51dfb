/**
 * The sending commands of the `kpr` command line as a user runs them (the built dist/cli.js in a child
 * process, no terminal): pack/unpack against OpenSSL, submit's refusals, and status. The sending itself
 * against a broker is covered by test/integration/submit.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import { CliIO } from '../../server/src/cli/io';
import { Journal } from '../../server/src/submit/journal';
import { generateExtract, serializeFagmelding, serializeIdentmelding } from '../fixtures/generator';
import { ensureBuilt, REPO } from '../support/build';
import { fag, person } from '../support/kpr';
import { createTestPki, openssl, TestPki } from '../support/pki';

describe('kpr pack / unpack / submit / status (command line)', function () {
  this.timeout(120_000);
  let dir: string;
  let pki: TestPki;
  let configFile: string;
  let journalFile: string;
  let fagFile: string;
  let ideFile: string;
  let baseEnv: NodeJS.ProcessEnv;

  function kpr(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], {
      encoding: 'utf8',
      cwd: dir,
      input: input ?? '',
      env: { PATH: process.env.PATH, LANG: 'en_US.UTF-8', ...baseEnv, ...env },
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(tmpdir(), 'kpr-submit-cli-'));
    pki = createTestPki(dir);
    journalFile = path.join(dir, 'journal', 'sendings.jsonl');
    configFile = path.join(dir, 'kpr.config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        environment: 'local',
        municipality: { name: 'Øvre Testdal kommune', orgNumber: '910000004', herId: '1110001', serviceHerId: '1110002' },
        amqp: { user: 'kpr-test' },
        certificates: {
          signingP12: pki.municipalitySigning.p12Path,
          decryptionP12: pki.municipalityEncryption.p12Path,
          kpr: {
            local: { encryptionCert: pki.kprEncryption.certPath, signingCert: pki.kprSigning.certPath },
            prod: { encryptionCert: pki.kprEncryption.certPath, signingCert: pki.kprSigning.certPath },
          },
        },
        environments: {
          // Nothing listens on these ports: a sending that got as far as connecting fails there, harmlessly.
          local: { busUrl: 'amqp://127.0.0.1:9/NHNTESTServiceBus' },
          prod: { busUrl: 'amqps://localhost:9/NHNPRODServiceBus' },
        },
        journalPath: 'journal/sendings.jsonl',
      }),
    );
    const model = generateExtract({ seed: 7, persons: 15, year: 2023 });
    fagFile = path.join(dir, 'fagmelding.xml');
    ideFile = path.join(dir, 'identmelding.xml');
    fs.writeFileSync(fagFile, serializeFagmelding(model));
    fs.writeFileSync(ideFile, serializeIdentmelding(model));
    baseEnv = { KPR_CONFIG: configFile, KPR_SIGN_P12_PASSPHRASE: pki.passphrase };
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('pack writes what openssl cms -decrypt | openssl cms -verify turns back into the MsgHead, and kpr unpack agrees byte for byte', () => {
    const out = path.join(dir, 'fag.p7m');
    const r = kpr(['pack', fagFile, '--env', 'local', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const msgId = /MsgId:\s+(\S+)/.exec(r.out)?.[1];
    assert.ok(msgId && /^[0-9a-f-]{36}$/.test(msgId), r.out);
    assert.match(r.out, /Type:\s+KPR_IPL/);
    const der = fs.readFileSync(out);
    assert.match(r.out, new RegExp(`encrypted ${der.length} bytes`));
    assert.match(r.out, new RegExp(`file ${fs.statSync(fagFile).size} bytes`));
    assert.match(r.out, /Not sent and not recorded/);
    assert.ok(!fs.existsSync(journalFile), 'packing does not create a journal');

    // OpenSSL, the independent reading.
    const signed = openssl(['cms', '-decrypt', '-binary', '-inform', 'DER', '-recip', pki.kprEncryption.certPath, '-inkey', pki.kprEncryption.keyPath, '-in', out]);
    const signedFile = path.join(dir, 'fag.signed.der');
    fs.writeFileSync(signedFile, signed);
    const viaOpenssl = path.join(dir, 'fag.openssl.xml');
    openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-CAfile', pki.caFile, '-in', signedFile, '-out', viaOpenssl]);
    const msgHead = fs.readFileSync(viaOpenssl);
    const text = msgHead.toString('utf8');
    assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    assert.match(text, new RegExp(`<MsgId>${msgId}</MsgId>`));
    assert.match(text, /<Type V="KPR_IPL"/);
    assert.ok(text.includes(fs.readFileSync(fagFile, 'utf8').replace(/^<\?xml[^>]*\?>\s*/, '').trimEnd()), 'the payload is inside, unchanged');

    // kpr unpack with KPR's key gives the very same bytes.
    const viaKpr = path.join(dir, 'fag.kpr.xml');
    const u = kpr(['unpack', out, '--p12', pki.kprEncryption.p12Path, '--out', viaKpr, '--expect-signer', pki.municipalitySigning.certPath], {
      KPR_DECRYPT_P12_PASSPHRASE: pki.passphrase,
    });
    assert.equal(u.code, 0, u.err);
    assert.ok(fs.readFileSync(viaKpr).equals(msgHead), 'kpr unpack and openssl give byte-identical content');
    assert.match(u.err, /Signed by: .*ØVRE TESTDAL KOMMUNE SIGNERING/);
    assert.match(u.err, /valid and made with the expected certificate/);
    assert.match(u.err, new RegExp(`Hodemelding KPR_IPL, MsgId ${msgId}, from HER-id 1110002 to HER-id 8133973`));

    // Another expected signer is refused, in plain words.
    const wrong = kpr(['unpack', out, '--p12', pki.kprEncryption.p12Path, '--expect-signer', pki.kprSigning.certPath], { KPR_DECRYPT_P12_PASSPHRASE: pki.passphrase });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /is not the expected sender certificate/);
  });

  it('unpack prints an identmelding with the person numbers masked, and says so', () => {
    const out = path.join(dir, 'ide.p7m');
    assert.equal(kpr(['pack', ideFile, '--env', 'local', '--out', out]).code, 0);
    const u = kpr(['unpack', out, '--p12', pki.kprEncryption.p12Path], { KPR_DECRYPT_P12_PASSPHRASE: pki.passphrase });
    assert.equal(u.code, 0, u.err);
    assert.match(u.out, /<Type V="KPR_IDE"/);
    assert.doesNotMatch(u.out, /(?<![0-9])[0-9]{11}(?![0-9])/, 'no fødselsnummer on the screen');
    assert.match(u.out, /fid="\*{9}\d\d"/);
    assert.match(u.err, /Person numbers are masked/);
    assert.match(u.err, /not checked against an expected certificate/);
  });

  it('asks for a missing passphrase only on a terminal; without one it names the variable to set', () => {
    const r = kpr(['pack', fagFile, '--env', 'local', '--out', path.join(dir, 'x.p7m')], { KPR_SIGN_P12_PASSPHRASE: '' });
    assert.equal(r.code, 1);
    assert.match(r.err, /no terminal to ask on\. Set the environment variable KPR_SIGN_P12_PASSPHRASE/);
    const nb = kpr(['pack', fagFile, '--lang', 'nb', '--out', path.join(dir, 'x.p7m')], { KPR_SIGN_P12_PASSPHRASE: '', LANG: 'nb_NO.UTF-8' });
    assert.match(nb.err, /ingen terminal å spørre i\. Sett miljøvariabelen KPR_SIGN_P12_PASSPHRASE/);
    const bad = kpr(['pack', fagFile, '--out', path.join(dir, 'x.p7m')], { KPR_SIGN_P12_PASSPHRASE: 'feil-passord-123' });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /certificates\.signingP12.*Wrong passphrase/);
    assert.doesNotMatch(bad.out + bad.err, /feil-passord-123/, 'a secret is never printed');
  });

  it('submit refuses a file with check errors, lists them, and records nothing', () => {
    const broken = path.join(dir, 'broken.xml');
    fs.writeFileSync(broken, fag(person()).replace('</peKjonn>', '</peKjon>'));
    const r = kpr(['submit', broken, '--env', 'local'], { KPR_AMQP_PASSWORD: 'x' });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /broken\.xml: KPR_IPL \(fagmelding\), 1 persons, \d+ services, period 20230101–20231231: [1-9]\d* error\(s\)/);
    assert.match(r.out, /^ {2}\d+:\d+: error xml-syntax: /m);
    assert.match(r.err, /Not sent: the check found \d+ error\(s\)/);
    assert.ok(journalCount(journalFile) === 0, 'nothing recorded');
  });

  it('submit to prod needs a confirmation: refused without a terminal, --yes goes on (to the bus, which is not there here)', () => {
    const r = kpr(['submit', fagFile, ideFile, '--env', 'prod'], { KPR_AMQP_PASSWORD: 'x' });
    assert.equal(r.code, 1);
    assert.match(r.err, /a sending to production must be confirmed, and there is no terminal to ask on/);
    assert.doesNotMatch(r.err, /Could not connect/);

    const yes = kpr(['submit', fagFile, ideFile, '--env', 'prod', '--yes'], { KPR_AMQP_PASSWORD: 'x' });
    assert.equal(yes.code, 1);
    assert.doesNotMatch(yes.err, /must be confirmed/);
    assert.match(yes.err, /Could not connect to the service bus at localhost:9/);
    assert.ok(journalCount(journalFile) === 0, 'an unreachable bus records nothing');
  });

  it('the prod confirmation names the municipality, the period and the counts, and only "yes" sends', async () => {
    const questions: string[] = [];
    const io = (answer: string): CliIO & { errText: () => string } => {
      let errText = '';
      return {
        out: () => undefined,
        err: (s) => void (errText += s),
        env: { ...baseEnv, KPR_AMQP_PASSWORD: 'x', LANG: 'en_US.UTF-8' },
        prompt: async (q) => {
          questions.push(q);
          return answer;
        },
        errText: () => errText,
      };
    };
    const no = io('nei');
    assert.equal(await main(['submit', fagFile, ideFile, '--env', 'prod'], no), 1);
    assert.match(no.errText(), /the sending to production was not confirmed/);
    const q = questions[0];
    assert.match(q, /PRODUCTION \(receiver HER-id 122612\) for Øvre Testdal kommune \(org\.nr\. 910000004\), HER-id 1110001\/1110002/);
    assert.match(q, /KPR_IPL fagmelding\.xml: 15 persons, \d+ services, period 20230101–20231231/);
    assert.match(q, /KPR_IDE identmelding\.xml: 15 identities/);
    const yes = io('yes');
    assert.equal(await main(['submit', fagFile, ideFile, '--env', 'prod', '--lang', 'en'], yes), 1);
    assert.match(yes.errText(), /Could not connect to the service bus/, 'confirmed: it went on to connect');
  });

  it('status shows the journal as a table and as JSON, filtered by environment', () => {
    const file = path.join(dir, 'status', 'journal.jsonl');
    const empty = kpr(['status', '--journal', file]);
    assert.equal(empty.code, 0);
    assert.match(empty.out, /No sendings in/);
    assert.ok(!fs.existsSync(file), 'looking does not create a journal');

    const j = Journal.open(file);
    const sha = (c: string) => createHash('sha256').update(c).digest('hex');
    const a = randomUUID();
    const b = randomUUID();
    const c = randomUUID();
    j.recordSending({ msgId: a, file: '/data/fagmelding-2023.xml', sha256: sha('a'), type: 'KPR_IPL', env: 'test', toHerId: '8133973' });
    j.markSent(a);
    j.applyApprec(a, {
      status: '2',
      statusText: 'Avvist',
      apprecId: randomUUID(),
      originalMsgId: a,
      originalMsgType: 'KPR_IPL',
      errors: [{ code: 'T02' }, { code: 'T02' }, { code: 'X99', description: 'fnr 01015012345 wrong' }],
      raw: '<AppRec/>',
    });
    j.recordSending({ msgId: b, file: '/data/identmelding-2023.xml', sha256: sha('b'), type: 'KPR_IDE', env: 'test' });
    j.markSent(b);
    j.recordSending({ msgId: c, file: '/data/fagmelding-2023.xml', sha256: sha('c'), type: 'KPR_IPL', env: 'prod' });
    j.markFailed(c, 'The service bus rejected message');
    j.close();

    const text = kpr(['status', '--journal', file]);
    assert.equal(text.code, 0, text.err);
    const lines = text.out.trimEnd().split('\n');
    assert.match(lines[0], /^TIME\s+ENV\s+TYPE\s+FILE\s+MSGID\s+STATE\s+APPREC$/);
    assert.equal(lines.length, 4);
    assert.match(lines.find((l) => l.includes(a))!, /test\s+KPR_IPL\s+fagmelding-2023\.xml\s+\S+\s+rejected\s+2 Avvist: T02×2, X99$/);
    assert.match(lines.find((l) => l.includes(b))!, /test\s+KPR_IDE\s+identmelding-2023\.xml\s+\S+\s+sent$/);
    assert.match(lines.find((l) => l.includes(c))!, /prod\s+KPR_IPL .* failed\s+not sent: The service bus rejected message/);

    const prod = kpr(['status', '--journal', file, '--env', 'prod', '--format', 'json']);
    const json = JSON.parse(prod.out);
    assert.deepEqual(json.sendings.map((s: { msgId: string }) => s.msgId), [c]);
    const all = JSON.parse(kpr(['status', '--journal', file, '--format', 'json']).out);
    const rejected = all.sendings.find((s: { msgId: string }) => s.msgId === a);
    assert.equal(rejected.apprecs[0].errors[2].description, 'fnr *********45 wrong', 'person numbers masked in the output');

    const nb = kpr(['status', '--journal', file, '--lang', 'nb']);
    assert.match(nb.out, /^TID\s+MILJØ\s+TYPE\s+FIL\s+MSGID\s+TILSTAND\s+KVITTERING/);
    assert.equal(kpr(['status', '--journal', file, '--format', 'yaml']).code, 2);
  });

  it('explains every sending command with --help, and rejects bad usage with exit code 2', () => {
    for (const cmd of ['submit', 'listen', 'status', 'pack', 'unpack']) {
      const r = kpr([cmd, '--help']);
      assert.equal(r.code, 0, cmd);
      assert.match(r.out, new RegExp(`^Usage: kpr ${cmd}`), cmd);
    }
    assert.equal(kpr(['submit']).code, 2);
    assert.equal(kpr(['submit', fagFile, '--env', 'staging']).code, 2);
    assert.equal(kpr(['submit', fagFile, '--wait', 'soon']).code, 2);
    assert.equal(kpr(['listen', '--timeout', '-1']).code, 2);
    assert.equal(kpr(['pack']).code, 2);
  });
});

/** Number of sendings in a journal; 0 when there is no journal file (it is not created by looking). */
function journalCount(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const j = Journal.open(file);
  try {
    return j.entries().length;
  } finally {
    j.close();
  }
}
