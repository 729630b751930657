// The fake upstream in its own process, as a real backend would be: sharing the load generator's
// event loop, every chunk a proxy forwarded would delay the upstream's next event. Driven over the
// IPC channel by bench/main.ts.
import { startFakeUpstream } from '../lib/testing/fake-upstream';
import type { UpstreamCommand, UpstreamReady } from './upstream-control';

const upstream = await startFakeUpstream();
upstream.setEventDelayMs(0);
const accounts = (JSON.parse(process.env.BENCH_ACCOUNTS!) as string[]).map((accountId) => upstream.addAccount({ accountId, accessTokenTtlSeconds: 86_400 }));
for (const { accountId } of accounts) upstream.account(accountId).setUsageStepPercent(0);

process.on('message', (command: UpstreamCommand) => {
  if (command.op === 'event_delay') upstream.setEventDelayMs(command.ms);
  if (command.op === 'event_stamps') upstream.setEventStamps(command.on);
  for (const { accountId } of accounts) {
    if (command.op === 'hang_streams') upstream.account(accountId).failNext(command.count, { hangAfterEvents: command.afterEvents });
    if (command.op === 'clear_faults') upstream.account(accountId).clearFaults();
  }
  process.send!({ done: command.id });
});
const ready: UpstreamReady = {
  url: upstream.url,
  backendBaseUrl: upstream.backendBaseUrl,
  accounts: accounts.map(({ accountId, accessToken, authJson }) => ({ accountId, accessToken, authJson })),
};
process.send!(ready);
