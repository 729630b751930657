import { z } from 'zod';
import type { Database } from '../db';
import { AppError, isUniqueViolation } from '../errors';
import { emailSchema, hashPassword, passwordSchema } from './passwords';

export { hashPassword, verifyPassword, dummyPasswordHash, passwordSchema, emailSchema } from './passwords';

export const newOperatorSchema = z.object({ email: emailSchema, password: passwordSchema });
export type NewOperator = z.infer<typeof newOperatorSchema>;

export async function isBootstrapped(db: Database): Promise<boolean> {
  return (await db.prisma.bootstrapState.count()) > 0;
}

/**
 * Creates the first instance_owner. The BootstrapState singleton is inserted in the same
 * transaction, so a second run (or two racing ones) fails on its primary key.
 */
export async function bootstrapOwner(db: Database, input: NewOperator) {
  const { email, password } = newOperatorSchema.parse(input);
  const passwordHash = await hashPassword(password);
  try {
    return await db.prisma.$transaction(async (tx) => {
      const owner = await tx.operator.create({ data: { email, passwordHash, role: 'instance_owner' } });
      await tx.bootstrapState.create({ data: { ownerId: owner.id } });
      await tx.auditEvent.create({
        data: { actorType: 'system', action: 'bootstrap.complete', targetType: 'operator', targetId: owner.id, outcome: 'success' },
      });
      return owner;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('bootstrap_complete', 'bootstrap has already been completed', 409);
    throw error;
  }
}

/** `owner create` for automation: bootstraps when pending, otherwise adds another owner. */
export async function createOwner(db: Database, input: NewOperator) {
  if (!(await isBootstrapped(db))) return bootstrapOwner(db, input);
  const { email, password } = newOperatorSchema.parse(input);
  try {
    return await db.prisma.operator.create({ data: { email, passwordHash: await hashPassword(password), role: 'instance_owner' } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('operator_exists', `an operator with email ${email} already exists`, 409);
    throw error;
  }
}

export * from './manage';
