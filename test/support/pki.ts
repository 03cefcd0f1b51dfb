/**
 * A throwaway test PKI, generated at test time in a temporary directory (no key is ever committed).
 *
 *   root CA ("KPR Test Root CA")
 *     └─ issuing CA ("KPR Test Issuing CA")
 *          ├─ municipalitySigning     nonRepudiation      Øvre Testdal kommune (org 910000004)
 *          ├─ municipalityEncryption  keyEncipherment     Øvre Testdal kommune
 *          ├─ kprSigning              nonRepudiation      KPR test receiver (organizationIdentifier NTRNO-920000002)
 *          ├─ kprEncryption           keyEncipherment     KPR test receiver
 *          ├─ expiredSigning          nonRepudiation, expired a year ago
 *          ├─ notYetValidSigning      nonRepudiation, valid from next year
 *          └─ wrongUsage              keyEncipherment + dataEncipherment only (an encryption certificate
 *                                     someone tries to sign with)
 *
 * Certificates are made with node-forge (which can set any dates and UTF-8 names); keys with node:crypto;
 * PKCS#12 files with the `openssl` command line, in OpenSSL 3's default format (PBES2/AES-256-CBC,
 * SHA-256 MAC) and the legacy format (RC2/3DES, SHA-1 MAC), because that is what users bring.
 *
 * Usage:
 *   const pki = createTestPki(fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-pki-')));
 *   signAndEncrypt(xml, pki.municipalitySigning, pki.kprEncryption.cert);
 *   decryptAndVerify(der, pki.kprEncryption, { expectedSigner: pki.municipalitySigning.cert });
 *   // openssl: -CAfile pki.caFile, -recip pki.kprEncryption.certPath, -inkey pki.kprEncryption.keyPath
 * Requires `openssl` on PATH (Debian package openssl).
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import forge from 'node-forge';
import { LoadedCertificate, certificateFromDer } from '../../server/src/submit/crypto/certificates';

/** A certificate with its private key and files; usable directly as a CMS `Signer` or `Recipient`. */
export interface TestIdentity {
  /** File stem, e.g. 'municipality-signing'. */
  name: string;
  cert: LoadedCertificate;
  /** Unencrypted PKCS#8 PEM. */
  key: string;
  /** The issuing CA (not the root), as a CMS signer includes it. */
  chain: LoadedCertificate[];
  /** PEM certificate. */
  certPath: string;
  /** Unencrypted PKCS#8 PEM key. */
  keyPath: string;
  /** PKCS#12 in OpenSSL 3's default format (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, SHA-256 MAC), with `TestPki.passphrase`. */
  p12Path: string;
  /** PKCS#12 in the legacy format (RC2-40/3DES, SHA-1 MAC), with `TestPki.passphrase`. */
  p12LegacyPath: string;
}

export interface TestCa {
  cert: LoadedCertificate;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface TestPki {
  dir: string;
  /** Passphrase of every PKCS#12 file created by createTestPki (ASCII). */
  passphrase: string;
  root: TestCa;
  issuing: TestCa;
  /** The root CA certificate alone: the trust anchor for `openssl cms -verify -CAfile`. */
  caFile: string;
  /** Issuing CA + root, PEM. */
  chainFile: string;
  municipalitySigning: TestIdentity;
  municipalityEncryption: TestIdentity;
  kprSigning: TestIdentity;
  kprEncryption: TestIdentity;
  expiredSigning: TestIdentity;
  notYetValidSigning: TestIdentity;
  wrongUsage: TestIdentity;
  /** How the legacy PKCS#12 files were written: '-legacy', or 3DES when OpenSSL has no legacy provider. */
  legacyP12Format: 'legacy-provider' | 'pbe-sha1-3des';
}

export interface CreateTestPkiOptions {
  passphrase?: string;
  /** RSA modulus size; default 2048. */
  keyBits?: number;
}

type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyCertSign' | 'cRLSign';

interface SubjectAttr {
  /** OID, e.g. '2.5.4.3' (CN). */
  type: string;
  value: string;
}

const DAY = 24 * 3600 * 1000;
const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';
const SERIAL_NUMBER = '2.5.4.5';
const ORGANIZATION_IDENTIFIER = '2.5.4.97';

/** Creates the whole test PKI under `dir` (which must exist) and returns files and loaded objects. */
export function createTestPki(dir: string, opts: CreateTestPkiOptions = {}): TestPki {
  const passphrase = opts.passphrase ?? 'kpr-test-passord';
  const bits = opts.keyBits ?? 2048;
  const now = Date.now();

  const rootKeys = newKey(bits);
  const rootCert = makeCert({
    subject: [{ type: C, value: 'NO' }, { type: O, value: 'KPR Test PKI' }, { type: CN, value: 'KPR Test Root CA' }],
    publicKey: rootKeys.publicPem,
    notBefore: new Date(now - 10 * DAY),
    notAfter: new Date(now + 3650 * DAY),
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    signer: { keyPem: rootKeys.privatePem },
  });
  const root = writeCa(dir, 'root-ca', rootCert, rootKeys.privatePem);

  const issuingKeys = newKey(bits);
  const issuingCert = makeCert({
    subject: [{ type: C, value: 'NO' }, { type: O, value: 'KPR Test PKI' }, { type: CN, value: 'KPR Test Issuing CA' }],
    publicKey: issuingKeys.publicPem,
    notBefore: new Date(now - 9 * DAY),
    notAfter: new Date(now + 3000 * DAY),
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    signer: { keyPem: rootKeys.privatePem, cert: rootCert },
  });
  const issuing = writeCa(dir, 'issuing-ca', issuingCert, issuingKeys.privatePem);

  const caFile = root.certPath;
  const chainFile = path.join(dir, 'chain.pem');
  fs.writeFileSync(chainFile, issuing.cert.pem + root.cert.pem);

  const legacy = { format: 'legacy-provider' as TestPki['legacyP12Format'] };
  const municipality = [
    { type: C, value: 'NO' },
    { type: O, value: 'Øvre Testdal kommune' },
    { type: SERIAL_NUMBER, value: '910000004' },
  ];
  const kpr = [
    { type: C, value: 'NO' },
    { type: O, value: 'KPR testmottak' },
    { type: ORGANIZATION_IDENTIFIER, value: 'NTRNO-920000002' },
  ];
  const leaf = (name: string, subject: SubjectAttr[], keyUsage: KeyUsageName[], from: number, to: number): TestIdentity => {
    const keys = newKey(bits);
    const cert = makeCert({
      subject,
      publicKey: keys.publicPem,
      notBefore: new Date(now + from * DAY),
      notAfter: new Date(now + to * DAY),
      ca: false,
      keyUsage,
      signer: { keyPem: issuingKeys.privatePem, cert: issuingCert },
    });
    return writeIdentity(dir, name, cert, keys.privatePem, issuing, chainFile, passphrase, legacy);
  };

  const pki: TestPki = {
    dir,
    passphrase,
    root,
    issuing,
    caFile,
    chainFile,
    municipalitySigning: leaf(
      'municipality-signing',
      [...municipality, { type: CN, value: 'ØVRE TESTDAL KOMMUNE SIGNERING' }],
      ['nonRepudiation'],
      -1,
      730,
    ),
    municipalityEncryption: leaf(
      'municipality-encryption',
      [...municipality, { type: CN, value: 'ØVRE TESTDAL KOMMUNE KRYPTERING' }],
      ['keyEncipherment'],
      -1,
      730,
    ),
    kprSigning: leaf('kpr-signing', [...kpr, { type: CN, value: 'KPR TESTMOTTAK SIGNERING' }], ['nonRepudiation'], -1, 730),
    kprEncryption: leaf('kpr-encryption', [...kpr, { type: CN, value: 'KPR TESTMOTTAK KRYPTERING' }], ['keyEncipherment'], -1, 730),
    expiredSigning: leaf(
      'expired-signing',
      [...municipality, { type: CN, value: 'ØVRE TESTDAL KOMMUNE UTLØPT' }],
      ['nonRepudiation'],
      -800,
      -365,
    ),
    notYetValidSigning: leaf(
      'not-yet-valid-signing',
      [...municipality, { type: CN, value: 'ØVRE TESTDAL KOMMUNE FREMTIDIG' }],
      ['nonRepudiation'],
      365,
      1000,
    ),
    wrongUsage: leaf(
      'wrong-usage',
      [...municipality, { type: CN, value: 'ØVRE TESTDAL KOMMUNE FEIL BRUK' }],
      ['keyEncipherment', 'dataEncipherment'],
      -1,
      730,
    ),
    legacyP12Format: 'legacy-provider',
  };
  pki.legacyP12Format = legacy.format;
  return pki;
}

/**
 * Writes `identity` as a PKCS#12 file with `openssl pkcs12 -export`.
 * 'default': OpenSSL 3's default (PBES2/AES-256-CBC/SHA-256 MAC, spelled out so it holds on any OpenSSL 3);
 * 'legacy': `-legacy` (RC2-40 for certificates, 3DES for the key, SHA-1 MAC), or 3DES for both when the
 * legacy provider is not installed. Returns which legacy form was written.
 */
export function exportPkcs12(
  identity: { certPath: string; keyPath: string },
  outPath: string,
  passphrase: string,
  format: 'default' | 'legacy',
  chainFile?: string,
): 'default' | TestPki['legacyP12Format'] {
  const base = ['pkcs12', '-export', '-in', identity.certPath, '-inkey', identity.keyPath, '-out', outPath, '-passout', 'env:KPR_TEST_P12_PASS'];
  if (chainFile) base.push('-certfile', chainFile);
  // The passphrase goes through the environment so that it is not visible in the process list.
  const env = { ...process.env, KPR_TEST_P12_PASS: passphrase };
  const run = (args: string[]) => execFileSync('openssl', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (format === 'default') {
    run([...base, '-certpbe', 'AES-256-CBC', '-keypbe', 'AES-256-CBC', '-macalg', 'sha256', '-iter', '2048']);
    return 'default';
  }
  try {
    run([...base, '-legacy']);
    return 'legacy-provider';
  } catch {
    run([...base, '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
    return 'pbe-sha1-3des';
  }
}

/** Runs openssl with the given arguments; returns stdout. Throws with stderr in the message on failure. */
export function openssl(args: string[], input?: Buffer): Buffer {
  try {
    return execFileSync('openssl', args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} ${args[1] ?? ''} failed: ${stderr.trim() || (e as Error).message}`);
  }
}

/** Whether the openssl command line is available (tests skip the oracle comparisons otherwise). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------

function newKey(bits: number): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function makeCert(spec: {
  subject: SubjectAttr[];
  publicKey: string;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  keyUsage: KeyUsageName[];
  signer: { keyPem: string; cert?: forge.pki.Certificate };
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKey);
  // Positive 16-byte serial: a leading 0x01 keeps the sign bit clear.
  cert.serialNumber = '01' + crypto.randomBytes(15).toString('hex');
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  // UTF8String for every attribute but C and serialNumber/organizationIdentifier (PrintableString),
  // like Norwegian enterprise certificates with æøå in their names.
  const attrs = spec.subject.map((a) => ({
    type: a.type,
    value: a.value,
    ...(a.type === CN || a.type === O ? { valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class } : {}),
  }));
  cert.setSubject(attrs);
  cert.setIssuer(spec.signer.cert ? spec.signer.cert.subject.attributes : attrs);
  const exts: object[] = [
    { name: 'basicConstraints', cA: spec.ca, critical: true },
    { name: 'keyUsage', critical: true, ...Object.fromEntries(spec.keyUsage.map((u) => [u, true])) },
    { name: 'subjectKeyIdentifier' },
  ];
  if (spec.signer.cert) {
    exts.push({ name: 'authorityKeyIdentifier', keyIdentifier: spec.signer.cert.generateSubjectKeyIdentifier().getBytes() });
  }
  cert.setExtensions(exts as never[]);
  cert.sign(forge.pki.privateKeyFromPem(spec.signer.keyPem), forge.md.sha256.create());
  return cert;
}

function derOf(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

function writeCa(dir: string, name: string, cert: forge.pki.Certificate, keyPem: string): TestCa {
  const loaded = certificateFromDer(derOf(cert));
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  fs.writeFileSync(certPath, loaded.pem);
  fs.writeFileSync(keyPath, keyPem, { mode: 0o600 });
  return { cert: loaded, key: keyPem, certPath, keyPath };
}

function writeIdentity(
  dir: string,
  name: string,
  cert: forge.pki.Certificate,
  keyPem: string,
  issuing: TestCa,
  chainFile: string,
  passphrase: string,
  legacy: { format: TestPki['legacyP12Format'] },
): TestIdentity {
  const loaded = certificateFromDer(derOf(cert));
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  fs.writeFileSync(certPath, loaded.pem);
  fs.writeFileSync(keyPath, keyPem, { mode: 0o600 });
  const p12Path = path.join(dir, `${name}.p12`);
  const p12LegacyPath = path.join(dir, `${name}-legacy.p12`);
  exportPkcs12({ certPath, keyPath }, p12Path, passphrase, 'default', chainFile);
  const format = exportPkcs12({ certPath, keyPath }, p12LegacyPath, passphrase, 'legacy', chainFile);
  if (format !== 'default') legacy.format = format;
  return { name, cert: loaded, key: keyPem, chain: [issuing.cert], certPath, keyPath, p12Path, p12LegacyPath };
}
