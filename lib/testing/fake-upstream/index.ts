/**
 * Fake Codex upstream: a real HTTP + websocket server that answers like `https://chatgpt.com/backend-api`
 * and `https://auth.openai.com` closely enough for the Codex CLI 0.169 and the gateway (protocol §13).
 *
 *   const upstream = await startFakeUpstream({ port?, host?, clock?, tls? });
 *   upstream.url / .backendBaseUrl (`${url}/backend-api`) / .authBaseUrl (`${url}`, token URL `${url}/oauth/token`)
 *   const creds = upstream.addAccount({ accountId, email?, planType?, accessTokenTtlSeconds?, models? });
 *     → { accountId, accessToken, refreshToken, idToken, expiresIn, authJson }   (unsigned JWTs, §10)
 *
 * Per-account knobs, `upstream.account(id)`:
 *   tokens()                      newest credentials (they rotate on every refresh)
 *   usage() / setUsage({ primary?: {usedPercent?, resetAt?}, secondary?: {…}, credits?: {…} })
 *   setUsageStepPercent(p)        each served turn adds p to both windows (default 1); at 100 → 429
 *   exhaustUntil(epochSeconds)    429 usage_limit_reached (resets_at, resets_in_seconds, headers at 100)
 *   expireAccessToken()           every issued access token → 401 token_expired until a refresh
 *   setRefreshFailure('invalid_grant'|'refresh_token_reused'|'refresh_token_expired'|'refresh_token_invalidated'|'server_error'|null)
 *   setRefreshDelayMs(ms)
 *   failNext(n, fault)            the next n turns that the fault fits get it, where fault is one of
 *     {status: 400|401|403|404|500|502|503}      HTTP status, or an in-band error frame on the websocket
 *     {rateLimited: {retryAfterSeconds}}          429 rate_limit_exceeded + retry-after
 *     {responseFailed: code}                      created/in_progress then response.failed
 *     {incomplete: reason}                        the output, then response.incomplete (max_output_tokens|content_filter)
 *     {slowFirstByteMs} / {hangAfterEvents: n}    both transports
 *     {truncateAfterEvents: n} / {resetAfterEvents: n}                 HTTP only (clean end / TCP reset;
 *                                                 a JSON answer is cut halfway / reset before its head)
 *     {wsUpgradeStatus: 401|426|429|500}                                 websocket upgrade only
 *     {wsDropAfterEvents: n} / {wsCloseAfterEvents: n, closeCode?} / {wsErrorFrame: {status, error?}}   websocket frames only
 *   pendingFaults() / clearFaults()
 *
 * Server-wide: setModelsEtag(etag) / modelsEtag, setEventDelayMs(ms), setEventStamps(on), setWsConnectionMaxAgeMs(ms|null),
 * requests (log with raw header pairs, decoded body, transport, resolved accountId; see recordedHeader),
 * clearRequests(), tokenEndpointCalls(refreshToken?), file(fileId), close().
 *
 * Replies (see scenario.ts): `hi from <accountId>` by default; `[[tool]]` in the last user message →
 * exec_command call, then text after function_call_output; `[[reasoning]]` → a reasoning item;
 * `[[words:N]]` → N more words, streamed one delta per word;
 * input ending in compaction_trigger → one compaction item; `generate:false` → prewarm.
 */
export { startFakeUpstream, type FakeUpstream, type FakeUpstreamOptions } from './server';
export { DEFAULT_MODELS, type AddAccountOptions, type FakeAccountControls, type RefreshFailure } from './accounts';
export type { Fault, InBandError, ResponseFailedCode } from './faults';
export type { FakeFileRecord } from './files';
export { recordedHeader, type RecordedRequest } from './recorder';
export { REASONING_MARKER, TOOL_MARKER } from './scenario';
export { CODEX_CLIENT_ID, type CodexAuthJson, type IssuedCredentials } from './tokens';
export type { PlanType, UsagePatch, UsageSnapshot, UsageWindow } from './usage';
