/** Parses JSON that may be anything or nothing (upstream answers, frames): null when it is not JSON. */
export function parseJsonOrNull(text: string | Buffer): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return null;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * The values of `names` among the top-level fields of a JSON object, without parsing the rest: a
 * Codex request carries its whole conversation, and routing reads four short fields of it. Other
 * values are skipped by their brackets and strings (a string is jumped over by a native search for
 * its closing quote). Only the fields read are validated: malformed JSON elsewhere (a missing comma
 * in a nested array, a bad escape in a skipped string) goes unnoticed. Null when the text does not
 * look like one object, or a field name is escaped; the caller then parses it whole. A field given
 * twice keeps its last value, as JSON.parse does.
 */
export function topLevelFields(text: Buffer, names: ReadonlySet<string>): Map<string, unknown> | null {
  const found = new Map<string, unknown>();
  let i = skipSpace(text, 0);
  if (text[i] !== OPEN_OBJECT) return null;
  i = skipSpace(text, i + 1);
  if (text[i] === CLOSE_OBJECT) return skipSpace(text, i + 1) === text.length ? found : null;
  for (;;) {
    if (text[i] !== QUOTE) return null;
    const nameEnd = stringEnd(text, i);
    if (nameEnd === -1 || hasByte(text, BACKSLASH, i + 1, nameEnd - 1)) return null;
    const name = text.toString('latin1', i + 1, nameEnd - 1);
    i = skipSpace(text, nameEnd);
    if (text[i] !== COLON) return null;
    const valueStart = skipSpace(text, i + 1);
    const valueEnd = skipValue(text, valueStart);
    if (valueEnd === -1) return null;
    if (names.has(name)) {
      try {
        found.set(name, JSON.parse(text.toString('utf8', valueStart, valueEnd)));
      } catch {
        return null;
      }
    }
    i = skipSpace(text, valueEnd);
    if (text[i] === COMMA) {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (text[i] !== CLOSE_OBJECT) return null;
    return skipSpace(text, i + 1) === text.length ? found : null;
  }
}

function hasByte(text: Buffer, byte: number, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text[i] === byte) return true;
  return false;
}

function skipSpace(text: Buffer, from: number): number {
  let i = from;
  while (isSpace(text[i])) i++;
  return i;
}

/** Index just past the string whose opening quote is at `start`, or -1 when it does not close. */
function stringEnd(text: Buffer, start: number): number {
  for (let quote = text.indexOf(QUOTE, start + 1); quote !== -1; quote = text.indexOf(QUOTE, quote + 1)) {
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

/**
 * Index just past the value at `start`: a string, an object or array (by its brackets, strings
 * jumped over), or a scalar (up to the next comma or closing bracket). -1 when it does not end.
 */
function skipValue(text: Buffer, start: number): number {
  const first = text[start];
  if (first === QUOTE) return stringEnd(text, start);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let i = start;
    while (i < text.length && text[i] !== COMMA && text[i] !== CLOSE_OBJECT && text[i] !== CLOSE_ARRAY && text[i] !== QUOTE && !isSpace(text[i])) i++;
    return i > start ? i : -1;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const byte = text[i];
    if (byte === QUOTE) {
      const end = stringEnd(text, i);
      if (end === -1) return -1;
      i = end - 1;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
    else if ((byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) && --depth === 0) return i + 1;
  }
  return -1;
}
