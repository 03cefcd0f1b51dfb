/**
 * The worker thread of a split reading (split.ts). Told which file and where the cut is, it reads the
 * file's head (up to 1 MiB, enough for the envelope, INNHINFO and the first record) and everything from
 * the cut on into one buffer and decodes it, while the main thread reads and decodes the part before the
 * cut. Given the cut in characters, it reads the tail (`readTail`) and answers with the findings, and with
 * the tail's bytes (transferred, not copied), which the main thread needs for the whole text. Bundled on
 * its own (dist/checkWorker.js) and started by `TailWorker`.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { decodePart } from '../xml/encoding';
import { readTail, TailJob, TailResult, WorkerAnswer, WorkerRequest } from './split';

const HEAD_BYTES = 1 << 20;

interface Prepared {
  text: string;
  /** Where the part from the cut on starts in `text`. */
  from: number;
  bytes: Buffer;
  /** Where the part from the cut on starts in `bytes`. */
  tailAt: number;
  undecodable: boolean;
}

function readFully(fd: number, into: Buffer, at: number, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, into, at + done, length - done, position + done);
    if (n === 0) throw new Error('the file got shorter while it was read');
    done += n;
  }
}

function prepare(job: TailJob): Prepared | string {
  const fd = openSync(job.file, 'r');
  try {
    const before = fstatSync(fd);
    if (before.size !== job.size || before.mtimeMs !== job.mtimeMs) return 'the file changed';
    let head = Math.min(HEAD_BYTES, job.cutByte);
    const tailLength = job.size - job.cutByte;
    const bytes = Buffer.allocUnsafe(head + tailLength);
    readFully(fd, bytes, 0, head, 0);
    // The head must end on a character boundary (UTF-8 continuation bytes are 10xxxxxx).
    if (job.plan.encoding === 'utf-8') while (head > job.plan.skip && (bytes[head] & 0xc0) === 0x80) head--;
    readFully(fd, bytes, head, tailLength, job.cutByte);
    const after = fstatSync(fd);
    if (after.size !== job.size || after.mtimeMs !== job.mtimeMs) return 'the file changed';
    const all = bytes.subarray(0, head + tailLength);
    const from = decodePart(all.subarray(job.plan.skip, head), job.plan).length;
    const text = decodePart(all.subarray(job.plan.skip), job.plan);
    // A NUL makes the file binary and invalid UTF-8 is reported with its offset: the whole file is then
    // read on the main thread, which decides both from all of it.
    const undecodable = all.indexOf(0, head) !== -1 || (job.plan.encoding === 'utf-8' && text.indexOf('\ufffd', from) !== -1);
    return { text, from, bytes: all, tailAt: head, undecodable };
  } finally {
    closeSync(fd);
  }
}

const port = parentPort;
if (port) {
  let prepared: Prepared | string = 'no file';
  port.on('message', (request: WorkerRequest) => {
    if ('job' in request) {
      try {
        prepared = prepare(request.job);
      } catch (err) {
        // Only the kind of failure is passed on, never document text: the main thread then reads on itself.
        prepared = err instanceof Error ? err.name : 'error';
      }
      return;
    }
    let answer: WorkerAnswer;
    if (typeof prepared === 'string') {
      answer = { result: { ok: false, reason: prepared } };
    } else if (prepared.undecodable) {
      answer = { result: { ok: false, reason: 'undecodable' }, undecodable: true };
    } else {
      let result: TailResult;
      try {
        result = readTail(prepared.text, prepared.from, request.cut, request.settings);
      } catch (err) {
        result = { ok: false, reason: err instanceof Error ? err.name : 'error' };
      }
      answer = { result, tail: prepared.bytes.subarray(prepared.tailAt) };
    }
    const transfer = answer.tail ? [answer.tail.buffer as ArrayBuffer] : [];
    port.postMessage(answer, transfer);
  });
}
