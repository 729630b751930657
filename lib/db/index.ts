import type { Database } from './open';

export { openDatabase, MIGRATIONS_DIR, type Database, type DatabaseKind } from './open';
export type { PrismaClient } from './generated/client';
export { Prisma } from './generated/client';

// Next bundles its own copy of lib/, so a module-level singleton would be a second handle (and
// PGlite silently diverges with two). The one handle per process lives on globalThis.
const HANDLE = Symbol.for('codex-pooler.database');
type HandleHolder = { [HANDLE]?: Database };

export function setDatabase(db: Database | undefined): void {
  (globalThis as HandleHolder)[HANDLE] = db;
}

export function getDatabase(): Database {
  const db = (globalThis as HandleHolder)[HANDLE];
  if (!db) throw new Error('database is not open in this process');
  return db;
}
