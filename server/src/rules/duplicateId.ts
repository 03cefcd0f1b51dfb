/**
 * duplicate-id: the keys KPR joins on must be unique. A pePeID twice in a fagmelding or a pid twice in an
 * identmelding (across Institusjon too) makes the fagmelding ↔ identmelding link ambiguous (DOMAIN.md §1:
 * they are paired by PERSON@pePeID = PasientIdent@pid); an institusjonID twice splits one institution.
 * Each later occurrence is reported, with related information pointing at the first.
 *
 * Within one person a TJENESTE is identified by tjTjID together with tjVeID and tjVeNrID: the 2018 schema
 * added the vedtak id and "which number in the series the vedtak is", so one service may legitimately
 * appear once per vedtak with the same tjTjID. A row repeating all three is a duplicate. (A strict
 * tjTjID-only check is available through `createDuplicateIdRule({ serviceKey: 'tjTjID' })`.)
 *
 * Duplicates across records are found in `end(summary)`; the TJENESTE check lives in one record.
 */
import { registerMessages } from '../i18n';
import { ValueAt } from '../analysis/summary';
import { Severity } from '../analysis/types';
import { maskPersonIds } from '../privacy';
import { attr, XmlAttr } from '../xml/parser';
import { Rule, RuleContext } from './rule';

registerMessages({
  'duplicate-id.person': {
    nb: 'pePeID {id} finnes allerede i fagmeldingen. Hver person skal ha én PERSON med sin egen pePeID.',
    en: 'pePeID {id} already occurs in the fagmelding. Each person must have one PERSON with its own pePeID.',
  },
  'duplicate-id.ident': {
    nb: 'pid {id} finnes allerede i identmeldingen. Hver person skal ha én PasientIdent med sin egen pid.',
    en: 'pid {id} already occurs in the identmelding. Each person must have one PasientIdent with its own pid.',
  },
  'duplicate-id.institution': {
    nb: 'institusjonID {id} finnes allerede i identmeldingen. Samle institusjonens PasientIdent under én Institusjon.',
    en: 'institusjonID {id} already occurs in the identmelding. Put the institution\'s PasientIdent under one Institusjon.',
  },
  'duplicate-id.service': {
    nb: 'TJENESTE med tjTjID {id}, tjVeID {veId} og tjVeNrID {veNrId} finnes allerede for denne personen.',
    en: 'A TJENESTE with tjTjID {id}, tjVeID {veId} and tjVeNrID {veNrId} already occurs for this person.',
  },
  'duplicate-id.service-strict': {
    nb: 'TJENESTE med tjTjID {id} finnes allerede for denne personen.',
    en: 'A TJENESTE with tjTjID {id} already occurs for this person.',
  },
  'duplicate-id.first': {
    nb: 'Første forekomst',
    en: 'First occurrence',
  },
});

export interface DuplicateIdRuleOptions {
  /** What identifies a TJENESTE within a person (default: tjTjID with the vedtak's tjVeID and tjVeNrID). */
  serviceKey?: 'tjTjID+vedtak' | 'tjTjID';
}

function place(a: XmlAttr): { start: number; end: number } {
  return a.valueEnd > a.valueStart ? { start: a.valueStart, end: a.valueEnd } : { start: a.start, end: a.end };
}

/** Reports every later occurrence of a value already seen; empty values are the schema check's business. */
function reportRepeats(values: readonly ValueAt[], key: string, ctx: RuleContext): void {
  const first = new Map<string, ValueAt>();
  for (const v of values) {
    if (v.value === '') continue;
    const earlier = first.get(v.value);
    if (!earlier) {
      first.set(v.value, v);
      continue;
    }
    ctx.report({
      code: 'duplicate-id',
      start: v.start,
      end: v.end,
      key,
      // Local keys are printed to find the line; masked in case one is a fødselsnummer.
      args: { id: maskPersonIds(v.value) },
      related: [{ start: earlier.start, end: earlier.end, key: 'duplicate-id.first' }],
    });
  }
}

export function createDuplicateIdRule(options: DuplicateIdRuleOptions = {}): Rule {
  const strict = options.serviceKey === 'tjTjID';
  return {
    code: 'duplicate-id',
    defaultSeverity: Severity.Error,
    kinds: ['fagmelding', 'identmelding'],
    title: {
      nb: 'Samme pePeID, pid, institusjonID eller TJENESTE-id forekommer to ganger',
      en: 'The same pePeID, pid, institusjonID or TJENESTE id occurs twice',
    },
    create(ctx) {
      return {
        record(el) {
          if (ctx.kind !== 'fagmelding') return;
          const seen = new Map<string, XmlAttr>();
          const cs = el.children;
          for (let i = 0; i < cs.length; i++) {
            const tj = cs[i];
            if (tj.local !== 'TJENESTE') continue;
            const id = attr(tj, 'tjTjID');
            if (!id || id.value.trim() === '') continue;
            const veId = attr(tj, 'tjVeID')?.value.trim() ?? '';
            const veNrId = attr(tj, 'tjVeNrID')?.value.trim() ?? '';
            const k = strict ? id.value.trim() : `${id.value.trim()}\u0000${veId}\u0000${veNrId}`;
            const earlier = seen.get(k);
            if (!earlier) {
              seen.set(k, id);
              continue;
            }
            ctx.report({
              code: 'duplicate-id',
              ...place(id),
              key: strict ? 'duplicate-id.service-strict' : 'duplicate-id.service',
              args: { id: maskPersonIds(id.value.trim()), veId: maskPersonIds(veId), veNrId: maskPersonIds(veNrId) },
              related: [{ ...place(earlier), key: 'duplicate-id.first' }],
            });
          }
        },
        end(summary) {
          if (summary.kind === 'fagmelding') {
            reportRepeats(
              summary.persons.map((p) => p.id),
              'duplicate-id.person',
              ctx,
            );
          } else {
            reportRepeats(
              summary.idents.map((i) => i.pid),
              'duplicate-id.ident',
              ctx,
            );
            reportRepeats(summary.institutions ?? [], 'duplicate-id.institution', ctx);
          }
        },
      };
    },
  };
}

export const duplicateId: Rule = createDuplicateIdRule();
