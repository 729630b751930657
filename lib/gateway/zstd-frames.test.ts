import { describe, expect, it } from 'vitest';
import { ZSTD_ENCODED_TURN, ZSTD_WINDOW_BOMB as WINDOW_BOMB, zstdStoredFrame, zstdTinyBlocks } from '../testing/fake-upstream/test-support';
import { zstdCost } from './zstd-frames';

const hex = (text: string) => Buffer.from(text, 'hex');
const { fromPipe: FROM_PIPE, fromFile: FROM_FILE } = ZSTD_ENCODED_TURN;

describe('zstdCost', () => {
  it('reads what real encoders declare', () => {
    expect(zstdCost(FROM_PIPE)).toEqual({ windowBytes: 2 * 1024 * 1024, shiftedBytes: 2 * 2 * 1024 * 1024 });
    // A single-segment frame's window is its content size.
    expect(zstdCost(FROM_FILE)).toEqual({ windowBytes: 143, shiftedBytes: 2 * 143 });
  });

  it('takes the largest window of the frames and counts the blocks of each, past skippable frames', () => {
    const stored = zstdStoredFrame(Buffer.alloc(300 * 1024, 97)); // 128 KiB window, three blocks
    const skippable = Buffer.concat([hex('502a4d18'), hex('03000000'), hex('010203')]);
    expect(zstdCost(Buffer.concat([stored, skippable, FROM_PIPE]))).toEqual({
      windowBytes: 2 * 1024 * 1024,
      shiftedBytes: 4 * 128 * 1024 + 2 * 2 * 1024 * 1024,
    });
  });

  it('sees a declared window of gigabytes in ten bytes, and a frame cut short after its header', () => {
    expect(zstdCost(WINDOW_BOMB).windowBytes).toBe(2 ** 30 + 7 * 2 ** 27);
    expect(zstdCost(WINDOW_BOMB.subarray(0, 6)).windowBytes).toBe(2 ** 30 + 7 * 2 ** 27);
  });

  it('counts one shift of the window per block', () => {
    expect(zstdCost(zstdTinyBlocks(200))).toEqual({ windowBytes: 8 * 1024 * 1024, shiftedBytes: 201 * 8 * 1024 * 1024 });
  });

  it('stops at bytes that are not a frame', () => {
    expect(zstdCost(Buffer.from('{"model":"gpt-5.5"}'))).toEqual({ windowBytes: 0, shiftedBytes: 0 });
    expect(zstdCost(Buffer.concat([FROM_FILE, Buffer.from('junk')])).windowBytes).toBe(143);
  });
});
