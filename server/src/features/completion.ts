/**
 * Completion inside tjTjenType: the valid service codes of list 9151 with their names. Expired codes are
 * not offered, so completion never suggests what the deprecated-service-code rule would then flag.
 */
import { DocumentKind } from '../analysis/types';
import { SERVICE_CODES } from '../domain/serviceCodes';
import { Lang, registerMessages, t } from '../i18n';
import { serviceCodeHover } from './hover';
import { recognizedKind } from './kind';
import { spotAt } from './locate';

registerMessages({
  'completion.orgRequired': { nb: 'org.nr. påkrevd', en: 'org. no. required' },
  'completion.orgOptional': { nb: 'org.nr. valgfritt', en: 'org. no. optional' },
  'completion.orgForbidden': { nb: 'uten org.nr.', en: 'no org. no.' },
});

export interface CompletionOptions {
  lang: Lang;
  kind?: DocumentKind;
}

export interface CompletionEntry {
  /** The code as it is inserted. */
  label: string;
  /** The code's name, in the user's language. */
  detail: string;
  /** Markdown: the same text as the hover. */
  documentation: string;
  /** Keeps numeric order (2 before 10). */
  sortText: string;
  /** The org-number rule, short. */
  description: string;
}

export interface CompletionResult {
  /** The range the chosen code replaces: the digits around the cursor. */
  start: number;
  end: number;
  items: CompletionEntry[];
}

const ORG_KEY = { required: 'completion.orgRequired', optional: 'completion.orgOptional', forbidden: 'completion.orgForbidden' } as const;

function isCodeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43; /* + */
}

/** The service codes to offer at `offset`, or undefined when the cursor is not in a tjTjenType value. */
export function completionAt(text: string, offset: number, options: CompletionOptions): CompletionResult | undefined {
  const kind = options.kind ?? recognizedKind(text);
  if (kind !== 'fagmelding') return undefined;
  const spot = spotAt(text, offset, true);
  if (!spot || spot.what !== 'content' || spot.element !== 'tjTjenType') return undefined;
  let start = offset;
  while (start > spot.start && isCodeChar(text.charCodeAt(start - 1))) start--;
  let end = offset;
  while (end < spot.end && isCodeChar(text.charCodeAt(end))) end++;
  const lang = options.lang;
  const items = SERVICE_CODES.map((c) => ({
    label: String(c.code),
    detail: c[lang],
    documentation: serviceCodeHover(String(c.code), lang),
    sortText: String(c.code).padStart(3, '0'),
    description: t(lang, ORG_KEY[c.orgNumber]),
  }));
  return { start, end, items };
}
