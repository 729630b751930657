'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { z } from 'zod';
import type { ActionResult } from '@/lib/auth/guard';
import { SecretReveal } from './secret-reveal';

export type ServerAction = (input: unknown) => Promise<ActionResult<unknown>>;

export type FieldSpec = {
  name: string;
  label: string;
  type: 'text' | 'password' | 'email' | 'number' | 'checkbox' | 'select' | 'datetime' | 'textarea' | 'list' | 'multiselect';
  required?: boolean;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  options?: { value: string; label: string }[];
  defaultValue?: string | number | boolean | string[] | null;
  placeholder?: string;
  help?: string;
  /** Leave out of the input when empty (for partial updates). */
  optional?: boolean;
};

/** The client half of validation: a zod schema built from the field specs (the server re-validates). */
function clientSchema(fields: FieldSpec[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) {
    const label = f.label;
    switch (f.type) {
      case 'number': {
        let n = z.number({ error: `${label} must be a number` }).int(`${label} must be a whole number`);
        if (f.min !== undefined) n = n.min(f.min, `${label} must be at least ${f.min}`);
        if (f.max !== undefined) n = n.max(f.max, `${label} must be at most ${f.max}`);
        shape[f.name] = f.required ? n : n.nullable().optional();
        break;
      }
      case 'checkbox':
        shape[f.name] = z.boolean();
        break;
      case 'list':
      case 'multiselect':
        shape[f.name] = z.array(z.string());
        break;
      case 'datetime':
        shape[f.name] = f.required ? z.string().min(1, `${label} is required`) : z.string().nullable().optional();
        break;
      default: {
        let s = z.string();
        if (f.required) s = s.min(1, `${label} is required`);
        if (f.minLength) s = s.min(f.minLength, `${label} must be at least ${f.minLength} characters`);
        if (f.maxLength) s = s.max(f.maxLength, `${label} must be at most ${f.maxLength} characters`);
        if (f.type === 'email') s = s.email(`${label} must be an email address`);
        shape[f.name] = f.optional ? s.optional() : s;
      }
    }
  }
  return z.object(shape);
}

/** An ISO instant as a `datetime-local` value in this browser's time zone (what the input shows and submits). */
function localDateTimeInput(iso: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return '';
  const local = new Date(instant.getTime() - instant.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function collect(form: HTMLFormElement, fields: FieldSpec[]): Record<string, unknown> {
  const data = new FormData(form);
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = data.get(f.name);
    const text = typeof raw === 'string' ? raw.trim() : '';
    switch (f.type) {
      case 'number':
        if (text === '') {
          if (!f.optional) out[f.name] = null;
        } else out[f.name] = Number(text);
        break;
      case 'checkbox':
        out[f.name] = data.get(f.name) === 'on';
        break;
      case 'list':
        out[f.name] = text.split(/[\s,]+/).filter(Boolean);
        break;
      case 'multiselect':
        out[f.name] = data.getAll(f.name).map(String);
        break;
      case 'datetime':
        if (text === '') {
          if (!f.optional) out[f.name] = null;
        } else out[f.name] = new Date(text).toISOString();
        break;
      default:
        if (text === '' && f.optional) break;
        out[f.name] = f.type === 'password' ? String(raw ?? '') : text;
    }
  }
  return out;
}

const inputClass =
  'mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600';

export function FieldInput({ field }: { field: FieldSpec }) {
  // Unique per instance: a page can hold several forms with the same field names.
  const id = `${useId()}-${field.name}`;
  // A datetime default is an instant; only the browser knows its time zone, so it fills the
  // input after hydration (the server renders it empty).
  const dateTimeRef = useRef<HTMLInputElement>(null);
  const instant = field.type === 'datetime' && typeof field.defaultValue === 'string' ? field.defaultValue : null;
  useEffect(() => {
    if (instant && dateTimeRef.current) dateTimeRef.current.value = localDateTimeInput(instant);
  }, [instant]);
  if (field.type === 'checkbox') {
    return (
      <label className="flex items-center gap-2 text-sm text-slate-700" htmlFor={id}>
        <input id={id} type="checkbox" name={field.name} defaultChecked={Boolean(field.defaultValue)} className="h-4 w-4 rounded border-slate-300" />
        {field.label}
      </label>
    );
  }
  if (field.type === 'multiselect') {
    const selected = new Set(Array.isArray(field.defaultValue) ? field.defaultValue : []);
    return (
      <fieldset className="text-sm text-slate-700">
        <legend className="font-medium">{field.label}</legend>
        <div className="mt-1 flex flex-wrap gap-3">
          {(field.options ?? []).length === 0 && <span className="text-slate-400">none available</span>}
          {(field.options ?? []).map((o) => (
            <label key={o.value} className="flex items-center gap-1">
              <input type="checkbox" name={field.name} value={o.value} defaultChecked={selected.has(o.value)} /> {o.label}
            </label>
          ))}
        </div>
      </fieldset>
    );
  }
  const common = { id, name: field.name, required: field.required, placeholder: field.placeholder, className: inputClass };
  let control: React.ReactNode;
  if (field.type === 'select') {
    control = (
      <select {...common} defaultValue={field.defaultValue == null ? undefined : String(field.defaultValue)}>
        {(field.options ?? []).map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (field.type === 'textarea') {
    control = <textarea {...common} rows={6} defaultValue={field.defaultValue == null ? undefined : String(field.defaultValue)} className={`${inputClass} font-mono text-xs`} />;
  } else {
    const type = field.type === 'list' ? 'text' : field.type === 'datetime' ? 'datetime-local' : field.type;
    const value = Array.isArray(field.defaultValue) ? field.defaultValue.join(', ') : field.type === 'datetime' ? null : field.defaultValue;
    control = (
      <input
        {...common}
        type={type}
        min={field.min}
        max={field.max}
        minLength={field.minLength}
        maxLength={field.maxLength}
        autoComplete={field.type === 'password' ? 'new-password' : 'off'}
        defaultValue={value == null || typeof value === 'boolean' ? undefined : value}
        ref={field.type === 'datetime' ? dateTimeRef : undefined}
      />
    );
  }
  return (
    <label className="block text-sm font-medium text-slate-700" htmlFor={id}>
      {field.label}
      {control}
      {field.help && <span className="mt-1 block text-xs font-normal text-slate-500">{field.help}</span>}
    </label>
  );
}

/**
 * A form driven by field specs: validates with zod in the browser, calls the server action with
 * a plain object (plus `fixed` values such as ids), shows the error, or a one-time secret.
 */
export function ActionForm({
  action,
  fields,
  fixed,
  submitLabel,
  columns = 2,
  successMessage,
  testId,
  resetOnSuccess = true,
}: {
  action: ServerAction;
  fields: FieldSpec[];
  fixed?: Record<string, unknown>;
  submitLabel: string;
  columns?: 1 | 2 | 3;
  successMessage?: string;
  testId?: string;
  resetOnSuccess?: boolean;
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState<string>();
  const [secret, setSecret] = useState<{ secret?: string; codes?: string[] }>();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setError(undefined);
    setDone(undefined);
    const input = collect(form, fields);
    const check = clientSchema(fields).safeParse(input);
    if (!check.success) {
      setError(check.error.issues[0]!.message);
      return;
    }
    setPending(true);
    const result = await action({ ...input, ...fixed });
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    const data = (result.data ?? {}) as { secret?: string; codes?: string[] };
    if (data.secret || data.codes) setSecret({ secret: data.secret, codes: data.codes });
    setDone(successMessage ?? 'Saved.');
    if (resetOnSuccess) form.reset();
    router.refresh();
  }

  const grid = columns === 1 ? '' : columns === 2 ? 'sm:grid-cols-2' : 'sm:grid-cols-3';
  return (
    <div>
      <form onSubmit={onSubmit} noValidate className="space-y-4" data-testid={testId}>
        <div className={`grid gap-4 ${grid}`}>
          {fields.map((f) => (
            <div key={f.name} className={f.type === 'textarea' || f.type === 'multiselect' ? 'sm:col-span-full' : ''}>
              <FieldInput field={f} />
            </div>
          ))}
        </div>
        {error && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
            {error}
          </p>
        )}
        {done && !error && (
          <p role="status" className="text-sm text-emerald-700">
            {done}
          </p>
        )}
        <button type="submit" disabled={pending} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700 disabled:opacity-60">
          {pending ? 'Working…' : submitLabel}
        </button>
      </form>
      {secret && <SecretReveal secret={secret.secret} codes={secret.codes} onDismiss={() => setSecret(undefined)} />}
    </div>
  );
}
