/** `POST /backend-api/codex/responses`: a turn over HTTP, streamed as SSE or answered as one JSON object. */
import type { ServerResponse } from 'node:http';
import { type UpstreamContext } from '../context';
import { sendJson } from '../http-io';
import { responsesRequestSchema, runModelTurn, type TurnOutcome } from '../model-turn';
import { pause, sseFrame, writeEventsPaced } from '../streaming';
import { randomId } from '../tokens';
import { parseWith, requireAccount, type HttpExchange } from './exchange';

export async function handleResponsesPost(ctx: UpstreamContext, exchange: HttpExchange): Promise<void> {
  const { req, res } = exchange;
  // The sticky routing token goes on every answer, errors included, so clients can echo it (§0.5).
  const incomingTurnState = req.headers['x-codex-turn-state'];
  res.setHeader('x-codex-turn-state', typeof incomingTurnState === 'string' ? incomingTurnState : randomId('ts_'));

  const account = requireAccount(ctx, exchange, 'required');
  if (!account) return;
  const request = parseWith(responsesRequestSchema, exchange.body);
  if (request.previous_response_id) {
    // Over HTTP the backend keeps nothing (`store:false`), so there is never a response to chain to.
    return sendJson(res, 400, previousResponseNotFound(request.previous_response_id));
  }
  const outcome = runModelTurn(ctx, account, {
    request,
    conversation: request.input,
    previousResponseId: null,
    site: 'http',
  });
  if (outcome.kind === 'rejected') return sendJson(res, outcome.status, outcome.body, outcome.headers);
  if (outcome.shape.firstByteDelayMs > 0) await pause(outcome.shape.firstByteDelayMs);
  if (res.destroyed) return;
  if (request.stream === true) await streamSse(ctx, res, outcome);
  else answerJson(res, outcome);
}

export function previousResponseNotFound(responseId: string) {
  return {
    error: {
      type: 'invalid_request_error',
      code: 'previous_response_not_found',
      message: `Previous response with id '${responseId}' not found.`,
      param: 'previous_response_id',
    },
    status: 400,
  };
}

type StreamOutcome = Extract<TurnOutcome, { kind: 'stream' }>;

async function streamSse(ctx: UpstreamContext, res: ServerResponse, outcome: StreamOutcome): Promise<void> {
  res.writeHead(200, {
    ...outcome.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);

  const { ending } = outcome.shape;
  const events = ending.kind === 'complete' ? outcome.events : outcome.events.slice(0, ending.afterEvents);
  const delivered = await writeEventsPaced(events, ctx.settings.eventDelayMs, (event) => writeChunk(res, sseFrame(event, ctx.settings.stampEvents)));
  if (!delivered) return;
  if (ending.kind === 'hang') return; // left open until the client gives up or the server closes
  if (ending.kind === 'reset') {
    res.socket?.resetAndDestroy();
    return;
  }
  res.end();
}

function answerJson(res: ServerResponse, outcome: StreamOutcome): void {
  const { ending } = outcome.shape;
  if (ending.kind === 'hang') return;
  if (ending.kind === 'truncate') {
    // The head promises the whole answer; the connection dies halfway through it.
    const payload = Buffer.from(JSON.stringify(outcome.finalResponse));
    res.writeHead(200, { ...outcome.headers, 'content-type': 'application/json', 'content-length': String(payload.length) });
    res.write(payload.subarray(0, payload.length >> 1), () => res.socket?.destroy());
    return;
  }
  if (ending.kind !== 'complete') {
    res.socket?.resetAndDestroy();
    return;
  }
  sendJson(res, 200, outcome.finalResponse, outcome.headers);
}

function writeChunk(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => res.write(chunk, (error) => resolve(!error)));
}
