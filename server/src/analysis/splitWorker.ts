/**
 * The worker thread of a split reading (split.ts): gets the file's bytes (shared with the main thread),
 * decodes them as the main thread does, and answers the cut with its `TailResult`. Bundled on its own
 * (dist/checkWorker.js) and started by `startTailWorker`.
 */
import { parentPort } from 'node:worker_threads';
import { decodeXml } from '../xml/encoding';
import { readTail, TailResult, WorkerRequest } from './split';

const port = parentPort;
if (port) {
  let text: string | undefined;
  port.on('message', (request: WorkerRequest) => {
    if ('bytes' in request) {
      text = decodeXml(Buffer.from(request.bytes)).text;
      return;
    }
    let result: TailResult;
    try {
      result = text === undefined ? { ok: false, reason: 'no text' } : readTail(text, request.cut, request.settings);
    } catch (err) {
      // Only the kind of failure is passed on, never document text: the main thread then reads on itself.
      result = { ok: false, reason: err instanceof Error ? err.name : 'error' };
    }
    port.postMessage(result);
  });
}
