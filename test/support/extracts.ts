/** Generated extracts with problems planted, and results compared without their timing: for the tests that hold a shortcut (incremental, two threads) to a full analysis. */
import { AnalysisResult } from '../../server/src/analysis/analyze';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';

/** Everything a user (or the language server) gets from an analysis, without the timing. */
export function comparable(r: AnalysisResult) {
  return { ...r, stats: { records: r.stats.records, hiddenFindings: r.stats.hiddenFindings } };
}

/**
 * A generated fagmelding with problems planted in a few records, so findings (and fix data) move around:
 * expired service code 12 (a quick fix with offsets), a broken org number, absurd hours, and the last
 * person's key made the same as person `duplicateOf`'s (a finding of the document-level `end` check).
 */
export function extractWithProblems(seed: number, persons: number, duplicateOf = 1): string {
  let xml = serializeFagmelding(generateExtract({ seed, persons, year: 2023 }));
  let n = 0;
  xml = xml.replace(/<tjTjenType>\d+<\/tjTjenType>/g, (m) => (++n % 7 === 0 ? '<tjTjenType>12</tjTjenType>' : m));
  xml = xml.replace(/<tjInstOrgnr>(\d+)<\/tjInstOrgnr>/g, (m, d: string) => (++n % 11 === 0 ? `<tjInstOrgnr>${d.slice(0, 8)}0</tjInstOrgnr>` : m));
  xml = xml.replace(/<tjVedtDato>/, '<tjTimerUke>200</tjTimerUke><tjVedtDato>');
  const ids = [...xml.matchAll(/pePeID="(\d+)"/g)].map((m) => m[1]);
  xml = xml.replace(`pePeID="${ids[ids.length - 1]}"`, `pePeID="${ids[duplicateOf]}"`);
  return xml;
}
