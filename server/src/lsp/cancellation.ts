/**
 * Request cancellation that reaches the server while it is busy.
 *
 * The analysis of a whole-year file is synchronous: while it runs, the server's event loop reads no
 * messages, so a `$/cancelRequest` sent when the user types again would only be seen after the work it
 * was meant to stop. Like Pyright and the TypeScript server, the client therefore also drops a marker
 * file per cancelled request in a private folder, which the server's tokens look at when polled (the
 * analysis polls `shouldStop` every few thousand tags). The usual notification is sent as well, so a
 * server started without the folder behaves as before.
 *
 * Shared by the VS Code client (sender), the language server (receiver) and the tests (sender).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AbstractCancellationTokenSource,
  CancellationId,
  CancellationSenderStrategy,
  CancellationToken,
  Emitter,
  Event,
  IdCancellationReceiverStrategy,
  MessageConnection,
  NotificationType,
} from 'vscode-jsonrpc';

/** The command-line argument that tells the server where the marker files are. */
export const CANCELLATION_ARG = '--cancellationReceive=file:';

const CancelNotification = new NotificationType<{ id: CancellationId }>('$/cancelRequest');

function markerPath(folder: string, id: CancellationId): string {
  // Ids are numbers or strings chosen by the client; keep only safe characters in the file name.
  return path.join(folder, `cancel-${String(id).replace(/[^A-Za-z0-9_-]/g, '_')}`);
}

/** Creates a private folder for the marker files (the client's side). */
export function createCancellationFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-cancel-'));
}

/** The folder named on the command line, if any (the server's side). */
export function cancellationFolderFromArgs(argv: readonly string[]): string | undefined {
  const arg = argv.find((a) => a.startsWith(CANCELLATION_ARG));
  const folder = arg?.slice(CANCELLATION_ARG.length);
  return folder && path.isAbsolute(folder) ? folder : undefined;
}

/** Writes a marker file, then sends the usual notification. */
export class FileCancellationSender implements CancellationSenderStrategy {
  constructor(readonly folder: string) {}

  async sendCancellation(conn: MessageConnection, id: CancellationId): Promise<void> {
    try {
      fs.writeFileSync(markerPath(this.folder, id), '');
    } catch {
      // The folder may be gone (client shutting down); the notification still goes out.
    }
    await conn.sendNotification(CancelNotification, { id });
  }

  cleanup(id: CancellationId): void {
    fs.rm(markerPath(this.folder, id), { force: true }, () => undefined);
  }

  dispose(): void {
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

/** How often a token may look at the disk at most; polls in between reuse the last answer. */
const CHECK_INTERVAL_MS = 10;

class FileCancellationToken implements CancellationToken {
  private cancelled = false;
  private lastCheck = 0;
  private readonly emitter = new Emitter<unknown>();

  constructor(private readonly marker: string) {}

  get isCancellationRequested(): boolean {
    if (this.cancelled) return true;
    const now = Date.now();
    if (now - this.lastCheck >= CHECK_INTERVAL_MS) {
      this.lastCheck = now;
      if (fs.existsSync(this.marker)) this.cancel();
    }
    return this.cancelled;
  }

  get onCancellationRequested(): Event<unknown> {
    return this.emitter.event;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.emitter.fire(undefined);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

class FileCancellationTokenSource implements AbstractCancellationTokenSource {
  readonly token: FileCancellationToken;

  constructor(marker: string) {
    this.token = new FileCancellationToken(marker);
  }

  cancel(): void {
    this.token.cancel();
  }

  dispose(): void {
    this.token.dispose();
  }
}

/** Tokens that are cancelled by the notification or by the marker file, whichever comes first. */
export function fileCancellationReceiver(folder: string): IdCancellationReceiverStrategy {
  return {
    kind: 'id',
    createCancellationTokenSource: (id) => new FileCancellationTokenSource(markerPath(folder, id)),
  };
}
