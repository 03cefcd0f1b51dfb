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

/**
 * Person summaries in a form that crosses to another thread cheaply: the strings as one JSON text and the
 * numbers in typed arrays, instead of tens of thousands of small objects, which the structured clone
 * copies one by one (measured: about 90 ms for the 15,000 persons of half a whole-year file).
 */
export interface PackedPersons {
  count: number;
  /** JSON array: per person its id, then per service code, orgnr, from, to, vedtak (null for undefined). */
  strings: string;
  /** Per person id start, id end, service count; per service code start, code end. */
  numbers: Int32Array;
  testUser: Uint8Array;
}

export function packPersons(persons: readonly PersonSummary[]): PackedPersons {
  const strings: (string | undefined)[] = [];
  const numbers: number[] = [];
  const testUser = new Uint8Array(persons.length);
  for (let i = 0; i < persons.length; i++) {
    const p = persons[i];
    strings.push(p.id.value);
    numbers.push(p.id.start, p.id.end, p.services.length);
    testUser[i] = p.testUser ? 1 : 0;
    for (const s of p.services) {
      strings.push(s.code, s.orgnr, s.from, s.to, s.vedtak);
      numbers.push(s.codeAt.start, s.codeAt.end);
    }
  }
  return { count: persons.length, strings: JSON.stringify(strings), numbers: Int32Array.from(numbers), testUser };
}

export function unpackPersons(packed: PackedPersons): PersonSummary[] {
  const strings = JSON.parse(packed.strings) as (string | null)[];
  const n = packed.numbers;
  const out: PersonSummary[] = new Array(packed.count);
  let si = 0;
  let ni = 0;
  const opt = (v: string | null) => (v === null ? undefined : v);
  for (let i = 0; i < packed.count; i++) {
    const id: ValueAt = { value: strings[si++]!, start: n[ni], end: n[ni + 1] };
    const count = n[ni + 2];
    ni += 3;
    const services: ServiceSummary[] = new Array(count);
    for (let k = 0; k < count; k++) {
      services[k] = {
        code: strings[si]!,
        codeAt: { start: n[ni], end: n[ni + 1] },
        orgnr: opt(strings[si + 1]),
        from: opt(strings[si + 2]),
        to: opt(strings[si + 3]),
        vedtak: opt(strings[si + 4]),
      };
      si += 5;
      ni += 2;
    }
    out[i] = { id, testUser: packed.testUser[i] === 1, services };
  }
  return out;
}
