import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, REPO } from '../support/build';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';
import { encodeMapping, generateMapping, serializeMapping } from '../fixtures/mappingGenerator';

function kpr(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'en_US.UTF-8', KPR_LANG: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface JsonDiag {
  code: string;
  severity: number;
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

function json(out: string): { files: { file: string; kind: string; diagnostics: JsonDiag[] }[] } {
  return JSON.parse(out);
}

const HEADER = 'lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar';

describe('kpr check on mapping files (command line)', function () {
  this.timeout(120_000);
  let dir: string;
  const model = generateExtract({ seed: 'mapping-cli', persons: 80, year: 2023 });
  const mappingText = serializeMapping(generateMapping(model));

  before(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'kpr-mapping-cli-'));
  });

  it('checks a .kprmap file: compiler-style lines and exit 1 on errors', () => {
    const f = path.join(dir, 'tjenester.kprmap');
    writeFileSync(f, [HEADER, 'HSP01;Hjemmesykepleie sone nord;15;974589095;;;', 'OBS01;Omsorgsbolig Solbakken;12;974589095;;;', ''].join('\r\n'));
    const r = kpr(['check', f]);
    assert.equal(r.code, 1, r.out + r.err);
    const esc = f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.out, new RegExp(`^${esc}:3:30: error deprecated-service-code: Service type 12 \\(Sheltered housing\\) has expired`, 'm'));
    assert.match(r.out, new RegExp(`^${esc}:3:33: error org-number-not-allowed: `, 'm'));
    assert.match(r.out, /1 file checked: 2 errors, 0 warnings\./);
  });

  it('finds .kprmap and .kprmap.csv in folders and reports them in JSON and SARIF', () => {
    const sub = path.join(dir, 'json');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'a.kprmap'), `${HEADER}\nGPS01;GPS-klokke;26;974589095;;;\n`);
    writeFileSync(path.join(sub, 'b.KPRMAP.csv'), `${HEADER}\nHSP01;x;15;974589095;;;\nHSP01;x;1;974589095;;;\n`);
    writeFileSync(path.join(sub, 'notes.csv'), 'not;a;mapping\n');
    const r = kpr(['check', '--format', 'json', sub]);
    assert.equal(r.code, 1);
    const files = json(r.out).files;
    assert.deepEqual(files.map((x) => [path.basename(x.file), x.kind]), [['a.kprmap', 'mapping'], ['b.KPRMAP.csv', 'mapping']]);
    const d = files[0].diagnostics[0];
    assert.equal(d.code, 'org-number-not-allowed');
    assert.deepEqual(d.range, { start: { line: 1, character: 20 }, end: { line: 1, character: 29 } });
    assert.equal(files[1].diagnostics[0].code, 'mapping-conflict');

    const sarif = JSON.parse(kpr(['check', '--format', 'sarif', sub]).out);
    const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
    assert.deepEqual(results.map((x) => [x.ruleId, x.locations[0].physicalLocation.region.startLine]), [['org-number-not-allowed', 2], ['mapping-conflict', 3]]);
    assert.ok(sarif.runs[0].tool.driver.rules.some((x: { id: string; helpUri: string }) => x.id === 'mapping-conflict' && x.helpUri.endsWith('/mapping-conflict.md')));
  });

  it('a folder with a mapping and its extract: clean when they agree', () => {
    const sub = path.join(dir, 'agree');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'tjenester.kprmap'), encodeMapping(mappingText, 'utf-8-bom'));
    writeFileSync(path.join(sub, 'fagmelding.xml'), serializeFagmelding(model));
    const r = kpr(['check', '--format', 'json', sub]);
    assert.equal(r.code, 0, r.out);
    for (const f of json(r.out).files) assert.deepEqual(f.diagnostics, [], f.file);
  });

  it('a folder with a mapping and extracts below it: unmapped services and unused rows, in Norwegian', () => {
    const sub = path.join(dir, 'disagree');
    mkdirSync(path.join(sub, '2023'), { recursive: true });
    const lines = mappingText.split('\r\n');
    const i = lines.findIndex((l) => l.split(';')[2] === '15');
    const oldOrg = lines[i].split(';')[3];
    lines[i] = lines[i].replace(oldOrg, '874589098');
    writeFileSync(path.join(sub, 'tjenester.kprmap'), lines.join('\r\n'));
    writeFileSync(path.join(sub, '2023', 'fagmelding.xml'), serializeFagmelding(model));
    const r = kpr(['check', '--format', 'json', '--lang', 'nb', sub]);
    assert.equal(r.code, 0, 'information and hints do not fail the build');
    const files = json(r.out).files;
    const ex = files.find((f) => f.file.endsWith('fagmelding.xml'))!;
    assert.deepEqual(ex.diagnostics.map((d) => [d.code, d.severity]), [['mapping-unmapped', 3]]);
    assert.match(ex.diagnostics[0].message, new RegExp(`^Ingen rad i mappingen \\(tjenester\\.kprmap\\) gir tjenestetype 15 med organisasjonsnummer ${oldOrg}\\.`));
    const map = files.find((f) => f.kind === 'mapping')!;
    assert.deepEqual(map.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]), [['mapping-unused', 4, i]]);

    const text = kpr(['check', '--severity', 'mapping-unmapped=error', sub]);
    assert.equal(text.code, 1);
    assert.match(text.out, /error mapping-unmapped: /);
  });

  it('a mapping in a subfolder does not apply to the extracts above it', () => {
    const sub = path.join(dir, 'nested');
    mkdirSync(path.join(sub, 'gammel'), { recursive: true });
    writeFileSync(path.join(sub, 'gammel', 'tjenester.kprmap'), `${HEADER}\nX;x;15;974589095;;;\n`);
    writeFileSync(path.join(sub, 'fagmelding.xml'), serializeFagmelding(model));
    const r = kpr(['check', '--format', 'json', sub]);
    assert.ok(json(r.out).files.every((f) => f.diagnostics.every((d) => !d.code.startsWith('mapping-'))), r.out);
  });

  it('reads Windows-1252 with old-Mac CR line ends, and counts lines the way editors do', () => {
    const f = path.join(dir, 'mac.kprmap.csv');
    writeFileSync(f, encodeMapping([HEADER, 'LTO01;Langtidsopphold Bjørkly – avd. 2;21;974589095;;;', 'BOL01;Omsorgsbolig Sølvskogen;29;974589095;;;', ''].join('\r'), 'windows-1252'));
    const r = kpr(['check', '--format', 'json', f]);
    const d = json(r.out).files[0].diagnostics;
    assert.deepEqual(d.map((x) => [x.code, x.range.start.line, x.range.start.character]), [['org-number-not-allowed', 2, 33]]);
  });

  it('a binary file named .kprmap is reported, not a crash', () => {
    const f = path.join(dir, 'binary.kprmap');
    writeFileSync(f, Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 1, 2, 3]));
    const r = kpr(['check', f]);
    assert.equal(r.code, 1);
    assert.match(r.out, /error mapping-format: The file contains NUL characters and is not a text file\./);
  });
});
