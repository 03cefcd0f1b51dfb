/**
 * The language server's entry to the analysis. Today it re-analyses the whole text; it is the one place
 * where re-checking only the records an edit touched belongs (being built now).
 */
import { analyzeText, AnalysisResult } from './analyze';
import { KprSettings } from './types';

export class IncrementalAnalyzer {
  analyze(text: string, settings: KprSettings, shouldStop?: () => boolean): AnalysisResult {
    return analyzeText(text, { settings, shouldStop });
  }
}
