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
 * Person summaries in a form that crosses to another thread cheaply: the distinct strings once, as one JSON
 * text, and everything else as numbers in a typed array, instead of tens of thousands of small objects,
 * which the structured clone copies one by one (measured: about 90 ms for the 15,000 persons of half a
 * whole-year file). Service values repeat (codes, org numbers, dates), so few distinct strings remain.
 */
export interface PackedPersons {
  count: number;
  /** JSON array of the distinct strings; index 0 stands for undefined. */
  strings: string;
  /**
   * Per person: id (string index), id start, id end, test user (0/1), service count; then per service:
   * code, code start, code end, orgnr, from, to, vedtak (string indexes except the offsets).
   */
  numbers: Int32Array;
}

/** Packs `persons`, moving offsets at or after `from` by `delta` (for summaries read from part of a text). */
export function packPersons(persons: readonly PersonSummary[], from = 0, delta = 0): PackedPersons {
  const at = (x: number) => (x >= from ? x + delta : x);
  const table: (string | null)[] = [null];
  const index = new Map<string, number>();
  const ref = (v: string | undefined): number => {
    if (v === undefined) return 0;
    let i = index.get(v);
    if (i === undefined) {
      i = table.length;
      table.push(v);
      index.set(v, i);
    }
    return i;
  };
  let size = 0;
  for (const p of persons) size += 5 + 7 * p.services.length;
  const numbers = new Int32Array(size);
  let k = 0;
  for (const p of persons) {
    // Person keys are distinct: appended, not looked up.
    numbers[k++] = table.length;
    table.push(p.id.value);
    numbers[k++] = at(p.id.start);
    numbers[k++] = at(p.id.end);
    numbers[k++] = p.testUser ? 1 : 0;
    numbers[k++] = p.services.length;
    for (const x of p.services) {
      numbers[k++] = ref(x.code);
      numbers[k++] = at(x.codeAt.start);
      numbers[k++] = at(x.codeAt.end);
      numbers[k++] = ref(x.orgnr);
      numbers[k++] = ref(x.from);
      numbers[k++] = ref(x.to);
      numbers[k++] = ref(x.vedtak);
    }
  }
  return { count: persons.length, strings: JSON.stringify(table), numbers };
}

export function unpackPersons(packed: PackedPersons): PersonSummary[] {
  const table = JSON.parse(packed.strings) as (string | null)[];
  const str = (i: number): string | undefined => (i === 0 ? undefined : (table[i] as string));
  const n = packed.numbers;
  const out: PersonSummary[] = new Array(packed.count);
  let k = 0;
  for (let i = 0; i < packed.count; i++) {
    const id: ValueAt = { value: str(n[k])!, start: n[k + 1], end: n[k + 2] };
    const testUser = n[k + 3] === 1;
    const count = n[k + 4];
    k += 5;
    const services: ServiceSummary[] = new Array(count);
    for (let j = 0; j < count; j++) {
      services[j] = {
        code: str(n[k])!,
        codeAt: { start: n[k + 1], end: n[k + 2] },
        orgnr: str(n[k + 3]),
        from: str(n[k + 4]),
        to: str(n[k + 5]),
        vedtak: str(n[k + 6]),
      };
      k += 7;
    }
    out[i] = { id, testUser, services };
  }
  return out;
}
