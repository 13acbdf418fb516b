/** Seeded random patterns and values for the property and AOT tests. */
import { Bitstring } from '../../../core/bitsyntax/index.js';

/** mulberry32: small, seeded, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Gen = ReturnType<typeof prng>;
const int = (r: Gen, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

export interface RandomField {
  text: string;
  kind: 'int' | 'const' | 'skip' | 'bitstring' | 'string' | 'float' | 'utf8' | 'array' | 'dyn' | 'rec';
  name?: string;
  bits?: number;
  signed?: boolean;
  le?: boolean;
  value?: unknown;
  /** Bit offset from the start of the pattern (static layouts only). */
  at: number;
}

export interface RandomPattern {
  text: string;
  fields: RandomField[];
  values: Record<string, unknown>;
  totalBits: number;
}

function randomBits(r: Gen, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 1n) | (r() < 0.5 ? 1n : 0n);
  return v;
}

export function randomInt(r: Gen, n: number, signed: boolean): number | bigint {
  const u = randomBits(r, n);
  const v = signed ? BigInt.asIntN(n, u) : u;
  return n <= 53 ? Number(v) : v;
}

/** A random pattern with static layout, plus values that fit it. */
export function randomPattern(r: Gen, maxFields = 12): RandomPattern {
  const n = int(r, 1, maxFields);
  const fields: RandomField[] = [];
  const values: Record<string, unknown> = {};
  let at = 0;
  for (let i = 0; i < n; i++) {
    const name = `f${i}`;
    const roll = r();
    let f: RandomField;
    if (roll < 0.1) {
      // A length-prefixed field: bytes (alignment provable) or raw bits.
      const bytesUnit = r() < 0.5;
      const n = int(r, 0, bytesUnit ? 6 : 30);
      const bits = bytesUnit ? n * 8 : n;
      const data = new Uint8Array(Math.ceil(bits / 8)).map(() => int(r, 0, 255));
      if (bits % 8) data[data.length - 1]! &= (0xff << (8 - (bits % 8))) & 0xff;
      const asString = bytesUnit && r() < 0.4;
      const text = asString
        ? `${name}_n : 8, ${name} : ${name}_n * 8 : string`
        : `${name}_n : 8, ${name} : ${bytesUnit ? `${name}_n * 8` : `${name}_n`} : bitstring`;
      f = { text, kind: 'dyn', name, bits: 8 + bits, at };
      values[`${name}_n`] = n;
      values[name] = asString ? Array.from({ length: int(r, 0, n) }, () => String.fromCharCode(int(r, 1, 255))).join('') : new Bitstring(data, 0, bits);
    } else if (roll < 0.17) {
      const a = int(r, 1, 12);
      const b = int(r, 1, 40);
      f = { text: `${name} : { a : ${a}, b : ${b} : littleendian }`, kind: 'rec', name, bits: a + b, at };
      values[name] = { a: randomInt(r, a, false), b: randomInt(r, b, false) };
    } else if (roll < 0.55) {
      // Integers: favour the interesting widths (8/16/32/64, 33..64, tiny).
      const widthRoll = r();
      const bits = widthRoll < 0.3 ? [8, 16, 24, 32, 40, 48, 56, 64][int(r, 0, 7)]! : widthRoll < 0.55 ? int(r, 33, 64) : int(r, 1, 32);
      const signed = r() < 0.4;
      const le = r() < 0.5;
      const quals = [le ? 'littleendian' : r() < 0.5 ? 'bigendian' : '', signed ? 'signed' : ''].filter(Boolean).join(' : ');
      f = { text: `${name} : ${bits}${quals ? ` : ${quals}` : ''}`, kind: 'int', name, bits, signed, le, at };
      values[name] = randomInt(r, bits, signed);
    } else if (roll < 0.55) {
      const bits = int(r, 1, 32);
      const v = Number(randomBits(r, bits));
      const le = r() < 0.5;
      f = { text: `0x${v.toString(16)} : ${bits}${le ? ' : littleendian' : ''}`, kind: 'const', bits, le, value: v, at };
    } else if (roll < 0.63) {
      const bits = int(r, 1, 80);
      f = { text: `_ : ${bits}`, kind: 'skip', bits, at };
    } else if (roll < 0.73) {
      const bits = int(r, 0, 40);
      const bytes = new Uint8Array(Math.ceil(bits / 8)).map(() => int(r, 0, 255));
      if (bits % 8) bytes[bytes.length - 1]! &= (0xff << (8 - (bits % 8))) & 0xff;
      f = { text: `${name} : ${bits} : bitstring`, kind: 'bitstring', name, bits, at };
      values[name] = new Bitstring(bytes, 0, bits);
    } else if (roll < 0.82) {
      const bytes = int(r, 1, 8);
      const len = int(r, 0, bytes);
      const s = Array.from({ length: len }, () => String.fromCharCode(int(r, 1, 255))).join('');
      f = { text: `${name} : ${bytes * 8} : string`, kind: 'string', name, bits: bytes * 8, at };
      values[name] = s;
    } else if (roll < 0.9) {
      const bits = r() < 0.5 ? 32 : 64;
      const le = r() < 0.5;
      const x = (r() - 0.5) * 2 ** int(r, -20, 60);
      f = { text: `${name} : ${bits} : float${le ? ' : littleendian' : ''}`, kind: 'float', name, bits, le, at };
      values[name] = bits === 32 ? Math.fround(x) : x;
    } else if (roll < 0.95) {
      const count = int(r, 0, 4);
      const bits = int(r, 1, 20);
      const le = r() < 0.5;
      f = { text: `${name}[${count}] : ${bits}${le ? ' : littleendian' : ''}`, kind: 'array', name, bits: bits * count, le, at };
      values[name] = Array.from({ length: count }, () => randomInt(r, bits, false));
    } else {
      const cp = [0x41, 0xe9, 0x20ac, 0x1f600][int(r, 0, 3)]!;
      const bits = cp < 0x80 ? 8 : cp < 0x800 ? 16 : cp < 0x10000 ? 24 : 32;
      f = { text: `${name} : utf8`, kind: 'utf8', name, bits, at };
      values[name] = cp;
    }
    fields.push(f);
    at += f.bits ?? 0;
  }
  return { text: fields.map((f) => f.text).join(',\n'), fields, values, totalBits: at };
}

/** Reads n bits at bit position pos, one bit at a time (an oracle independent of the library). */
export function naiveBits(bytes: Uint8Array, pos: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) {
    const p = pos + i;
    v = (v << 1n) | BigInt((bytes[Math.floor(p / 8)]! >> (7 - (p % 8))) & 1);
  }
  return v;
}

/** Little-endian per Erlang: 8-bit chunks in stream order, first chunk least significant. */
export function naiveLE(bytes: Uint8Array, pos: number, n: number): bigint {
  let v = 0n;
  for (let done = 0; done < n; done += 8) {
    const w = Math.min(8, n - done);
    v |= naiveBits(bytes, pos + done, w) << BigInt(done);
  }
  return v;
}

/** Copies `bytes` into a bigger array starting at bit `shift` after `prefix` bytes of noise. */
export function shiftBits(bytes: Uint8Array, totalBits: number, prefix: number, shift: number, r: Gen): { buf: Uint8Array; start: number } {
  const start = prefix * 8 + shift;
  const buf = new Uint8Array(Math.ceil((start + totalBits) / 8) + 2).map(() => int(r, 0, 255));
  for (let i = 0; i < totalBits; i++) {
    const bit = (bytes[Math.floor(i / 8)]! >> (7 - (i % 8))) & 1;
    const p = start + i;
    const mask = 1 << (7 - (p % 8));
    if (bit) buf[Math.floor(p / 8)]! |= mask;
    else buf[Math.floor(p / 8)]! &= ~mask;
  }
  return { buf, start };
}
