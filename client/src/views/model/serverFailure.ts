/**
 * When the language server fails, the user gets ONE message in their language with a way to the "KPR"
 * output, instead of the language client's generic ones ("couldn't create connection to server", "Server
 * initialization failed", "crashed 5 times"). This decides when to restart and when to speak; the
 * language client (languageClient.ts) acts on it. No vscode import: unit tested in
 * test/unit/views/serverFailure.test.ts.
 */
import type { L10n } from './l10n';

export type ServerFailureKind = 'start' | 'crashes';

export interface CloseDecision {
  restart: boolean;
  /** The message to show now, if any (at most one per failure). */
  notify?: ServerFailureKind;
}

/** Restarts allowed within CRASH_WINDOW_MS after the server has run, as the language client's default. */
export const MAX_RESTARTS = 4;
export const CRASH_WINDOW_MS = 3 * 60 * 1000;

export class ServerFailurePolicy {
  private ran = false;
  private crashes: number[] = [];
  private notified = false;

  constructor(
    private readonly maxRestarts = MAX_RESTARTS,
    private readonly windowMs = CRASH_WINDOW_MS,
  ) {}

  /** The server answered `initialize`: it works, so a later failure deserves a message of its own. */
  running(): void {
    this.ran = true;
    this.notified = false;
  }

  /** The user restarts the server: start counting afresh. */
  restartRequested(): void {
    this.ran = false;
    this.crashes = [];
    this.notified = false;
  }

  /**
   * The connection closed without a stop. A server that never came up (a broken bundle, a syntax error)
   * fails the same way every time: no restart. One that ran is restarted unless it keeps crashing.
   */
  closed(now: number): CloseDecision {
    if (!this.ran) return { restart: false, ...this.once('start') };
    this.crashes.push(now);
    this.crashes = this.crashes.filter((t) => now - t <= this.windowMs);
    if (this.crashes.length <= this.maxRestarts) return { restart: true };
    return { restart: false, ...this.once('crashes') };
  }

  /** Starting failed (initialize refused, no connection): the message to show, if none was shown yet. */
  startFailed(): ServerFailureKind | undefined {
    return this.once('start').notify;
  }

  /** True while a failure has been reported and the server has not run since: generic messages add nothing. */
  get failureShown(): boolean {
    return this.notified;
  }

  private once(kind: ServerFailureKind): { notify?: ServerFailureKind } {
    if (this.notified) return {};
    this.notified = true;
    return { notify: kind };
  }
}

/** The one message for a failure, in the user's language. */
export function serverFailureMessage(kind: ServerFailureKind, l10n: L10n): string {
  return kind === 'start'
    ? l10n.t('The KPR language server could not start. See the "KPR" output for details.')
    : l10n.t('The KPR language server stopped working and crashed {0} times in {1} minutes, so it is not restarted. See the "KPR" output for details, then run "KPR: Restart Language Server".', MAX_RESTARTS + 1, CRASH_WINDOW_MS / 60_000);
}
