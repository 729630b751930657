'use client';

export default function AdminError({ reset }: { error: Error; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-6 text-sm text-red-800">
      <p className="font-medium">This page could not be loaded.</p>
      <button type="button" onClick={reset} className="mt-2 underline">Try again</button>
    </div>
  );
}
