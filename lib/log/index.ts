import pino, { type Logger } from 'pino';

export type { Logger };

// Secrets must never reach logs: headers that carry them are censored wherever they appear.
const REDACT = [
  'authorization', '*.authorization', '*.headers.authorization', 'cookie', '*.cookie', '*.headers.cookie',
  'token', '*.token', 'password', '*.password', 'key', '*.key',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined });
}
