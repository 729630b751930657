'use server';

import { guarded } from '@/lib/auth';
import { getRuntime } from '@/lib/runtime';
import { recordAudit } from '@/lib/audit';
import { saveSettings, settingsPatchSchema } from '@/lib/settings';

const save = guarded({
  name: 'settings.update',
  access: 'owner',
  input: settingsPatchSchema,
  run: async (ctx, patch) => {
    const { changed } = await saveSettings(getRuntime().db, getRuntime().keys.hashKey, patch, ctx.operator.id);
    // The metrics bearer itself never reaches the ledger.
    await recordAudit({ actorId: ctx.operator.id, action: 'settings.update', targetType: 'settings', ip: ctx.ip, details: { changed } });
    return { changed };
  },
});

export async function saveSettingsAction(input: unknown) {
  return save(input);
}
