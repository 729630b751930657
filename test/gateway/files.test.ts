import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, streamTurn, type Harness } from '../support/gateway-harness';
import { FileRegistry } from '../../lib/gateway/files';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ accounts: ['acct-a', 'acct-b', 'acct-c'] });
  // Evidence for every account (the background poll's job), so uploads spread over all of them.
  await h.gateway.context.pools.get(h.poolId);
  await h.gateway.context.probe.refreshStale();
});
afterAll(async () => {
  await h?.close();
});

const auth = () => ({ authorization: `Bearer ${h.key}` });

async function createFile(name: string) {
  const response = await fetch(`${h.url}/backend-api/files`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify({ file_name: name, file_size: 5, use_case: 'codex' }),
  });
  expect(response.status).toBe(200);
  const created = (await response.json()) as { file_id: string; upload_url: string };
  const put = await fetch(created.upload_url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'hello' });
  expect(put.ok).toBe(true);
  return created.file_id;
}

const fileTurn = (fileIds: string[]) =>
  streamTurn(h, {
    body: {
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'read these' }, ...fileIds.map((id) => ({ type: 'input_file', file_id: id }))] }],
    },
  });

describe('files', () => {
  it('finalises on the owning account and routes later requests that reference the file there', async () => {
    const fileId = await createFile('notes.txt');
    const owner = h.upstream.file(fileId)!.accountId;
    const finalize = async () =>
      fetch(`${h.url}/backend-api/files/${fileId}/uploaded`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{}' });
    expect(((await (await finalize()).json()) as { status: string }).status).toBe('retry');
    expect(((await (await finalize()).json()) as { status: string }).status).toBe('success');
    for (let i = 0; i < 5; i++) {
      const before = h.turns(owner);
      expect((await fileTurn([fileId])).status).toBe(200);
      expect(h.turns(owner)).toBe(before + 1);
    }
    expect((await h.db.prisma.codexFile.findFirstOrThrow({ where: { fileId } })).status).toBe('uploaded');
  });

  it('answers 409 file_assignment_conflict when referenced files live on different accounts', async () => {
    const ids: string[] = [];
    const owners = new Set<string>();
    for (let i = 0; i < 12 && owners.size < 2; i++) {
      const id = await createFile(`f${i}.txt`);
      if (!owners.has(h.upstream.file(id)!.accountId)) {
        owners.add(h.upstream.file(id)!.accountId);
        ids.push(id);
      }
    }
    expect(owners.size).toBe(2);
    const result = await fileTurn(ids);
    expect(result.status).toBe(409);
    expect(JSON.parse(result.text).error).toMatchObject({ code: 'file_assignment_conflict', param: 'file_id' });
  });

  it('passes multipart transcription to an account', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('RIFF....WAVE')], { type: 'audio/wav' }), 'a.wav');
    const response = await fetch(`${h.url}/backend-api/transcribe`, { method: 'POST', headers: auth(), body: form });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { text: string }).text).toEqual(expect.any(String));
    // Media types are not case-sensitive.
    const encoded = new Request('http://x', { method: 'POST', body: form });
    const shouted = await fetch(`${h.url}/backend-api/transcribe`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': encoded.headers.get('content-type')!.replace('multipart/form-data', 'Multipart/Form-Data') },
      body: await encoded.arrayBuffer(),
    });
    expect(shouted.status).toBe(200);
  });
});

describe('file pins', () => {
  it('last a day from the upload, in memory and in the database alike', async () => {
    let now = Date.parse('2026-11-24T12:00:00Z');
    const clock = () => now;
    const registry = new FileRegistry(h.db, clock);
    const key = await h.db.prisma.apiKey.findFirstOrThrow({ where: { poolId: h.poolId } });
    await registry.record(h.poolId, key.id, 'file_pin_ttl', 'acct-b', 'a.txt', 5);
    now += 23 * 3_600_000;
    expect(await registry.owner(h.poolId, 'file_pin_ttl')).toBe('acct-b');
    expect(await new FileRegistry(h.db, clock).owner(h.poolId, 'file_pin_ttl')).toBe('acct-b');
    now += 2 * 3_600_000;
    expect(await registry.owner(h.poolId, 'file_pin_ttl')).toBeUndefined();
    expect(await new FileRegistry(h.db, clock).owner(h.poolId, 'file_pin_ttl')).toBeUndefined();
  });

  it('sees an upload or a renewal made by another gateway process within seconds', async () => {
    let now = Date.parse('2026-11-24T12:00:00Z');
    const clock = () => now;
    const key = await h.db.prisma.apiKey.findFirstOrThrow({ where: { poolId: h.poolId } });
    const here = new FileRegistry(h.db, clock);
    const elsewhere = new FileRegistry(h.db, clock);
    // Not known yet here: the miss is remembered, then looked up again.
    expect(await here.owner(h.poolId, 'file_elsewhere')).toBeUndefined();
    await elsewhere.record(h.poolId, key.id, 'file_elsewhere', 'acct-a', 'a.txt', 5);
    now += 6_000;
    expect(await here.owner(h.poolId, 'file_elsewhere')).toBe('acct-a');
    // The pin here runs out, but the other process renewed it: the renewal counts.
    now += 23 * 3_600_000;
    await elsewhere.record(h.poolId, key.id, 'file_elsewhere', 'acct-a', 'a.txt', 5);
    now += 2 * 3_600_000;
    expect(await here.owner(h.poolId, 'file_elsewhere')).toBe('acct-a');
  });
});
