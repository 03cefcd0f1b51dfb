/** What a command needs from the outside world, so tests can run commands in-process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Asks the user a question on the terminal (undefined when there is no terminal). */
  prompt?(question: string, options?: { secret?: boolean }): Promise<string | undefined>;
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
  };
}
