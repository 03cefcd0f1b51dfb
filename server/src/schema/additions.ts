/**
 * What is known about payload versions newer than the public schemas, as data.
 *
 * FHI has not published the IPLOS 3.6/3.7 schemas; DOMAIN.md §2 lists what is known to have been added.
 * Each addition below is checked only as far as it is known (its name, value domain and parent); when FHI
 * publishes a schema, add its exact place here or replace the XSD in schemas/kpr.
 */
import { PayloadKind } from '../analysis/types';

export interface KnownAddition {
  kind: PayloadKind;
  /** The first payload version known to have it. */
  since: string;
  /** Local names from the payload root down to the element that may contain the addition. */
  parent: readonly string[];
  /** Local name of the added element. */
  element: string;
  /**
   * Where it goes in the parent's sequence. 'anywhere' while the exact position is not published: it is
   * then accepted before, between or after the parent's other children.
   */
  position: 'anywhere';
  maxOccurs: number;
  /** The value domain (an enumeration on xs:string). */
  values: readonly string[];
  /** Where the fact comes from. */
  source: string;
}

export const KNOWN_ADDITIONS: readonly KnownAddition[] = [
  {
    kind: 'fagmelding',
    since: '3.7',
    parent: ['IPLOS', 'PERSON', 'PERSONOPPL'],
    element: 'poHab',
    position: 'anywhere',
    maxOccurs: 1,
    values: ['1', '2', '9'],
    source: 'DOMAIN.md §2/§4: re/habilitering utenfor institusjon, replaces service code 16',
  },
];

export interface VersionPolicy {
  /** The version the public schema fixes. */
  public: string;
  /** Later versions that are known to exist; their additions are in KNOWN_ADDITIONS. */
  knownLater: readonly string[];
}

/** The fagmelding's IPLOS/@versjon. The identmelding's versjon follows its namespace (see validator.ts). */
export const FAGMELDING_VERSIONS: VersionPolicy = { public: '3.5', knownLater: ['3.6', '3.7'] };

/** Compares dotted version numbers numerically (3.10 > 3.9); non-numeric parts compare as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number(pa[i] ?? 0) || 0;
    const y = Number(pb[i] ?? 0) || 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The additions in force for `version` (undefined: an unknown version, which gets all known additions). */
export function additionsFor(kind: PayloadKind, version: string | undefined): KnownAddition[] {
  return KNOWN_ADDITIONS.filter((a) => a.kind === kind && (version === undefined || compareVersions(a.since, version) <= 0));
}
