import { getRuntime } from '@/lib/runtime';
import { requireOwner } from '@/lib/auth';
import { ensureSettings } from '@/lib/settings';
import { ActionForm } from '@/components/action-form';
import { ActionButton } from '@/components/action-button';
import { Card, PageHeader } from '@/components/ui';
import { saveSettingsAction } from '../_actions/system';

export const dynamic = 'force-dynamic';

export default async function SystemPage() {
  await requireOwner();
  const s = await ensureSettings(getRuntime().db);
  return (
    <section className="space-y-6">
      <PageHeader title="System settings" description="Instance-wide; applied at once without a restart." />
      <Card>
        <h2 className="mb-3 font-semibold">Gateway</h2>
        <ActionForm
          action={saveSettingsAction}
          submitLabel="Save gateway settings"
          resetOnSuccess={false}
          columns={3}
          testId="gateway-settings"
          fields={[
            { name: 'upstreamConnectTimeoutMs', label: 'Upstream connect timeout (ms)', type: 'number', required: true, min: 100, max: 120000, defaultValue: s.upstreamConnectTimeoutMs },
            { name: 'upstreamHeadersTimeoutMs', label: 'Upstream headers timeout (ms)', type: 'number', required: true, min: 1000, max: 900000, defaultValue: s.upstreamHeadersTimeoutMs },
            { name: 'upstreamBodyIdleTimeoutMs', label: 'Upstream body idle timeout (ms)', type: 'number', required: true, min: 1000, max: 900000, defaultValue: s.upstreamBodyIdleTimeoutMs },
            { name: 'circuitFailureThreshold', label: 'Circuit failure threshold', type: 'number', required: true, min: 1, max: 100, defaultValue: s.circuitFailureThreshold },
            { name: 'circuitOpenSeconds', label: 'Circuit open (s)', type: 'number', required: true, min: 1, max: 3600, defaultValue: s.circuitOpenSeconds },
            { name: 'sseKeepaliveMs', label: 'SSE keepalive (ms, 0 = off)', type: 'number', required: true, min: 0, max: 120000, defaultValue: s.sseKeepaliveMs },
            { name: 'requestBodyMaxMb', label: 'Request body limit (MB, decoded)', type: 'number', required: true, min: 1, max: 1024, defaultValue: s.requestBodyMaxMb },
            { name: 'compressedRequestBodyMaxMb', label: 'Compressed request body limit (MB)', type: 'number', required: true, min: 1, max: 1024, defaultValue: s.compressedRequestBodyMaxMb },
            { name: 'decompressionRatioMax', label: 'Decompression ratio limit', type: 'number', required: true, min: 2, max: 10000, defaultValue: s.decompressionRatioMax },
            { name: 'requestLogRetentionDays', label: 'Keep request logs (days)', type: 'number', required: true, min: 1, max: 3650, defaultValue: s.requestLogRetentionDays },
            { name: 'codexClientVersion', label: 'Codex client version header', type: 'text', required: true, maxLength: 40, defaultValue: s.codexClientVersion },
            { name: 'websocketIdleTimeoutMs', label: 'Websocket idle timeout (ms)', type: 'number', required: true, min: 60000, max: 3600000, defaultValue: s.websocketIdleTimeoutMs },
            { name: 'websocketMaxPerKey', label: 'Open websockets per key', type: 'number', required: true, min: 1, max: 100000, defaultValue: s.websocketMaxPerKey },
            { name: 'websocketMaxPerRoute', label: 'Open websockets per route', type: 'number', required: true, min: 1, max: 1000000, defaultValue: s.websocketMaxPerRoute },
          ]}
        />
      </Card>
      <Card>
        <h2 className="mb-3 font-semibold">Network</h2>
        <ActionForm
          action={saveSettingsAction}
          submitLabel="Save network settings"
          resetOnSuccess={false}
          columns={2}
          fields={[
            { name: 'ipAllowlist', label: 'Gateway IP allowlist', type: 'list', defaultValue: s.ipAllowlist, help: 'IPs or CIDRs, comma-separated; empty = any client.' },
            { name: 'trustedProxies', label: 'Trusted proxies', type: 'list', defaultValue: s.trustedProxies, help: 'Only these may set X-Forwarded-For.' },
          ]}
        />
      </Card>
      <Card>
        <h2 className="mb-3 font-semibold">Metrics</h2>
        <p className="mb-3 text-sm text-slate-600">/metrics is {s.metricsBearerHash ? 'protected by a bearer token' : 'open (no bearer token set)'}. The token is stored only as a keyed hash.</p>
        <ActionForm action={saveSettingsAction} submitLabel="Set metrics bearer" columns={1} fields={[{ name: 'metricsBearer', label: 'New bearer token', type: 'password', required: true, minLength: 16, maxLength: 200 }]} />
        {s.metricsBearerHash && (
          <div className="mt-3">
            <ActionButton action={saveSettingsAction} input={{ metricsBearer: null }} tone="danger" confirm="Remove the bearer token? /metrics becomes open.">Remove bearer token</ActionButton>
          </div>
        )}
      </Card>
    </section>
  );
}
