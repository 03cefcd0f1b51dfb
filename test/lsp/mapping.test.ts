/**
 * Mapping files in the real language server (bundled, over stdio): diagnostics through the same pull
 * handler as extracts, quick fixes and fix-all on CSV cells, hover and completion on the KPR code column,
 * and the cross-check between mapping files (open or on disk) and open extracts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CompletionItem, Diagnostic, Hover } from 'vscode-languageserver';
import { CheckFileResult, CHECK_FILE_REQUEST, FIX_ALL_KIND } from '../../server/src/lsp/protocol';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';
import { generateMapping, serializeMapping } from '../fixtures/mappingGenerator';
import { fileUri, TestServer } from './lspClient';

const LANG = 'kpr-mapping';
const HEADER = 'lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar';

function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

/** Offset ↔ position for LF text. */
function offsetOf(text: string, p: { line: number; character: number }): number {
  return text.split('\n').slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
}

function positionOf(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in text`);
  const before = text.slice(0, i + delta);
  return { line: before.split('\n').length - 1, character: before.length - (before.lastIndexOf('\n') + 1) };
}

function at(text: string, d: Diagnostic): string {
  return text.slice(offsetOf(text, d.range.start), offsetOf(text, d.range.end));
}

describe('language server: mapping files', function () {
  this.timeout(60_000);
  let server: TestServer;
  let ws: string;
  const model = generateExtract({ seed: 'lsp-mapping', persons: 60, year: 2023 });
  const fitting = serializeMapping(generateMapping(model), { eol: '\n' });

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-lsp-mapping-'));
    server = await TestServer.start({ locale: 'nb', workspaceFolders: [{ uri: fileUri(ws), name: 'ws' }], settings: () => ({ language: 'auto' }) });
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(server.logs.slice(-20).join('\n'));
    assert.ok(server.alive, 'the server is still running');
  });

  it('checks an open mapping document through the pull handler, in the user’s language', async () => {
    const uri = fileUri(path.join(ws, 'a', 'tjenester.kprmap'));
    const text = [HEADER, 'HSP01;Hjemmesykepleie sone nord;15;974589095;;;', 'OBS01;Omsorgsbolig Solbakken;12;974589095;;;', 'GPS01;GPS-klokke;26;974589095;;;', 'HSP01;Hjemmesykepleie;1;974589095;;;', ''].join('\n');
    await server.open(uri, text, LANG);
    const items = await server.diagnostics(uri);
    assert.deepEqual(
      items.map((d) => [d.code, at(text, d), d.severity]),
      [
        ['deprecated-service-code', '12', 1],
        ['org-number-not-allowed', '974589095', 1],
        ['org-number-not-allowed', '974589095', 1],
        ['mapping-conflict', 'HSP01', 1],
      ],
    );
    assert.match(msg(items[0]), /^Tjenestetype 12 \(Omsorgsbolig\) er utgått/);
    assert.ok(items.every((d) => d.source === 'kpr'));
    assert.equal(items[3].relatedInformation?.[0].location.range.start.line, 1, 'the conflict names the other row');
  });

  it('quick fixes and fix-all edit the cells and keep the columns', async () => {
    const uri = fileUri(path.join(ws, 'a', 'tjenester.kprmap'));
    let items = await server.diagnostics(uri);
    const dep = items.find((d) => d.code === 'deprecated-service-code')!;
    const actions = await server.codeActions(uri, dep.range, [dep]);
    assert.equal(actions[0].title, 'Endre tjenestetype 12 til 29 og fjern organisasjonsnummeret');
    await server.applyEdit(uri, actions[0].edit!);
    assert.ok(server.text(uri).includes('OBS01;Omsorgsbolig Solbakken;29;;;;'));
    items = await server.diagnostics(uri);
    assert.deepEqual(items.map((d) => d.code), ['org-number-not-allowed', 'mapping-conflict']);

    const whole = { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } };
    const all = await server.codeActions(uri, whole, [], [FIX_ALL_KIND]);
    assert.equal(all.length, 1);
    await server.applyEdit(uri, all[0].edit!);
    assert.ok(server.text(uri).includes('GPS01;GPS-klokke;26;;;;'));
    assert.deepEqual((await server.diagnostics(uri)).map((d) => d.code), ['mapping-conflict']);
  });

  it('hovers and completes on the KPR code column', async () => {
    const uri = fileUri(path.join(ws, 'a', 'tjenester.kprmap'));
    const text = server.text(uri);
    const hover = await server.conn.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, ';15;', 1) });
    assert.match((hover.contents as { value: string }).value, /\*\*15 – Helsetjenester i hjemmet\*\*/);
    const items = await server.conn.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(text, ';15;', 2) });
    assert.ok(items.some((i) => i.label === '29' && i.detail === 'Bolig som kommunen disponerer for helse- og omsorgsformål'));
    assert.ok(items.some((i) => i.label === '-'));
    const none = await server.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: positionOf(text, 'Hjemmesykepleie sone', 3) });
    assert.equal(none, null);
  });

  it('cross-checks an open extract with the mapping file on disk, and with the open document instead once it is opened', async () => {
    const dir = path.join(ws, 'b');
    fs.mkdirSync(dir);
    const lines = fitting.split('\n');
    const i = lines.findIndex((l) => l.split(';')[2] === '15');
    const oldOrg = lines[i].split(';')[3];
    lines[i] = lines[i].replace(oldOrg, '874589098');
    const mapFile = path.join(dir, 'tjenester.kprmap.csv');
    fs.writeFileSync(mapFile, lines.join('\n'));
    const xmlUri = fileUri(path.join(dir, '2023', 'fagmelding.xml'));
    const xml = serializeFagmelding(model);
    await server.open(xmlUri, xml);
    const unmapped = (await server.diagnostics(xmlUri)).filter((d) => d.code === 'mapping-unmapped');
    assert.equal(unmapped.length, 1);
    assert.equal(unmapped[0].severity, 3);
    assert.match(msg(unmapped[0]), new RegExp(`^Ingen rad i mappingen \\(tjenester\\.kprmap\\.csv\\) gir tjenestetype 15 med organisasjonsnummer ${oldOrg}\\.`));

    // The open document wins over the file on disk: open it with the right org number.
    const mapUri = fileUri(mapFile);
    await server.open(mapUri, fitting, LANG);
    assert.deepEqual((await server.diagnostics(xmlUri)).filter((d) => String(d.code).startsWith('mapping-')), []);
    assert.deepEqual(await server.diagnostics(mapUri), []);

    // A row no open extract uses is a hint in the mapping document, and follows the typing.
    const extra = 'NY01;Ny enhet;15;874589098;;;\n';
    await server.change(mapUri, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: extra }]);
    const unused = await server.diagnostics(mapUri);
    assert.deepEqual(unused.map((d) => [d.code, d.severity, at(server.text(mapUri), d)]), [['mapping-unused', 4, 'NY01']]);
    await server.close(mapUri);
    await server.close(xmlUri);
  });

  it('answers kpr/checkFile for a mapping file on disk', async () => {
    const f = path.join(ws, 'disk.kprmap');
    fs.writeFileSync(f, `${HEADER}\r\nOBS01;Omsorgsbolig;13;974589095;;;\r\n`);
    const r = await server.conn.sendRequest<CheckFileResult>(CHECK_FILE_REQUEST, { uri: fileUri(f) });
    assert.equal(r.kind, 'mapping');
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.range.start.line]), [['deprecated-service-code', 1], ['org-number-not-allowed', 1]]);
    assert.equal(r.stats.records, 1);
  });
});
