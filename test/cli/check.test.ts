import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, REPO } from '../support/build';
import { fag, person, service, ide, ident } from '../support/kpr';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';

function kpr(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, LANG: 'en_US.UTF-8', KPR_LANG: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('kpr check (command line)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'kpr-cli-'));
  });

  it('exits 0 and says so on a clean file', () => {
    const f = path.join(dir, 'clean.xml');
    writeFileSync(f, fag(person()));
    const r = kpr(['check', f]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /1 file checked: 0 errors, 0 warnings\./);
  });

  it('prints compiler-style lines and exits 1 on errors', () => {
    const f = path.join(dir, 'broken.xml');
    writeFileSync(f, fag(person()).replace('Kari Testesen', 'Kari & Testesen'));
    const r = kpr(['check', f]);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error xml-syntax: `, 'm'));
  });

  it('--format json gives LSP diagnostics with 0-based positions', () => {
    const xml = fag(person()).replace('Kari Testesen', 'Kari & Testesen');
    const f = path.join(dir, 'json.xml');
    writeFileSync(f, xml);
    const r = kpr(['check', '--format', 'json', f]);
    const json = JSON.parse(r.out);
    assert.equal(json.files.length, 1);
    assert.equal(json.files[0].file, f);
    const lines = xml.split('\n');
    const line = lines.findIndex((l) => l.includes('Kari & Testesen'));
    const d = json.files[0].diagnostics.find(
      (x: { code: string; range: { start: { line: number; character: number } } }) =>
        x.code === 'xml-syntax' && x.range.start.line === line && x.range.start.character === lines[line].indexOf('&'),
    );
    assert.ok(d, r.out);
    assert.equal(d.severity, 1);
    assert.equal(typeof d.message, 'string');
  });

  it('--format sarif is SARIF 2.1.0 with 1-based regions', () => {
    const f = path.join(dir, 'sarif.xml');
    writeFileSync(f, fag(person()).replace('Kari Testesen', 'Kari & Testesen'));
    const r = kpr(['check', '--format=sarif', f]);
    const sarif = JSON.parse(r.out);
    assert.equal(sarif.version, '2.1.0');
    const res = sarif.runs[0].results[0];
    assert.equal(res.ruleId, 'xml-syntax');
    assert.equal(res.level, 'error');
    assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
  });

  it('speaks Norwegian with --lang nb or a Norwegian locale', () => {
    const f = path.join(dir, 'nb.xml');
    writeFileSync(f, fag(person()).replace('Kari Testesen', 'Kari & Testesen'));
    assert.match(kpr(['check', '--lang', 'nb', f]).out, /1 fil sjekket: \d+ feil/);
    assert.match(kpr(['check', f], { LANG: 'nb_NO.UTF-8' }).out, /1 fil sjekket/);
  });

  it('checks folders, skipping XML that is not KPR', () => {
    const sub = path.join(dir, 'folder');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'fag.xml'), fag(person()));
    writeFileSync(path.join(sub, 'ide.xml'), ide(ident({ pid: '1', fid: '', typeID: '9' })));
    writeFileSync(path.join(sub, 'pom.xml'), '<project><modelVersion>4.0.0</modelVersion></project>');
    const r = kpr(['check', '--format', 'json', sub]);
    const files = JSON.parse(r.out).files.map((x: { file: string }) => path.basename(x.file));
    assert.deepEqual(files.sort(), ['fag.xml', 'ide.xml']);
  });

  it('exits 2 with a clear message on bad usage', () => {
    assert.equal(kpr(['check']).code, 2);
    const r = kpr(['check', '--format', 'yaml', dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--format must be text, json or sarif/);
    assert.equal(kpr(['check', path.join(dir, 'missing.xml')]).code, 2);
    assert.equal(kpr(['check', '--severity', 'no-such-rule=error', dir]).code, 2);
    assert.equal(kpr(['frobnicate']).code, 2);
  });

  it('gives the same findings on one thread and on two for a large file', () => {
    // Over 4 MiB, so that two threads are used; ISO-8859-1, so that the worker must decode as the main thread does.
    let xml = serializeFagmelding(generateExtract({ seed: 41, persons: 3200, year: 2023 })).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    let n = 0;
    xml = xml.replace(/<tjTjenType>\d+<\/tjTjenType>/g, (m) => (++n % 997 === 0 ? '<tjTjenType>12</tjTjenType>' : m));
    const ids = [...xml.matchAll(/pePeID="(\d+)"/g)].map((m) => m[1]);
    xml = xml.replace(`pePeID="${ids[ids.length - 1]}"`, `pePeID="${ids[0]}"`);
    const f = path.join(dir, 'large-latin1.xml');
    writeFileSync(f, Buffer.from(xml, 'latin1'));
    assert.ok(xml.length > 4.5 * 1024 * 1024, `${xml.length} characters`);
    const two = kpr(['check', '--format', 'json', f]);
    const one = kpr(['check', '--format', 'json', '--threads', '1', f]);
    assert.equal(two.code, 1, two.err);
    assert.equal(one.code, 1, one.err);
    assert.equal(two.out, one.out);
    const codes = JSON.parse(two.out).files[0].diagnostics.map((d: { code: string }) => d.code);
    // Expired codes on both sides of the middle, and the duplicate key across them.
    assert.ok(codes.filter((c: string) => c === 'deprecated-service-code').length >= 4, codes.join());
    assert.ok(codes.includes('duplicate-id'), codes.join());
    const bad = kpr(['check', '--threads', '3', f]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--threads must be 1 or 2/);
  });

  it('lets the user turn a rule off or down', () => {
    const f = path.join(dir, 'sev.xml');
    writeFileSync(f, fag(person()).replace('Kari Testesen', 'Kari & Testesen'));
    const r = kpr(['check', '--severity', 'xml-syntax=warning', f]);
    assert.equal(r.code, 0, 'warnings alone do not fail the build');
    assert.match(r.out, /warning xml-syntax/);
  });

  it('reads ISO-8859-1 files', () => {
    const f = path.join(dir, 'latin1.xml');
    const xml = fag(person()).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('Kari Testesen', 'Kåre Ærø');
    writeFileSync(f, Buffer.from(xml, 'latin1'));
    const r = kpr(['check', f]);
    assert.equal(r.code, 0, r.out);
  });

  it('reports a binary file instead of crashing', () => {
    const f = path.join(dir, 'binary.xml');
    writeFileSync(f, Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 1, 2, 3]));
    const r = kpr(['check', f]);
    assert.equal(r.code, 1);
    assert.match(r.out, /binary/);
  });

  it('accepts a safety alarm (code 6) without an org number, where the number is optional', () => {
    const f = path.join(dir, 'svc.xml');
    writeFileSync(f, fag(person({ services: [service({ code: 6, orgnr: null })] })));
    assert.equal(kpr(['check', f]).code, 0);
  });
});
