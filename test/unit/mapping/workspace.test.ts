import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { mappingApplies, WorkspaceMappings } from '../../../server/src/mapping';
import { encodeMapping } from '../../fixtures/mappingGenerator';
import { mapping } from './helpers';

describe('mapping: the mapping files of a workspace', () => {
  let ws: string;
  beforeEach(() => {
    ws = mkdtempSync(path.join(tmpdir(), 'kpr-mapping-ws-'));
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  it('applies a mapping to extracts in its folder and below, not above or beside', () => {
    assert.ok(mappingApplies('/k/tjenester.kprmap', '/k/fag.xml'));
    assert.ok(mappingApplies('/k/tjenester.kprmap', '/k/2023/fag.xml'));
    assert.ok(!mappingApplies('/k/gammel/tjenester.kprmap', '/k/fag.xml'));
    assert.ok(!mappingApplies('/k/a/tjenester.kprmap', '/k/b/fag.xml'));
  });

  it('finds .kprmap and .kprmap.csv files, skips dot folders and node_modules, parses each once per change', async () => {
    mkdirSync(path.join(ws, '2023'));
    mkdirSync(path.join(ws, '.git'));
    mkdirSync(path.join(ws, 'node_modules'));
    writeFileSync(path.join(ws, 'tjenester.kprmap'), encodeMapping(mapping(['HSP01;Hjemmesykepleie;15;974589095;;;']), 'windows-1252'));
    writeFileSync(path.join(ws, '2023', 'ekstra.kprmap.csv'), mapping(['BOL01;Omsorgsbolig;29;;;;']));
    writeFileSync(path.join(ws, '.git', 'x.kprmap'), mapping(['X;x;1;;;;']));
    writeFileSync(path.join(ws, 'node_modules', 'y.kprmap'), mapping(['Y;y;1;;;;']));
    const errors: string[] = [];
    const w = new WorkspaceMappings(async () => [ws], (what) => errors.push(what));
    const all = await w.all();
    assert.deepEqual(all.map((m) => path.relative(ws, m.path)).sort(), [path.join('2023', 'ekstra.kprmap.csv'), 'tjenester.kprmap']);
    assert.deepEqual((await w.forExtract(path.join(ws, 'fag.xml'))).map((m) => path.basename(m.path)), ['tjenester.kprmap']);
    assert.equal((await w.forExtract(path.join(ws, '2023', 'fag.xml'))).length, 2);
    const first = all.find((m) => m.path.endsWith('tjenester.kprmap'))!;
    assert.equal(first.rows[0].fields.localCode?.value, 'HSP01');

    // Unchanged files are not parsed again; a changed one is; a new one is found after invalidate().
    assert.equal((await w.all()).find((m) => m.path === first.path), first);
    writeFileSync(first.path, mapping(['HSP01;Hjemmesykepleie;15;974589095;;;', 'HSP02;Hjemmesykepleie sør;15;874589098;;;']));
    utimesSync(first.path, new Date(), new Date(Date.now() + 5000));
    assert.equal((await w.all()).find((m) => m.path === first.path)?.rows.length, 2);
    writeFileSync(path.join(ws, 'ny.kprmap'), mapping(['GPS01;GPS;26;;;;']));
    assert.equal((await w.all()).length, 2, 'not searched again until invalidated');
    w.invalidate();
    assert.equal((await w.all()).length, 3);
    assert.deepEqual(errors, []);
  });
});
