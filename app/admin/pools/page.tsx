import { getRuntime } from '@/lib/runtime';
import { listPools } from '@/lib/pools';

export default async function PoolsPage() {
  const pools = await listPools(getRuntime().db);
  return (
    <section>
      <h1 className="text-lg font-semibold">Pools</h1>
      {pools.length === 0 ? (
        <p className="mt-4 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-500">
          No pools yet. Create one with <code>npm run --silent cli -- pool create --name main</code>.
        </p>
      ) : (
        <ul className="mt-4 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {pools.map((pool) => (
            <li key={pool.id} className="flex items-center justify-between px-4 py-3 text-sm">
              <span className="font-medium">{pool.name}</span>
              <span className="text-slate-500">
                {pool.status} · {pool.strategy} · {pool.accountCount} accounts · {pool.keyCount} keys
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
