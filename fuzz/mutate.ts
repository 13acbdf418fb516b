// Mutations of the metadata regions of an image: what a hostile guest owner can do to the bytes a
// parser looks at. A mutation list is plain data (JSON), so a defect is replayed from base file + list.
import type { Rng } from './rng.js';

/** A byte range of one image of the guest that the pipeline read on the unmutated image. */
export interface Region {
  image: number;
  start: number;
  length: number;
}

export type Mutation =
  /** Overwrite bytes at `offset` of image `image` (hex string, so the list stays readable JSON). */
  | { op: 'set'; image: number; offset: number; hex: string; why: string }
  /** The image ends at `size` (truncation). */
  | { op: 'truncate'; image: number; size: number }
  /** The image is `size` bytes, zeros past its real end: a sparse file, as large as a hostile owner likes. */
  | { op: 'extend'; image: number; size: number };

const hex = (bytes: ArrayLike<number>): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function le(value: bigint, width: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(width * 8, value);
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/** Values parsers trip over: zero, all ones, sign boundaries, sizes near the image and its regions. */
function interestingValues(width: number, imageSize: number, region: Region): bigint[] {
  const bits = BigInt(width * 8);
  const max = (1n << bits) - 1n;
  const values = [0n, 1n, max, max >> 1n, (max >> 1n) + 1n, max - 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n];
  values.push(0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1fffffffffffffn, 0x20000000000000n, 0x7fffffffffffffffn);
  values.push(512n, 4096n, 65536n, BigInt(imageSize), BigInt(imageSize) + 1n, BigInt(imageSize >>> 9), BigInt(imageSize >>> 12));
  values.push(BigInt(region.start), BigInt(region.start >>> 9), BigInt(region.length));
  return values.map((v) => v & max);
}

export interface MutationInput {
  regions: readonly Region[];
  /** Size of each image of the guest. */
  sizes: readonly number[];
  /** Reads the unmutated bytes (for splices). */
  read(image: number, offset: number, length: number): Uint8Array;
}

/** 1-4 mutations inside the regions; sometimes a truncation. */
export function mutations(r: Rng, input: MutationInput): Mutation[] {
  const out: Mutation[] = [];
  const count = 1 + r.int(4);
  for (let i = 0; i < count; i++) {
    const region = r.pick(input.regions);
    const at = region.start + r.int(region.length);
    const size = input.sizes[region.image];
    const kind = r.int(100);
    if (kind < 25) {
      // Bit flip.
      const [b] = input.read(region.image, at, 1);
      out.push({ op: 'set', image: region.image, offset: at, hex: hex([b ^ (1 << r.int(8))]), why: 'bit flip' });
    } else if (kind < 45) {
      out.push({ op: 'set', image: region.image, offset: at, hex: hex([r.pick([0, 0xff, 0x7f, 0x80, 1, 0xfe])]), why: 'byte' });
    } else if (kind < 80) {
      // An integer field (aligned like one) set to a boundary value, little- or big-endian.
      const width = r.pick([2, 4, 4, 8, 8]);
      const aligned = Math.max(region.start, at - (at % width));
      const value = r.pick(interestingValues(width, size, region));
      const bytes = le(value, width);
      if (r.int(3) === 0) bytes.reverse();
      out.push({ op: 'set', image: region.image, offset: aligned, hex: hex(bytes), why: `u${width * 8}=${value}` });
    } else if (kind < 92) {
      // Splice: copy bytes from another metadata region over this one (entries pointing at each other, loops).
      const from = r.pick(input.regions);
      const length = Math.min(1 + r.int(64), from.length, size - at);
      const src = from.start + r.int(Math.max(1, from.length - length + 1));
      if (length > 0 && src + length <= input.sizes[from.image]) {
        out.push({ op: 'set', image: region.image, offset: at, hex: hex(input.read(from.image, src, length)), why: `splice from ${src}` });
      }
    } else if (kind < 96) {
      // Random bytes over a stretch.
      const length = Math.min(1 + r.int(32), size - at);
      const bytes = Array.from({ length }, () => r.int(256));
      out.push({ op: 'set', image: region.image, offset: at, hex: hex(bytes), why: 'random run' });
    } else if (kind < 98) {
      out.push({ op: 'truncate', image: region.image, size: r.int(2) === 0 ? at : region.start });
    } else {
      out.push({ op: 'extend', image: region.image, size: r.pick([2 ** 32, 2 ** 36, 2 ** 40, 2 ** 44, 2 ** 50]) });
    }
  }
  return out;
}
