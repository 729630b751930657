/** A GET form: the filters live in the URL, so a view can be shared and reloaded. */
export function PoolFilter({ pools, value, extra }: { pools: { id: string; name: string }[]; value?: string; extra?: { name: string; value?: string; options: string[] } }) {
  return (
    <form method="get" className="flex flex-wrap items-end gap-2 text-sm">
      <label className="text-xs text-slate-500">
        Pool
        <select name="pool" defaultValue={value ?? ''} className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
          <option value="">All visible</option>
          {pools.map((p) => (
            <option key={p.id} value={p.id}>{p.name}</option>
          ))}
        </select>
      </label>
      {extra && (
        <label className="text-xs text-slate-500">
          {extra.name}
          <select name={extra.name} defaultValue={extra.value ?? ''} className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
            <option value="">any</option>
            {extra.options.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </select>
        </label>
      )}
      <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1">Filter</button>
    </form>
  );
}
