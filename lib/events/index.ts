import { EventEmitter } from 'node:events';

/**
 * Changes other parts of the process must react to at once (the gateway caches keys, accounts and
 * settings in memory). Publish after the database write commits.
 */
export type ChangeEvent =
  | { kind: 'api_key'; apiKeyId: string; prefix: string }
  | { kind: 'pool'; poolId: string }
  | { kind: 'account'; accountId: string; poolId: string }
  /** An operator asked for a token refresh now (the gateway that serves the Pool performs it). */
  | { kind: 'account_refresh'; accountId: string; poolId: string }
  | { kind: 'settings' };

const BUS = Symbol.for('codex-pooler.events');
type Holder = { [BUS]?: EventEmitter };

// On globalThis for the same reason as the runtime: Next bundles its own copy of lib/.
function bus(): EventEmitter {
  const holder = globalThis as Holder;
  holder[BUS] ??= new EventEmitter().setMaxListeners(100);
  return holder[BUS];
}

const REMOTE = Symbol.for('codex-pooler.events.remote');
type RemoteHolder = { [REMOTE]?: (event: ChangeEvent) => void };

/** Another transport that should also carry published events (the PostgreSQL bridge). */
export function setRemotePublisher(publish: ((event: ChangeEvent) => void) | undefined): void {
  (globalThis as RemoteHolder)[REMOTE] = publish;
}

export function publishChange(event: ChangeEvent): void {
  deliverChange(event);
  (globalThis as RemoteHolder)[REMOTE]?.(event);
}

/** Hands an event to this process's listeners only (what arrives from other processes). */
export function deliverChange(event: ChangeEvent): void {
  bus().emit('change', event);
}

export function onChange(listener: (event: ChangeEvent) => void): () => void {
  bus().on('change', listener);
  return () => bus().off('change', listener);
}
