import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { patchOf } from './zod-patch';

describe('patchOf', () => {
  it('leaves out what was not sent, instead of filling defaults', () => {
    const schema = z.object({ name: z.string(), models: z.array(z.string()).default([]), limit: z.number().nullable().default(null) });
    expect(patchOf(schema).parse({ limit: 5 })).toEqual({ limit: 5 });
    expect(patchOf(schema).parse({})).toEqual({});
    expect(() => patchOf(schema).parse({ limit: 'x' })).toThrow();
  });
});
