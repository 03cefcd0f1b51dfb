import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { KprError } from '../../server/src/errors';
import {
  assertReadyToSend,
  loadConfig,
  missingForSending,
  resolveConfig,
  withSecrets,
} from '../../server/src/submit/config';
import { ENVIRONMENT_DEFAULTS, resolveEnvironment } from '../../server/src/submit/environments';

/** A synthetic municipality whose org number passes the mod 11 check. */
const MUNICIPALITY = { name: 'Eksempel kommune', orgNumber: '864123457', herId: '1110001', serviceHerId: '1110002' };
const BASE = path.join(os.tmpdir(), 'kpr-config-base');

function resolve(json: unknown, env: Record<string, string> = {}) {
  return resolveConfig(json, { baseDir: BASE, env });
}

function expectKprError(fn: () => unknown, key: string): KprError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KprError, `expected KprError ${key}, got ${String(err)}`);
    assert.equal(err.key, key);
    return err;
  }
  assert.fail(`expected KprError ${key}, nothing was thrown`);
}

describe('config: resolveConfig / loadConfig', () => {
  it('fills in defaults: test environment, Saksbehandling queues, journal beside the file', () => {
    const c = resolve({ municipality: MUNICIPALITY });
    assert.equal(c.environment, 'test');
    assert.equal(c.target.receiverHerId, '8133973');
    assert.equal(c.target.busUrl, 'amqps://tb.test.nhn.no:5671/NHNTESTServiceBus');
    assert.equal(c.target.exchange, 'NHNTESTServiceBus');
    assert.equal(c.target.receiverQueue, '8133973_async');
    assert.equal(c.municipality.serviceName, 'Saksbehandling');
    assert.equal(c.amqp.asyncQueue, '1110002_async');
    assert.equal(c.amqp.errorQueue, '1110002_error');
    assert.equal(c.journalPath, path.join(BASE, 'kpr-journal'));
    assert.equal(c.source, path.join(BASE, 'kpr.config.json'));
  });

  it('knows KPR’s HER-ids per environment and marks the unverified production bus', () => {
    const ids = Object.fromEntries(['test', 'qa', 'prod'].map((e) => [e, resolve({ municipality: MUNICIPALITY, environment: e }).target.receiverHerId]));
    assert.deepEqual(ids, { test: '8133973', qa: '171479', prod: '122612' });
    const prod = resolve({ municipality: MUNICIPALITY, environment: 'prod' }).target;
    assert.deepEqual(prod.uncertain, ['busUrl']);
    const confirmed = resolve({
      municipality: MUNICIPALITY,
      environment: 'prod',
      environments: { prod: { busUrl: 'amqps://bus.example.nhn.no:5671/PRODX' } },
    }).target;
    assert.deepEqual(confirmed.uncertain, []);
    assert.equal(confirmed.exchange, 'PRODX');
    assert.equal(ENVIRONMENT_DEFAULTS.local.receiverHerId, '8133973');
  });

  it('takes own queues as the Adresseregister writes them (last path segment)', () => {
    const c = resolve({
      municipality: MUNICIPALITY,
      amqp: { asyncQueue: 'sb.test.nhn.no/DigitalDialog/93238_async', errorQueue: 'sb.test.nhn.no/DigitalDialog/93238_error' },
    });
    assert.equal(c.amqp.asyncQueue, '93238_async');
    assert.equal(c.amqp.errorQueue, '93238_error');
  });

  it('resolves paths relative to the config file', () => {
    const c = resolve({
      municipality: MUNICIPALITY,
      certificates: {
        signingP12: 'certs/sign.p12',
        decryptionP12: '/abs/decrypt.p12',
        caFile: '../ca.pem',
        kpr: { test: { encryptionCert: 'certs/kpr-test-enc.pem', signingCert: 'certs/kpr-test-sign.pem' } },
      },
      journalPath: 'logs/journal',
    });
    assert.equal(c.certificates.signingP12, path.join(BASE, 'certs/sign.p12'));
    assert.equal(c.certificates.decryptionP12, '/abs/decrypt.p12');
    assert.equal(c.certificates.caFile, path.resolve(BASE, '../ca.pem'));
    assert.equal(c.certificates.kpr.test.encryptionCert, path.join(BASE, 'certs/kpr-test-enc.pem'));
    assert.deepEqual(c.certificates.kpr.prod, {});
    assert.equal(c.journalPath, path.join(BASE, 'logs/journal'));
  });

  it('names the field and the file when the org number fails mod 11', () => {
    const err = expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, orgNumber: '864123456' } }), 'submit.config.badOrgNumber');
    assert.match(err.message, /municipality\.orgNumber/);
    assert.match(err.message, /kpr\.config\.json/);
    assert.match(err.localized('nb'), /organisasjonsnummer.*modulus 11/);
    expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, orgNumber: '86412345' } }), 'submit.config.badOrgNumberLength');
    // Spaces as people copy them from Brønnøysundregistrene are fine.
    assert.equal(resolve({ municipality: { ...MUNICIPALITY, orgNumber: '864 123 457' } }).municipality.orgNumber, '864123457');
  });

  it('names the field for missing, mistyped and unknown settings', () => {
    const missing = expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, serviceHerId: undefined } }), 'submit.config.missing');
    assert.match(missing.message, /municipality\.serviceHerId/);
    expectKprError(() => resolve({}), 'submit.config.missing');
    const badHer = expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, herId: 'HER-1' } }), 'submit.config.badHerId');
    assert.match(badHer.message, /municipality\.herId/);
    const same = expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, serviceHerId: MUNICIPALITY.herId } }), 'submit.config.sameHerId');
    assert.match(same.localized('nb'), /Saksbehandling/);
    const typo = expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, orgNumer: '1' } }), 'submit.config.unknownKey');
    assert.match(typo.message, /municipality\.orgNumer/);
    expectKprError(() => resolve({ municipality: MUNICIPALITY, amqp: 'user' }), 'submit.config.notObject');
    expectKprError(() => resolve({ municipality: { ...MUNICIPALITY, name: 42 } }), 'submit.config.notText');
    const env = expectKprError(() => resolve({ municipality: MUNICIPALITY, environment: 'produksjon' }), 'submit.config.badEnvironment');
    assert.match(env.message, /test, qa, prod, local/);
    const badEnvHer = expectKprError(
      () => resolve({ municipality: MUNICIPALITY, environments: { prod: { receiverHerId: 'x' } } }),
      'submit.config.badHerId',
    );
    assert.match(badEnvHer.message, /environments\.prod\.receiverHerId/);
    // "$schema" lets editors validate the file; it is not a setting.
    assert.equal(resolve({ $schema: './kpr.config.schema.json', municipality: MUNICIPALITY }).environment, 'test');
  });

  it('refuses a secret in the config file and says where secrets come from instead', () => {
    const secret = 'hunter2-very-secret';
    for (const [json, field] of [
      [{ municipality: MUNICIPALITY, amqp: { user: 'kommune', password: secret } }, 'amqp.password'],
      [{ municipality: MUNICIPALITY, certificates: { signingP12: 'a.p12', signingPassphrase: secret } }, 'certificates.signingPassphrase'],
      [{ municipality: MUNICIPALITY, environments: { test: { clientSecret: secret } } }, 'environments.test.clientSecret'],
    ] as const) {
      const err = expectKprError(() => resolve(json), 'submit.config.secretInFile');
      assert.ok(err.message.includes(field), err.message);
      assert.match(err.message, /SecretStorage/);
      assert.match(err.message, /KPR_AMQP_PASSWORD/);
      assert.match(err.localized('nb'), /Passord og passfraser skal aldri stå i konfigurasjonsfilen/);
      assert.ok(!err.message.includes(secret) && !err.localized('nb').includes(secret));
    }
    const url = expectKprError(
      () => resolve({ municipality: MUNICIPALITY, environments: { test: { busUrl: `amqps://kommune:${secret}@tb.test.nhn.no:5671/NHNTESTServiceBus` } } }),
      'submit.env.credentialsInUrl',
    );
    assert.ok(!url.message.includes(secret));
  });

  it('takes secrets and overrides from environment variables and never shows the secrets', () => {
    const c = resolve(
      { municipality: MUNICIPALITY, environment: 'test', amqp: { user: 'fra-fil' } },
      {
        KPR_ENV: 'qa',
        KPR_AMQP_USER: 'fra-miljo',
        KPR_AMQP_PASSWORD: 'amqp-pass-1',
        KPR_SIGN_P12_PASSPHRASE: 'sign-pass-2',
        KPR_DECRYPT_P12_PASSPHRASE: 'dec-pass-3',
      },
    );
    assert.equal(c.environment, 'qa');
    assert.equal(c.target.receiverHerId, '171479');
    assert.equal(c.amqp.user, 'fra-miljo');
    assert.equal(c.secrets.amqpPassword, 'amqp-pass-1');
    assert.equal(c.secrets.signP12Passphrase, 'sign-pass-2');
    assert.equal(c.secrets.decryptP12Passphrase, 'dec-pass-3');
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 10, showHidden: false }), JSON.stringify(c.secrets), inspect(c.secrets)]) {
      for (const s of ['amqp-pass-1', 'sign-pass-2', 'dec-pass-3']) assert.ok(!shown.includes(s), shown);
    }
    const prompted = withSecrets(c, { amqpPassword: 'from-prompt' });
    assert.equal(prompted.secrets.amqpPassword, 'from-prompt');
    assert.equal(prompted.secrets.signP12Passphrase, 'sign-pass-2');
    expectKprError(() => resolve({ municipality: MUNICIPALITY }, { KPR_ENV: 'staging' }), 'submit.config.badEnvironment');
  });

  it('lets a caller (VS Code SecretStorage) hand in secrets that win over env vars', () => {
    const c = resolveConfig(
      { municipality: MUNICIPALITY },
      { baseDir: BASE, env: { KPR_AMQP_PASSWORD: 'env' }, secrets: { amqpPassword: 'secret-storage' } },
    );
    assert.equal(c.secrets.amqpPassword, 'secret-storage');
  });

  it('requires TLS except for the local broker', () => {
    expectKprError(
      () => resolve({ municipality: MUNICIPALITY, environments: { prod: { busUrl: 'amqp://tb.nhn.no:5672/NHNPRODServiceBus' } } }),
      'submit.env.plainAmqp',
    );
    const local = resolve(
      { municipality: MUNICIPALITY, environment: 'local', environments: { local: { busUrl: 'amqp://127.0.0.1:5799/KPRLOCAL' } } },
    ).target;
    assert.equal(local.exchange, 'KPRLOCAL');
    assert.equal(local.receiverHerId, '8133973');
    const viaEnv = resolve({ municipality: MUNICIPALITY, environment: 'local' }, { KPR_BUS_URL: 'amqp://127.0.0.1:6000/X' }).target;
    assert.equal(viaEnv.busUrl, 'amqp://127.0.0.1:6000/X');
    expectKprError(() => resolve({ municipality: MUNICIPALITY, environments: { test: { busUrl: 'http://x/y' } } }), 'submit.env.badBusUrl');
  });

  it('lists what a sending still lacks', () => {
    const c = resolve({ municipality: MUNICIPALITY });
    assert.deepEqual(missingForSending(c), {
      settings: ['amqp.user', 'certificates.signingP12', 'certificates.decryptionP12', 'certificates.kpr.test.encryptionCert'],
      secrets: ['KPR_AMQP_PASSWORD', 'KPR_SIGN_P12_PASSPHRASE', 'KPR_DECRYPT_P12_PASSPHRASE'],
    });
    const err = expectKprError(() => assertReadyToSend(c), 'submit.config.notReady');
    assert.match(err.message, /certificates\.kpr\.test\.encryptionCert/);
  });

  describe('loadConfig', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-config-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function write(name: string, content: string): string {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    }

    it('reads the file named by KPR_CONFIG and checks that referenced files exist', () => {
      write('certs/sign.p12', 'x');
      write('certs/decrypt.p12', 'x');
      write('certs/kpr-test.pem', 'x');
      const file = write(
        'oppsett/kpr.config.json',
        JSON.stringify({
          municipality: MUNICIPALITY,
          amqp: { user: 'kommune-1110002' },
          certificates: { signingP12: '../certs/sign.p12', decryptionP12: '../certs/decrypt.p12', kpr: { test: { encryptionCert: '../certs/kpr-test.pem' } } },
        }),
      );
      const c = loadConfig(undefined, { env: { KPR_CONFIG: file } });
      assert.equal(c.source, file);
      assert.equal(c.certificates.signingP12, path.join(dir, 'certs/sign.p12'));
      assertReadyToSend(c);

      fs.rmSync(path.join(dir, 'certs/decrypt.p12'));
      const err = expectKprError(() => loadConfig(file, { env: {} }), 'submit.config.referencedFileMissing');
      assert.match(err.message, /certificates\.decryptionP12/);
      assert.ok(err.message.includes(file));
    });

    it('finds kpr.config.json in the working directory, with a BOM', () => {
      write('kpr.config.json', '\ufeff' + JSON.stringify({ municipality: MUNICIPALITY }));
      assert.equal(loadConfig(undefined, { env: {}, cwd: dir }).municipality.herId, '1110001');
    });

    it('explains a missing or broken file without quoting its content', () => {
      expectKprError(() => loadConfig(path.join(dir, 'nope.json'), { env: {} }), 'submit.config.fileNotFound');
      expectKprError(() => loadConfig(undefined, { env: {}, cwd: dir }), 'submit.config.noConfigFile');
      const file = write('kpr.config.json', '{\n  "municipality": {\n    "name": "hemmelig-innhold" oops\n}');
      const err = expectKprError(() => loadConfig(file, { env: {} }), 'submit.config.notJson');
      assert.ok(!err.message.includes('hemmelig-innhold'), err.message);
      assert.ok(err.message.includes(file));
    });
  });

  it('resolveEnvironment rejects unknown names and bad queue names', () => {
    expectKprError(() => resolveEnvironment('staging'), 'submit.env.unknown');
    expectKprError(() => resolveEnvironment('test', { receiverQueue: 'a b' }), 'submit.env.badName');
    assert.equal(resolveEnvironment('test', { receiverQueue: 'sb.test.nhn.no/DigitalDialog/8133973_async' }).receiverQueue, '8133973_async');
    assert.equal(resolveEnvironment('test', { receiverServiceHerId: '8133974' }).receiverQueue, '8133974_async');
  });
});
