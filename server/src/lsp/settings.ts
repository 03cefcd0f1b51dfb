/**
 * The `kpr.*` settings of one resource, as the client reports them (workspace/configuration, section
 * 'kpr'), turned into the engine's KprSettings. Values of the wrong type fall back to their defaults
 * instead of failing: a typo in settings.json must not switch the checks off.
 */
import { DEFAULT_TEST_NAMES, defaultSettings, isRuleCode, KprSettings, SeveritySetting } from '../analysis/types';
import { resolveLang } from '../i18n';

export const DEFAULT_MAX_FINDINGS = 5000;

/** The shape of the 'kpr' section (VS Code nests dotted names: kpr.rules.severity → rules.severity). */
export interface RawKprSection {
  language?: unknown;
  reportingYear?: unknown;
  testUsers?: unknown;
  testNames?: unknown;
  rules?: { severity?: unknown };
  maxFindings?: unknown;
  docsBaseUrl?: unknown;
}

export interface ResolvedSettings {
  kpr: KprSettings;
  /** From `kpr.docsBaseUrl` when set; otherwise the caller's default applies. */
  docsBaseUrl?: string;
}

const SEVERITIES: readonly SeveritySetting[] = ['error', 'warning', 'information', 'hint', 'off'];

function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((s): s is string => typeof s === 'string').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * @param raw the 'kpr' section (or null/undefined when the client sent none)
 * @param locale the client's display language, for `kpr.language: auto`
 * @param listedTestUsers identities from the workspace's test-user list file, added to `kpr.testUsers`
 */
export function resolveSettings(raw: unknown, locale: string | undefined, listedTestUsers: readonly string[] = []): ResolvedSettings {
  const r: RawKprSection = raw && typeof raw === 'object' ? (raw as RawKprSection) : {};
  const severity: Partial<Record<string, SeveritySetting>> = {};
  const rawSeverity = r.rules && typeof r.rules === 'object' ? r.rules.severity : undefined;
  if (rawSeverity && typeof rawSeverity === 'object') {
    for (const [code, value] of Object.entries(rawSeverity as Record<string, unknown>)) {
      if (isRuleCode(code) && typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value)) {
        severity[code] = value as SeveritySetting;
      }
    }
  }
  const year = typeof r.reportingYear === 'number' && Number.isInteger(r.reportingYear) && r.reportingYear >= 1980 && r.reportingYear <= 2100 ? r.reportingYear : undefined;
  const max = typeof r.maxFindings === 'number' && r.maxFindings >= 1 ? Math.floor(r.maxFindings) : DEFAULT_MAX_FINDINGS;
  const testUsers = [...new Set([...(strings(r.testUsers) ?? []), ...listedTestUsers])];
  const kpr = defaultSettings({
    language: resolveLang(typeof r.language === 'string' ? r.language : undefined, locale),
    testUsers,
    testNames: strings(r.testNames) ?? DEFAULT_TEST_NAMES,
    severity,
    maxFindings: max,
  });
  if (year !== undefined) kpr.reportingYear = year;
  const docsBaseUrl = typeof r.docsBaseUrl === 'string' && r.docsBaseUrl.trim() !== '' ? r.docsBaseUrl.trim() : undefined;
  return { kpr, docsBaseUrl };
}

/** A stable key of what the analysis depends on, so a result can be reused while it is unchanged. */
export function settingsKey(s: KprSettings): string {
  return JSON.stringify([s.language, s.reportingYear ?? null, s.testUsers, s.testNames, Object.entries(s.severity).sort(), s.maxFindings]);
}
