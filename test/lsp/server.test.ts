/**
 * The real language server, bundled and started as a child process, spoken to over stdio with
 * vscode-jsonrpc: what VS Code would see.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, Hover } from 'vscode-languageserver';
import { CheckFileResult, CHECK_FILE_REQUEST, FIX_ALL_KIND } from '../../server/src/lsp/protocol';
import { fag, ide, ident, person, service } from '../support/kpr';
import { analyzeText } from '../../server/src/analysis/analyze';
import { defaultSettings } from '../../server/src/analysis/types';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';
import { fileUri, TestServer, withTimeout } from './lspClient';

const DOCS = 'https://docs.example/kpr/rules/';

/** A diagnostic's message as text (LSP 3.18 also allows markup). */
function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

/** The diagnostics of one code, with the text each points at. */
function ofCode(items: Diagnostic[], code: string, text: string): { d: Diagnostic; at: string }[] {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return items.filter((d) => d.code === code).map((d) => ({ d, at: text.slice(offset(d.range.start), offset(d.range.end)) }));
}

function positionOf(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in text`);
  const before = text.slice(0, i + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

async function rejection(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ResponseError, `expected a ResponseError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('language server (over stdio)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let ws: string;
  const perUri = new Map<string, unknown>();

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-lsp-ws-'));
    fs.mkdirSync(path.join(ws, '.kpr'));
    fs.writeFileSync(path.join(ws, '.kpr', 'testbrukere.txt'), '# kommunens testbrukere\n4242\n');
    server = await TestServer.start({
      locale: 'nb',
      docsBaseUri: DOCS,
      workspaceFolders: [{ uri: fileUri(ws), name: 'ws' }],
      settings: (uri) => (uri && perUri.has(uri) ? perUri.get(uri) : { language: 'auto' }),
    });
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(server.logs.slice(-20).join('\n'));
    assert.ok(server.alive, 'the server is still running');
  });

  const uriOf = (name: string) => fileUri(path.join(ws, name));

  it('announces pull diagnostics with inter-file dependencies, quick fixes and fix-all', () => {
    const caps = server.initializeResult.capabilities;
    assert.deepEqual(caps.diagnosticProvider, { identifier: 'kpr', interFileDependencies: true, workspaceDiagnostics: false });
    assert.deepEqual((caps.codeActionProvider as { codeActionKinds: string[] }).codeActionKinds, ['quickfix', FIX_ALL_KIND]);
    assert.equal((caps.textDocumentSync as { change: number }).change, 2, 'incremental sync');
  });

  it('reports an XML syntax error where it is, in Norwegian, with a link to the rule', async () => {
    const uri = uriOf('syntax.xml');
    const text = fag(person({ services: [service({ code: 15 })] })).replace('</peKjonn>', '</peKjon>');
    await server.open(uri, text);
    const items = await server.diagnostics(uri);
    const [syntax] = ofCode(items, 'xml-syntax', text);
    assert.ok(syntax, JSON.stringify(items));
    assert.equal(syntax.at, '</peKjon>');
    assert.equal(syntax.d.severity, 1);
    assert.equal(syntax.d.source, 'kpr');
    assert.equal(msg(syntax.d), 'Slutt-taggen </peKjon> passer ikke til <peKjonn>.');
    assert.deepEqual(syntax.d.codeDescription, { href: DOCS + 'xml-syntax.md' });
    const status = await server.waitFor(() => server.statuses.find((s) => s.uri === uri), 'kpr/status');
    assert.equal(status.kind, 'fagmelding');
    assert.equal(status.records, 1);
    assert.ok(status.counts.error >= 1);
    await server.close(uri);
  });

  it('fixes service type 12 with the quick fix, and the finding is gone after the edit', async () => {
    const uri = uriOf('code12.xml');
    await server.open(uri, fag(person({ services: [service({ code: 12, orgnr: '974589095' }), service({ code: 15, tjTjID: 2 })] })));
    const first = await server.pull(uri);
    assert.equal(first.kind, 'full');
    const items = first.kind === 'full' ? first.items : [];
    const [dep] = ofCode(items, 'deprecated-service-code', server.text(uri));
    assert.ok(dep, JSON.stringify(items));
    assert.equal(dep.at, '12');
    assert.equal(dep.d.severity, 1);
    assert.deepEqual(dep.d.tags, [2], 'shown as deprecated');
    assert.match(msg(dep.d), /^Tjenestetype 12 \(Omsorgsbolig\) er utgått/);
    assert.deepEqual((dep.d.data as { fix: string; from: number; to: number }).fix, 'replace-service-code');
    assert.equal(ofCode(items, 'org-number-not-allowed', server.text(uri)).length, 1);

    const actions = await server.codeActions(uri, dep.d.range, [dep.d]);
    const fix = actions.find((a) => a.title === 'Endre tjenestetype 12 til 29 og fjern organisasjonsnummeret');
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    assert.deepEqual(fix.diagnostics, [dep.d], 'linked to the diagnostic the editor sent');
    await server.applyEdit(uri, fix.edit!);
    assert.equal(server.text(uri), fag(person({ services: [service({ code: 29 }), service({ code: 15, tjTjID: 2 })] })));

    const after = await server.pull(uri, first.kind === 'full' ? first.resultId : undefined);
    assert.equal(after.kind, 'full');
    const left = after.kind === 'full' ? after.items : [];
    assert.deepEqual(ofCode(left, 'deprecated-service-code', server.text(uri)), []);
    assert.deepEqual(ofCode(left, 'org-number-not-allowed', server.text(uri)), []);
    await server.close(uri);
  });

  it('answers "unchanged" while neither the document nor the settings changed', async () => {
    const uri = uriOf('unchanged.xml');
    await server.open(uri, fag(person({ services: [service({ code: 13, orgnr: null })] })));
    const a = await server.pull(uri);
    assert.equal(a.kind, 'full');
    const resultId = a.kind === 'full' ? a.resultId : undefined;
    assert.ok(resultId);
    const b = await server.pull(uri, resultId);
    assert.deepEqual(b, { kind: 'unchanged', resultId });
    await server.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '' }]);
    const c = await server.pull(uri, resultId);
    assert.equal(c.kind, 'full', 'a new version is analysed again');
    await server.close(uri);
  });

  it('speaks each resource\'s language: nb by the client\'s locale, en where kpr.language says so', async () => {
    const text = fag(person({ services: [service({ code: 13, orgnr: null })] }));
    const nb = uriOf('lang-nb.xml');
    const en = uriOf('lang-en.xml');
    perUri.set(en, { language: 'en', docsBaseUrl: 'https://intra.example/kpr' });
    await server.open(nb, text);
    await server.open(en, text);
    const [dn] = ofCode(await server.diagnostics(nb), 'deprecated-service-code', text);
    const [de] = ofCode(await server.diagnostics(en), 'deprecated-service-code', text);
    assert.match(msg(dn.d), /^Tjenestetype 13 \(Annen bolig\) er utgått/);
    assert.match(msg(de.d), /^Service type 13 \(Other housing\) has expired/);
    assert.equal(dn.d.codeDescription?.href, DOCS + 'deprecated-service-code.md');
    assert.equal(de.d.codeDescription?.href, 'https://intra.example/kpr/deprecated-service-code.md', 'kpr.docsBaseUrl wins');
    const actions = await server.codeActions(en, de.d.range, [de.d]);
    assert.deepEqual(actions.map((a) => a.title), ['Change service type 13 to 29']);
    await server.close(nb);
    await server.close(en);
  });

  it('applies kpr.rules.severity per resource and picks up a settings change', async () => {
    const uri = uriOf('severity.xml');
    const text = fag(person({ services: [service({ code: 13, orgnr: null })] }));
    await server.open(uri, text);
    assert.equal(ofCode(await server.diagnostics(uri), 'deprecated-service-code', text)[0].d.severity, 1);

    perUri.set(uri, { rules: { severity: { 'deprecated-service-code': 'warning' } } });
    const refreshes = server.refreshes;
    await server.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await server.waitFor(() => server.refreshes > refreshes, 'a diagnostic refresh');
    assert.equal(ofCode(await server.diagnostics(uri), 'deprecated-service-code', text)[0].d.severity, 2);

    perUri.set(uri, { rules: { severity: { 'deprecated-service-code': 'off' } } });
    await server.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    assert.deepEqual(ofCode(await server.diagnostics(uri), 'deprecated-service-code', text), []);
    perUri.delete(uri);
    await server.close(uri);
  });

  it('caps the findings at kpr.maxFindings with a note', async () => {
    const uri = uriOf('cap.xml');
    perUri.set(uri, { maxFindings: 2 });
    const text = fag([1, 2, 3, 4].map((id) => person({ id, services: [service({ code: 13, orgnr: null, peId: id })] })));
    await server.open(uri, text);
    const items = await server.diagnostics(uri);
    assert.equal(items.length, 3);
    const note = items.find((d) => d.code === 'too-many-findings');
    assert.ok(note);
    const m = /^Viser de første 2 funnene; (\d+) til er ikke vist/.exec(msg(note));
    assert.ok(m && Number(m[1]) >= 2, msg(note));
    perUri.delete(uri);
    await server.close(uri);
  });

  it('fixes every safe migration at once with source.fixAll.kpr', async () => {
    const uri = uriOf('fixall.xml');
    await server.open(
      uri,
      fag([
        person({ id: 1, services: [service({ code: 12, orgnr: '974589095' })] }),
        person({ id: 2, services: [service({ code: 13, peId: 2 })] }),
        person({ id: 3, services: [service({ code: 29, orgnr: '974589095', peId: 3 })] }),
      ]),
    );
    await server.diagnostics(uri);
    const whole = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const actions: CodeAction[] = await server.codeActions(uri, whole, [], ['source.fixAll']);
    assert.deepEqual(actions.map((a) => [a.kind, a.title]), [[FIX_ALL_KIND, 'Rett alle KPR-problemer som kan rettes automatisk (3)']]);
    await server.applyEdit(uri, actions[0].edit!);
    const clean = fag([
      person({ id: 1, services: [service({ code: 29 })] }),
      person({ id: 2, services: [service({ code: 29, peId: 2 })] }),
      person({ id: 3, services: [service({ code: 29, peId: 3 })] }),
    ]);
    assert.equal(server.text(uri), clean);
    const left = await server.diagnostics(uri);
    assert.deepEqual(left.filter((d) => d.code === 'deprecated-service-code' || d.code === 'org-number-not-allowed'), []);
    assert.deepEqual(await server.codeActions(uri, whole, [], [FIX_ALL_KIND]), [], 'nothing left to fix');
    await server.close(uri);
  });

  it('hovers, completes service codes and outlines the document', async () => {
    const uri = uriOf('features.xml');
    const text = fag(person({ id: 5, services: [service({ code: 12, orgnr: null, peId: 5 })] }));
    await server.open(uri, text);
    const hover = await server.conn.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, '<tjTjenType>12', 13) });
    assert.match((hover.contents as { value: string }).value, /\*\*12 – Omsorgsbolig\*\* \(utgått\)/);
    assert.deepEqual(hover.range, { start: positionOf(text, '<tjTjenType>12', 12), end: positionOf(text, '<tjTjenType>12', 14) });

    const items = await server.conn.sendRequest<CompletionItem[]>('textDocument/completion', {
      textDocument: { uri },
      position: positionOf(text, '<tjTjenType>12', 14),
    });
    const labels = items.map((i) => i.label);
    assert.ok(labels.includes('29') && labels.includes('15'));
    assert.ok(!labels.includes('12') && !labels.includes('13'), 'expired codes are not offered');
    const i29 = items.find((i) => i.label === '29')!;
    assert.deepEqual(i29.textEdit, { range: { start: positionOf(text, '<tjTjenType>12', 12), end: positionOf(text, '<tjTjenType>12', 14) }, newText: '29' });
    assert.equal(i29.detail, 'Bolig som kommunen disponerer for helse- og omsorgsformål');

    const symbols = await server.conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((s) => s.name), ['INNHINFO', 'Person 5']);
    assert.deepEqual(symbols[1].children?.map((c) => c.name), ['12 – Omsorgsbolig (utgått)']);
    await server.close(uri);
  });

  it('checks a file on disk (kpr/checkFile), reading its declared encoding', async () => {
    const file = path.join(ws, 'disk-latin1.xml');
    const xml = fag(person({ services: [service({ code: 13, orgnr: null })] }))
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
      .replace('Kari Testesen', 'Bjørn Ærlig');
    fs.writeFileSync(file, Buffer.from(xml, 'latin1'));
    const r = await server.conn.sendRequest<CheckFileResult>(CHECK_FILE_REQUEST, { uri: fileUri(file) });
    assert.equal(r.kind, 'fagmelding');
    assert.equal(r.encoding, 'iso-8859-1');
    assert.equal(r.stats.records, 1);
    assert.equal(r.stats.bytes, fs.statSync(file).size);
    const [dep] = ofCode(r.diagnostics, 'deprecated-service-code', xml);
    assert.ok(dep, JSON.stringify(r.diagnostics));
    assert.equal(dep.at, '13');
    assert.ok(r.counts.error >= 1);

    const missing = await rejection(server.conn.sendRequest(CHECK_FILE_REQUEST, { uri: fileUri(path.join(ws, 'no-such-file.xml')) }));
    assert.equal(missing.code, -32602);
    assert.match(missing.message, /Kunne ikke lese .*no-such-file\.xml: ENOENT/);
    const untitled = await rejection(server.conn.sendRequest(CHECK_FILE_REQUEST, { uri: 'untitled:Untitled-1' }));
    assert.equal(untitled.code, -32602);

    const binary = path.join(ws, 'binary.xml');
    fs.writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0x14, 0, 0xff, 0xfe]));
    const b = await withTimeout(server.conn.sendRequest<CheckFileResult>(CHECK_FILE_REQUEST, { uri: fileUri(binary) }), 5000, 'checkFile on a binary file');
    assert.equal(b.kind, 'other');
    assert.match(msg(b.diagnostics[0]), /Filen ser ut til å være binær/);
  });

  it('checks a file on disk too large for the editor on two threads, with the findings of one', async () => {
    // Over 4 MiB (read on two threads by the server's bundled worker), with expired codes on both sides of
    // the middle; the positions must be those a one-thread check gives.
    let xml = serializeFagmelding(generateExtract({ seed: 43, persons: 3200, year: 2023 }));
    let n = 0;
    xml = xml.replace(/<tjTjenType>\d+<\/tjTjenType>/g, (m) => (++n % 499 === 0 ? '<tjTjenType>13</tjTjenType>' : m));
    const file = path.join(ws, 'disk-large.xml');
    fs.writeFileSync(file, xml);
    assert.ok(fs.statSync(file).size > 4.5 * 1024 * 1024);
    const r = await withTimeout(server.conn.sendRequest<CheckFileResult>(CHECK_FILE_REQUEST, { uri: fileUri(file) }), 30_000, 'checkFile on a large file');
    const lines = xml.split('\n');
    const at = (d: Diagnostic) => `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;
    const one = analyzeText(xml, { settings: defaultSettings() }).findings.map((f) => {
      const pos = (o: number) => {
        const line = xml.slice(0, o).split('\n').length - 1;
        return { line, character: o - (xml.lastIndexOf('\n', o - 1) + 1) };
      };
      return `${f.code}@${pos(f.start).line}:${pos(f.start).character}-${pos(f.end).line}:${pos(f.end).character}`;
    });
    assert.deepEqual(r.diagnostics.map(at), one);
    const expired = r.diagnostics.filter((d) => d.code === 'deprecated-service-code');
    assert.ok(expired.length >= 10, `${expired.length} expired codes`);
    assert.ok(expired.some((d) => d.range.start.line > lines.length / 2), 'one in the second half');
    assert.equal(r.stats.records, 3200);
    // Read on two threads where the machine has two cores (the server's bundled worker).
    if (os.availableParallelism() > 1) assert.ok(server.logs.some((l) => /disk-large\.xml on disk: .*, on two threads/.test(l)), 'read on two threads');
  });

  it('gives other XML and other languages no diagnostics', async () => {
    const other = uriOf('pom.xml');
    await server.open(other, '<?xml version="1.0"?>\n<project><modelVersion>4.0.0</modelVersion><broken></project>');
    assert.deepEqual(await server.diagnostics(other), []);
    const json = uriOf('kpr.json');
    await server.open(json, fag(person({ services: [service({ code: 12 })] })), 'json');
    assert.deepEqual(await server.diagnostics(json), []);
    await server.close(other);
    await server.close(json);
  });

  it('merges the workspace\'s .kpr/testbrukere.txt into the test users, and re-reads it when it changes', async () => {
    const uri = uriOf('testusers.xml');
    const text = fag(person({ id: 4242, services: [service({ peId: 4242 })] }));
    await server.open(uri, text);
    const [listed] = ofCode(await server.diagnostics(uri), 'test-user', text);
    assert.ok(listed, 'person 4242 is on the list');
    assert.equal(listed.at.includes('4242'), true);

    fs.writeFileSync(path.join(ws, '.kpr', 'testbrukere.txt'), '4343\n');
    const refreshes = server.refreshes;
    await server.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(path.join(ws, '.kpr', 'testbrukere.txt')), type: 2 }] });
    await server.waitFor(() => server.refreshes > refreshes, 'a diagnostic refresh');
    assert.deepEqual(ofCode(await server.diagnostics(uri), 'test-user', text), []);
    await server.close(uri);
  });

  it('pairs an open fagmelding with its identmelding and updates the pair when either changes', async () => {
    const dir = path.join(ws, 'pair');
    const fagUri = fileUri(path.join(dir, 'fag.xml'));
    const ideUri = fileUri(path.join(dir, 'ide.xml'));
    const fagText = fag([person({ id: 1 }), person({ id: 2, services: [service({ peId: 2 })] })]);
    await server.open(fagUri, fagText);
    await server.open(ideUri, ide([ident({ pid: '1' })]));
    const [missing] = ofCode(await server.diagnostics(fagUri), 'ident-mismatch', fagText);
    assert.ok(missing, 'person 2 has no PasientIdent');
    assert.equal(missing.at, '2');
    const related = missing.d.relatedInformation?.[0];
    assert.equal(related?.location.uri, ideUri);
    assert.deepEqual(related?.location.range.start, positionOf(server.text(ideUri), 'lopenr="1"', 8));

    // Editing the identmelding changes the fagmelding's answer although the fagmelding did not change.
    const end = positionOf(server.text(ideUri), '  </Institusjon>');
    await server.change(ideUri, [{ range: { start: end, end }, text: ident({ pid: '2' }) + '\n' }]);
    assert.deepEqual(ofCode(await server.diagnostics(fagUri), 'ident-mismatch', fagText), []);
    await server.close(fagUri);
    await server.close(ideUri);
  });

  it('never logs a person number', async () => {
    const uri = uriOf('01010112345.xml');
    await server.open(uri, ide([ident({ pid: '1', fid: '01010112345' })]));
    await server.diagnostics(uri);
    await server.waitFor(() => server.logs.some((l) => l.includes('*********45.xml')), 'the analysis log line');
    assert.ok(!server.logs.some((l) => l.includes('01010112345')), 'no log line carries the number');
    await server.close(uri);
  });

  describe('robustness', () => {
    it('survives a DOCTYPE entity bomb', async () => {
      const uri = uriOf('bomb.xml');
      const entities = ['<!ENTITY lol "lol">'];
      for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
      const text = fag(person())
        .replace('?>\n', `?>\n<!DOCTYPE IPLOS [\n${entities.join('\n')}\n]>\n`)
        .replace('Kari Testesen', '&lol9;');
      await server.open(uri, text);
      const items = await withTimeout(server.diagnostics(uri), 5000, 'diagnostics of an entity bomb');
      const messages = ofCode(items, 'xml-syntax', text).map((s) => msg(s.d));
      assert.ok(messages.some((m) => m.startsWith('DOCTYPE er ikke tillatt')), JSON.stringify(messages));
      assert.ok(messages.some((m) => m.startsWith('Ukjent entitet &lol9;')), JSON.stringify(messages));
      await server.close(uri);
    });

    it('survives a binary document', async () => {
      const uri = uriOf('binary-open.xml');
      await server.open(uri, 'PK\u0003\u0004\u0000\u0000\u0000\u0014\u0000\ufffd\ufffd<IPLOS>\u0000');
      assert.deepEqual(await withTimeout(server.diagnostics(uri), 5000, 'diagnostics of a binary document'), []);
      await server.close(uri);
    });

    it('answers within bounded time on a 2 MB single line, and fixes it there', async () => {
      const uri = uriOf('oneline.xml');
      const persons = Array.from({ length: 5200 }, (_, i) => person({ id: i + 1, services: [service({ peId: i + 1, code: i === 5199 ? 12 : 15 })] }));
      const text = fag(persons).replace(/\n\s*/g, '');
      assert.ok(text.length > 2_000_000 && !text.includes('\n'));
      await server.open(uri, text);
      const items = await withTimeout(server.diagnostics(uri), 15_000, 'diagnostics of a 2 MB line');
      const [dep] = ofCode(items, 'deprecated-service-code', text);
      assert.ok(dep);
      assert.equal(dep.d.range.start.line, 0);
      assert.ok(dep.d.range.start.character > 2_000_000);
      const hover = await withTimeout(
        server.conn.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: dep.d.range.start }),
        5000,
        'hover on a 2 MB line',
      );
      assert.match((hover.contents as { value: string }).value, /Omsorgsbolig/);
      const [fix] = await server.codeActions(uri, dep.d.range, [dep.d]);
      await server.applyEdit(uri, fix.edit!);
      assert.ok(server.text(uri).endsWith(text.slice(text.lastIndexOf('<tjTjenType>')).replace('>12<', '>29<').replace(/<tjInstOrgnr>974589095<\/tjInstOrgnr>/, '')));
      await server.close(uri);
    });

    it('survives malformed messages and requests', async () => {
      // A frame whose body is not JSON, written straight to the server's input.
      const body = '{"jsonrpc":"2.0","id":999,"method":';
      server.child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      const hover = await server.conn.sendRequest('textDocument/hover', {});
      assert.equal(hover, null, 'a request without a document is answered, not crashed on');
      const badUri = await rejection(server.conn.sendRequest(CHECK_FILE_REQUEST, { uri: 42 }));
      assert.equal(badUri.code, -32602);
      const unknown = await rejection(server.conn.sendRequest('kpr/noSuchMethod', {}));
      assert.equal(unknown.code, -32601);
      assert.deepEqual(await server.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: 'file:///nowhere.xml' } }), []);
      const uri = uriOf('after-malformed.xml');
      await server.open(uri, fag(person({ services: [service({ code: 13, orgnr: null })] })));
      assert.equal((await server.diagnostics(uri)).filter((d) => d.code === 'deprecated-service-code').length, 1, 'still checking documents');
      await server.close(uri);
    });

    it('stops a long analysis when the request is cancelled', async () => {
      const uri = uriOf('big.xml');
      // Large enough that a full analysis takes clearly longer than a cancellation, on a fast machine too.
      const text = fag(Array.from({ length: 60_000 }, (_, i) => person({ id: i + 1, services: [service({ peId: i + 1 })] })));
      await server.open(uri, text);
      const t0 = Date.now();
      await server.diagnostics(uri);
      const full = Date.now() - t0;

      // A new version, then a pull that is cancelled once the server has started on it.
      await server.change(uri, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: ' ' }]);
      const logged = server.logs.length;
      const source = new CancellationTokenSource();
      const pending = server.pull(uri, undefined, source.token);
      await server.waitFor(() => server.logs.slice(logged).some((l) => l.startsWith('analysing') && l.includes('big.xml v2')), 'the analysis to start');
      const t1 = Date.now();
      source.cancel();
      const err = await rejection(pending);
      const cancelled = Date.now() - t1;
      assert.equal(err.code, -32800, 'RequestCancelled');
      assert.ok(full > 300, `the full analysis takes long enough to measure (${full} ms)`);
      assert.ok(cancelled < full / 2, `cancelled after ${cancelled} ms; a full analysis took ${full} ms`);
      // The document is still analysed correctly afterwards.
      const r = await server.pull(uri);
      assert.equal(r.kind, 'full');
      await server.close(uri);
    });
  });
});
