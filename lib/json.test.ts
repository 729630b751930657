import { describe, expect, it } from 'vitest';
import { topLevelFields } from './json';

const NAMES = new Set(['model', 'stream', 'previous_response_id', 'prompt_cache_key']);

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

const PIECES = ['a', 'é', '"', '\\', '\n', '{', '}', '[', ']', ',', ':', ' ', 'model', '\u2028', '😀', '\\"', 'file_id'];

function value(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 3 || pick < 0.35) return Array.from({ length: Math.floor(next() * 6) }, () => PIECES[Math.floor(next() * PIECES.length)]).join('');
  if (pick < 0.45) return Math.floor(next() * 1e6) / 100 - 5000;
  if (pick < 0.5) return next() < 0.5;
  if (pick < 0.55) return null;
  if (pick < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [i % 2 ? 'model' : PIECES[Math.floor(next() * PIECES.length)]!, value(next, depth + 1)]));
}

/** JSON text with whitespace sprinkled between tokens, as clients format it differently. */
function spaced(json: string, next: () => number): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += json[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ('{}[],:'.includes(c) && next() < 0.3) out += [' ', '\n', '\t', '\r\n'][Math.floor(next() * 4)];
  }
  return out;
}

describe('topLevelFields', () => {
  it('reads the named top-level fields as JSON.parse does, for a thousand generated objects', () => {
    const next = random(7);
    for (let round = 0; round < 1000; round++) {
      const object: Record<string, unknown> = {};
      for (let field = 0; field < 6; field++) {
        const name = next() < 0.5 ? [...NAMES][Math.floor(next() * NAMES.size)]! : `other_${field}`;
        object[name] = value(next, 0);
      }
      const text = spaced(JSON.stringify(object), next);
      const fields = topLevelFields(Buffer.from(text), NAMES);
      expect(fields, text).not.toBeNull();
      const parsed = JSON.parse(text) as Record<string, unknown>;
      for (const name of NAMES) expect(fields!.get(name), `${name} in ${text}`).toEqual(parsed[name]);
      expect(fields!.size).toBe([...NAMES].filter((name) => name in parsed).length);
    }
  });

  it('keeps the last of a repeated field, as JSON.parse does', () => {
    const text = '{"model":"a","input":[{"model":"nested"}],"model":"b"}';
    expect(topLevelFields(Buffer.from(text), NAMES)?.get('model')).toBe((JSON.parse(text) as { model: string }).model);
  });

  it('gives up (null) on text that is not one well-formed object, or whose field names are escaped', () => {
    for (const text of ['', '[]', '"model"', '{"model":"a"', '{"model":"a",}', '{"model" "a"}', '{"model":"a"} x', '{"model":"a', '{"mod\\u0065l":"b"}', '{"model":tru}', '{"input":[1,2}', '{"x":1"abc,"model":"z"}']) {
      expect(topLevelFields(Buffer.from(text), NAMES), text).toBeNull();
    }
    expect(topLevelFields(Buffer.from(' { } '), NAMES)?.size).toBe(0);
  });
});
