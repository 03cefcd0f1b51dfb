/**
 * `kpr pack FILE --env ENV [--out OUT.p7m]`: builds exactly what `kpr submit` would send (Hodemelding,
 * signed, encrypted to KPR) and writes it to a file, without sending or journaling anything. For checking
 * a set-up with OpenSSL, or for a hand-over to another channel.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { t, registerMessages } from '../i18n';
import { maskPersonIds } from '../privacy';
import { prepareFile, Submitter } from '../submit/submitter';
import { parseArgs, UsageError } from './args';
import { resolveCliLang } from './check';
import { CONFIG_OPTIONS, ensureSecrets, loadCliConfig } from './config';
import { CliIO } from './io';

export const PACK_USAGE = `Usage: kpr pack FILE [--env ENV] [--out OUT.p7m] [--config FILE] [--lang nb|en]
Packs a fagmelding (KPR_IPL) or identmelding (KPR_IDE) as it would be sent: Hodemelding with a new
MsgId, signed with the municipality's certificate, encrypted to KPR's certificate for ENV. Writes the
encrypted DER (default: FILE.p7m) and prints the MsgId, type and sizes. Nothing is sent or journaled.`;

registerMessages({
  'cli.pack.checkErrors': {
    nb: 'Advarsel: kontrollen fant {count} feil i {file}; «kpr submit» ville avvist filen.',
    en: 'Warning: the check found {count} error(s) in {file}; "kpr submit" would refuse the file.',
  },
  'cli.pack.result': {
    nb: 'MsgId:       {msgId}\nType:        {type}\nMiljø:       {env} (mottaker HER-id {receiver})\nStørrelse:   fil {payload} byte, hodemelding {msgHead} byte, kryptert {der} byte\nSkrevet til: {out}\nIkke sendt og ikke ført i sendingsjournalen.\n',
    en: 'MsgId:       {msgId}\nType:        {type}\nEnvironment: {env} (receiver HER-id {receiver})\nSizes:       file {payload} bytes, Hodemelding {msgHead} bytes, encrypted {der} bytes\nWritten to:  {out}\nNot sent and not recorded in the sending journal.\n',
  },
});

export async function runPack(argv: string[], io: CliIO): Promise<number> {
  const { options, positionals } = parseArgs(argv, { ...CONFIG_OPTIONS, out: { value: true, short: 'o' } });
  if (options.help) {
    io.out(PACK_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('kpr pack needs exactly one file');
  const lang = resolveCliLang(options.lang as string | undefined, io.env);
  const file = positionals[0];
  const out = typeof options.out === 'string' ? options.out : `${file}.p7m`;
  let config = loadCliConfig(options, io);
  const env = config.environment;

  const prepared = await prepareFile(file);
  if (prepared.errors > 0) io.err(t(lang, 'cli.pack.checkErrors', { count: prepared.errors, file: maskPersonIds(file) }) + '\n');
  config = await ensureSecrets(config, ['signP12Passphrase'], io, lang);
  // The journal is never opened: packing is not a sending.
  const submitter = new Submitter(config);
  try {
    const packed = submitter.pack(prepared, env);
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await fs.writeFile(out, packed.der);
    io.out(
      t(lang, 'cli.pack.result', {
        msgId: packed.msgId,
        type: packed.type,
        env,
        receiver: config.environments[env].receiverHerId,
        payload: packed.sizes.payload,
        msgHead: packed.sizes.msgHead,
        der: packed.sizes.der,
        out: maskPersonIds(out),
      }),
    );
    return 0;
  } finally {
    await submitter.close();
  }
}
