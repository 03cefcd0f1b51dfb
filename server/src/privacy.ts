/**
 * Masking of personal identifiers and secrets before anything is logged, printed or put in an error.
 *
 * KPR files describe real people's care. A fødselsnummer (or D-/H-/FH-number: 11 digits) is replaced by
 * asterisks but for its last two digits, which identify no one but let a user match it against the file.
 */
const ELEVEN_DIGITS = /(?<![0-9])[0-9]{11}(?![0-9])/g;

export function maskPersonId(id: string): string {
  if (id.length <= 2) return '*'.repeat(id.length);
  return '*'.repeat(id.length - 2) + id.slice(-2);
}

/** Masks every free-standing run of exactly 11 digits in `text`. */
export function maskPersonIds(text: string): string {
  return text.replace(ELEVEN_DIGITS, (m) => maskPersonId(m));
}

const SECRET_IN_URL = /(\w+:\/\/[^:/@\s]+:)([^@\s]+)(@)/g;

/** Masks passwords in URLs (amqps://user:secret@host) and person ids. */
export function maskForLog(text: string): string {
  return maskPersonIds(text.replace(SECRET_IN_URL, '$1****$3'));
}
