/**
 * Masking for everything the extension writes to its output channel: person numbers (11 digits), passwords
 * in URLs, secret-named JSON fields (the LSP trace prints whole requests, and `kpr/submit` carries the
 * secrets), and any secret value the extension has handled this session, wherever it shows up. No vscode
 * import: unit tested in test/unit/views/masking.test.ts.
 */
import { maskForLog } from '../../server/src/privacy';

/** JSON fields whose values are secrets, as they appear in a traced request (`"amqpPassword": "…"`). */
const SECRET_FIELD = /("(?:amqpPassword|signP12Passphrase|decryptP12Passphrase|passphrase|password|secret|token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/** The secret values seen this session; only used to blank them out, never written anywhere. */
export class SecretRegistry {
  private readonly values = new Set<string>();

  /** Secrets shorter than 4 characters are not registered: masking them would blank out ordinary words. */
  add(value: string | undefined): void {
    if (value && value.length >= 4) this.values.add(value);
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.values) {
      if (out.includes(v)) out = out.split(v).join('****');
      // The JSON trace escapes quotes and backslashes: look for that form too.
      const escaped = JSON.stringify(v).slice(1, -1);
      if (escaped !== v && out.includes(escaped)) out = out.split(escaped).join('****');
    }
    return out;
  }
}

/** Masks one log line: known secrets, secret fields, URL passwords, person numbers. */
export function maskLogText(text: string, secrets?: SecretRegistry): string {
  const withoutKnown = secrets ? secrets.mask(text) : text;
  return maskForLog(withoutKnown.replace(SECRET_FIELD, '$1"****"'));
}

/** Masks a log argument of any type (errors with their stack, objects as JSON). */
export function maskLogArg(a: unknown, secrets?: SecretRegistry): string {
  if (a instanceof Error) return maskLogText(a.stack ?? a.message, secrets);
  if (typeof a === 'string') return maskLogText(a, secrets);
  try {
    return maskLogText(JSON.stringify(a) ?? String(a), secrets);
  } catch {
    return maskLogText(String(a), secrets);
  }
}
