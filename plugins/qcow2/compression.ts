// Compressed qcow2 clusters: qemu block/qcow2-threads.c (qcow2_zlib_decompress, qcow2_zstd_decompress)
// and the zstd frame format (RFC 8878, section 3.1.1).
import { inflateRawSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { bitmatch } from '../../core/bitsyntax/index.js';

/** Raised by the decoders; the qcow2 source wraps it in an IntrospectError naming the cluster. */
export class CompressedClusterError extends Error {}

/**
 * Raw deflate, as qemu writes it (no zlib header). Decompression stops when a whole cluster is
 * produced; bytes after the end of the stream are padding up to the sector boundary.
 */
export function inflateCluster(compressed: Uint8Array, clusterSize: number): Uint8Array {
  let out: Buffer;
  try {
    // One byte of slack lets us tell "exactly a cluster" from "more than a cluster" (a bomb).
    out = inflateRawSync(compressed, { maxOutputLength: clusterSize + 1 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new CompressedClusterError(`deflate data expands to more than one cluster (${clusterSize} bytes)`);
    throw new CompressedClusterError(`deflate data is corrupt (${(error as Error).message})`);
  }
  if (out.length < clusterSize) throw new CompressedClusterError(`deflate data expands to ${out.length} bytes, less than a cluster (${clusterSize})`);
  if (out.length > clusterSize) throw new CompressedClusterError(`deflate data expands to more than one cluster (${clusterSize} bytes)`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

const ZSTD_MAGIC = 0xfd2fb528;
/** Block_Maximum_Size is at most 128 KiB (RFC 8878 3.1.1.2.3). */
const ZSTD_BLOCK_MAX = 128 * 1024;
/** qemu writes one frame per cluster; more than this many frames is not qemu's output. */
const MAX_ZSTD_FRAMES = 64;

const zstdFrameHeader = bitmatch(`
  Magic_Number : 32 : littleendian,
  Frame_Content_Size_flag : 2,
  Single_Segment_flag : 1,
  _ : 1,
  Reserved_bit : 1,
  Content_Checksum_flag : 1,
  Dictionary_ID_flag : 2
`);

const zstdBlockHeader = bitmatch(`
  Block_Header : 24 : littleendian
`);

interface FrameExtent {
  /** Bytes the frame occupies, from its magic number through the optional checksum. */
  length: number;
  /** Upper bound of the bytes it decompresses to. */
  maxOutput: number;
}

/** Walk one frame's header and block headers to find where it ends (no decoding). */
export function zstdFrameExtent(data: Uint8Array, start: number): FrameExtent {
  const header = zstdFrameHeader.match(data, start);
  if (!header || header.Magic_Number !== ZSTD_MAGIC) throw new CompressedClusterError('not a zstd frame (bad magic number)');
  if (header.Reserved_bit !== 0) throw new CompressedClusterError('zstd frame header has its reserved bit set');
  if (header.Dictionary_ID_flag !== 0) throw new CompressedClusterError('zstd frame needs a dictionary');
  const fcsBytes = [header.Single_Segment_flag ? 1 : 0, 2, 4, 8][header.Frame_Content_Size_flag];
  let at = start + 5 + (header.Single_Segment_flag ? 0 : 1) + fcsBytes;
  let maxOutput = 0;
  for (;;) {
    const block = zstdBlockHeader.match(data, at);
    if (!block) throw new CompressedClusterError('zstd frame is cut short');
    const h = block.Block_Header;
    const last = h & 1;
    const type = (h >>> 1) & 3;
    const size = h >>> 3;
    if (type === 3) throw new CompressedClusterError('zstd block of reserved type');
    if (size > ZSTD_BLOCK_MAX) throw new CompressedClusterError(`zstd block of ${size} bytes exceeds the 128 KiB maximum`);
    at += 3 + (type === 1 ? 1 : size);
    maxOutput += type === 2 ? ZSTD_BLOCK_MAX : size;
    if (at > data.length) throw new CompressedClusterError('zstd frame is cut short');
    if (last) break;
  }
  if (header.Content_Checksum_flag) at += 4;
  if (at > data.length) throw new CompressedClusterError('zstd frame is cut short');
  return { length: at - start, maxOutput };
}

/**
 * zstd as qemu writes it: frame(s) followed by padding up to the sector end. Like qemu, decode
 * frames until one cluster is produced and ignore what follows.
 */
export function zstdCluster(compressed: Uint8Array, clusterSize: number): Uint8Array {
  const out = new Uint8Array(clusterSize);
  let filled = 0;
  let at = 0;
  for (let frames = 0; filled < clusterSize; frames++) {
    if (frames >= MAX_ZSTD_FRAMES) throw new CompressedClusterError(`more than ${MAX_ZSTD_FRAMES} zstd frames in one cluster`);
    if (at >= compressed.length) throw new CompressedClusterError(`zstd data ends after ${filled} bytes, before a whole cluster (${clusterSize})`);
    const extent = zstdFrameExtent(compressed, at);
    if (extent.maxOutput > 2 * clusterSize + ZSTD_BLOCK_MAX) throw new CompressedClusterError('zstd frame may expand far beyond one cluster');
    let part: Uint8Array;
    try {
      part = zstdDecompress(compressed.subarray(at, at + extent.length));
    } catch (error) {
      throw new CompressedClusterError(`zstd data is corrupt (${(error as Error).message})`);
    }
    if (filled + part.length > clusterSize) throw new CompressedClusterError(`zstd data expands to more than one cluster (${clusterSize} bytes)`);
    out.set(part, filled);
    filled += part.length;
    at += extent.length;
  }
  return out;
}
