/** `GET /v1/models`: the pool's catalogue in OpenAI's list shape; backend-only fields stay out. */
export type ModelEntry = { id: string; object: 'model'; created: number; owned_by: 'codex-pooler'; context_length?: number };

export function modelsList(models: readonly { slug: string; context_window?: number }[], created: number): { object: 'list'; data: ModelEntry[] } {
  return {
    object: 'list',
    data: models.map((model) => ({
      id: model.slug,
      object: 'model',
      created,
      owned_by: 'codex-pooler',
      // Not an OpenAI field, but clients that size their context read it when present (as the reference sends it).
      ...(model.context_window !== undefined ? { context_length: model.context_window } : {}),
    })),
  };
}
