/**
 * Helpers called by compiled matchers (runtime and ahead-of-time). Everything is allocated once at
 * module load: no per-call DataView or TextDecoder. Bit order is MSB-first: stream bit p is bit
 * (7 - p % 8) of byte floor(p / 8).
 */
import { Bitstring } from './bitstring.js';
import { exprFunctions } from './expr.js';

const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchF64 = new Float64Array(scratch);
export const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8Decoder = new TextDecoder('utf-8');

/** Last failure of a compiled matcher (synchronous code only, so one shared record suffices). */
export interface FailRecord {
  i: number;
  kind: number;
  pos: number;
  a: unknown;
  end: number;
}

export const FAIL_SHORT = 0;
export const FAIL_CONST = 1;
export const FAIL_CHECK = 2;
export const FAIL_SIZE = 3;
export const FAIL_ENDIAN = 4;
export const FAIL_CODEPOINT = 6;
export const FAIL_OFFSET = 7;
export const FAIL_PROGRESS = 8;

const F: FailRecord = { i: 0, kind: 0, pos: 0, a: undefined, end: 0 };

/** Unsigned big-endian-bit read of n <= 32 bits at any bit position. */
function rb(b: Uint8Array, pos: number, n: number): number {
  if (n === 0) return 0;
  const sh = pos % 8;
  let i = (pos - sh) / 8;
  const span = (sh + n + 7) >> 3;
  let acc = 0;
  for (let j = 0; j < span; j++) acc = acc * 256 + b[i++]!;
  const drop = span * 8 - sh - n;
  acc = Math.floor(acc / 2 ** drop);
  return acc % 2 ** n;
}

/** Unsigned read of n <= 53 bits as a number. */
function rnum(b: Uint8Array, pos: number, n: number): number {
  if (n <= 32) return rb(b, pos, n);
  return rb(b, pos, n - 32) * 4294967296 + rb(b, pos + n - 32, 32);
}

/** Unsigned read of n <= 64 bits as a bigint. */
function rbig(b: Uint8Array, pos: number, n: number): bigint {
  if (n <= 32) return BigInt(rb(b, pos, n));
  return (BigInt(rb(b, pos, n - 32)) << 32n) | BigInt(rb(b, pos + n - 32, 32));
}

/**
 * Little-endian read (Erlang's rule for any width): the field's bits, in stream order, are cut
 * into 8-bit chunks (the last may be shorter); the first chunk is the least significant.
 */
function rle(b: Uint8Array, pos: number, n: number): number {
  let v = 0;
  let scale = 1;
  for (let done = 0; done < n; done += 8) {
    const w = Math.min(8, n - done);
    v += rb(b, pos + done, w) * scale;
    scale *= 2 ** w;
  }
  return v;
}

function rlebig(b: Uint8Array, pos: number, n: number): bigint {
  let v = 0n;
  let shift = 0n;
  for (let done = 0; done < n; done += 8) {
    const w = Math.min(8, n - done);
    v |= BigInt(rb(b, pos + done, w)) << shift;
    shift += BigInt(w);
  }
  return v;
}

/** Sign-extends an unsigned n-bit number (n <= 53). */
function sx(v: number, n: number): number {
  return n > 0 && v >= 2 ** (n - 1) ? v - 2 ** n : v;
}

/** Generic integer read: n <= 53 -> number, else bigint. */
function uint(b: Uint8Array, pos: number, n: number, le: boolean, signed: boolean): number | bigint {
  if (n <= 53) {
    const v = le ? rle(b, pos, n) : rnum(b, pos, n);
    return signed ? sx(v, n) : v;
  }
  const v = le ? rlebig(b, pos, n) : rbig(b, pos, n);
  return signed ? BigInt.asIntN(n, v) : v;
}

function big2(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function half(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Float from n (16/32/64) bits at any position. */
function flt(b: Uint8Array, pos: number, n: number, le: boolean): number {
  if (n === 16) return half(le ? rle(b, pos, 16) : rb(b, pos, 16));
  const bytes = n / 8;
  for (let j = 0; j < bytes; j++) {
    const v = rb(b, pos + j * 8, 8);
    // scratch is in host order: store so that the host reads the intended value
    const k = le === NATIVE_LE ? j : bytes - 1 - j;
    scratchBytes[k] = v;
  }
  return n === 32 ? scratchF32[0]! : scratchF64[0]!;
}

/** Float at a byte index (aligned fast path). */
function f32(b: Uint8Array, i: number, le: boolean): number {
  if (le === NATIVE_LE) {
    scratchBytes[0] = b[i]!; scratchBytes[1] = b[i + 1]!; scratchBytes[2] = b[i + 2]!; scratchBytes[3] = b[i + 3]!;
  } else {
    scratchBytes[3] = b[i]!; scratchBytes[2] = b[i + 1]!; scratchBytes[1] = b[i + 2]!; scratchBytes[0] = b[i + 3]!;
  }
  return scratchF32[0]!;
}

function f64(b: Uint8Array, i: number, le: boolean): number {
  if (le === NATIVE_LE) for (let j = 0; j < 8; j++) scratchBytes[j] = b[i + j]!;
  else for (let j = 0; j < 8; j++) scratchBytes[7 - j] = b[i + j]!;
  return scratchF64[0]!;
}

/** Latin-1 text of `n` bytes at byte index i, cut at the first NUL. */
function latin1(b: Uint8Array, i: number, n: number): string {
  let s = '';
  const stop = i + n;
  for (let j = i; j < stop; j++) {
    const c = b[j]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function utf8(b: Uint8Array, i: number, n: number): string {
  let stop = i;
  const limit = i + n;
  while (stop < limit && b[stop] !== 0) stop++;
  return utf8Decoder.decode(b.subarray(i, stop));
}

function utf16(b: Uint8Array, i: number, n: number, le: boolean): string {
  let s = '';
  const stop = i + n - 1;
  for (let j = i; j < stop; j += 2) {
    const u = le ? b[j]! | (b[j + 1]! << 8) : (b[j]! << 8) | b[j + 1]!;
    if (u === 0) break;
    s += String.fromCharCode(u);
  }
  return s;
}

/** A string field at any bit position; nbits is a whole number of bytes. */
function str(b: Uint8Array, pos: number, nbits: number, enc: number): string {
  let bytes = b;
  let i = pos / 8;
  if (pos % 8 !== 0) {
    bytes = copyBitsLocal(b, pos, nbits);
    i = 0;
  }
  const n = nbits / 8;
  switch (enc) {
    case 0: return latin1(bytes, i, n);
    case 1: return utf8(bytes, i, n);
    case 2: return utf16(bytes, i, n, true);
    default: return utf16(bytes, i, n, false);
  }
}

function copyBitsLocal(b: Uint8Array, pos: number, nbits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(nbits / 8));
  for (let j = 0; j < out.length; j++) out[j] = rb(b, pos + j * 8, Math.min(8, nbits - j * 8)) << (8 - Math.min(8, nbits - j * 8));
  return out;
}

/** Compares `c.length` bytes at bit position pos with c, then checks the rest of nbits is zero. */
function eqb(b: Uint8Array, pos: number, nbits: number, c: readonly number[]): boolean {
  let j = 0;
  if (pos % 8 === 0) {
    const i = pos / 8;
    for (; j < c.length; j++) if (b[i + j] !== c[j]) return false;
  } else {
    for (; j < c.length; j++) if (rb(b, pos + j * 8, 8) !== c[j]) return false;
  }
  for (let done = j * 8; done < nbits; done += 32) if (rb(b, pos + done, Math.min(32, nbits - done)) !== 0) return false;
  return true;
}

/** Code point readers: return the code point, or -1; the bits consumed go to `cpBits`. */
const CP = { bits: 0 };
function cp8(b: Uint8Array, pos: number, end: number): number {
  if (end - pos < 8) return -1;
  const c0 = rb(b, pos, 8);
  let n: number;
  let cp: number;
  if (c0 < 0x80) { CP.bits = 8; return c0; }
  if (c0 >= 0xc2 && c0 < 0xe0) { n = 1; cp = c0 & 0x1f; }
  else if (c0 >= 0xe0 && c0 < 0xf0) { n = 2; cp = c0 & 0x0f; }
  else if (c0 >= 0xf0 && c0 < 0xf5) { n = 3; cp = c0 & 0x07; }
  else return -1;
  if (end - pos < 8 * (n + 1)) return -1;
  for (let j = 1; j <= n; j++) {
    const c = rb(b, pos + 8 * j, 8);
    if ((c & 0xc0) !== 0x80) return -1;
    cp = cp * 64 + (c & 0x3f);
  }
  if ((n === 2 && cp < 0x800) || (n === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  CP.bits = 8 * (n + 1);
  return cp;
}
function cp16(b: Uint8Array, pos: number, end: number, le: boolean): number {
  if (end - pos < 16) return -1;
  const u = le ? rle(b, pos, 16) : rb(b, pos, 16);
  if (u < 0xd800 || u > 0xdfff) { CP.bits = 16; return u; }
  if (u > 0xdbff || end - pos < 32) return -1;
  const l = le ? rle(b, pos + 16, 16) : rb(b, pos + 16, 16);
  if (l < 0xdc00 || l > 0xdfff) return -1;
  CP.bits = 32;
  return 0x10000 + (u - 0xd800) * 0x400 + (l - 0xdc00);
}
function cp32(b: Uint8Array, pos: number, end: number, le: boolean): number {
  if (end - pos < 32) return -1;
  const u = le ? rle(b, pos, 32) : rb(b, pos, 32);
  if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) return -1;
  CP.bits = 32;
  return u;
}

function fail(i: number, kind: number, pos: number, a: unknown, end: number): undefined {
  F.i = i;
  F.kind = kind;
  F.pos = pos;
  F.a = a;
  F.end = end;
  return undefined;
}

/** Short-input failure inside a run of fixed-size fields: t = [id, start, size, id, start, size, ...]. */
function short(t: readonly number[], p: number, end: number): undefined {
  for (let j = 0; j < t.length; j += 3) {
    if (p + t[j + 1]! + t[j + 2]! > end) return fail(t[j]!, FAIL_SHORT, p + t[j + 1]!, t[j + 2]!, end);
  }
  return fail(t[0]!, FAIL_SHORT, p, 0, end);
}

/** The helper object every compiled matcher receives as `H`. */
export const H = {
  F, CP, NATIVE_LE, Bitstring,
  rb, rnum, rbig, rle, rlebig, sx, uint, big2, flt, f32, f64, half, latin1, utf8, utf16, str, eqb, cp8, cp16, cp32, fail, short,
  ...exprFunctions,
};
export type Helpers = typeof H;
