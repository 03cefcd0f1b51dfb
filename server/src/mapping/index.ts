/** Mapping files (local service → KPR service type and org number): reading, checks, cross-check, editor features. */
export { parseMapping, detectDelimiter, shown, MAX_LINE_LENGTH, MAX_QUOTED_LINES, MAX_CELLS } from './parse';
export type { Delimiter, MappingCell, MappingRow, MappingHeader, ParseIssue, ParsedMapping } from './parse';
export { analyzeMapping, checkMapping, targetText } from './check';
export type { MappingAnalysis } from './check';
export { crossCheck, crossCheckIndexed, indexExtract, indexMappings, fileList, MAX_UNMAPPED_FINDINGS } from './crossCheck';
export type { CrossCheckResult, ExtractServiceIndex, ExtractSource, MappingIndex, MappingSource } from './crossCheck';
export { mappingEntries, mappingEntry, NOT_REPORTED } from './entry';
export type { MappingEntry } from './entry';
export { parseMappingDate } from './dates';
export { CANONICAL_NAMES, canonicalHeader, columnOf, normalizeColumnName, DEFAULT_COLUMNS, REQUIRED_COLUMNS } from './columns';
export type { MappingField } from './columns';
export { checkMappingBytes, checkMappingFile, decodeMapping, isMappingPath } from './file';
export { decodeWindows1252 } from '../xml/encoding';
export type { CheckedMappingFile, DecodedMapping } from './file';
export { mappingCompletionAt, mappingHoverAt } from './features';
export type { MappingFeatureOptions } from './features';
export { mappingApplies, WorkspaceMappings, MAX_DEPTH, MAX_ENTRIES, MAX_MAPPING_BYTES } from './workspace';
export type { MappingOnDisk } from './workspace';
