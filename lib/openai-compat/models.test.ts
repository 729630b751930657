import { describe, expect, it } from 'vitest';
import { modelsList } from './models';

describe('modelsList', () => {
  it('lists the models in OpenAI shape, with the context length when known', () => {
    expect(modelsList([{ slug: 'gpt-5.4', context_window: 272_000 }, { slug: 'gpt-5.4-mini' }], 1795478512)).toEqual({
      object: 'list',
      data: [
        { id: 'gpt-5.4', object: 'model', created: 1795478512, owned_by: 'codex-pooler', context_length: 272_000 },
        { id: 'gpt-5.4-mini', object: 'model', created: 1795478512, owned_by: 'codex-pooler' },
      ],
    });
    expect(modelsList([], 1)).toEqual({ object: 'list', data: [] });
  });
});
