export { openDatabase, MIGRATIONS_DIR, type Database, type DatabaseKind } from './open';
export { SerialFlush } from './write-behind';
export { Slots } from './slots';
export type { PrismaClient } from './generated/client';
export { Prisma } from './generated/client';

