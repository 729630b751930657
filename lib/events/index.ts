import { EventEmitter } from 'node:events';

/**
 * Changes other parts of the process must react to at once (the gateway caches keys, accounts and
 * settings in memory). Publish after the database write commits.
 */
export type ChangeEvent =
  | { kind: 'api_key'; apiKeyId: string; prefix: string }
  | { kind: 'pool'; poolId: string }
  | { kind: 'account'; accountId: string; poolId: string }
  | { kind: 'settings' };

const BUS = Symbol.for('codex-pooler.events');
type Holder = { [BUS]?: EventEmitter };

// On globalThis for the same reason as the runtime: Next bundles its own copy of lib/.
function bus(): EventEmitter {
  const holder = globalThis as Holder;
  holder[BUS] ??= new EventEmitter().setMaxListeners(100);
  return holder[BUS];
}

export function publishChange(event: ChangeEvent): void {
  bus().emit('change', event);
}

export function onChange(listener: (event: ChangeEvent) => void): () => void {
  bus().on('change', listener);
  return () => bus().off('change', listener);
}
