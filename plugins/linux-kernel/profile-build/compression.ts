// Compressed kernels: the formats Linux can decompress its own image from (linux lib/decompress.c
// compressed_formats[] magics), decoded with Node's zlib (gzip), fzstd (zstd), lzma-native (xz and
// lzma, including the x86/arm BCJ filters the kernel's xz_wrap.sh enables), seek-bzip (bzip2), and the
// LZ4 legacy frame decoded here (linux lib/decompress_unlz4.c, lz4 doc/lz4_Block_format.md).
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { IntrospectError } from '../../../core/errors.js';

export type Compression = 'gzip' | 'bzip2' | 'lzma' | 'xz' | 'lzo' | 'lz4' | 'zstd';

const MAGICS: readonly [Compression, readonly number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['gzip', [0x1f, 0x9e]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lzma', [0x5d, 0x00, 0x00]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['lzo', [0x89, 0x4c, 0x5a]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Largest kernel we decompress (an x86_64 vmlinux with BTF is ~60 MiB; arm64 ~40 MiB). */
export const MAX_DECOMPRESSED = 1 << 30;
const LZ4_LEGACY_MAGIC = 0x184c2102;
/** lib/decompress_unlz4.c: legacy-frame blocks decompress to at most 8 MiB. */
const LZ4_BLOCK_MAX = 8 << 20;

export function detectCompression(bytes: Uint8Array, offset = 0): Compression | undefined {
  for (const [name, magic] of MAGICS) {
    if (magic.every((b, i) => bytes[offset + i] === b)) return name;
  }
  return undefined;
}

/**
 * Decompresses `data`. `sizeTrailer`: the data ends with the 4-byte little-endian uncompressed size
 * that the kernel's build appends to its compressed payload (scripts/Makefile.lib size_append): it is
 * checked and stripped first.
 */
export async function decompress(kind: Compression, data: Uint8Array, name: string, sizeTrailer = false): Promise<Uint8Array> {
  let expected: number | undefined;
  let body = data;
  if (sizeTrailer) {
    if (data.length < 8) throw new IntrospectError({ file: name, structure: `${kind} payload`, reason: `${data.length} bytes is too short` });
    expected = Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(data.length - 4);
    if (expected > MAX_DECOMPRESSED) throw new IntrospectError({ file: name, structure: `${kind} payload size trailer`, offset: data.length - 4, reason: `uncompressed size ${expected} is larger than ${MAX_DECOMPRESSED}` });
    body = data.subarray(0, data.length - 4);
  }
  let out: Uint8Array;
  try {
    switch (kind) {
      case 'gzip':
        out = gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED });
        break;
      case 'zstd':
        out = zstdDecompress(body);
        break;
      case 'xz':
      case 'lzma':
        // Loaded on use: a native addon (prebuilt), needed only for xz/lzma kernels.
        out = await (await import('lzma-native')).decompress(body);
        break;
      case 'bzip2':
        out = (await import('seek-bzip')).default.decode(body);
        break;
      case 'lz4':
        out = unlz4Legacy(body, name);
        break;
      case 'lzo':
        throw new IntrospectError({ file: name, structure: 'lzo payload', reason: 'LZO-compressed kernels are not supported (no well-kept LZO decoder for Node); decompress the kernel with extract-vmlinux first' });
    }
  } catch (error) {
    if (error instanceof IntrospectError) throw error;
    throw new IntrospectError({ file: name, structure: `${kind} payload`, reason: `does not decompress: ${(error as Error).message}` }, { cause: error });
  }
  if (out.length > MAX_DECOMPRESSED) throw new IntrospectError({ file: name, structure: `${kind} payload`, reason: `decompresses to more than ${MAX_DECOMPRESSED} bytes` });
  if (expected !== undefined && out.length !== expected) {
    throw new IntrospectError({ file: name, structure: `${kind} payload`, reason: `decompressed to ${out.length} bytes, the size trailer says ${expected}` });
  }
  return out;
}

/** The LZ4 legacy frame: magic, then {u32 le compressed size, LZ4 block} until the data ends. */
export function unlz4Legacy(data: Uint8Array, name: string): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 4 || view.getUint32(0, true) !== LZ4_LEGACY_MAGIC) throw new IntrospectError({ file: name, structure: 'lz4 legacy frame', offset: 0, reason: 'no magic 0x184C2102' });
  const chunks: Uint8Array[] = [];
  let total = 0;
  let pos = 4;
  while (pos + 4 <= data.length) {
    const size = view.getUint32(pos, true);
    if (size === LZ4_LEGACY_MAGIC) {
      pos += 4; // concatenated frames
      continue;
    }
    if (size === 0 || pos + 4 + size > data.length) break; // what follows is not a block (end of data)
    const block = lz4Block(data.subarray(pos + 4, pos + 4 + size), LZ4_BLOCK_MAX, name, pos + 4);
    total += block.length;
    if (total > MAX_DECOMPRESSED) throw new IntrospectError({ file: name, structure: 'lz4 legacy frame', offset: pos, reason: `decompresses to more than ${MAX_DECOMPRESSED} bytes` });
    chunks.push(block);
    pos += 4 + size;
  }
  return Buffer.concat(chunks);
}

/** One LZ4 block: sequences of {token, literals, u16 le match offset, match length}. */
export function lz4Block(src: Uint8Array, maxOut: number, name: string, at = 0): Uint8Array {
  const out = new Uint8Array(maxOut);
  let o = 0;
  let i = 0;
  const fail = (reason: string): never => {
    throw new IntrospectError({ file: name, structure: 'lz4 block', offset: at + i, reason });
  };
  const length = (base: number): number => {
    let n = base;
    if (base === 15) {
      for (;;) {
        if (i >= src.length) fail('length runs past the block');
        const b = src[i++];
        n += b;
        if (b !== 255) break;
      }
    }
    return n;
  };
  while (i < src.length) {
    const token = src[i++];
    const literals = length(token >> 4);
    if (i + literals > src.length || o + literals > maxOut) fail('literals run past the block or the output');
    out.set(src.subarray(i, i + literals), o);
    i += literals;
    o += literals;
    if (i === src.length) break; // the last sequence has literals only
    if (i + 2 > src.length) fail('match offset runs past the block');
    const offset = src[i] | (src[i + 1] << 8);
    i += 2;
    if (offset === 0 || offset > o) fail(`match offset ${offset} points before the output`);
    const match = length(token & 15) + 4;
    if (o + match > maxOut) fail('match runs past the output');
    for (let k = 0; k < match; k++, o++) out[o] = out[o - offset];
  }
  return out.subarray(0, o);
}
