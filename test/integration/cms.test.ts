/**
 * CMS sign+encrypt / decrypt+verify against OpenSSL as the independent oracle: what we write, OpenSSL must
 * read byte for byte; what OpenSSL writes (DER and streamed BER), we must read; and every way a message
 * can be wrong must end in an error whose message says what is wrong.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KprError } from '../../server/src/errors';
import { decrypt, decryptAndVerify, encrypt, sign, signAndEncrypt, verify } from '../../server/src/submit/crypto/cms';
import { TestIdentity, TestPki, createTestPki, hasOpenssl, openssl } from '../support/pki';

/** UTF-8 text with Norwegian letters, ISO-8859-1 bytes, every byte value, and CR/LF that must survive. */
function awkwardContent(): Buffer {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  return Buffer.concat([
    Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\r\n<MsgHead>Ærlig, søt og blå – Œ € 𝄞</MsgHead>\n', 'utf8'),
    Buffer.from('ISO-8859-1: Tromsø Ålesund Bærum\r\n', 'latin1'),
    all,
  ]);
}

/** ~`size` bytes of XML-like text, deterministic. */
function bigContent(size: number): Buffer {
  const unit = Buffer.from('<Person><Fnr>00000000000</Fnr><Navn>Åse Ødegård</Navn><Tjeneste kode="11"/></Person>\n', 'utf8');
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += unit.length) unit.copy(out, i);
  return out;
}

function expectKprError(fn: () => unknown, key: string, message: RegExp): KprError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KprError, `expected KprError ${key}, got ${(e as Error).stack}`);
    assert.equal(e.key, key, `wrong error: ${e.message}`);
    assert.match(e.message, message);
    assert.match(e.localized('nb'), /\S/);
    assert.notEqual(e.localized('nb'), e.message, 'Norwegian text missing');
    return e;
  }
  assert.fail(`expected ${key}, but nothing was thrown`);
}

describe('CMS sign+encrypt against OpenSSL (integration)', function () {
  this.timeout(60_000);
  let dir: string;
  let pki: TestPki;
  let n = 0;
  const file = (name: string, data?: Buffer) => {
    const p = path.join(dir, `${++n}-${name}`);
    if (data) fs.writeFileSync(p, data);
    return p;
  };

  /** `openssl cms -sign … | openssl cms -encrypt …`, as a peer on the bus would send. */
  function opensslSignEncrypt(
    content: Buffer,
    signer: TestIdentity,
    recipient: TestIdentity,
    opts: { stream?: boolean; cipher?: string; extraEncryptArgs?: string[] } = {},
  ): Buffer {
    const streaming = opts.stream ? ['-stream'] : [];
    const signed = openssl(
      ['cms', '-sign', '-binary', '-nodetach', '-md', 'sha256', '-signer', signer.certPath, '-inkey', signer.keyPath, '-outform', 'DER', ...streaming, '-in', file('content', content)],
    );
    return opensslEncrypt(signed, recipient, opts);
  }

  function opensslEncrypt(data: Buffer, recipient: TestIdentity, opts: { stream?: boolean; cipher?: string; extraEncryptArgs?: string[] } = {}): Buffer {
    const streaming = opts.stream ? ['-stream'] : [];
    return openssl([
      'cms', '-encrypt', '-binary', opts.cipher ?? '-aes256', '-outform', 'DER', ...streaming,
      '-in', file('plain', data), '-recip', recipient.certPath, ...(opts.extraEncryptArgs ?? []),
    ]);
  }

  /** `openssl cms -decrypt | openssl cms -verify -CAfile root`: returns the verified content. */
  function opensslDecryptVerify(der: Buffer, recipient: TestIdentity): Buffer {
    const signed = opensslDecrypt(der, recipient);
    const out = file('verified');
    openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-CAfile', pki.caFile, '-in', file('signed', signed), '-out', out]);
    return fs.readFileSync(out);
  }

  function opensslDecrypt(der: Buffer, recipient: TestIdentity): Buffer {
    return openssl(['cms', '-decrypt', '-binary', '-inform', 'DER', '-recip', recipient.certPath, '-inkey', recipient.keyPath, '-in', file('enc', der)]);
  }

  before(function () {
    if (!hasOpenssl()) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-cms-'));
    pki = createTestPki(dir);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('what signAndEncrypt writes, OpenSSL reads', () => {
    it('decrypts and verifies to byte-identical content (UTF-8, ISO-8859-1, all byte values)', () => {
      const content = awkwardContent();
      const der = signAndEncrypt(content, pki.municipalitySigning, pki.kprEncryption.cert);
      assert.deepEqual(opensslDecryptVerify(der, pki.kprEncryption), content);
    });

    it('handles a multi-megabyte message (content crosses many cipher slices)', () => {
      const content = bigContent(5 * 1024 * 1024 + 7);
      const der = signAndEncrypt(content, pki.municipalitySigning, pki.kprEncryption.cert);
      assert.ok(opensslDecryptVerify(der, pki.kprEncryption).equals(content));
    });

    it('uses AES-256-CBC, RSA PKCS#1 v1.5 key transport and includes the issuing CA but not the root', () => {
      const der = signAndEncrypt(Buffer.from('x'), pki.municipalitySigning, pki.kprEncryption.cert);
      const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('enc', der)]).toString();
      assert.match(printed, /aes-256-cbc \(2\.16\.840\.1\.101\.3\.4\.1\.42\)/);
      assert.match(printed, /keyEncryptionAlgorithm:\s+algorithm: rsaEncryption/);
      assert.match(printed, /d\.issuerAndSerialNumber/);
      const signed = opensslDecrypt(der, pki.kprEncryption);
      const certs = openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout', '-in', file('signed', signed)]).toString();
      assert.match(certs, /subject=.*ØVRE TESTDAL KOMMUNE SIGNERING|subject=.*\\C3\\98VRE TESTDAL KOMMUNE SIGNERING/);
      assert.match(certs, /subject=.*KPR Test Issuing CA/);
      assert.doesNotMatch(certs, /subject=.*KPR Test Root CA/);
      const signedPrinted = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('signed', signed)]).toString();
      assert.match(signedPrinted, /signingTime/);
      assert.match(signedPrinted, /messageDigest/);
      assert.match(signedPrinted, /signatureAlgorithm:\s+algorithm: rsaEncryption/);
    });

    it('sign() and encrypt() alone produce what OpenSSL reads too', () => {
      const content = awkwardContent();
      const signed = sign(content, pki.kprSigning);
      const out = file('verified');
      openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-CAfile', pki.caFile, '-in', file('signed', signed), '-out', out]);
      assert.deepEqual(fs.readFileSync(out), content);
      assert.deepEqual(opensslDecrypt(encrypt(content, pki.municipalityEncryption.cert), pki.municipalityEncryption), content);
    });
  });

  describe('what OpenSSL writes, decryptAndVerify reads', () => {
    for (const stream of [false, true]) {
      it(`reads ${stream ? 'streamed BER (indefinite lengths, chunked OCTET STRINGs)' : 'definite-length DER'}`, () => {
        const content = Buffer.concat([awkwardContent(), bigContent(300_000)]);
        const der = opensslSignEncrypt(content, pki.municipalitySigning, pki.kprEncryption, { stream });
        assert.equal(der[1] === 0x80, stream, 'the OpenSSL output does not have the expected length form');
        const before = Date.now();
        const result = decryptAndVerify(der, pki.kprEncryption, { expectedSigner: pki.municipalitySigning.cert });
        assert.ok(result.content.equals(content));
        assert.ok(result.signer.der.equals(pki.municipalitySigning.cert.der));
        assert.ok(result.signingTime && Math.abs(result.signingTime.getTime() - before) < 120_000);
      });
    }

    it('accepts AES-128-CBC and RSA-OAEP key transport', () => {
      const content = awkwardContent();
      const signed = sign(content, pki.kprSigning);
      const der = opensslEncrypt(signed, pki.municipalityEncryption, { cipher: '-aes128', extraEncryptArgs: ['-keyopt', 'rsa_padding_mode:oaep'] });
      assert.deepEqual(decryptAndVerify(der, pki.municipalityEncryption, { expectedSigner: pki.kprSigning.cert }).content, content);
    });

    it('unwraps a stray OCTET STRING around the signed message (as older .NET senders produce)', () => {
      const content = awkwardContent();
      const signed = sign(content, pki.kprSigning);
      const wrapped = Buffer.concat([Buffer.from([0x04, 0x82, signed.length >> 8, signed.length & 0xff]), signed]);
      const der = opensslEncrypt(wrapped, pki.municipalityEncryption);
      assert.deepEqual(decrypt(der, pki.municipalityEncryption), signed);
      assert.deepEqual(decryptAndVerify(der, pki.municipalityEncryption).content, content);
    });

    it('round-trips our own output', () => {
      const content = awkwardContent();
      const der = signAndEncrypt(content, pki.kprSigning, pki.municipalityEncryption.cert);
      const r = decryptAndVerify(der, pki.municipalityEncryption, { expectedSigner: [pki.municipalitySigning.cert, pki.kprSigning.cert] });
      assert.deepEqual(r.content, content);
    });
  });

  describe('refusals, each with a message that names the problem', () => {
    it('a message for another recipient', () => {
      const der = signAndEncrypt(Buffer.from('x'), pki.municipalitySigning, pki.kprEncryption.cert);
      expectKprError(() => decryptAndVerify(der, pki.municipalityEncryption), 'crypto.cms.notForRecipient', /not encrypted for the certificate «ØVRE TESTDAL KOMMUNE KRYPTERING/);
    });

    it('the right certificate with a key that is not its own', () => {
      const der = signAndEncrypt(Buffer.from('x'), pki.municipalitySigning, pki.kprEncryption.cert);
      expectKprError(
        () => decryptAndVerify(der, { cert: pki.kprEncryption.cert, key: pki.municipalityEncryption.key }),
        'crypto.cert.keyMismatch',
        /private key does not belong to the certificate/,
      );
    });

    it('one flipped byte in the encrypted content', () => {
      const content = bigContent(200_000);
      const der = signAndEncrypt(content, pki.municipalitySigning, pki.kprEncryption.cert);
      const tampered = Buffer.from(der);
      tampered[Math.floor(der.length / 2)] ^= 0x01;
      expectKprError(() => decryptAndVerify(tampered, pki.kprEncryption), 'crypto.cms.digestMismatch', /altered \(tampered\)/);
      // OpenSSL agrees that it is broken.
      assert.throws(() => opensslDecryptVerify(tampered, pki.kprEncryption), /failed/);
    });

    it('a flipped byte in the last cipher block (padding) is reported as damaged or altered', () => {
      const der = signAndEncrypt(bigContent(10_000), pki.municipalitySigning, pki.kprEncryption.cert);
      const tampered = Buffer.from(der);
      tampered[der.length - 1] ^= 0x80;
      assert.throws(
        () => decryptAndVerify(tampered, pki.kprEncryption),
        (e: unknown) => e instanceof KprError && /damaged|altered|tampered/.test(e.message),
      );
    });

    describe('tampering inside the signed message (decrypted, flipped, re-encrypted with OpenSSL)', () => {
      const marker = Buffer.from('TAMPER-TARGET-0123456789');
      let signed: Buffer;
      before(() => {
        const der = signAndEncrypt(Buffer.concat([awkwardContent(), marker]), pki.municipalitySigning, pki.kprEncryption.cert);
        signed = opensslDecrypt(der, pki.kprEncryption);
      });
      const reencrypt = (mutate: (b: Buffer) => void) => {
        const copy = Buffer.from(signed);
        mutate(copy);
        return opensslEncrypt(copy, pki.kprEncryption);
      };
      const attributeValueAt = (oidHex: string) => {
        const at = signed.indexOf(Buffer.from(oidHex, 'hex'));
        assert.ok(at > 0, 'attribute not found');
        return at + oidHex.length / 2 + 4; // OID, then SET header (2) and value header (2)
      };

      it('the messageDigest attribute', () => {
        const der = reencrypt((b) => (b[attributeValueAt('06092a864886f70d010904')] ^= 0x01));
        expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cms.signatureInvalid', /signature is invalid \(tampered\)/);
      });

      it('the signingTime attribute', () => {
        const der = reencrypt((b) => {
          const secondsTens = attributeValueAt('06092a864886f70d010905') + 10;
          b[secondsTens] = 0x30 + ((b[secondsTens] - 0x30 + 1) % 6);
        });
        expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cms.signatureInvalid', /signed attributes or the signature were altered/);
      });

      it('the signature value', () => {
        const der = reencrypt((b) => (b[b.length - 1] ^= 0x01));
        expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cms.signatureInvalid', /tampered/);
      });

      it('the content', () => {
        const der = reencrypt((b) => (b[b.indexOf(marker) + 3] ^= 0x01));
        expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cms.digestMismatch', /content does not match the signed digest/);
      });
    });

    it('a message signed with an expired certificate', () => {
      const der = opensslSignEncrypt(Buffer.from('x'), pki.expiredSigning, pki.kprEncryption);
      const e = expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cert.expired', /expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(valid \d{4}-/);
      assert.match(e.message, /UTLØPT/);
      expectKprError(() => signAndEncrypt(Buffer.from('x'), pki.expiredSigning, pki.kprEncryption.cert), 'crypto.cert.expired', /expired on/);
    });

    it('a message signed with a certificate that is not valid yet', () => {
      const der = opensslSignEncrypt(Buffer.from('x'), pki.notYetValidSigning, pki.kprEncryption);
      expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cert.notYetValid', /is not valid until/);
    });

    it('a signing time outside the certificate validity, checked at a time the certificate is valid', () => {
      const der = opensslSignEncrypt(Buffer.from('x'), pki.expiredSigning, pki.kprEncryption);
      const validAt = new Date(Date.now() - 500 * 24 * 3600 * 1000);
      expectKprError(() => decryptAndVerify(der, pki.kprEncryption, { now: validAt }), 'crypto.cms.signerNotValidAtSigningTime', /was signed .* which was valid only/);
    });

    it('a message signed with a certificate without nonRepudiation/digitalSignature', () => {
      const der = opensslSignEncrypt(Buffer.from('x'), pki.wrongUsage, pki.kprEncryption);
      expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cert.wrongUsageSigning', /needs key usage nonRepudiation or digitalSignature, but the certificate has keyEncipherment, dataEncipherment/);
      expectKprError(() => signAndEncrypt(Buffer.from('x'), pki.wrongUsage, pki.kprEncryption.cert), 'crypto.cert.wrongUsageSigning', /cannot be used for signing/);
    });

    it('encrypting to a certificate without keyEncipherment', () => {
      expectKprError(
        () => signAndEncrypt(Buffer.from('x'), pki.municipalitySigning, pki.kprSigning.cert),
        'crypto.cert.wrongUsageEncryption',
        /needs key usage keyEncipherment, but the certificate has nonRepudiation/,
      );
    });

    it('3DES content encryption', () => {
      const signed = sign(Buffer.from('x'), pki.municipalitySigning);
      const der = opensslEncrypt(signed, pki.kprEncryption, { cipher: '-des3' });
      expectKprError(() => decryptAndVerify(der, pki.kprEncryption), 'crypto.cms.weakAlgorithm', /encrypted with 3DES .* refused/);
    });

    it('a signer other than the expected sender', () => {
      const der = signAndEncrypt(Buffer.from('x'), pki.kprSigning, pki.municipalityEncryption.cert);
      expectKprError(
        () => decryptAndVerify(der, pki.municipalityEncryption, { expectedSigner: pki.municipalitySigning.cert }),
        'crypto.cms.unexpectedSigner',
        /signed by «KPR TESTMOTTAK SIGNERING».*not the expected sender certificate/,
      );
    });

    it('data that is not CMS, and CMS that is not encrypted', () => {
      expectKprError(() => decryptAndVerify(crypto.randomBytes(2000), pki.kprEncryption), 'crypto.cms.notCms', /not a CMS message/);
      expectKprError(() => decryptAndVerify(Buffer.from('<?xml version="1.0"?><a/>'), pki.kprEncryption), 'crypto.cms.notCms', /not a CMS message/);
      const signed = sign(Buffer.from('x'), pki.municipalitySigning);
      expectKprError(() => decryptAndVerify(signed, pki.kprEncryption), 'crypto.cms.notEnveloped', /EnvelopedData.*got SignedData/);
      expectKprError(() => verify(encrypt(Buffer.from('x'), pki.kprEncryption.cert)), 'crypto.cms.notSigned', /not a signed CMS message.*EnvelopedData/);
    });

    it('a truncated message', () => {
      const der = signAndEncrypt(bigContent(50_000), pki.municipalitySigning, pki.kprEncryption.cert);
      expectKprError(() => decryptAndVerify(der.subarray(0, der.length - 100), pki.kprEncryption), 'crypto.cms.notCms', /longer than its container|truncated/);
    });
  });
});
