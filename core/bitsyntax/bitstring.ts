import { readFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import type { Source } from '../source/source.js';
import { IntrospectError } from '../errors.js';

/** Where a Bitstring's bytes came from, so errors can name the file and the file offset. */
export interface BitstringOrigin {
  /** File or source name. */
  readonly name: string;
  /** Offset in the file (bytes) of `bytes[0]`. */
  readonly byteOffset: number;
}

/**
 * A run of bits: a byte array plus a bit offset and a bit length. Slicing never copies.
 * Bit order is MSB-first: bit 0 of the stream is the most significant bit of bytes[0].
 */
export class Bitstring {
  constructor(
    readonly bytes: Uint8Array,
    readonly bitOffset: number = 0,
    readonly bitLength: number = bytes.length * 8 - bitOffset,
    readonly origin?: BitstringOrigin,
  ) {
    if (!Number.isSafeInteger(bitOffset) || !Number.isSafeInteger(bitLength) || bitOffset < 0 || bitLength < 0 || bitOffset + bitLength > bytes.length * 8) {
      throw new RangeError(`Bitstring of ${bitLength} bits at bit ${bitOffset} does not fit in ${bytes.length} bytes`);
    }
  }

  static fromBytes(bytes: Uint8Array, origin?: BitstringOrigin): Bitstring {
    return new Bitstring(bytes, 0, bytes.length * 8, origin);
  }

  /** Reads `length` bytes at `offset` of a Source (bounds-checked by the source). */
  static fromSource(source: Source, offset = 0, length: number = source.size - offset, structure?: string): Bitstring {
    return new Bitstring(source.read(offset, length, structure), 0, length * 8, { name: source.name, byteOffset: offset });
  }

  /** Reads a byte range of a file (whole file by default), opened read-only. */
  static fromFile(path: string, offset = 0, length?: number): Bitstring {
    if (offset === 0 && length === undefined) {
      const bytes = readFileSync(path);
      return new Bitstring(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), 0, bytes.length * 8, { name: path, byteOffset: 0 });
    }
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = length ?? size - offset;
      if (offset < 0 || len < 0 || offset + len > size) {
        throw new IntrospectError({ file: path, structure: 'bitstring', offset, reason: `range of ${len} bytes goes past the end (size ${size})` });
      }
      const buf = new Uint8Array(len);
      let done = 0;
      while (done < len) {
        const n = readSync(fd, buf, done, len - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return new Bitstring(buf, 0, len * 8, { name: path, byteOffset: offset });
    } finally {
      closeSync(fd);
    }
  }

  get byteLength(): number {
    return Math.ceil(this.bitLength / 8);
  }

  /** True when the bits start on a byte boundary and are a whole number of bytes. */
  get isAligned(): boolean {
    return this.bitOffset % 8 === 0 && this.bitLength % 8 === 0;
  }

  /** A zero-copy sub-range, in bits relative to this bitstring. */
  slice(bitStart: number, bitLength: number = this.bitLength - bitStart): Bitstring {
    if (bitStart < 0 || bitLength < 0 || bitStart + bitLength > this.bitLength) {
      throw new RangeError(`slice of ${bitLength} bits at ${bitStart} is outside a ${this.bitLength}-bit bitstring`);
    }
    return new Bitstring(this.bytes, this.bitOffset + bitStart, bitLength, this.origin);
  }

  /** Reads bit `i` (0 = first, MSB-first within bytes). */
  bit(i: number): number {
    const p = this.bitOffset + i;
    return (this.bytes[p >>> 3]! >> (7 - (p & 7))) & 1;
  }

  /**
   * The bits as bytes: a view (no copy) when aligned, else a new array, left-aligned with the
   * last byte padded with zero bits.
   */
  toUint8Array(): Uint8Array {
    if (this.bitOffset % 8 === 0 && this.bitLength % 8 === 0) {
      const start = this.bitOffset / 8;
      return this.bytes.subarray(start, start + this.bitLength / 8);
    }
    return copyBits(this.bytes, this.bitOffset, this.bitLength);
  }

  equals(other: Bitstring): boolean {
    if (other.bitLength !== this.bitLength) return false;
    for (let i = 0; i < this.bitLength; i++) if (this.bit(i) !== other.bit(i)) return false;
    return true;
  }

  /** Hex of the bytes (whole bytes) or 0b binary digits, for debugging; depends only on the bits. */
  toString(): string {
    if (this.bitLength % 8 === 0) return [...this.toUint8Array()].map((b) => b.toString(16).padStart(2, '0')).join('');
    let s = '';
    for (let i = 0; i < this.bitLength; i++) s += this.bit(i);
    return `0b${s}`;
  }
}

/** Copies `bitLength` bits starting at bit `bitPos` into a new left-aligned byte array. */
export function copyBits(bytes: Uint8Array, bitPos: number, bitLength: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(bitLength / 8));
  const sh = bitPos % 8;
  let src = (bitPos - sh) / 8;
  if (sh === 0) {
    out.set(bytes.subarray(src, src + out.length));
  } else {
    for (let i = 0; i < out.length; i++, src++) {
      out[i] = ((bytes[src]! << sh) | ((bytes[src + 1] ?? 0) >> (8 - sh))) & 0xff;
    }
  }
  const tail = bitLength % 8;
  if (tail !== 0) out[out.length - 1]! &= (0xff << (8 - tail)) & 0xff;
  return out;
}
