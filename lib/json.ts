/** Parses JSON that may be anything or nothing (upstream answers, frames): null when it is not JSON. */
export function parseJsonOrNull(text: string | Buffer): unknown {
  try {
    return JSON.parse(typeof text === 'string' ? text : text.toString('utf8'));
  } catch {
    return null;
  }
}
