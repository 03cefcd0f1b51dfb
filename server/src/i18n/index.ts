/**
 * Bilingual messages (Norwegian bokmål and English).
 *
 * Every user-visible sentence the engine produces goes through `t()`. Modules register their own
 * messages next to the code that uses them (a rule keeps its messages in its own file), so a reader
 * finds the wording where the behaviour is.
 */
export type Lang = 'nb' | 'en';

export interface MessageText {
  nb: string;
  en: string;
}

export type MessageArgs = Record<string, string | number>;

const catalog = new Map<string, MessageText>();

/** Adds messages to the catalogue. A key registered twice with different text is a programming error. */
export function registerMessages(messages: Record<string, MessageText>): void {
  for (const [key, text] of Object.entries(messages)) {
    const existing = catalog.get(key);
    if (existing && (existing.nb !== text.nb || existing.en !== text.en)) {
      throw new Error(`message key registered twice with different text: ${key}`);
    }
    catalog.set(key, text);
  }
}

export function hasMessage(key: string): boolean {
  return catalog.has(key);
}

/** Formats message `key` in `lang`, replacing `{name}` placeholders with `args.name`. */
export function t(lang: Lang, key: string, args: MessageArgs = {}): string {
  const text = catalog.get(key);
  if (!text) return key;
  return text[lang].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : whole,
  );
}

/** Maps a VS Code / OS locale ('nb', 'nb-NO', 'no', 'nn', 'en-US', …) to a message language. */
export function langFromLocale(locale: string | undefined): Lang {
  const l = (locale ?? '').toLowerCase();
  return l.startsWith('nb') || l.startsWith('no') || l.startsWith('nn') ? 'nb' : 'en';
}

/** Resolves the `kpr.language` setting ('auto' | 'nb' | 'en') against a locale. */
export function resolveLang(setting: string | undefined, locale: string | undefined): Lang {
  if (setting === 'nb' || setting === 'en') return setting;
  return langFromLocale(locale);
}
