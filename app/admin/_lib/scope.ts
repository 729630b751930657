import { notFound } from 'next/navigation';
import { inScope, type PoolScope } from '@/lib/auth';

/** A `?pool=` filter from the URL: must be inside the operator's scope, or the page is a 404. */
export function poolFilter(scope: PoolScope, value: string | string[] | undefined): string | undefined {
  const poolId = queryValue(value);
  if (poolId && !inScope(scope, poolId)) notFound();
  return poolId;
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export function param(params: Record<string, string | string[] | undefined>, name: string): string | undefined {
  return queryValue(params[name]);
}

/**
 * A query value, trimmed; blank or repeated is none, and so is one holding NUL, which PostgreSQL
 * refuses: such a value filters nothing rather than failing the page.
 */
export function queryValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.trim() && !value.includes('\0') ? value.trim() : undefined;
}
