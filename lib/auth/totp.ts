import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { keyedHash, keyedHashMatch } from '../crypto';
import { getRuntime } from '../runtime';
import { AppError } from '../errors';

// TOTP: 20-byte secret, SHA-1, 6 digits, 30 s, accepted one step either side.
const ISSUER = 'Codex Pooler';

function totpFor(secretBase32: string, label: string) {
  return new OTPAuth.TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, email: string): string {
  return totpFor(secretBase32, email).toString();
}

export function verifyTotp(secretBase32: string, code: string, timestamp = Date.now()): boolean {
  return totpStep(secretBase32, code, timestamp) !== null;
}

/** The time step a valid code (±1 step) belongs to, or null. */
export function totpStep(secretBase32: string, code: string, timestamp = Date.now()): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpFor(secretBase32, 'x').validate({ token, window: 1, timestamp });
  return delta === null ? null : Math.floor(timestamp / 30_000) + delta;
}

/**
 * Sign-in check: a valid code newer than the last one this operator used. The step is claimed
 * with a conditional update, so a code works once across processes and restarts.
 */
export async function acceptTotpForSignIn(operatorId: string, secretBase32: string, code: string, timestamp = Date.now()): Promise<boolean> {
  const step = totpStep(secretBase32, code, timestamp);
  if (step === null) return false;
  const claimed = await getRuntime().db.prisma.operator.updateMany({
    where: { id: operatorId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
    data: { totpLastStep: step },
  });
  return claimed.count === 1;
}

export function totpAad(operatorId: string): string {
  return `operator-totp:${operatorId}`;
}

export function sealTotpSecret(operatorId: string, secret: string) {
  return getRuntime().keys.box.seal(secret, totpAad(operatorId));
}

export function openTotpSecret(operator: { id: string; totpSecretCipher: string | null; totpKeyVersion: number | null }): string | null {
  if (!operator.totpSecretCipher || !operator.totpKeyVersion) return null;
  return getRuntime().keys.box.open({ ciphertext: operator.totpSecretCipher, keyVersion: operator.totpKeyVersion }, totpAad(operator.id));
}

/** Ten recovery codes like `abcde-12345`; only their keyed hashes are stored. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const raw = randomBytes(10).toString('hex');
    return `${raw.slice(0, 10)}-${raw.slice(10)}`;
  });
}

export function normalizeRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/\s+/g, '');
}

const recoveryText = (code: string) => `recovery:${normalizeRecoveryCode(code)}`;

export function hashRecoveryCode(code: string): string {
  return keyedHash(getRuntime().keys.hashKey, recoveryText(code));
}

/** Marks a matching unused code as used; true when one was consumed (single use, race-safe). */
export async function consumeRecoveryCode(operatorId: string, code: string): Promise<boolean> {
  const { db, keys } = getRuntime();
  const rows = await db.prisma.recoveryCode.findMany({ where: { operatorId, usedAt: null } });
  const match = rows.find((r) => keyedHashMatch(keys, r.codeHash, recoveryText(code)) !== null);
  if (!match) return false;
  const updated = await db.prisma.recoveryCode.updateMany({ where: { id: match.id, usedAt: null }, data: { usedAt: new Date() } });
  return updated.count === 1;
}

/** Starts enrolment: a new secret is stored (sealed) but not enabled until a code confirms it. */
export async function startTotpEnrolment(operatorId: string): Promise<{ secret: string; uri: string }> {
  const { prisma } = getRuntime().db;
  const operator = await prisma.operator.findUniqueOrThrow({ where: { id: operatorId } });
  if (operator.totpEnabledAt) throw new AppError('totp_enabled', 'Two-factor authentication is already on.', 409);
  const secret = newTotpSecret();
  const sealed = sealTotpSecret(operatorId, secret);
  await prisma.operator.update({ where: { id: operatorId }, data: { totpSecretCipher: sealed.ciphertext, totpKeyVersion: sealed.keyVersion } });
  return { secret, uri: totpUri(secret, operator.email) };
}

/** Confirms enrolment with a current code; returns the ten recovery codes (shown once). */
export async function confirmTotpEnrolment(operatorId: string, code: string): Promise<string[]> {
  const { prisma } = getRuntime().db;
  const operator = await prisma.operator.findUniqueOrThrow({ where: { id: operatorId } });
  if (operator.totpEnabledAt) throw new AppError('totp_enabled', 'Two-factor authentication is already on.', 409);
  const secret = openTotpSecret(operator);
  if (!secret) throw new AppError('totp_not_started', 'Start enrolment first.', 409);
  const step = totpStep(secret, code);
  if (step === null) throw new AppError('invalid_code', 'That code is not valid; check the time on your device.', 422);
  const codes = newRecoveryCodes();
  // The enrolment code is spent too: it cannot be replayed to sign in.
  await prisma.$transaction([
    prisma.recoveryCode.deleteMany({ where: { operatorId } }),
    prisma.recoveryCode.createMany({ data: codes.map((c) => ({ operatorId, codeHash: hashRecoveryCode(c) })) }),
    prisma.operator.update({ where: { id: operatorId }, data: { totpEnabledAt: new Date(), totpLastStep: step } }),
  ]);
  return codes;
}

export async function disableTotp(operatorId: string): Promise<void> {
  const { prisma } = getRuntime().db;
  await prisma.$transaction([
    prisma.recoveryCode.deleteMany({ where: { operatorId } }),
    prisma.operator.update({ where: { id: operatorId }, data: { totpEnabledAt: null, totpSecretCipher: null, totpKeyVersion: null } }),
  ]);
}

export async function remainingRecoveryCodes(operatorId: string): Promise<number> {
  return getRuntime().db.prisma.recoveryCode.count({ where: { operatorId, usedAt: null } });
}
