/**
 * `kpr unpack IN.p7m [--out FILE] [--expect-signer CERT]`: decrypts a CMS message (an Apprec from KPR, a
 * quarantined message, or for a test what `kpr pack` wrote) and verifies its signature.
 *
 * The content written with --out is byte for byte what was signed. Printed on the screen, person numbers
 * are masked (an identmelding is full of them), so the screen copy is for reading, the file for using.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Lang, registerMessages, t } from '../i18n';
import { maskPersonIds } from '../privacy';
import { KprConfig } from '../submit/config';
import { describeCertificate, LoadedCertificate, loadCertificates } from '../submit/crypto/certificates';
import { decryptAndVerify } from '../submit/crypto/cms';
import { isApprec, parseApprec } from '../submit/apprec';
import { readMsgHead } from '../submit/msghead';
import { ContextualError, loadDecryptionBundle, loadP12File } from '../submit/submitter';
import { decodeXml } from '../xml/encoding';
import { parseArgs, UsageError } from './args';
import { resolveCliLang } from './check';
import { askSecret, CONFIG_OPTIONS, ensureSecrets, loadCliConfig } from './config';
import { CliIO } from './io';

export const UNPACK_USAGE = `Usage: kpr unpack IN.p7m [--out FILE] [--expect-signer CERT] [--p12 FILE]
                  [--config FILE] [--env ENV] [--lang nb|en]
Decrypts a signed and encrypted CMS message with the municipality's decryption PKCS#12
(certificates.decryptionP12, or --p12 FILE; passphrase from KPR_DECRYPT_P12_PASSPHRASE or asked),
verifies the signature and writes the content to FILE (exact bytes) or prints it (person numbers masked).
--expect-signer CERT refuses any other signer; without it, KPR's signing certificate for ENV is expected
when configured, and otherwise any intact signature is accepted (and said so).`;

registerMessages({
  'cli.unpack.signer': {
    nb: 'Signert av: {subject}\n  SHA-256-fingeravtrykk: {fingerprint}\n  Signert: {time}\n',
    en: 'Signed by: {subject}\n  SHA-256 fingerprint: {fingerprint}\n  Signed: {time}\n',
  },
  'cli.unpack.trustExpected': {
    nb: 'Signaturen er gyldig og laget med det forventede sertifikatet ({source}).\n',
    en: 'The signature is valid and made with the expected certificate ({source}).\n',
  },
  'cli.unpack.trustAny': {
    nb: 'Signaturen er gyldig, men er ikke kontrollert mot et forventet sertifikat: den viser at innholdet ikke er endret, ikke hvem som sendte det. Bruk --expect-signer CERT for å kreve en bestemt avsender.\n',
    en: 'The signature is valid but was not checked against an expected certificate: it shows the content was not altered, not who sent it. Use --expect-signer CERT to require a particular sender.\n',
  },
  'cli.unpack.written': {
    nb: 'Innholdet ({bytes} byte) er skrevet til {out}.\n',
    en: 'The content ({bytes} bytes) was written to {out}.\n',
  },
  'cli.unpack.masked': {
    nb: '(Fødselsnumre er maskert på skjermen; bruk --out FIL for det nøyaktige innholdet.)\n',
    en: '(Person numbers are masked on the screen; use --out FILE for the exact content.)\n',
  },
  'cli.unpack.msghead': {
    nb: 'Innhold: hodemelding {type}, MsgId {msgId}, fra HER-id {from} til HER-id {to}, laget {genDate}.',
    en: 'Content: Hodemelding {type}, MsgId {msgId}, from HER-id {from} to HER-id {to}, made {genDate}.',
  },
  'cli.unpack.apprec': {
    nb: 'Innhold: applikasjonskvittering, status {status} {text}, for {type} MsgId {msgId}, {errors} feil.',
    en: 'Content: application receipt, status {status} {text}, for {type} MsgId {msgId}, {errors} error(s).',
  },
  'cli.unpack.unreadable': {
    nb: 'Kan ikke lese {file}: {reason}.',
    en: 'Cannot read {file}: {reason}.',
  },
  'cli.unpack.expectSigner': {
    nb: 'Sertifikatet i --expect-signer ({path}) kan ikke leses: {reason}',
    en: 'The certificate in --expect-signer ({path}) cannot be read: {reason}',
  },
});

export async function runUnpack(argv: string[], io: CliIO): Promise<number> {
  const { options, positionals } = parseArgs(argv, {
    ...CONFIG_OPTIONS,
    out: { value: true, short: 'o' },
    'expect-signer': { value: true },
    p12: { value: true },
  });
  if (options.help) {
    io.out(UNPACK_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('kpr unpack needs exactly one input file');
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  const input = positionals[0];
  let der: Buffer;
  try {
    der = await fs.readFile(input);
  } catch (e) {
    throw new UsageError(t(lang, 'cli.unpack.unreadable', { file: maskPersonIds(input), reason: (e as NodeJS.ErrnoException).code ?? String(e) }));
  }

  // The key: --p12 needs no configuration file; otherwise the configured decryption PKCS#12.
  const p12 = typeof options.p12 === 'string' ? options.p12 : undefined;
  let config: KprConfig | undefined;
  let recipient: { cert: LoadedCertificate; key: string };
  if (p12) {
    const pass = io.env.KPR_DECRYPT_P12_PASSPHRASE || (await askSecret(io, lang, 'decryptP12Passphrase', p12));
    const bundle = loadP12File(p12, pass, '--p12', { purpose: 'encryption', checkDates: false });
    recipient = { cert: bundle.certificate, key: bundle.privateKey };
  } else {
    config = await ensureSecrets(loadCliConfig(options, io, false), ['decryptP12Passphrase'], io, lang);
    const bundle = loadDecryptionBundle(config);
    recipient = { cert: bundle.certificate, key: bundle.privateKey };
  }

  // Whom to expect: --expect-signer, else KPR's configured signing certificate, else anyone (said so).
  let expected: LoadedCertificate[] = [];
  let source = '';
  if (typeof options['expect-signer'] === 'string') {
    source = options['expect-signer'];
    expected = readCertificates(source, 'cli.unpack.expectSigner');
  } else {
    if (!config && (options.config !== undefined || options.env !== undefined)) config = loadCliConfig(options, io, false);
    const kprCert = config?.certificates.kpr[config.environment]?.signingCert;
    if (kprCert) {
      source = `certificates.kpr.${config!.environment}.signingCert`;
      expected = readCertificates(kprCert, 'cli.unpack.expectSigner');
    }
  }

  const verified = decryptAndVerify(der, recipient, expected.length > 0 ? { expectedSigner: expected } : {});
  const signer = describeCertificate(verified.signer);
  io.err(
    t(lang, 'cli.unpack.signer', {
      subject: signer.subject.dn,
      fingerprint: signer.fingerprintSha256,
      time: verified.signingTime ? verified.signingTime.toISOString() : '—',
    }),
  );
  io.err(expected.length > 0 ? t(lang, 'cli.unpack.trustExpected', { source: maskPersonIds(source) }) : t(lang, 'cli.unpack.trustAny'));
  const hint = describeContent(verified.content, lang);
  if (hint) io.err(hint + '\n');

  if (typeof options.out === 'string') {
    await fs.mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await fs.writeFile(options.out, verified.content);
    io.err(t(lang, 'cli.unpack.written', { bytes: verified.content.length, out: maskPersonIds(options.out) }));
  } else {
    const text = verified.content.toString('utf8');
    const masked = maskPersonIds(text);
    io.out(masked);
    if (!masked.endsWith('\n')) io.out('\n');
    if (masked !== text) io.err(t(lang, 'cli.unpack.masked'));
  }
  return 0;
}

/** One line about what was inside: a Hodemelding (type, MsgId, parties) or an Apprec (status, answered MsgId). */
function describeContent(content: Buffer, lang: Lang): string | undefined {
  const text = decodeXml(content).text;
  try {
    if (isApprec(text)) {
      const a = parseApprec(text);
      return t(lang, 'cli.unpack.apprec', { status: a.status.code, text: a.status.dn ?? '', msgId: a.originalMsgId.id, type: a.originalMsgId.msgType, errors: a.errors.length });
    }
    const head = readMsgHead(text);
    return t(lang, 'cli.unpack.msghead', {
      type: head.type,
      msgId: head.msgId,
      from: head.sender.communicationPartyHerId ?? '?',
      to: head.receiver.communicationPartyHerId ?? '?',
      genDate: head.genDate,
    });
  } catch {
    return undefined;
  }
}

function readCertificates(file: string, key: string): LoadedCertificate[] {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw new ContextualError(key, { path: file }, (e as NodeJS.ErrnoException).code ?? e);
  }
  try {
    return loadCertificates(data);
  } catch (e) {
    throw new ContextualError(key, { path: file }, e);
  }
}
