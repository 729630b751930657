import { describe, expect, it } from 'vitest';
import { routingFields } from './responses';

const body = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify(fields));
const conversation = (bytes: number) => [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x'.repeat(bytes) }] }];

describe('routingFields', () => {
  it('reads the same fields from a large body it scans as from a small one it parses', () => {
    const fields = { model: 'gpt-5.5', stream: true, previous_response_id: 'resp_1', prompt_cache_key: 'k', instructions: 'i' };
    const expected = { model: 'gpt-5.5', stream: true, previousResponseId: 'resp_1', promptCacheKey: 'k', fileIds: [] };
    expect(routingFields(body({ ...fields, input: conversation(10) }))).toEqual(expected);
    expect(routingFields(body({ ...fields, input: conversation(64 * 1024) }))).toEqual(expected);
    // Files are found by walking the parsed conversation, whatever its size.
    const withFile = { ...fields, input: [{ type: 'input_file', file_id: 'file_1' }, ...conversation(64 * 1024)] };
    expect(routingFields(body(withFile)).fileIds).toEqual(['file_1']);
  });

  it("refuses a small malformed body with the gateway's own error, and one without a model in either path", () => {
    expect(() => routingFields(Buffer.from('{"model":"gpt-5.5","input":[1 2]}'))).toThrow('request body must be valid JSON');
    expect(() => routingFields(body({ input: conversation(10) }))).toThrow('model is required');
    expect(() => routingFields(body({ model: ' ', input: conversation(64 * 1024) }))).toThrow('model is required');
  });
});
