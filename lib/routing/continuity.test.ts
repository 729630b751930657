import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { continuityHasher, NEVER_FORWARDED_CONTINUITY_HEADERS, pickContinuityHeader } from './continuity';

describe('pickContinuityHeader', () => {
  it('takes the first non-blank header in precedence order', () => {
    const headers = {
      'x-codex-conversation-id': 'conv',
      session_id: 'underscore',
      'x-session-affinity': 'affinity',
      'x-session-id': 'xsid',
      'session-id': 'sid',
      'x-codex-session-id': 'codex-sid',
      'x-codex-window-id': 'thread:2',
    };
    const order = ['x-codex-window-id', 'x-codex-session-id', 'session-id', 'x-session-id', 'x-session-affinity', 'session_id', 'x-codex-conversation-id'];
    const remaining: Record<string, string> = { ...headers };
    for (const header of order) {
      expect(pickContinuityHeader(remaining)).toEqual({ header, value: remaining[header] });
      delete remaining[header];
    }
    expect(pickContinuityHeader(remaining)).toBeUndefined();
  });

  it('skips blank values, trims, and reads the first usable entry of a repeated header', () => {
    expect(pickContinuityHeader({ 'x-codex-window-id': '   ', 'session-id': ' abc ' })).toEqual({ header: 'session-id', value: 'abc' });
    expect(pickContinuityHeader({ 'x-session-id': ['', ' second '] })).toEqual({ header: 'x-session-id', value: 'second' });
    expect(pickContinuityHeader({ 'x-session-id': [' '], 'thread-id': 't' })).toBeUndefined();
  });
});

describe('continuityHasher', () => {
  it('hashes pool, kind and value behind the instance secret: the bare hash of a guess does not match', () => {
    const hashed = continuityHasher('instance-secret');
    const expected = createHash('sha256').update('instance-secret:pool-1:session:0199-abc').digest('hex');
    expect(hashed('pool-1', 'session', '0199-abc')).toBe(expected);
    expect(hashed('pool-1', 'session', '0199-abc')).not.toBe(createHash('sha256').update('pool-1:session:0199-abc').digest('hex'));
    expect(continuityHasher('another-secret')('pool-1', 'session', '0199-abc')).not.toBe(expected);
    expect(hashed('pool-2', 'session', '0199-abc')).not.toBe(expected);
    expect(hashed('pool-1', 'response', '0199-abc')).not.toBe(expected);
  });
});

describe('NEVER_FORWARDED_CONTINUITY_HEADERS', () => {
  it('lists exactly the gateway-only session headers', () => {
    expect([...NEVER_FORWARDED_CONTINUITY_HEADERS].sort()).toEqual(['session-id', 'x-session-affinity', 'x-session-id']);
  });
});
