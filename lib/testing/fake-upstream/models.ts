/** `/codex/models` entries in the minimal ModelInfo shape the 0.169 CLI decodes (protocol §8). */

export function modelInfo(slug: string, priority: number) {
  return {
    slug,
    display_name: slug,
    description: `${slug} served by the fake upstream`,
    default_reasoning_level: 'medium',
    supported_reasoning_levels: ['low', 'medium', 'high'].map((effort) => ({ effort, description: effort })),
    shell_type: 'shell_command',
    visibility: 'list',
    supported_in_api: true,
    priority,
    upgrade: null,
    base_instructions: 'You are a fake model served by the Codex Pooler test upstream.',
    supports_reasoning_summaries: true,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: 'freeform',
    truncation_policy: { mode: 'tokens', limit: 10_000 },
    supports_parallel_tool_calls: true,
    context_window: 272_000,
    experimental_supported_tools: [],
    input_modalities: ['text', 'image'],
    prefer_websockets: true,
    minimal_client_version: '0.1.0',
  };
}
