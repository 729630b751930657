/**
 * What decoding a zstd body will cost before it writes a byte: every frame's decoder holds a
 * window as large as its header declares (up to about 2 GB), so ten bytes can ask for gigabytes;
 * and fzstd, the decoder on Node 20, shifts the whole window after every block. Read from the
 * frame and block headers alone (RFC 8878 §3.1.1), without decoding anything.
 */

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: magic 0x184D2A50 to 0x184D2A5F, then a 4-byte length. */
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_RESERVED = 3;

export type ZstdCost = {
  /** The largest window a frame declares: frames are decoded one after another. */
  windowBytes: number;
  /**
   * Each frame's window times its number of blocks plus one, summed: what fzstd sets aside and
   * moves in memory over the whole body.
   */
  shiftedBytes: number;
};

/** Stops at the first byte that is not a frame: the decoder refuses the rest itself. */
export function zstdCost(data: Buffer): ZstdCost {
  const cost = { windowBytes: 0, shiftedBytes: 0 };
  let offset = 0;
  while (offset + 4 <= data.length) {
    const magic = data.readUInt32LE(offset);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (offset + 8 > data.length) break;
      offset += 8 + data.readUInt32LE(offset + 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC) break;
    const frame = frameHeader(data, offset + 4);
    if (!frame) break;
    const { end, blocks } = frameBlocks(data, frame.blocksAt, frame.checksum);
    cost.windowBytes = Math.max(cost.windowBytes, frame.windowBytes);
    cost.shiftedBytes += frame.windowBytes * (blocks + 1);
    offset = end;
  }
  return cost;
}

function frameHeader(data: Buffer, at: number): { windowBytes: number; blocksAt: number; checksum: boolean } | null {
  if (at >= data.length) return null;
  const descriptor = data[at]!;
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = ((descriptor >> 2) & 1) === 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const contentSizeBytes = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
  const windowAt = at + 1;
  const contentSizeAt = windowAt + (singleSegment ? 0 : 1) + dictionaryBytes;
  const blocksAt = contentSizeAt + contentSizeBytes;
  if (blocksAt > data.length) return null;
  if (singleSegment) {
    // The window is the whole content, whose size the header gives.
    let size = 0;
    for (let i = contentSizeBytes - 1; i >= 0; i--) size = size * 256 + data[contentSizeAt + i]!;
    if (contentSizeBytes === 2) size += 256;
    return { windowBytes: size, blocksAt, checksum };
  }
  const windowDescriptor = data[windowAt]!;
  const base = 2 ** (10 + (windowDescriptor >> 3));
  return { windowBytes: base + (base / 8) * (windowDescriptor & 7), blocksAt, checksum };
}

/** Where the frame whose blocks start at `at` ends (the data's end when it is cut short), and its block count. */
function frameBlocks(data: Buffer, at: number, checksum: boolean): { end: number; blocks: number } {
  let offset = at;
  let blocks = 0;
  while (offset + 3 <= data.length) {
    const header = data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16);
    const type = (header >> 1) & 3;
    if (type === BLOCK_TYPE_RESERVED) break;
    blocks += 1;
    offset += 3 + (type === BLOCK_TYPE_RLE ? 1 : header >> 3);
    if (header & 1) return { end: offset + (checksum ? 4 : 0), blocks };
  }
  return { end: data.length, blocks };
}
