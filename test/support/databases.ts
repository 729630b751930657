import { openDatabase, type Database } from '../../lib/db';
import { createPostgresDatabase } from './postgres';

export type DatabaseTarget = { name: 'pglite' | 'postgres'; open: () => Promise<Database> };

/** Each database test runs once per engine the product supports. */
export function databaseTargets(): DatabaseTarget[] {
  return [
    { name: 'pglite', open: () => openDatabase({ inMemory: true }) },
    { name: 'postgres', open: async () => openDatabase({ databaseUrl: await createPostgresDatabase() }) },
  ];
}
