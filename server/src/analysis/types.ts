/**
 * The engine's vocabulary: document kinds, rule codes (the public contract: they appear in settings,
 * CLI output, documentation and quick fixes), severities, findings and settings.
 */
import { Lang, MessageArgs } from '../i18n';

export type PayloadKind = 'fagmelding' | 'identmelding';
export type DocumentKind = PayloadKind | 'apprec' | 'mapping' | 'other';

/** Every rule code. Documentation lives in docs/rules/<code>.md. */
export const RULE_CODES = [
  'xml-syntax',
  'schema',
  'date-invalid',
  'deprecated-service-code',
  'unknown-service-code',
  'org-number-missing',
  'org-number-invalid',
  'org-number-not-allowed',
  'test-user',
  'person-id-invalid',
  'person-id-in-fagmelding',
  'date-order',
  'date-outside-period',
  'hours-per-week',
  'duplicate-id',
  'ident-mismatch',
  'apprec',
  'too-many-findings',
  'mapping-format',
  'mapping-duplicate',
  'mapping-conflict',
  'mapping-unmapped',
  'mapping-unused',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

export function isRuleCode(s: string): s is RuleCode {
  return (RULE_CODES as readonly string[]).includes(s);
}

/** LSP's numbering, so findings translate without a table. */
export enum Severity {
  Error = 1,
  Warning = 2,
  Information = 3,
  Hint = 4,
}

export type SeveritySetting = 'error' | 'warning' | 'information' | 'hint' | 'off';

export function severityFromSetting(s: SeveritySetting): Severity | undefined {
  switch (s) {
    case 'error':
      return Severity.Error;
    case 'warning':
      return Severity.Warning;
    case 'information':
      return Severity.Information;
    case 'hint':
      return Severity.Hint;
    default:
      return undefined;
  }
}

export function severityName(s: Severity): 'error' | 'warning' | 'information' | 'hint' {
  return s === Severity.Error ? 'error' : s === Severity.Warning ? 'warning' : s === Severity.Information ? 'information' : 'hint';
}

/** What a quick fix needs, carried on the finding (LSP `Diagnostic.data`). */
export type FixData =
  | { fix: 'replace-service-code'; from: number; to: number; removeOrg?: { start: number; end: number } }
  | { fix: 'remove-element'; start: number; end: number; what: string };

export interface RelatedLocation {
  start: number;
  end: number;
  key: string;
  args?: MessageArgs;
  /** Another file (absolute path or URI as the caller gave it); omitted for the same file. */
  file?: string;
}

/** A finding, located by offsets in the text it was found in. */
export interface Finding {
  code: RuleCode;
  severity: Severity;
  start: number;
  end: number;
  key: string;
  args: MessageArgs;
  data?: FixData;
  related?: RelatedLocation[];
}

/** What a rule reports; the pipeline adds the severity from the settings. */
export interface FindingInput {
  code: RuleCode;
  start: number;
  end: number;
  key: string;
  args?: MessageArgs;
  data?: FixData;
  related?: RelatedLocation[];
  /** Overrides the rule's default severity (the user's per-code setting still wins). */
  severity?: Severity;
}

export interface KprSettings {
  language: Lang;
  /** The year being reported; when unset, the period in the file (INNHINFO / Melding) is used. */
  reportingYear?: number;
  /** The municipality's own test persons: local person keys (pePeID/pid) or person numbers. */
  testUsers: string[];
  /** Names of known test persons ("Donald Duck"), matched case-insensitively where names occur. */
  testNames: string[];
  /** Per-code severity overrides. */
  severity: Partial<Record<string, SeveritySetting>>;
  /** At most this many findings per file; the rest are counted in one `too-many-findings` note. */
  maxFindings: number;
}

export const DEFAULT_TEST_NAMES = ['Donald Duck', 'Dolly Duck', 'Langbein', 'Mikke Mus', 'Skrue McDuck', 'Test Testesen', 'Ola Test', 'Kari Test'];

export function defaultSettings(overrides: Partial<KprSettings> = {}): KprSettings {
  return {
    language: 'en',
    testUsers: [],
    testNames: DEFAULT_TEST_NAMES,
    severity: {},
    maxFindings: Number.POSITIVE_INFINITY,
    ...overrides,
  };
}
