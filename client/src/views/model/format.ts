/** Small formatting helpers shared by the view models: times, periods, numbers, file names, environments. */
import type { L10n } from './l10n';

/** "10.01.2025, 09:41" (nb) / "1/10/25, 9:41 AM" (en): the user's own way of writing a time. */
export function formatTime(iso: string | undefined, locale: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(d);
  } catch {
    return d.toISOString().slice(0, 16).replace('T', ' ');
  }
}

/** YYYYMMDD (as KPR files write dates) → a date in the user's format; anything else as written. */
export function formatKprDate(yyyymmdd: string | undefined, locale: string): string {
  if (!yyyymmdd) return '';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd.trim());
  if (!m) return yyyymmdd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone: 'UTC' }).format(d);
  } catch {
    return `${m[1]}-${m[2]}-${m[3]}`;
  }
}

export function formatPeriod(period: { from?: string; to?: string } | undefined, locale: string): string {
  if (!period || (!period.from && !period.to)) return '';
  return `${formatKprDate(period.from, locale)} – ${formatKprDate(period.to, locale)}`;
}

export function formatNumber(n: number, locale: string): string {
  try {
    return n.toLocaleString(locale);
  } catch {
    return String(n);
  }
}

/** The last part of a path, either separator. */
export function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/** Where an environment sends, in words: production is named as the real register. */
export function envLabel(env: string, l10n: L10n): string {
  switch (env) {
    case 'prod':
      return l10n.t('Production');
    case 'qa':
      return l10n.t('QA');
    case 'test':
      return l10n.t('Test');
    case 'local':
      return l10n.t('Local receiver');
    default:
      return env;
  }
}

/** The order environments are listed in: what matters most first. */
export const ENV_ORDER: readonly string[] = ['prod', 'qa', 'test', 'local'];
