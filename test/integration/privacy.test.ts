/**
 * Privacy audit as a test: synthetic extracts carry person numbers everywhere a careless EPJ could put
 * them, and secrets are given wrongly on purpose; then every way text leaves the engine (the `kpr` command
 * line in all its formats, the engine's messages in both languages, hovers, the language server and its
 * log, the journal and quarantine) is searched for those numbers and secrets. Any hit is a leak.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Diagnostic, Hover } from 'vscode-languageserver';
import { analyzeText } from '../../server/src/analysis/analyze';
import { defaultSettings, Finding } from '../../server/src/analysis/types';
import { makePersonId, PersonIdKind } from '../../server/src/domain/identifiers';
import { hoverAt } from '../../server/src/features/hover';
import { Lang, t } from '../../server/src/i18n';
import { analyzeMapping, crossCheck, mappingHoverAt, parseMapping } from '../../server/src/mapping';
import { generateExtract, serializeFagmelding, serializeIdentmelding } from '../fixtures/generator';
import { Rng } from '../fixtures/rng';
import { LocalKpr, startLocalKpr } from '../../server/src/simulate/local';
import { readSecretsFile } from '../../server/src/simulate/pki';
import { fileUri, TestServer, withTimeout } from '../lsp/lspClient';
import {
  APPREC_RECEIVED_NOTIFICATION,
  CHECK_FILE_REQUEST,
  JOURNAL_REQUEST,
  LISTENER_STATE_NOTIFICATION,
  REPORT_REQUEST,
  SUBMIT_PROGRESS_NOTIFICATION,
  SUBMIT_REQUEST,
  SubmitParams,
  SubmitResult,
} from '../../server/src/lsp/protocol';
import { ensureBuilt, REPO } from '../support/build';
import { createTestPki, hasOpenssl, TestPki } from '../support/pki';

const LANGS: Lang[] = ['nb', 'en'];

/** Every person number the fixtures contain, valid or not; none may appear in any output. */
const planted = new Set<string>();
const rng = new Rng('privacy-audit');

function plant(kind: PersonIdKind, birthDate?: string): string {
  const id = makePersonId(rng, { kind, birthDate });
  planted.add(id);
  return id;
}

/** A number with a wrong check digit: an EPJ's typo is as personal as the right number. */
function plantInvalid(): string {
  const good = makePersonId(rng, { kind: 'fnr', birthDate: '1961-11-23' });
  const bad = good.slice(0, 10) + String((Number(good[10]) + 1) % 10);
  planted.add(bad);
  return bad;
}

/** The planted numbers (or secrets) found in `text`, with a little context for the failure message. */
function leaksIn(text: string, needles: Iterable<string>): string[] {
  const hits: string[] = [];
  for (const n of needles) {
    let i = text.indexOf(n);
    while (i >= 0) {
      hits.push(`${n} in …${text.slice(Math.max(0, i - 80), i + n.length + 40).replace(/\s+/g, ' ')}…`);
      i = text.indexOf(n, i + 1);
    }
  }
  return hits;
}

function assertNoPersonIds(where: string, text: string): void {
  const hits = leaksIn(text, planted);
  assert.deepEqual(hits, [], `${where} shows a person number:\n${hits.slice(0, 5).join('\n')}`);
}

function assertNoSecret(where: string, text: string, secrets: string[]): void {
  const hits = leaksIn(text, secrets);
  assert.deepEqual(hits, [], `${where} shows a secret:\n${hits.slice(0, 5).join('\n')}`);
}

/** Every file under `dir`, as text (the journal, quarantine and anything else a command left behind). */
function allFilesText(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  let out = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath, e.name);
    out += `\n== ${p}\n` + fs.readFileSync(p).toString('latin1');
  }
  return out;
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

describe('privacy: no person number or secret leaves the engine', function () {
  this.timeout(180_000);
  let dir: string;
  let fagText: string;
  let ideText: string;
  let fagFile: string;
  let ideFile: string;
  let mapText: string;
  let mapFile: string;
  let cwd: string;

  function kpr(args: string[], env: NodeJS.ProcessEnv = {}): Run {
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], {
      encoding: 'utf8',
      cwd,
      input: '',
      env: { PATH: process.env.PATH, LANG: 'en_US.UTF-8', ...env },
      timeout: 90_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  /** Like kpr(), without blocking this process: an in-process simulator must keep answering meanwhile. */
  function kprAsync(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], {
        cwd,
        env: { PATH: process.env.PATH, LANG: 'en_US.UTF-8', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`kpr ${args[0]} did not end within ${timeoutMs} ms: ${out}${err}`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out, err });
      });
    });
  }

  before(() => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(tmpdir(), 'kpr-privacy-'));
    cwd = dir;
    const model = generateExtract({ seed: 'privacy', persons: 8, year: 2023 });
    const [p0, p1, p2, p3, p4, p5, p6, p7] = model.persons;

    // The fagmelding: person numbers as person keys (so they reach tjPeID…, and the identmelding's pid),
    // as an org number, as a contact's name, in the system id and in a comment.
    p0.pePeID = Number(plant('fnr', '1975-12-24'));
    p1.pePeID = Number(plant('d-number', '1950-03-15'));
    const svc = [p2, p3, p4].flatMap((p) => p.services);
    assert.ok(svc.length >= 2, 'the generator gives services to place org numbers in');
    svc[0].orgNumber = plant('fnr', '1988-07-30');
    svc[1].orgNumber = plantInvalid();
    for (const g of [p2, p3, p4, p5].flatMap((p) => p.stays).slice(0, 1)) g.orgNumber = plant('fnr', '1944-10-10');
    model.fag.innhinfo.contacts[0].name = plant('fnr', '1969-04-18');
    model.fag.innhinfo.contacts[1].phone = plant('fnr', '1990-09-19');

    // The identmelding: valid and invalid fid of every kind, a test (+80) number, a duplicate, and a
    // person number as the contact person.
    p2.identity!.fid = plant('fnr', '1931-05-27');
    p3.identity!.fid = plant('test-tenor', '1987-10-11');
    p3.identity!.typeId = 1;
    p4.identity!.fid = plant('h-number', '1999-12-13');
    p4.identity!.typeId = 3;
    p5.identity!.fid = plant('fh-number');
    p5.identity!.typeId = 12;
    p6.identity!.fid = plantInvalid();
    p7.identity!.fid = p2.identity!.fid;
    model.ident.contacts[0].kontPerson = plant('fnr', '1958-02-14');

    const comment = plant('fnr', '1971-06-21');
    fagText = serializeFagmelding(model).replace('<INNHINFO>', `<!-- pasient ${comment} -->\n  <INNHINFO>`);
    const sysId = plant('fnr', '1982-08-25');
    fagText = fagText.replace(/<iiSysID>[^<]*<\/iiSysID>/, `<iiSysID>${sysId}</iiSysID>`);
    // A person number where text is expected, and as an attribute the schema does not know.
    const inText = plant('fnr', '1947-01-29');
    fagText = fagText.replace('<peKjonn>', `<peKjonn fnr="${inText}">`);
    ideText = serializeIdentmelding(model).replace('<Kontaktperson', `<!-- ${comment} -->\n  <Kontaktperson`);

    for (const n of planted) assert.ok(fagText.includes(n) || ideText.includes(n), `${n} is in a fixture`);
    fagFile = path.join(dir, 'fagmelding-2023.xml');
    ideFile = path.join(dir, 'identmelding-2023.xml');
    fs.writeFileSync(fagFile, fagText);
    fs.writeFileSync(ideFile, ideText);

    // A mapping file with a person number in the org-number column, as a local code and in a comment.
    const mapFnr = plant('fnr', '1966-03-31');
    const mapCode = plant('d-number', '1939-11-02');
    mapText = [
      `# Kartlegging, sist endret for pasient ${plant('fnr', '1955-05-05')}`,
      'lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar',
      `HSP01;Hjemmesykepleie;15;${mapFnr};;;gjelder ${comment}`,
      `${mapCode};Praktisk bistand;1;${plantInvalid()};;;`,
      `AVL01;Avlastning;${plant('fnr', '2001-02-03')};974589095;;;`,
      '',
    ].join('\r\n');
    mapFile = path.join(dir, 'tjenester.kprmap');
    fs.writeFileSync(mapFile, mapText);
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The text of every message of the findings, in both languages, related locations included. */
  function rendered(findings: Finding[]): string {
    let out = '';
    for (const lang of LANGS) {
      for (const f of findings) {
        out += t(lang, f.key, f.args) + '\n';
        for (const r of f.related ?? []) out += t(lang, r.key, r.args ?? {}) + '\n';
      }
    }
    return out;
  }

  it('the engine\'s messages (nb and en) never quote a person number', () => {
    for (const [name, text] of [['fagmelding', fagText], ['identmelding', ideText]] as const) {
      for (const language of LANGS) {
        const r = analyzeText(text, { settings: { ...defaultSettings(), language } });
        assert.ok(r.findings.length > 0, `the ${name} has findings to look at`);
        assertNoPersonIds(`analyzeText(${name}, ${language})`, rendered(r.findings));
      }
    }
    const m = analyzeMapping(mapText, defaultSettings());
    assert.ok(m.findings.length > 0, 'the mapping file has findings');
    assertNoPersonIds('analyzeMapping', rendered(m.findings));

    // The cross-check of the mapping against the extract quotes org numbers from both files.
    const summary = analyzeText(fagText, { settings: defaultSettings() }).summary;
    assert.ok(summary && summary.kind === 'fagmelding');
    const x = crossCheck([{ path: mapFile, rows: parseMapping(mapText).rows }], [{ path: fagFile, summary }]);
    const crossFindings = [...x.extractFindings.values(), ...x.mappingFindings.values()].flat();
    assert.ok(crossFindings.length > 0, 'the cross-check has findings');
    assertNoPersonIds('crossCheck', rendered(crossFindings));
  });

  it('hovers over person numbers do not repeat them', () => {
    for (const lang of LANGS) {
      for (const [name, text] of [['fagmelding', fagText], ['identmelding', ideText]] as const) {
        for (const n of planted) {
          for (let i = text.indexOf(n); i >= 0; i = text.indexOf(n, i + 1)) {
            for (const at of [i, i + 5]) {
              const h = hoverAt(text, at, { lang });
              if (h) assertNoPersonIds(`hover in ${name} (${lang}) at ${at}`, h.markdown);
            }
          }
        }
      }
      for (const n of planted) {
        for (let i = mapText.indexOf(n); i >= 0; i = mapText.indexOf(n, i + 1)) {
          const h = mappingHoverAt(mapText, i + 3, { lang });
          if (h) assertNoPersonIds(`mapping hover (${lang}) at ${i}`, h.markdown);
        }
      }
    }
  });

  for (const format of ['text', 'json', 'sarif']) {
    for (const lang of LANGS) {
      it(`kpr check --format ${format} --lang ${lang} on the pair and the mapping file`, () => {
        const r = kpr(['check', '--format', format, '--lang', lang, fagFile, ideFile, mapFile]);
        assert.equal(r.code, 1, `the files have errors: ${r.err}`);
        assert.ok(r.out.length > 200, 'something was reported');
        assertNoPersonIds(`kpr check --format ${format} --lang ${lang} (stdout)`, r.out);
        assertNoPersonIds(`kpr check --format ${format} --lang ${lang} (stderr)`, r.err);
      });
    }
  }

  it('kpr check on a folder (the fagmelding and identmelding paired) stays masked', () => {
    const r = kpr(['check', dir]);
    assert.equal(r.code, 1);
    assertNoPersonIds('kpr check DIR', r.out + r.err);
  });

  it('the language server: diagnostics, hovers and its log stay masked', async function () {
    const server = await TestServer.start({ locale: 'nb', workspaceFolders: [{ uri: fileUri(dir), name: 'privacy' }], settings: () => ({ language: 'auto' }) });
    try {
      const docs: [string, string][] = [[fileUri(fagFile), fagText], [fileUri(ideFile), ideText], [fileUri(mapFile), mapText]];
      let seen = '';
      for (const [uri, text] of docs) {
        await server.open(uri, text, uri.endsWith('.kprmap') ? 'kpr-mapping' : 'xml');
        const diags: Diagnostic[] = await server.diagnostics(uri);
        assert.ok(diags.length > 0, `diagnostics for ${uri}`);
        seen += JSON.stringify(diags);
        const lines = text.split('\n');
        const hovers: Promise<Hover | null>[] = [];
        for (const n of planted) {
          lines.forEach((l, line) => {
            const character = l.indexOf(n);
            if (character >= 0) {
              hovers.push(server.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: character + 4 } }));
            }
          });
        }
        seen += JSON.stringify(await Promise.all(hovers));
      }
      // A request that fails on purpose, so the server logs an error with a person number in its input.
      await server.conn
        .sendRequest('textDocument/hover', { textDocument: { uri: fileUri(path.join(dir, `${[...planted][0]}.xml`)) }, position: { line: 0, character: 0 } })
        .then((h) => (seen += JSON.stringify(h)), (err: Error) => (seen += err.message));
      seen += JSON.stringify(server.statuses);
      assertNoPersonIds('the language server\'s answers', seen);
      assertNoPersonIds('the language server\'s log', server.logs.join('\n'));
    } finally {
      await server.stop();
    }
  });

  it('the language server\'s check, report, refusal and sending to its local receiver stay masked', async () => {
    const ws = path.join(dir, 'lsp-ws');
    fs.mkdirSync(ws);
    // The language server refuses files with errors, so it sends a clean pair, whose identmelding is full of
    // (synthetic) fødselsnumre as it should be; the broken pair is only checked and refused.
    const clean = generateExtract({ seed: 'privacy-lsp', persons: 6, year: 2023 });
    for (const p of clean.persons) if (p.identity) planted.add(p.identity.fid);
    const files = [
      [path.join(ws, 'fag-ok.xml'), serializeFagmelding(clean)],
      [path.join(ws, 'ide-ok.xml'), serializeIdentmelding(clean)],
    ].map(([f, text]) => (fs.writeFileSync(f, text), f));
    const broken = [fagFile, ideFile].map(fileUri);
    const server = await TestServer.start({ locale: 'nb', workspaceFolders: [{ uri: fileUri(ws), name: 'ws' }], settings: () => ({ language: 'nb' }) });
    const notes: string[] = [];
    let apprecs = 0;
    let wake: () => void = () => undefined;
    for (const method of [SUBMIT_PROGRESS_NOTIFICATION, LISTENER_STATE_NOTIFICATION, APPREC_RECEIVED_NOTIFICATION]) {
      server.conn.onNotification(method, (p: { kind?: string }) => {
        notes.push(JSON.stringify(p));
        if (method === APPREC_RECEIVED_NOTIFICATION && p.kind === 'apprec') apprecs++;
        wake();
      });
    }
    try {
      const uris = files.map(fileUri);
      const checked = await Promise.all(broken.map((uri) => server.conn.sendRequest(CHECK_FILE_REQUEST, { uri })));
      const report = await server.conn.sendRequest(REPORT_REQUEST, { uris: broken });
      const refused = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, { submissionId: 'privacy-0', uris: broken, env: 'local', secrets: {} });
      assert.equal(refused.refusedKey, 'submit.checkErrors', JSON.stringify(refused));
      const params: SubmitParams = { submissionId: 'privacy-1', uris, env: 'local', secrets: {} };
      const result = await server.conn.sendRequest<SubmitResult>(SUBMIT_REQUEST, params);
      const sent = result.sendings.filter((x) => x.state === 'sent').length;
      assert.ok(sent > 0, `something was sent: ${JSON.stringify(result)}`);
      // Wait, notice by notice, until KPR has answered every sending.
      await withTimeout(
        new Promise<void>((resolve) => {
          wake = () => apprecs >= sent && resolve();
          wake();
        }),
        30_000,
        'the Apprecs of the sendings',
      );
      const journal = await server.conn.sendRequest(JOURNAL_REQUEST, {});
      const all = [checked, report, refused, result, journal].map((x) => JSON.stringify(x)).join('\n') + notes.join('\n');
      assert.match(all, /\*{9}\d\d/, 'the check results quote person numbers, masked');
      assertNoPersonIds('the language server\'s sending results and notifications', all);
      assertNoPersonIds('the language server\'s log while sending', server.logs.join('\n'));
      assertNoPersonIds('the workspace journal and simulator folders', allFilesText(path.join(ws, '.kpr')));
    } finally {
      await server.stop();
    }
  });

  describe('a sending to the local KPR simulator and its Apprecs', function () {
    let local: LocalKpr;
    let secrets: Record<string, string>;
    const simLog: string[] = [];
    const simEvents: string[] = [];

    before(async () => {
      local = await startLocalKpr({ dir: path.join(dir, 'sim'), port: 0, lang: 'nb', env: {}, log: (l) => simLog.push(l) });
      local.simulator.onEvent((e) => simEvents.push(JSON.stringify(e)));
      secrets = readSecretsFile(local.secretsFile);
    });

    after(async () => {
      await local?.stop();
    });

    it('kpr submit --wait, kpr status and the journal: the Apprecs quote the findings, masked', async () => {
      const env = { ...secrets, KPR_LANG: 'nb' };
      const r = await kprAsync(['submit', '--config', local.configPath, '--env', 'local', '--force', '--verbose', '--wait', '30', fagFile, ideFile], env);
      assert.equal(r.code, 1, `KPR rejects these files: ${r.out}${r.err}`);
      assert.match(r.out + r.err, /\*{9}\d\d/, 'the Apprec texts quote person numbers, masked');
      assertNoPersonIds('kpr submit --wait (stdout)', r.out);
      assertNoPersonIds('kpr submit --wait (stderr, with --verbose)', r.err);
      assertNoSecret('kpr submit --wait', r.out + r.err, Object.values(secrets));

      const st = await kprAsync(['status', '--config', local.configPath, '--format', 'json'], env);
      assert.equal(st.code, 0, st.err);
      assertNoPersonIds('kpr status --format json', st.out + st.err);
      const st2 = await kprAsync(['status', '--config', local.configPath], env);
      assertNoPersonIds('kpr status', st2.out + st2.err);

      const stored = allFilesText(path.dirname(local.configPath)) + allFilesText(path.join(dir, 'sim'));
      assert.match(stored, /AppRec/, 'the journal keeps the Apprecs');
      assertNoPersonIds('the journal, quarantine and simulator folders', stored);
      assertNoSecret('the journal', allFilesText(path.join(path.dirname(local.configPath), 'journal')), Object.values(secrets));
      assertNoPersonIds('the simulator\'s log', simLog.join('\n'));
      assertNoPersonIds('the simulator\'s events', simEvents.join('\n'));
    });

    it('a wrong AMQP password refused by the broker is never repeated', async () => {
      const wrong = 'Wr0ng-Amqp_Pass-5c1d';
      const r = await kprAsync(['submit', '--config', local.configPath, '--env', 'local', '--force', '--verbose', fagFile], { ...secrets, KPR_AMQP_PASSWORD: wrong });
      assert.notEqual(r.code, 0, r.out + r.err);
      assert.match(r.out + r.err, /refused the user name or password/, 'the broker refused the login');
      assertNoSecret('kpr submit with a wrong AMQP password', r.out + r.err + simLog.join('\n'), [wrong, secrets.KPR_SIGN_P12_PASSPHRASE]);
      const l = await kprAsync(['listen', '--config', local.configPath, '--env', 'local', '--once', '--timeout', '5', '--verbose'], { ...secrets, KPR_AMQP_PASSWORD: wrong });
      assert.notEqual(l.code, 0, l.out + l.err);
      assertNoSecret('kpr listen with a wrong AMQP password', l.out + l.err, [wrong]);
    });
  });

  describe('the sending commands', function () {
    let pki: TestPki;
    let configFile: string;
    const journalDir = () => path.join(dir, 'journal');
    /** Wrong secrets, each distinctive enough that a hit cannot be a coincidence. */
    const wrongPassphrase = 'Fe1l-P4ss!phrase_9f3c';
    const amqpPassword = 'Amqp-S3cret_77e1b';

    before(function () {
      if (!hasOpenssl()) this.skip();
      fs.mkdirSync(path.join(dir, 'pki'));
      pki = createTestPki(path.join(dir, 'pki'));
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
            kpr: { local: { encryptionCert: pki.kprEncryption.certPath, signingCert: pki.kprSigning.certPath } },
          },
          // Nothing listens on port 9: a sending fails at connecting, after the secrets have been used.
          environments: { local: { busUrl: 'amqp://127.0.0.1:9/NHNTESTServiceBus' } },
          journalPath: 'journal/sendings.jsonl',
        }),
      );
    });

    it('kpr pack and kpr unpack of an identmelding print no person number', () => {
      const out = path.join(dir, 'ide.p7m');
      const p = kpr(['pack', ideFile, '--env', 'local', '--out', out], { KPR_CONFIG: configFile, KPR_SIGN_P12_PASSPHRASE: pki.passphrase });
      assert.equal(p.code, 0, p.err);
      assertNoPersonIds('kpr pack', p.out + p.err);
      const u = kpr(['unpack', out, '--p12', pki.kprEncryption.p12Path, '--expect-signer', pki.municipalitySigning.certPath], {
        KPR_DECRYPT_P12_PASSPHRASE: pki.passphrase,
      });
      assert.equal(u.code, 0, u.err);
      assert.match(u.out + u.err, /PasientIdent/, 'the content is shown');
      assertNoPersonIds('kpr unpack (stdout)', u.out);
      assertNoPersonIds('kpr unpack (stderr)', u.err);
    });

    it('a wrong signing passphrase is never repeated (submit, pack)', () => {
      for (const args of [['submit', fagFile, '--env', 'local', '--force'], ['pack', fagFile, '--env', 'local', '--out', path.join(dir, 'x.p7m')]]) {
        const r = kpr(args, { KPR_CONFIG: configFile, KPR_SIGN_P12_PASSPHRASE: wrongPassphrase, KPR_AMQP_PASSWORD: amqpPassword });
        assert.equal(r.code, 1, `${args[0]} fails on the wrong passphrase: ${r.out}${r.err}`);
        assert.match(r.out + r.err, /passphrase|passord|PKCS#12/i, 'the user is told what is wrong');
        assertNoSecret(`kpr ${args[0]} with a wrong passphrase`, r.out + r.err, [wrongPassphrase, amqpPassword]);
        assertNoPersonIds(`kpr ${args[0]} with a wrong passphrase`, r.out + r.err);
      }
      assertNoSecret('the journal folder', allFilesText(journalDir()), [wrongPassphrase, amqpPassword]);
    });

    it('a wrong decryption passphrase is never repeated (unpack)', () => {
      const r = kpr(['unpack', path.join(dir, 'ide.p7m'), '--p12', pki.kprEncryption.p12Path], { KPR_DECRYPT_P12_PASSPHRASE: wrongPassphrase });
      assert.equal(r.code, 1, r.out + r.err);
      assertNoSecret('kpr unpack with a wrong passphrase', r.out + r.err, [wrongPassphrase]);
    });

    it('an AMQP password (in the environment or inside the bus URL) is never repeated when the connection fails', () => {
      for (const env of [
        { KPR_AMQP_PASSWORD: amqpPassword },
        { KPR_AMQP_PASSWORD: amqpPassword, KPR_BUS_URL: `amqp://kpr-test:${amqpPassword}@127.0.0.1:9/NHNTESTServiceBus` },
      ]) {
        for (const file of [fagFile, ideFile]) {
          const r = kpr(['submit', file, '--env', 'local', '--force', '--verbose'], { KPR_CONFIG: configFile, KPR_SIGN_P12_PASSPHRASE: pki.passphrase, ...env });
          assert.notEqual(r.code, 0, `the sending cannot succeed: ${r.out}${r.err}`);
          assertNoSecret('kpr submit (connection refused)', r.out + r.err, [amqpPassword, pki.passphrase]);
          assertNoPersonIds('kpr submit (connection refused)', r.out + r.err);
        }
      }
      const stored = allFilesText(journalDir());
      assertNoSecret('the journal folder', stored, [amqpPassword, pki.passphrase]);
      assertNoPersonIds('the journal folder', stored);
      const st = kpr(['status', '--format', 'json'], { KPR_CONFIG: configFile });
      assertNoPersonIds('kpr status', st.out + st.err);
      assertNoSecret('kpr status', st.out + st.err, [amqpPassword]);
    });
  });
});
