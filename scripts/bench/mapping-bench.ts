/**
 * Benchmark: checking mapping files, and the mapping-against-extract cross-check the editor redoes while
 * the user types.
 *
 *   npx tsx scripts/bench/mapping-bench.ts [--rows 10000] [--persons 30000] [--runs 15] [--seed 1] [--extract FILE]
 *
 * Builds a synthetic mapping of `--rows` rows (distinct local codes, the valid service types with org
 * numbers as their rule asks, some dated rows, 1 % with a problem) and a `--persons` extract from the
 * fixture generator (or reads the fagmelding `--extract FILE`, e.g. scripts/bench.mjs' .bench/fag.xml, and
 * derives the fitting mapping from its services), then times in this process (after a warm-up, median
 * and worst of `--runs`):
 *   - parseMapping and checkMapping (parse + every rule) of the mapping;
 *   - the extract side of the cross-check, built once per extract version (indexExtract);
 *   - one re-check after a mapping edit: parse + indexMappings + crossCheckIndexed;
 * and, when dist/cli.js exists, the wall time of `kpr check` on the mapping file (Node start-up included).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeText } from '../../server/src/analysis/analyze';
import { checkBytes } from '../../server/src/analysis/checkFile';
import { FagmeldingSummary } from '../../server/src/analysis/summary';
import { defaultSettings } from '../../server/src/analysis/types';
import { makeOrgNumber } from '../../server/src/domain/identifiers';
import { SERVICE_CODES } from '../../server/src/domain/serviceCodes';
import { checkMapping, crossCheckIndexed, indexExtract, indexMappings, parseMapping } from '../../server/src/mapping';
import { generateExtract, serializeFagmelding } from '../../test/fixtures/generator';
import { csvCell, generateMapping, MappingRowModel, serializeMapping } from '../../test/fixtures/mappingGenerator';
import { Rng } from '../../test/fixtures/rng';

function args(argv: string[]) {
  const o: { rows: number; persons: number; runs: number; seed: string; extract?: string } = { rows: 10_000, persons: 30_000, runs: 15, seed: '1' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (a === '--seed') o.seed = v;
    else if (a === '--extract') o.extract = v;
    else if (a === '--rows' || a === '--persons' || a === '--runs') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      o[a.slice(2) as 'rows' | 'persons' | 'runs'] = n;
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const ZONES = ['nord', 'sør', 'øst', 'vest', 'sentrum', 'midt', 'Solbakken', 'Fjellro', 'Lindheim', 'Bjørkly'];

/** A large, realistic mapping: a big municipality (or an inter-municipal EPJ) with many units. */
function bigMapping(rows: number, seed: string): string {
  const rng = new Rng(`mapping-bench-${seed}`);
  const orgs = Array.from({ length: 300 }, () => makeOrgNumber(rng));
  const out: MappingRowModel[] = [];
  for (let i = 0; i < rows; i++) {
    const c = rng.pick(SERVICE_CODES);
    const orgnr = c.orgNumber === 'forbidden' || (c.orgNumber === 'optional' && rng.chance(0.5)) ? '' : rng.pick(orgs);
    const row: MappingRowModel = {
      localCode: `L${String(i).padStart(6, '0')}`,
      localName: `${c.nb.split(' – ')[0]} ${rng.pick(ZONES)}${rng.chance(0.05) ? '; avd. 2' : ''}`,
      kprCode: String(c.code),
      orgnr,
      validFrom: rng.chance(0.2) ? `${rng.int(1, 28).toString().padStart(2, '0')}.${rng.int(1, 12).toString().padStart(2, '0')}.${rng.int(2015, 2023)}` : '',
      validTo: rng.chance(0.05) ? `${rng.int(2024, 2030)}-12-31` : '',
      comment: rng.chance(0.1) ? 'Avklart med fagansvarlig, "se sak 23/123"' : '',
    };
    // 1 % with a problem, so the checks have findings to build.
    if (rng.chance(0.01)) {
      const k = rng.int(0, 3);
      if (k === 0) row.kprCode = '12';
      else if (k === 1) row.orgnr = row.orgnr ? row.orgnr.slice(0, 8) + ((Number(row.orgnr[8]) + 1) % 10) : '123';
      else if (k === 2) row.validFrom = '31.02.2023';
      else row.localCode = `L${String(rng.int(0, i)).padStart(6, '0')}`;
    }
    out.push(row);
  }
  const header = 'lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar';
  const cols: (keyof MappingRowModel)[] = ['localCode', 'localName', 'kprCode', 'orgnr', 'validFrom', 'validTo', 'comment'];
  return [header, ...out.map((r) => cols.map((c) => csvCell(r[c], ';')).join(';'))].join('\r\n') + '\r\n';
}

/** One row per distinct service type and org number of an extract: the mapping that fits it exactly. */
function fittingMapping(summary: FagmeldingSummary): string {
  const pairs = new Set<string>();
  for (const p of summary.persons) for (const s of p.services) pairs.add(`${s.code};${s.orgnr ?? ''}`);
  const rows = [...pairs].sort().map((pair, i) => `L${String(i).padStart(4, '0')};Tjeneste ${i};${pair};;;`);
  return ['lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar', ...rows].join('\r\n') + '\r\n';
}

function time(runs: number, fn: () => unknown): { median: number; max: number } {
  fn(); // warm-up: JIT and the message catalogue
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], max: xs[xs.length - 1] };
}

const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

function main(): void {
  const o = args(process.argv.slice(2));
  const text = bigMapping(o.rows, o.seed);
  const findings = checkMapping(text);
  const byCode = new Map<string, number>();
  for (const f of findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);

  const parse = time(o.runs, () => parseMapping(text));
  const check = time(o.runs, () => checkMapping(text));

  let xmlLength: number;
  let summary;
  let fitting: string;
  if (o.extract) {
    process.stderr.write(`mapping-bench: reading ${o.extract} …\n`);
    const checked = checkBytes(o.extract, readFileSync(o.extract), defaultSettings());
    xmlLength = checked.text.length;
    summary = checked.result.summary;
    if (!summary || summary.kind !== 'fagmelding') throw new Error(`${o.extract} is not a fagmelding`);
    fitting = fittingMapping(summary);
  } else {
    process.stderr.write(`mapping-bench: generating a ${o.persons}-person extract …\n`);
    const model = generateExtract({ seed: o.seed, persons: o.persons, year: 2023 });
    const xml = serializeFagmelding(model);
    xmlLength = xml.length;
    summary = analyzeText(xml, { settings: defaultSettings() }).summary;
    if (!summary || summary.kind !== 'fagmelding') throw new Error('the generated extract did not analyse as a fagmelding');
    fitting = serializeMapping(generateMapping(model));
  }
  const services = summary.persons.reduce((n, p) => n + p.services.length, 0);
  const extractIndex = time(o.runs, () => indexExtract('fag.xml', summary));
  const idx = indexExtract('fag.xml', summary);
  const recheckBig = time(o.runs, () => crossCheckIndexed(indexMappings([{ path: 'm.kprmap', rows: parseMapping(text).rows }]), [idx]));
  const recheckFit = time(o.runs, () => crossCheckIndexed(indexMappings([{ path: 'm.kprmap', rows: parseMapping(fitting).rows }]), [idx]));

  let cli = '';
  const cliPath = path.resolve(__dirname, '../../dist/cli.js');
  if (existsSync(cliPath)) {
    const dir = mkdtempSync(path.join(tmpdir(), 'mapping-bench-'));
    const file = path.join(dir, 'tjenester.kprmap');
    writeFileSync(file, text);
    const walls: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      spawnSync(process.execPath, [cliPath, 'check', '--format', 'json', file], { encoding: 'utf8' });
      walls.push(performance.now() - t0);
    }
    rmSync(dir, { recursive: true, force: true });
    walls.sort((a, b) => a - b);
    cli = `| \`kpr check\` on the mapping file (wall, Node start-up included, median of 5) | ${ms(walls[2])} | |\n`;
  }

  process.stdout.write(
    `### Mapping files\n\n` +
      `Mapping: ${o.rows} rows, ${(text.length / 1024).toFixed(0)} KiB, ${findings.length} findings (${[...byCode].map(([c, n]) => `${c} ${n}`).join(', ')}).\n` +
      `Extract: ${summary.persons.length} persons, ${services} services, ${(xmlLength / 1048576).toFixed(1)} MB${o.extract ? ` (${path.basename(o.extract)})` : ''}; its fitting mapping has ${fitting.split('\r\n').length - 2} rows.\n` +
      `Node ${process.version}, ${o.runs} runs after a warm-up.\n\n` +
      `| step | median | worst |\n|---|---|---|\n` +
      `| parseMapping (${o.rows} rows) | ${ms(parse.median)} | ${ms(parse.max)} |\n` +
      `| checkMapping (${o.rows} rows: parse + every check) | ${ms(check.median)} | ${ms(check.max)} |\n` +
      `| indexExtract (once per extract version, ${services} services) | ${ms(extractIndex.median)} | ${ms(extractIndex.max)} |\n` +
      `| re-check after a mapping edit, ${o.rows}-row mapping (parse + index + cross-check) | ${ms(recheckBig.median)} | ${ms(recheckBig.max)} |\n` +
      `| re-check after a mapping edit, fitting mapping | ${ms(recheckFit.median)} | ${ms(recheckFit.max)} |\n` +
      cli,
  );
}

main();
