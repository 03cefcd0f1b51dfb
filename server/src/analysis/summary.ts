/**
 * What an analysis remembers of a document after its records are pruned: enough for the checks that
 * span records or files (duplicates, fag/ident pairing, mapping coverage) and for the submission report.
 * It holds the local person keys, never a fødselsnummer.
 */
export interface ValueAt {
  value: string;
  start: number;
  end: number;
}

export interface ServiceSummary {
  code: string;
  codeAt: { start: number; end: number };
  orgnr?: string;
  from?: string;
  to?: string;
  vedtak?: string;
}

export interface PersonSummary {
  /** pePeID */
  id: ValueAt;
  /** A test person by the `test-user` rule's measure (domain/testUsers.ts: listed pePeID, test name). */
  testUser: boolean;
  services: ServiceSummary[];
}

export interface IdentSummary {
  /** pid */
  pid: ValueAt;
  typeId: string;
  /** A test person by the `test-user` rule's measure (listed pid or fid, Tenor/Dolly number, test name). */
  testUser: boolean;
}

export interface HeaderInfo {
  lopenr?: ValueAt;
  /** Reporting period as YYYYMMDD. */
  from?: string;
  to?: string;
  komnr?: string;
  versjon?: ValueAt;
}

export interface FagmeldingSummary {
  kind: 'fagmelding';
  header: HeaderInfo;
  persons: PersonSummary[];
}

export interface IdentmeldingSummary {
  kind: 'identmelding';
  header: HeaderInfo;
  idents: IdentSummary[];
  /** Institusjon@institusjonID of every Institusjon, in document order (for duplicate checks). */
  institutions?: ValueAt[];
}

export type DocumentSummary = FagmeldingSummary | IdentmeldingSummary;
