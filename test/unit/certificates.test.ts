/**
 * Loading and checking enterprise certificates: what a user gets wrong when configuring certificates
 * (passphrase, wrong file, expired, signing vs encryption certificate) must give an error that says so.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KprError } from '../../server/src/errors';
import {
  checkCertificate,
  checkKeyMatchesCertificate,
  describeCertificate,
  loadCertificate,
  loadCertificates,
  loadPkcs12,
  loadPrivateKey,
} from '../../server/src/submit/crypto/certificates';
import { TestPki, createTestPki, exportPkcs12, hasOpenssl, openssl } from '../support/pki';

function expectKprError(fn: () => unknown, key: string, message: RegExp): KprError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KprError, `expected KprError ${key}, got ${(e as Error).stack}`);
    assert.equal(e.key, key, `wrong error: ${e.message}`);
    assert.match(e.message, message);
    assert.notEqual(e.localized('nb'), e.message, 'Norwegian text missing');
    return e;
  }
  assert.fail(`expected ${key}, but nothing was thrown`);
}

describe('certificates', function () {
  this.timeout(60_000);
  let dir: string;
  let pki: TestPki;

  before(function () {
    if (!hasOpenssl()) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-certs-'));
    pki = createTestPki(dir);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('loadPkcs12', () => {
    for (const format of ['OpenSSL 3 default (PBES2/AES-256, SHA-256 MAC)', 'legacy (RC2/3DES, SHA-1 MAC)']) {
      const legacy = format.startsWith('legacy');
      it(`reads ${format}: certificate, working private key, chain issuer-first`, () => {
        const id = pki.municipalitySigning;
        const bundle = loadPkcs12(fs.readFileSync(legacy ? id.p12LegacyPath : id.p12Path), pki.passphrase, { purpose: 'signing' });
        assert.ok(bundle.certificate.der.equals(id.cert.der));
        assert.equal(bundle.certificate.pem, id.cert.pem);
        assert.equal(bundle.certificate.forge.serialNumber.toUpperCase(), describeCertificate(id.cert).serialNumber);
        assert.deepEqual(
          bundle.chain.map((c) => c.der),
          [pki.issuing.cert.der, pki.root.cert.der],
        );
        // The key is usable by node:crypto and is the certificate's key.
        const data = Buffer.from('kontroll');
        const signature = crypto.sign('sha256', data, bundle.privateKey);
        assert.ok(crypto.verify('sha256', data, new crypto.X509Certificate(bundle.certificate.der).publicKey, signature));
      });

      it(`refuses a wrong passphrase (${legacy ? 'legacy' : 'default'} format)`, () => {
        const id = pki.kprEncryption;
        expectKprError(
          () => loadPkcs12(fs.readFileSync(legacy ? id.p12LegacyPath : id.p12Path), pki.passphrase + 'x'),
          'crypto.p12.wrongPassphrase',
          /Wrong passphrase/,
        );
      });
    }

    it('reads files with a non-ASCII passphrase, in both formats', () => {
      // forge alone cannot read OpenSSL 3's format with such a passphrase (it hashes it as Latin-1 bytes).
      const passphrase = 'Blåbærsyltetøy-2025';
      for (const format of ['default', 'legacy'] as const) {
        const p = path.join(dir, `utf8-${format}.p12`);
        exportPkcs12(pki.kprSigning, p, passphrase, format, pki.chainFile);
        const bundle = loadPkcs12(fs.readFileSync(p), passphrase);
        assert.ok(bundle.certificate.der.equals(pki.kprSigning.cert.der), format);
        expectKprError(() => loadPkcs12(fs.readFileSync(p), 'Blabaersyltetoy-2025'), 'crypto.p12.wrongPassphrase', /Wrong passphrase/);
      }
    });

    it('reads a file protected with an empty passphrase', () => {
      const p = path.join(dir, 'empty-pass.p12');
      exportPkcs12(pki.kprEncryption, p, '', 'default');
      assert.ok(loadPkcs12(fs.readFileSync(p), '').certificate.der.equals(pki.kprEncryption.cert.der));
    });

    it('says when the file is not PKCS#12 (a PEM or DER certificate given instead)', () => {
      expectKprError(() => loadPkcs12(fs.readFileSync(pki.kprEncryption.certPath), 'x'), 'crypto.p12.notPkcs12', /not a PKCS#12/);
      expectKprError(() => loadPkcs12(pki.kprEncryption.cert.der, 'x'), 'crypto.p12.notPkcs12', /not a PKCS#12/);
    });

    it('says when the file holds no private key', () => {
      const p = path.join(dir, 'nokey.p12');
      openssl(['pkcs12', '-export', '-nokeys', '-in', pki.kprSigning.certPath, '-out', p, '-passout', 'pass:abc']);
      expectKprError(() => loadPkcs12(fs.readFileSync(p), 'abc'), 'crypto.p12.noPrivateKey', /no private key/);
    });

    it('refuses an expired certificate with its dates, unless dates are not checked', () => {
      const data = fs.readFileSync(pki.expiredSigning.p12Path);
      const e = expectKprError(
        () => loadPkcs12(data, pki.passphrase, { purpose: 'signing' }),
        'crypto.cert.expired',
        /«ØVRE TESTDAL KOMMUNE UTLØPT.*» expired on (\d{4}-\d\d-\d\d \d\d:\d\d UTC) \(valid \d{4}-\d\d-\d\d \d\d:\d\d UTC – \1\)/,
      );
      assert.match(e.localized('nb'), /gikk ut \d{4}-/);
      const bundle = loadPkcs12(data, pki.passphrase, { checkDates: false });
      assert.ok(bundle.certificate.der.equals(pki.expiredSigning.cert.der));
    });

    it('refuses a certificate that is not valid yet', () => {
      expectKprError(() => loadPkcs12(fs.readFileSync(pki.notYetValidSigning.p12Path), pki.passphrase), 'crypto.cert.notYetValid', /not valid until/);
    });

    it('refuses the encryption certificate for signing and the signing certificate for encryption', () => {
      expectKprError(
        () => loadPkcs12(fs.readFileSync(pki.municipalityEncryption.p12Path), pki.passphrase, { purpose: 'signing' }),
        'crypto.cert.wrongUsageSigning',
        /cannot be used for signing: .* but the certificate has keyEncipherment\. Is it the encryption certificate\?/,
      );
      expectKprError(
        () => loadPkcs12(fs.readFileSync(pki.municipalitySigning.p12Path), pki.passphrase, { purpose: 'encryption' }),
        'crypto.cert.wrongUsageEncryption',
        /needs key usage keyEncipherment, but the certificate has nonRepudiation/,
      );
    });
  });

  describe('loadCertificate / loadPrivateKey / checks', () => {
    it('reads PEM and DER to the same certificate, and a PEM chain file', () => {
      const fromPem = loadCertificate(fs.readFileSync(pki.kprEncryption.certPath), { purpose: 'encryption' });
      const fromDer = loadCertificate(pki.kprEncryption.cert.der);
      assert.ok(fromPem.der.equals(fromDer.der));
      const chain = loadCertificates(fs.readFileSync(pki.chainFile));
      assert.deepEqual(
        chain.map((c) => describeCertificate(c).subject.commonName),
        ['KPR Test Issuing CA', 'KPR Test Root CA'],
      );
    });

    it('says when a file is not a certificate', () => {
      expectKprError(() => loadCertificate(Buffer.from('hello')), 'crypto.cert.notCertificate', /not an X\.509 certificate/);
      expectKprError(() => loadCertificate(fs.readFileSync(pki.kprEncryption.keyPath)), 'crypto.cert.notCertificate', /no CERTIFICATE block/);
    });

    it('checks validity and usage on demand', () => {
      expectKprError(() => checkCertificate(pki.wrongUsage.cert, { purpose: 'signing' }), 'crypto.cert.wrongUsageSigning', /has keyEncipherment, dataEncipherment/);
      checkCertificate(pki.expiredSigning.cert, { now: new Date(Date.now() - 500 * 24 * 3600 * 1000), purpose: 'signing' });
    });

    it('detects a key that belongs to another certificate', () => {
      const key = crypto.createPrivateKey(pki.kprSigning.key);
      checkKeyMatchesCertificate(key, pki.kprSigning.cert);
      expectKprError(() => checkKeyMatchesCertificate(key, pki.kprEncryption.cert), 'crypto.cert.keyMismatch', /does not belong to the certificate «KPR TESTMOTTAK KRYPTERING»/);
    });

    it('reads encrypted PEM keys and says when the passphrase is wrong', () => {
      const encrypted = crypto
        .createPrivateKey(pki.kprSigning.key)
        .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hemmelig' }) as string;
      const pem = loadPrivateKey(encrypted, 'hemmelig');
      checkKeyMatchesCertificate(crypto.createPrivateKey(pem), pki.kprSigning.cert);
      expectKprError(() => loadPrivateKey(encrypted, 'feil'), 'crypto.key.unreadable', /could not be read/);
    });
  });

  describe('describeCertificate', () => {
    it('gives names with Norwegian letters, organisation number from serialNumber, issuer, dates and usages', () => {
      const d = describeCertificate(pki.municipalitySigning.cert);
      assert.equal(d.subject.commonName, 'ØVRE TESTDAL KOMMUNE SIGNERING');
      assert.equal(d.subject.organization, 'Øvre Testdal kommune');
      assert.equal(d.subject.organizationNumber, '910000004');
      assert.equal(d.subject.country, 'NO');
      assert.equal(d.issuer.commonName, 'KPR Test Issuing CA');
      assert.deepEqual(d.keyUsages, ['nonRepudiation']);
      assert.equal(d.usableForSigning, true);
      assert.equal(d.usableForEncryption, false);
      assert.equal(d.keyAlgorithm, 'RSA');
      assert.equal(d.keyBits, 2048);
      const x = new crypto.X509Certificate(pki.municipalitySigning.cert.der);
      assert.equal(d.serialNumber, x.serialNumber.toUpperCase());
      assert.equal(d.validFrom.getTime(), new Date(x.validFrom).getTime());
      assert.equal(d.validTo.getTime(), new Date(x.validTo).getTime());
      assert.equal(d.fingerprintSha256, x.fingerprint256);
    });

    it('takes the organisation number from organizationIdentifier NTRNO-…', () => {
      const d = describeCertificate(pki.kprEncryption.cert);
      assert.equal(d.subject.organizationNumber, '920000002');
      assert.deepEqual(d.keyUsages, ['keyEncipherment']);
      assert.equal(d.usableForEncryption, true);
      assert.match(d.subject.dn, /^CN=KPR TESTMOTTAK KRYPTERING, organizationIdentifier=NTRNO-920000002, O=KPR testmottak, C=NO$/);
    });
  });
});
