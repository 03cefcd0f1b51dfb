/**
 * Writes a demo workspace: a synthetic year's fagmelding and identmelding (no real people) with the
 * problems the yearly letter asks municipalities to look for, so a new user sees every kind of finding.
 * Usage: npx tsx scripts/demo-workspace.ts [OUT_DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makePersonId } from '../server/src/domain/identifiers';
import { generateExtract, serializeFagmelding, serializeIdentmelding } from '../test/fixtures/generator';
import { generateMapping, serializeMapping } from '../test/fixtures/mappingGenerator';
import { Rng } from '../test/fixtures/rng';

const out = path.resolve(process.argv[2] ?? 'demo');
const year = new Date().getFullYear() - (new Date().getMonth() < 6 ? 1 : 0);
const model = generateExtract({ seed: 'demo', persons: 40, year, refusedShare: 0 });

// An expired housing code (12 → 29) that still carries an org number, as many EPJ mappings do.
const housing = model.persons[3].services[0];
housing.code = 12;
housing.orgNumber = '974589095';
// An org number with a wrong check digit on a service that requires one.
const wrongOrg = model.persons.slice(5).flatMap((p) => p.services).find((s) => s.orgNumber && s.code !== 12);
if (wrongOrg) wrongOrg.orgNumber = wrongOrg.orgNumber!.slice(0, 8) + String((Number(wrongOrg.orgNumber!.slice(8)) + 1) % 10);
// Hours per month entered as hours per week.
model.persons[7].services[0].hoursPerWeek = '180.00';
// A «Donald Duck» test person: a +80 synthetic number in the identmelding.
const test = model.persons[9];
if (test.identity) test.identity.fid = makePersonId(new Rng('demo-test-person'), { kind: 'test-tenor', birthDate: test.birthDate });

// The municipality's mapping, made from the extract before the problems above, with one wrong org number.
const mapping = generateMapping(generateExtract({ seed: 'demo', persons: 40, year, refusedShare: 0 }), { seed: 'demo', history: true });
const withOrg = mapping.rows.find((r) => /^\d{9}$/.test(r.orgnr));
if (withOrg) withOrg.orgnr = withOrg.orgnr.slice(0, 8) + String((Number(withOrg.orgnr[8]) + 3) % 10);

mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'tjenester.kprmap'), serializeMapping(mapping));
writeFileSync(path.join(out, `fagmelding-${year}.xml`), serializeFagmelding(model));
writeFileSync(path.join(out, `identmelding-${year}.xml`), serializeIdentmelding(model));
console.log(`Demo extract for ${year} (40 synthetic persons) written to ${out}`);
