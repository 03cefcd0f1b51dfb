/**
 * The workspace the end-to-end suite opens in VS Code: synthetic extracts made by test/fixtures/generator.ts
 * (no real person), each pair in its own folder because a fagmelding and an identmelding are paired per
 * folder. What each scenario needs to know about a file (the line of the expired code, the test person's
 * pid, the bad org number) is returned with it, so assertions name exact places instead of guessing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isValidOrgNumber, makeOrgNumber, makePersonId } from '../../server/src/domain/identifiers';
import { ExtractModel, generateExtract, serializeFagmelding, serializeIdentmelding } from '../fixtures/generator';
import { Rng } from '../fixtures/rng';

export const E2E_YEAR = 2024;

export interface PairFiles {
  /** Workspace-relative paths, as typed into Quick Open. */
  fag: string;
  ide: string;
  persons: number;
}

export interface ProblemPair extends PairFiles {
  /** 1-based line of `<tjTjenType>12</tjTjenType>` in the fagmelding. */
  code12Line: number;
  /** The org number the code-12 service carries (which service type 29 must not have). */
  code12OrgNumber: string;
  /** The pePeID/pid of the person with a Tenor (+80) test number in the identmelding. */
  testPersonPid: string;
  /** 1-based line of that person's PasientIdent in the identmelding. */
  testPersonLine: number;
}

export interface FindingPair extends PairFiles {
  /** A service org number with a wrong check digit: a rule error KPR answers with Apprec status 3. */
  badOrgNumber: string;
  badOrgLine: number;
}

export interface MappingFile {
  path: string;
  badOrgNumber: string;
  /** 1-based line of the row with the bad org number. */
  badOrgLine: number;
}

export interface E2eWorkspace {
  root: string;
  /** Removes the workspace (and the temp folder made for it). */
  dispose(): void;
  clean: PairFiles;
  /** Another clean pair, for a sending that lives through a broker restart. */
  restart: PairFiles;
  problems: ProblemPair;
  findings: FindingPair;
  mapping: MappingFile;
}

function lineOf(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`generated file lacks ${JSON.stringify(needle)}`);
  return text.slice(0, at).split('\n').length;
}

function writePair(root: string, folder: string, model: ExtractModel, suffix = ''): { fag: string; ide: string; fagText: string; ideText: string } {
  fs.mkdirSync(path.join(root, folder), { recursive: true });
  const fagText = serializeFagmelding(model);
  const ideText = serializeIdentmelding(model);
  const fag = `${folder}/fagmelding-${model.year}${suffix}.xml`;
  const ide = `${folder}/identmelding-${model.year}${suffix}.xml`;
  fs.writeFileSync(path.join(root, fag), fagText);
  fs.writeFileSync(path.join(root, ide), ideText);
  return { fag, ide, fagText, ideText };
}

/** The same number with its check digit changed, so it is invalid for sure. */
function breakCheckDigit(orgNumber: string): string {
  const wrong = orgNumber.slice(0, 8) + String((Number(orgNumber[8]) + 1) % 10);
  if (isValidOrgNumber(wrong)) throw new Error('a changed check digit cannot be valid');
  return wrong;
}

/**
 * Writes the workspace into `root`, or into a folder named like a municipality's year (VS Code shows the name
 * in its title and explorer, and so in the screenshots) inside a new temp folder, and describes it.
 */
export function createE2eWorkspace(root?: string): E2eWorkspace {
  const temp = root ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-e2e-ws-'));
  root ??= path.join(temp!, `testkommune-${E2E_YEAR}`);
  fs.mkdirSync(root, { recursive: true });
  // A clean pair: nothing to report, so a sending gets Apprec status 1.
  const cleanModel = generateExtract({ seed: 'e2e-clean', persons: 6, year: E2E_YEAR, refusedShare: 0 });
  const clean = writePair(root, 'clean', cleanModel);

  const restartModel = generateExtract({ seed: 'e2e-restart', persons: 4, year: E2E_YEAR, refusedShare: 0 });
  // Named like a second extract of the year, so its messages on screen are told apart from the first pair's.
  const restart = writePair(root, 'restart', restartModel, '-v2');

  // An expired housing code 12 with an org number (12 → 29, and 29 must not have one) and a Tenor test person.
  const problemModel = generateExtract({ seed: 'e2e-problems', persons: 6, year: E2E_YEAR, refusedShare: 0 });
  const housing = problemModel.persons[1].services[0];
  housing.code = 12;
  housing.orgNumber = problemModel.units[0].orgNumber;
  const tester = problemModel.persons[3];
  if (!tester.identity) throw new Error('the generator left the test person without an identity');
  tester.identity.fid = makePersonId(new Rng('e2e-tenor'), { kind: 'test-tenor', birthDate: tester.birthDate });
  const problems = writePair(root, 'problems', problemModel);
  const housingStart = problems.fagText.indexOf(`tjTjID="${housing.id}"`, problems.fagText.indexOf(`pePeID="${problemModel.persons[1].pePeID}"`));
  const testerPid = String(tester.pePeID);

  // A pair whose only problem is a rule error (an org number with a wrong check digit).
  const findingModel = generateExtract({ seed: 'e2e-findings', persons: 6, year: E2E_YEAR, refusedShare: 0 });
  const withOrg = findingModel.persons.flatMap((p) => p.services).find((s) => s.orgNumber);
  if (!withOrg?.orgNumber) throw new Error('the generator made no service with an org number');
  const badOrgNumber = breakCheckDigit(withOrg.orgNumber);
  withOrg.orgNumber = badOrgNumber;
  const findings = writePair(root, 'findings', findingModel);

  // A mapping file (local service → KPR service type and org number) with one invalid org number.
  const goodOrg = makeOrgNumber(new Rng('e2e-mapping-good'));
  const badMappingOrg = breakCheckDigit(makeOrgNumber(new Rng('e2e-mapping-bad')));
  const mappingText = [
    'lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar',
    `HJS;Hjemmesykepleie;15;${goodOrg};2020-01-01;;`,
    `PRA;Praktisk bistand daglige gjøremål;1;${badMappingOrg};2020-01-01;;orgnr fra gammelt fagsystem`,
    'TRY;Trygghetsalarm;6;;2020-01-01;;',
    '',
  ].join('\n');
  fs.mkdirSync(path.join(root, 'mapping'), { recursive: true });
  const mappingPath = 'mapping/tjenester.kprmap';
  fs.writeFileSync(path.join(root, mappingPath), mappingText);

  const folder = root;
  return {
    root,
    dispose: () => fs.rmSync(temp ?? folder, { recursive: true, force: true }),
    clean: { fag: clean.fag, ide: clean.ide, persons: cleanModel.persons.length },
    restart: { fag: restart.fag, ide: restart.ide, persons: restartModel.persons.length },
    problems: {
      fag: problems.fag,
      ide: problems.ide,
      persons: problemModel.persons.length,
      code12Line: lineOf(problems.fagText, '<tjTjenType>12</tjTjenType>', housingStart),
      code12OrgNumber: housing.orgNumber,
      testPersonPid: testerPid,
      testPersonLine: lineOf(problems.ideText, `pid="${testerPid}"`),
    },
    findings: {
      fag: findings.fag,
      ide: findings.ide,
      persons: findingModel.persons.length,
      badOrgNumber,
      badOrgLine: lineOf(findings.fagText, `>${badOrgNumber}<`),
    },
    mapping: { path: mappingPath, badOrgNumber: badMappingOrg, badOrgLine: lineOf(mappingText, badMappingOrg) },
  };
}
