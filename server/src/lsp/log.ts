/**
 * The server's log. Everything goes through maskForLog first: a log line may quote a file name, an
 * error from a rule or a value from a document, and none of it may carry a fødselsnummer or a secret.
 */
import { maskForLog } from '../privacy';

export interface LogSink {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  log(message: string): void;
  debug(message: string): void;
}

export function describeForLog(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

export class MaskedLog {
  constructor(private readonly sink: LogSink) {}

  info(message: string): void {
    this.sink.info(maskForLog(message));
  }

  debug(message: string): void {
    this.sink.debug(maskForLog(message));
  }

  warn(message: string): void {
    this.sink.warn(maskForLog(message));
  }

  /** Logs a failure; the error's message and stack are masked like everything else. */
  error(message: string, err?: unknown): void {
    this.sink.error(maskForLog(err === undefined ? message : `${message}: ${describeForLog(err)}`));
  }
}
