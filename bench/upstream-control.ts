import { fork, type ChildProcess } from 'node:child_process';
import { bundleServer } from '../scripts/bundle-server.mjs';

type Command = { op: 'event_delay'; ms: number } | { op: 'event_stamps'; on: boolean } | { op: 'hang_streams'; count: number; afterEvents: number } | { op: 'clear_faults' };

export type UpstreamCommand = { id: number } & Command;

export type UpstreamReady = {
  url: string;
  backendBaseUrl: string;
  accounts: { accountId: string; accessToken: string; authJson: unknown }[];
};

/** The fake upstream's process, and the knobs the benchmark turns. */
export async function startUpstreamProcess(accountIds: string[]) {
  const child: ChildProcess = fork(await bundleServer('bench/upstream-process.ts'), {
    execArgv: [],
    env: { ...process.env, BENCH_ACCOUNTS: JSON.stringify(accountIds) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<UpstreamReady>((resolve) => child.once('message', (message) => resolve(message as UpstreamReady)));
  let nextId = 0;
  const send = (command: Command) =>
    new Promise<void>((resolve) => {
      const id = ++nextId;
      const onMessage = (message: { done?: number }) => {
        if (message.done !== id) return;
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      child.send({ ...command, id });
    });
  return {
    ...ready,
    pid: child.pid!,
    setEventDelayMs: (ms: number) => send({ op: 'event_delay', ms }),
    setEventStamps: (on: boolean) => send({ op: 'event_stamps', on }),
    hangStreams: (count: number, afterEvents: number) => send({ op: 'hang_streams', count, afterEvents }),
    clearFaults: () => send({ op: 'clear_faults' }),
    close: () => {
      child.kill('SIGTERM');
    },
  };
}
