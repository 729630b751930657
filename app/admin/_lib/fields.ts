import type { FieldSpec } from '@/components/action-form';

export const STRATEGIES = [
  { value: 'bridge_ring', label: 'Bridge ring' },
  { value: 'deterministic_rotation', label: 'Deterministic rotation' },
  { value: 'least_recent_success', label: 'Least recent success' },
  { value: 'quota_first', label: 'Quota first' },
];

export function poolFields(current?: {
  name: string; status: string; strategy: string; ringSize: number; stickySessions: boolean; promptCacheAffinity: boolean; v1CompatibilityEnabled: boolean;
}): FieldSpec[] {
  return [
    { name: 'name', label: 'Name', type: 'text', required: true, maxLength: 80, defaultValue: current?.name, placeholder: 'main' },
    {
      name: 'status', label: 'Status', type: 'select', defaultValue: current?.status ?? 'active',
      options: [{ value: 'active', label: 'Active' }, { value: 'disabled', label: 'Disabled' }, { value: 'archived', label: 'Archived' }],
    },
    { name: 'strategy', label: 'Routing strategy', type: 'select', options: STRATEGIES, defaultValue: current?.strategy ?? 'bridge_ring' },
    { name: 'ringSize', label: 'Ring size', type: 'number', required: true, min: 1, max: 16, defaultValue: current?.ringSize ?? 3 },
    { name: 'stickySessions', label: 'Sticky sessions', type: 'checkbox', defaultValue: current?.stickySessions ?? true },
    { name: 'promptCacheAffinity', label: 'Prompt-cache affinity', type: 'checkbox', defaultValue: current?.promptCacheAffinity ?? true },
    { name: 'v1CompatibilityEnabled', label: '/v1 compatibility', type: 'checkbox', defaultValue: current?.v1CompatibilityEnabled ?? true },
  ];
}
