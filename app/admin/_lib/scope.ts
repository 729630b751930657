import { notFound } from 'next/navigation';
import { inScope, type PoolScope } from '@/lib/auth';

/** A `?pool=` filter from the URL: must be inside the operator's scope, or the page is a 404. */
export function poolFilter(scope: PoolScope, value: string | string[] | undefined): string | undefined {
  const poolId = typeof value === 'string' && value ? value : undefined;
  if (poolId && !inScope(scope, poolId)) notFound();
  return poolId;
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export function param(params: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = params[name];
  // PostgreSQL refuses text with NUL in it: such a value filters nothing rather than failing the page.
  return typeof v === 'string' && v.trim() && !v.includes('\0') ? v.trim() : undefined;
}
