import { existsSync } from 'node:fs';
import path from 'node:path';

/** The test-only clients live in test/clients (installed by `npm test`, not by `npm install`). */
export const CLIENTS_DIR = path.resolve('test/clients');
export const CODEX_BIN = path.join(CLIENTS_DIR, 'node_modules/.bin/codex');

export function clientsInstalled(): boolean {
  return existsSync(CODEX_BIN);
}
