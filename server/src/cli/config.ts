/**
 * What the sending commands (pack, unpack, submit, listen, status) share: loading the configuration
 * (`--config FILE`, else $KPR_CONFIG, else ./kpr.config.json), choosing the environment (`--env`, else
 * $KPR_ENV, else the file), getting secrets (environment variables, else a hidden prompt on the terminal,
 * never a prompt without one), and the terminal prompt itself.
 */
import * as readline from 'node:readline';
import { defineErrors, KprError } from '../errors';
import { Lang, registerMessages, t } from '../i18n';
import { KprConfig, loadConfig, withSecrets } from '../submit/config';
import { isKprEnvironment, KPR_ENVIRONMENTS, KprEnvironment } from '../submit/environments';
import { SECRET_ENV_VARS, SecretName } from '../submit/submitter';
import { UsageError } from './args';
import { CliIO } from './io';

const err = defineErrors({
  'cli.secret.noTerminal': {
    nb: '{what} trengs, men det finnes ingen terminal å spørre i. Sett miljøvariabelen {envVar}.',
    en: '{what} is needed, but there is no terminal to ask on. Set the environment variable {envVar}.',
  },
  'cli.secret.empty': {
    nb: '{what} kan ikke være tom.',
    en: '{what} cannot be empty.',
  },
  'cli.aborted': {
    nb: 'Avbrutt.',
    en: 'Aborted.',
  },
});

registerMessages({
  'cli.secret.amqpPassword': { nb: 'AMQP-passordet for tjenestebussen', en: 'The AMQP password for the service bus' },
  'cli.secret.signP12Passphrase': { nb: 'Passordet til signerings-PKCS#12-filen', en: 'The passphrase of the signing PKCS#12 file' },
  'cli.secret.decryptP12Passphrase': { nb: 'Passordet til dekrypterings-PKCS#12-filen', en: 'The passphrase of the decryption PKCS#12 file' },
  'cli.secret.prompt': { nb: '{what} ({file}): ', en: '{what} ({file}): ' },
  'cli.secret.promptNoFile': { nb: '{what}: ', en: '{what}: ' },
});

/** Options every sending command accepts. */
export const CONFIG_OPTIONS = {
  config: { value: true },
  env: { value: true },
  lang: { value: true },
  help: { short: 'h' },
} as const;

/** `--env` checked against the known environments (a usage error, exit code 2, otherwise). */
export function envFlag(value: unknown): KprEnvironment | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !isKprEnvironment(value)) {
    throw new UsageError(`--env must be one of ${KPR_ENVIRONMENTS.join(', ')}, not '${String(value)}'`);
  }
  return value;
}

/** Loads the configuration for a command; `--env` wins over $KPR_ENV and the file. */
export function loadCliConfig(options: { config?: unknown; env?: unknown }, io: CliIO, checkFiles = true): KprConfig {
  const env = envFlag(options.env);
  const vars = env ? { ...io.env, KPR_ENV: env } : io.env;
  const file = typeof options.config === 'string' ? options.config : undefined;
  return loadConfig(file, { env: vars, checkFiles });
}

/**
 * Returns the configuration with every secret in `names` present: from the environment variables (already
 * read by loadConfig), else asked for on the terminal with hidden input. Without a terminal, fails with an
 * error naming the variable to set. Secrets are never echoed, printed or logged.
 */
export async function ensureSecrets(config: KprConfig, names: SecretName[], io: CliIO, lang: Lang): Promise<KprConfig> {
  const asked: Partial<Record<SecretName, string>> = {};
  for (const name of names) {
    if (config.secrets[name] !== undefined) continue;
    const file = name === 'signP12Passphrase' ? config.certificates.signingP12 : name === 'decryptP12Passphrase' ? config.certificates.decryptionP12 : undefined;
    asked[name] = await askSecret(io, lang, name, file);
  }
  return Object.keys(asked).length > 0 ? withSecrets(config, asked) : config;
}

/** Asks for one secret on the terminal (hidden); without a terminal, fails naming the variable to set. */
export async function askSecret(io: CliIO, lang: Lang, name: SecretName, file?: string): Promise<string> {
  const what = t(lang, `cli.secret.${name}`);
  const question = file ? t(lang, 'cli.secret.prompt', { what, file }) : t(lang, 'cli.secret.promptNoFile', { what });
  const answer = io.prompt ? await io.prompt(question, { secret: true }) : undefined;
  if (answer === undefined) throw new LocalizedSecretError('cli.secret.noTerminal', name);
  if (answer === '' && name === 'amqpPassword') throw new LocalizedSecretError('cli.secret.empty', name);
  return answer;
}

/** An error naming a secret in the reader's language. */
class LocalizedSecretError extends KprError {
  constructor(
    key: 'cli.secret.noTerminal' | 'cli.secret.empty',
    private readonly secret: SecretName,
  ) {
    super(key, { what: t('en', `cli.secret.${secret}`), envVar: SECRET_ENV_VARS[secret] });
  }

  override localized(lang: Lang): string {
    return t(lang, this.key, { what: t(lang, `cli.secret.${this.secret}`), envVar: SECRET_ENV_VARS[this.secret] });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The terminal

/** Asks on the terminal (question on stderr); hidden input for secrets. Ctrl-C aborts the command. */
export function terminalPrompt(question: string, options: { secret?: boolean } = {}): Promise<string | undefined> {
  return options.secret ? askHidden(question) : askVisible(question);
}

function askVisible(question: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      reject(err('cli.aborted'));
    });
    rl.on('close', () => {
      if (!answered) resolve(undefined);
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}

function askHidden(question: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const cleanup = () => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(err('cli.aborted'));
          return;
        }
        if (ch === '\u0004') {
          // Ctrl-D on an empty line: no answer.
          if (value === '') {
            cleanup();
            resolve(undefined);
            return;
          }
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          value = Array.from(value).slice(0, -1).join('');
          continue;
        }
        if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** Asks a yes/no question; true only for an explicit yes ("ja"/"j" or "yes"/"y"). Undefined without a terminal. */
export async function confirm(io: CliIO, question: string): Promise<boolean | undefined> {
  if (!io.prompt) return undefined;
  const answer = await io.prompt(question);
  if (answer === undefined) return undefined;
  return /^(ja|j|yes|y)$/i.test(answer.trim());
}
