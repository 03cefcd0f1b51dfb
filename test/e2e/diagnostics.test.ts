/**
 * End to end in a real VS Code: what a municipality's analyst sees when opening a year's extract — the
 * problems in the Problems panel, the hover, the quick fix for an expired service code, a mapping file, and
 * the same in Norwegian. Every assertion is on what the workbench shows (or, for the fix, on the saved file).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateExtract, serializeFagmelding } from '../fixtures/generator';
import { useSession, VsCodeSession } from './harness';
import { cliProblems, comparable } from './oracle';
import { mappingLanguage } from './preconditions';
import { createE2eWorkspace, E2eWorkspace } from './workspace';

/** The lines of the innermost `<name …>…</name>` element around a 0-based line. */
function elementAround(lines: string[], at: number, name: string): string {
  let start = at;
  while (start >= 0 && !lines[start].includes(`<${name} `) && !lines[start].includes(`<${name}>`)) start--;
  let end = at;
  while (end < lines.length && !lines[end].includes(`</${name}>`)) end++;
  return lines.slice(start, end + 1).join('\n');
}

describe('e2e: diagnostics in VS Code', function () {
  let ws: E2eWorkspace;
  const session = useSession(() => {
    ws = createE2eWorkspace();
    return { name: 'diagnostics', workspace: ws.root, open: [ws.clean.fag] };
  });
  after(() => {
    ws?.dispose();
  });

  it('01: an extract with an expired code 12 and a test person shows both in the Problems panel, as kpr check reports them', async function () {
    const s: VsCodeSession = session();
    await s.openFile(ws.problems.fag);
    await s.openFile(ws.problems.ide);
    const expected = cliProblems(ws.root, [ws.problems.fag, ws.problems.ide]);
    const rows = await s.waitForProblems(
      (r) => r.some((p) => p.code === 'deprecated-service-code') && r.some((p) => p.code === 'test-user'),
      'the expired service code and the test person',
    );
    const shown = rows.filter((r) => r.file.startsWith('problems/'));
    assert.deepEqual(comparable(shown), comparable(expected), 'the Problems panel and `kpr check` disagree');

    const expired = shown.find((p) => p.code === 'deprecated-service-code')!;
    assert.equal(expired.file, ws.problems.fag);
    assert.equal(expired.line, ws.problems.code12Line);
    assert.equal(expired.severity, 'error');
    assert.equal(expired.source, 'kpr');
    assert.match(expired.message, /^Service type 12 \(.+\) has expired .* service type 29 .* remove the organisation number/);
    assert.ok(expired.hasQuickFix, 'the Problems panel offers no quick fix for the expired code');

    const tester = shown.find((p) => p.code === 'test-user')!;
    assert.equal(tester.file, ws.problems.ide);
    assert.equal(tester.line, ws.problems.testPersonLine);
    assert.equal(tester.severity, 'warning');
    assert.match(tester.message, new RegExp(`^pid ${ws.problems.testPersonPid} has a synthetic test number from Tenor`));
    await s.screenshot('01-problems');

    // The hover on the expired code explains it and names its replacement.
    await s.openFile(ws.problems.fag);
    const hover = await s.hover(expired.line, expired.column, /report it as 29/);
    assert.match(hover, /12 – .+\(expired\)/);
    assert.match(hover, /report it as 29 – /);
    await s.screenshot('01-hover');
    await s.closeHover();
  });

  it('02: the quick fix changes code 12 to 29 and removes the org number; the problems go away and the saved file reads 29', async function () {
    const s = session();
    await s.openFile(ws.problems.fag);
    const before = await s.waitForProblems((r) => r.some((p) => p.file === ws.problems.fag && p.code === 'deprecated-service-code'), 'the expired code');
    const expired = before.find((p) => p.file === ws.problems.fag && p.code === 'deprecated-service-code')!;

    const applied = await s.applyQuickFix(expired.line, expired.column, /^Change service type 12 to 29/);
    assert.equal(applied, 'Change service type 12 to 29 and remove the organisation number');
    await s.waitForProblems(
      (r) => !r.some((p) => p.file === ws.problems.fag && (p.code === 'deprecated-service-code' || p.code === 'org-number-not-allowed')),
      'the fagmelding without the expired code and its org number',
    );
    assert.equal((await s.editorLine(ws.problems.code12Line)).trim(), '<tjTjenType>29</tjTjenType>');
    await s.screenshot('02-quick-fix');

    await s.save();
    const saved = fs.readFileSync(`${ws.root}/${ws.problems.fag}`, 'utf8');
    const lines = saved.split('\n');
    assert.equal(lines[ws.problems.code12Line - 1].trim(), '<tjTjenType>29</tjTjenType>');
    const service = elementAround(lines, ws.problems.code12Line - 1, 'TJENESTE');
    assert.ok(!service.includes('<tjInstOrgnr>'), `the service still has an org number, which 29 must not have:\n${service}`);
    assert.deepEqual(
      cliProblems(ws.root, [ws.problems.fag]).filter((p) => p.code === 'deprecated-service-code' || p.code === 'org-number-not-allowed'),
      [],
      'kpr check still finds the expired code in the saved file',
    );
  });

  it('03: a mapping file with an invalid org number is flagged', async function () {
    const why = mappingLanguage();
    if (why) {
      console.log(`      pending: ${why}`);
      this.skip();
    }
    const s = session();
    await s.openFile(ws.mapping.path);
    const rows = await s.waitForProblems(
      (r) => r.some((p) => p.file === ws.mapping.path && p.code === 'org-number-invalid'),
      'the invalid org number in the mapping file',
    );
    const bad = rows.find((p) => p.file === ws.mapping.path && p.code === 'org-number-invalid')!;
    assert.equal(bad.line, ws.mapping.badOrgLine);
    assert.equal(bad.severity, 'error');
    assert.match(bad.message, new RegExp(`${ws.mapping.badOrgNumber} has a wrong check digit`));
    assert.deepEqual(
      comparable(rows.filter((p) => p.file === ws.mapping.path)),
      comparable(cliProblems(ws.root, [ws.mapping.path])),
      'the Problems panel and `kpr check` disagree on the mapping file',
    );
    await s.screenshot('03-mapping');
  });

  it('07: with "kpr.language": "nb" the same problems are shown in Norwegian, without reloading', async function () {
    const s = session();
    await s.openFile(ws.findings.fag);
    await s.waitForProblems((r) => r.some((p) => p.file === ws.findings.fag && p.code === 'org-number-invalid'), 'the invalid org number');
    await s.setSetting('kpr.language', 'nb');
    try {
      const rows = await s.waitForProblems(
        (r) => r.some((p) => p.file === ws.findings.fag && p.code === 'org-number-invalid' && /kontrollsiffer/.test(p.message)),
        'the invalid org number in Norwegian',
      );
      const shown = rows.filter((p) => p.file === ws.findings.fag || p.file === ws.findings.ide);
      assert.deepEqual(comparable(shown), comparable(cliProblems(ws.root, [ws.findings.fag, ws.findings.ide], 'nb')));
      const bad = shown.find((p) => p.code === 'org-number-invalid')!;
      assert.equal(bad.line, ws.findings.badOrgLine);
      assert.match(bad.message, new RegExp(`${ws.findings.badOrgNumber}.*kontrollsiffer`));
      const hover = await s.hover(bad.line, bad.column, /kontrollsiffer/);
      assert.match(hover, new RegExp(ws.findings.badOrgNumber));
      await s.screenshot('07-norwegian');
      await s.closeHover();
    } finally {
      await s.resetUi();
      await s.setSetting('kpr.language', 'en');
    }
    await s.waitForProblems(
      (r) => r.some((p) => p.file === ws.findings.fag && p.code === 'org-number-invalid' && /check digit/.test(p.message)),
      'the invalid org number in English again',
    );
  });

  it('08: "KPR: Check File on Disk" on a whole-year extract over 50 MB, too large for the editor, shows its problems as kpr check reports them', async function () {
    const s = session();
    const rel = 'large/aarsuttrekk.xml';
    const abs = path.join(ws.root, rel);
    let xml = serializeFagmelding(generateExtract({ seed: 52, persons: 32_000, year: 2023 }));
    let n = 0;
    xml = xml.replace(/<tjTjenType>\d+<\/tjTjenType>/g, (m) => (++n % 9000 === 0 ? '<tjTjenType>12</tjTjenType>' : m));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, xml);
    assert.ok(fs.statSync(abs).size > 50 * 1024 * 1024, 'over the 50 MB VS Code hands to extensions');
    const expected = cliProblems(ws.root, [rel]);
    assert.ok(expected.filter((p) => p.code === 'deprecated-service-code').length >= 5, 'expired codes planted across the file');

    await s.runCommand('KPR: Check File on Disk');
    await s.chooseFile('Check a KPR file on disk', abs, 'Check');
    const note = await s.waitForNotification(/^aarsuttrekk\.xml: fagmelding, 32,000 persons – \d+ errors/, 120_000);
    console.log(`      ${note.message}`);
    // The summary stays up until dismissed; it would cover part of the Problems panel.
    await s.runCommand('Notifications: Clear All Notifications');
    const rows = await s.waitForProblems((r) => r.filter((p) => p.file === rel).length >= expected.length, 'the problems of the large file', 60_000);
    assert.deepEqual(comparable(rows.filter((p) => p.file === rel)), comparable(expected), 'the Problems panel and `kpr check` disagree on the large file');
    // The installed extension carries the worker thread and read the file on two threads (where there are two cores).
    const threads = os.availableParallelism() > 1 ? ', on two threads' : '';
    assert.match(s.extensionLog(), new RegExp(`aarsuttrekk\\.xml on disk: fagmelding, 32000 records, \\d+ findings, \\d+ ms${threads}$`, 'm'));
    await s.screenshot('08-check-file-on-disk');
  });
});
