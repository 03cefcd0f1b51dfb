import { Lang, MessageArgs, MessageText, registerMessages, t } from './i18n';

/**
 * An error meant for a user: it carries a message key and arguments so that the extension and the CLI
 * can show it in the user's language. `message` is the English text, for logs and stack traces.
 * Never put a fødselsnummer or a secret in `args` (see privacy.ts).
 */
export class KprError extends Error {
  constructor(
    readonly key: string,
    readonly args: MessageArgs = {},
    options?: { cause?: unknown },
  ) {
    super(t('en', key, args), options);
    this.name = 'KprError';
  }

  localized(lang: Lang): string {
    return t(lang, this.key, this.args);
  }
}

/** Registers the messages of a module and returns a typed factory for its errors. */
export function defineErrors<K extends string>(messages: Record<K, MessageText>) {
  registerMessages(messages);
  return (key: K, args: MessageArgs = {}, cause?: unknown) => new KprError(key, args, { cause });
}

/** The user-facing text of any thrown value. */
export function describeError(err: unknown, lang: Lang): string {
  if (err instanceof KprError) return err.localized(lang);
  if (err instanceof Error) return err.message;
  return String(err);
}
