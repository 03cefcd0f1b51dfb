/**
 * The harness's own failure path: when the extension cannot start in VS Code, the suite must say so in words
 * a developer can act on (what failed, the extension's error, where the screenshot and logs are), not time
 * out on a DOM selector. The extension is broken on purpose in a copy: a half-written server bundle, as an
 * interrupted build leaves it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionCopy, HarnessError, RESULTS, VsCodeSession } from './harness';
import { createE2eWorkspace, E2eWorkspace } from './workspace';

describe('e2e: the harness explains a broken extension', function () {
  let ws: E2eWorkspace;
  before(() => {
    ws = createE2eWorkspace();
  });
  after(() => {
    ws?.dispose();
  });

  it('a truncated dist/server.js makes the harness fail with the reason, the SyntaxError and where the artefacts are', async function () {
    const broken = await extensionCopy((folder) => {
      const server = path.join(folder, 'dist', 'server.js');
      const text = fs.readFileSync(server, 'utf8');
      fs.writeFileSync(server, text.slice(0, Math.floor(text.length / 2)));
    });
    const started = Date.now();
    let failure: unknown;
    try {
      const s = await VsCodeSession.start({ name: 'broken-extension', workspace: ws.root, extension: broken, open: [ws.clean.fag], readyTimeoutMs: 120_000 });
      await s.dispose();
    } catch (e) {
      failure = e;
    } finally {
      fs.rmSync(path.dirname(broken.path), { recursive: true, force: true });
    }
    assert.ok(failure instanceof HarnessError, `the harness started a broken extension without complaint (got ${String(failure)})`);
    const message = failure.message;
    console.log(`      the harness said (after ${Math.round((Date.now() - started) / 1000)} s):\n${message.replace(/^/gm, '        ')}`);
    assert.match(message, /^The KPR extension did not start in VS Code \((?:code-server|electron)\): the language server never became ready\./);
    assert.ok(message.split('\n').every((l) => l.length <= 320), 'the message has lines too long to read');
    assert.match(message, /Reason: /);
    // The user is told once, in words, by the extension itself, not by the language client's generic
    // "couldn't create connection to server" / "Server initialization failed" / "crashed 5 times".
    assert.match(message, /Reason: VS Code says: "The KPR language server could not start\. See the "KPR" output for details\."/, 'the first message the user saw was not the extension\'s own');
    assert.match(message, /SyntaxError/, 'the message does not carry the language server\'s own error');
    const dir = path.join(RESULTS, 'broken-extension');
    assert.ok(message.includes(`Artefacts (screenshot, extension log, `) && message.includes(dir), 'the message does not say where the artefacts are');
    assert.equal(failure.artefacts, dir);
    assert.ok(fs.existsSync(path.join(dir, 'failures', 'start-failed.png')), 'no screenshot of the failed start');
    assert.match(fs.readFileSync(path.join(dir, 'KPR.log'), 'utf8'), /SyntaxError/, 'the extension log was not kept');
  });
});
