/**
 * Builders and assertions for the mapping tests, in the style of test/support/kpr.ts:
 *
 *   const text = generated('seed', (rows) => { rows[0].kprCode = '12'; });
 *   expectMapping(text, 'deprecated-service-code', ['12']);
 */
import assert from 'node:assert/strict';
import { defaultSettings, Finding, KprSettings } from '../../../server/src/analysis/types';
import { t } from '../../../server/src/i18n';
import { analyzeMapping } from '../../../server/src/mapping';
import { ExtractModel, generateExtract } from '../../fixtures/generator';
import {
  generateMapping,
  GenerateMappingOptions,
  MappingRowModel,
  serializeMapping,
  SerializeMappingOptions,
} from '../../fixtures/mappingGenerator';

export const HEADER = 'lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar';

/** A mapping file from literal rows under the canonical header. */
export function mapping(rows: string[], header = HEADER, eol = '\n'): string {
  return [header, ...rows].join(eol) + eol;
}

const models = new Map<string, ExtractModel>();

/** A small synthetic extract, cached per seed (the generator is deterministic). */
export function extractModel(seed: string | number = 'mapping-tests', persons = 60): ExtractModel {
  const key = `${seed}/${persons}`;
  let m = models.get(key);
  if (!m) models.set(key, (m = generateExtract({ seed, persons, year: 2023 })));
  return m;
}

/**
 * A generated mapping file that fits `extractModel(seed)`, after `mutate` has changed its rows. The rows are
 * copies, so the cached model is never changed.
 */
export function generated(
  seed: string | number,
  mutate?: (rows: MappingRowModel[]) => void,
  options: GenerateMappingOptions & SerializeMappingOptions = {},
): string {
  const m = generateMapping(extractModel(seed), options);
  const rows = m.rows.map((r) => ({ ...r }));
  mutate?.(rows);
  return serializeMapping({ ...m, rows }, options);
}

/** The index of the first row with `kprCode` (and, when given, an org number or none). */
export function rowWith(rows: MappingRowModel[], kprCode: string, orgnr?: 'with' | 'without'): number {
  const i = rows.findIndex((r) => r.kprCode === kprCode && (orgnr === undefined || (orgnr === 'with') === (r.orgnr !== '')));
  assert.ok(i >= 0, `no generated row with code ${kprCode} ${orgnr ?? ''}`);
  return i;
}

export interface Seen {
  code: string;
  at: string;
  message: string;
  severity: number;
  finding: Finding;
}

export function mappingFindings(text: string, code?: string, settings: Partial<KprSettings> = {}): Seen[] {
  const s = defaultSettings(settings);
  return analyzeMapping(text, s)
    .findings.filter((f) => !code || f.code === code)
    .map((f) => ({ code: f.code, at: text.slice(f.start, f.end), message: t(s.language, f.key, f.args), severity: f.severity, finding: f }));
}

/** Asserts that `code` is found exactly at the given texts (in file order). */
export function expectMapping(text: string, code: string, at: string[], settings: Partial<KprSettings> = {}): Seen[] {
  const seen = mappingFindings(text, code, settings);
  assert.deepEqual(
    seen.map((s) => s.at),
    at,
    `findings of ${code}: ${JSON.stringify(seen.map(({ finding, ...rest }) => rest), null, 1)}`,
  );
  return seen;
}

export function expectClean(text: string): void {
  const seen = mappingFindings(text);
  assert.deepEqual(seen.map(({ finding, ...rest }) => rest), [], 'expected no findings');
}
