import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/gateway-harness';
import { OpenAI, RateLimitError, AuthenticationError, generateText, streamText, createOpenAI } from '../clients/sdk';
import { publishChange } from '../../lib/events';

let h: Harness;
let client: InstanceType<typeof OpenAI>;
beforeAll(async () => {
  h = await startHarness({ accounts: ['acct-a', 'acct-b'] });
  client = new OpenAI({ apiKey: h.key, baseURL: `${h.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await h?.close();
});

const HI = /hi from acct-[ab]/;

describe('openai Node SDK against /v1', () => {
  it('responses.create, JSON and streamed', async () => {
    const response = await client.responses.create({ model: 'gpt-5.5', input: 'say hi', instructions: 'be brief' });
    expect(response.output_text).toMatch(HI);
    expect(response.usage?.input_tokens).toBeGreaterThan(0);

    const stream = await client.responses.create({ model: 'gpt-5.5', input: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], stream: true });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toMatch(HI);
    expect(types.at(-1)).toBe('response.completed');
    expect(types).not.toContain('codex.rate_limits');
    expect(sequence).toEqual(sequence.map((_, i) => i));
  });

  it('chat.completions.create, JSON and streamed, with a function tool round trip', async () => {
    const plain = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] });
    expect(plain.choices[0]!.message.content).toMatch(HI);
    expect(plain.choices[0]!.finish_reason).toBe('stop');
    expect(plain.usage?.prompt_tokens).toBeGreaterThan(0);

    const tools = [{ type: 'function' as const, function: { name: 'exec_command', description: 'run', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } }];
    const call = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'run it [[tool]]' }], tools });
    const toolCall = call.choices[0]!.message.tool_calls![0]!;
    expect(call.choices[0]!.finish_reason).toBe('tool_calls');
    expect(toolCall.type === 'function' && toolCall.function.name).toBe('exec_command');

    const stream = await client.chat.completions.create({
      model: 'gpt-5.5',
      stream: true,
      stream_options: { include_usage: true },
      tools,
      messages: [
        { role: 'user', content: 'run it [[tool]]' },
        { role: 'assistant', content: null, tool_calls: [toolCall] },
        { role: 'tool', tool_call_id: toolCall.id, content: 'probe-tool-ok' },
      ],
    });
    let content = '';
    let usageChunk = false;
    let finish: string | null = null;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usageChunk = true;
    }
    expect(content.length).toBeGreaterThan(0);
    expect(finish).toBe('stop');
    expect(usageChunk).toBe(true);
  });

  it('models.list, typed errors for a bad key and for an exhausted Pool', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-5.5', 'gpt-fake-1']);
    expect(await client.models.retrieve('gpt-5.5')).toMatchObject({ id: 'gpt-5.5', object: 'model' });
    await expect(client.models.retrieve('gpt-nope')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });

    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${h.url}/v1`, maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(AuthenticationError);

    await expect(client.embeddings.create({ model: 'x', input: 'y' })).rejects.toMatchObject({ status: 404, code: 'unsupported_endpoint' });
    await expect(client.chat.completions.create({ model: 'gpt-5.5', n: 2, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'n' });

    const resetAt = Math.floor(h.clock.now / 1000) + 900;
    h.upstream.account('acct-a').exhaustUntil(resetAt);
    h.upstream.account('acct-b').exhaustUntil(resetAt);
    const error = await client.chat.completions.create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(Number((error as InstanceType<typeof RateLimitError>).headers?.get('retry-after'))).toBeGreaterThan(0);
    h.clock.advance(901_000);
    await h.gateway.context.probe.refreshStale();
  });
});

describe('Vercel AI SDK against /v1', () => {
  it('generateText and streamText through .responses() and .chat()', async () => {
    const openai = createOpenAI({ apiKey: h.key, baseURL: `${h.url}/v1` });
    for (const model of [openai.responses('gpt-5.5'), openai.chat('gpt-5.5')]) {
      const generated = await generateText({ model, prompt: 'say hi', maxRetries: 0 });
      expect(generated.text).toMatch(HI);
      const streamed = streamText({ model, prompt: 'say hi', maxRetries: 0 });
      let text = '';
      for await (const part of streamed.textStream) text += part;
      expect(text).toMatch(HI);
      expect((await streamed.usage).inputTokens).toBeGreaterThan(0);
    }
  });
});

describe('/v1 edges', () => {
  it('ends a chat stream that breaks after content with one error chunk and no [DONE]', async () => {
    h.upstream.account('acct-a').failNext(1, { truncateAfterEvents: 6 });
    h.upstream.account('acct-b').failNext(1, { truncateAfterEvents: 6 });
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.5', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const lines = (await response.text()).split('\n').filter((l) => l.startsWith('data: '));
    expect(lines.some((l) => l.includes('"content"'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^data: \{"error":\{/);
    expect(lines).not.toContain('data: [DONE]');
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
  });

  const chatStream = (content: string) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.5', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content }] }),
    });

  it('ends a chat stream cut short by the output limit with finish_reason length and [DONE]', async () => {
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).failNext(1, { incomplete: 'max_output_tokens' });
    const response = await chatStream('hi');
    expect(response.status).toBe(200);
    const lines = (await response.text()).split('\n').filter((l) => l.startsWith('data: '));
    expect(lines.some((l) => l.includes('"finish_reason":"length"'))).toBe(true);
    expect(lines.some((l) => l.includes('"usage":{'))).toBe(true);
    expect(lines.some((l) => l.includes('"error"'))).toBe(false);
    expect(lines.at(-1)).toBe('data: [DONE]');
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
    await h.gateway.context.requestLog.flush();
    const row = await h.db.prisma.requestLog.findFirst({ where: { route: '/v1/chat/completions', errorCode: 'response_incomplete' } });
    expect(row).toMatchObject({ status: 200, errorClass: 'client' });
    expect(row?.outputTokens).toBeGreaterThan(0);
  });

  it('ends a chat stream with [DONE] at the terminal event when the upstream keeps its own stream open', async () => {
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).failNext(1, { hangAfterEvents: 1000 });
    const response = await Promise.race([chatStream('hi').then((r) => r.text()), new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), 1500))]);
    const lines = response.split('\n').filter((l) => l.startsWith('data: '));
    expect(lines.some((l) => l.includes('"finish_reason":"stop"'))).toBe(true);
    expect(lines.at(-1)).toBe('data: [DONE]');
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
  });

  it('keeps a quiet chat stream alive with SSE comments', async () => {
    const previous = h.gateway.context.sseKeepaliveMs;
    h.gateway.context.sseKeepaliveMs = 50;
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).failNext(1, { hangAfterEvents: 6 });
    const controller = new AbortController();
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-5.5', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes(': keepalive')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"content"');
    controller.abort();
    h.gateway.context.sseKeepaliveMs = previous;
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
  });

  it('answers a streaming request whose response fails for good before any output with its HTTP error', async () => {
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).failNext(1, { responseFailed: 'context_length_exceeded' });
    const response = await chatStream('a very long conversation');
    // Agents compact on exactly this: status 400, code context_length_exceeded.
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toMatch(/context window/);
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
  });

  it('answers an OpenAI-shaped 429 when the response fails for quota on every account', async () => {
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).failNext(1, { responseFailed: 'insufficient_quota' });
    const error = await client.responses.create({ model: 'gpt-5.5', input: 'say hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'insufficient_quota' });
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
  });

  it('logs the attempt of an upstream refusal on /v1, with its account', async () => {
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).failNext(1, { status: 400 });
    const error = await client.responses.create({ model: 'gpt-5.5', input: 'refuse me' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400 });
    for (const id of ['acct-a', 'acct-b']) h.upstream.account(id).clearFaults();
    await h.gateway.context.requestLog.flush();
    const row = await h.db.prisma.requestLog.findFirst({ where: { route: '/v1/responses', status: 400 }, include: { attempts: true } });
    expect(row?.accountId).not.toBeNull();
    expect(row?.attempts.map((a) => [a.accountId, a.status, a.errorClass])).toEqual([[row?.accountId, 400, 'client']]);
  });

  it('answers 403 v1_compatibility_disabled when the Pool turns /v1 off', async () => {
    await h.db.prisma.pool.update({ where: { id: h.poolId }, data: { v1CompatibilityEnabled: false } });
    publishChange({ kind: 'pool', poolId: h.poolId });
    await new Promise((r) => setTimeout(r, 100));
    await expect(client.models.list()).rejects.toMatchObject({ status: 403, code: 'v1_compatibility_disabled' });
    await h.db.prisma.pool.update({ where: { id: h.poolId }, data: { v1CompatibilityEnabled: true } });
    publishChange({ kind: 'pool', poolId: h.poolId });
  });
});

describe('/v1 files, audio and images', () => {
  it('uploads a file through the Codex file protocol, lists it, transcribes audio and generates images', async () => {
    const { toFile } = await import('../clients/sdk');
    const created = await client.files.create({ file: await toFile(Buffer.from('hello file'), 'notes.txt'), purpose: 'user_data' });
    expect(created).toMatchObject({ object: 'file', filename: 'notes.txt', bytes: 10, purpose: 'user_data', status: 'processed' });
    expect(h.upstream.file(created.id)).toBeDefined();
    const listed = [];
    for await (const file of client.files.list()) listed.push(file.id);
    expect(listed).toContain(created.id);
    expect((await client.files.retrieve(created.id)).id).toBe(created.id);

    const transcription = await client.audio.transcriptions.create({ file: await toFile(Buffer.from('RIFF....WAVE'), 'a.wav'), model: 'gpt-4o-transcribe' });
    expect(typeof transcription.text).toBe('string');

    const image = await client.images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse', n: 2 });
    expect(image.data).toHaveLength(2);
    expect(Buffer.from(image.data![0]!.b64_json!, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });
});
