/** Field rules shared by the chat and Responses translations. */

/** `fast` is the client-facing alias of `priority`; `auto`/`default` mean "no tier", so the backend gets none. */
export function backendServiceTier(tier: string | null | undefined): string | undefined {
  if (tier == null || tier === 'auto' || tier === 'default') return undefined;
  return tier === 'fast' ? 'priority' : tier;
}

/** Client effort names the Codex backend does not take, as the nearest it does. */
const EFFORT_ALIASES: Record<string, string> = { minimal: 'low', ultra: 'max' };

export function backendEffort(effort: string): string {
  return EFFORT_ALIASES[effort] ?? effort;
}

/** Instruction blocks (given instructions, lifted system messages) in order, a blank line apart. */
export function joinInstructions(blocks: readonly string[]): string {
  return blocks.filter((block) => block !== '').join('\n\n');
}

/** Codex CLI bookkeeping that public clients must not see and the backend does not need from them. */
export function withoutCodexMetadata<Item extends object>(item: Item): Item {
  if (!('internal_chat_message_metadata_passthrough' in item)) return item;
  const { internal_chat_message_metadata_passthrough: _dropped, ...rest } = item;
  return rest as Item;
}
