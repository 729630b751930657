import { getRuntime } from '@/lib/runtime';
import { isBootstrapped } from '@/lib/operators';

export const dynamic = 'force-dynamic';

export async function GET() {
  const complete = await isBootstrapped(getRuntime().db);
  return Response.json({ status: 'ok', bootstrap: complete ? 'complete' : 'pending' });
}
