/**
 * Construction: writes values into bytes following the same fields as matching. Interpreted (no
 * generated code), so it also works under a strict CSP. Every value is checked: an integer that
 * does not fit its width, a string longer than its field or a bitstring of the wrong length throws
 * a BitMatchError naming the field.
 */
import type { Field } from './ast.js';
import { Bitstring } from './bitstring.js';
import { type Expr, evalExpr, exprText } from './expr.js';
import { encodeString } from './parse.js';
import type { BitMatchFailure } from './errors.js';
import { NATIVE_LE } from './runtime.js';

const MAX_BUILD_BITS = 2 ** 34;

class BuildFailure extends Error {
  constructor(readonly failure: Omit<BitMatchFailure, 'pattern'>) {
    super(failure.expected);
  }
}

export { BuildFailure };

class BitWriter {
  bytes = new Uint8Array(64);
  pos = 0;
  max = 0;

  ensure(bits: number): void {
    if (bits > MAX_BUILD_BITS) throw new RangeError('output too large');
    const need = Math.ceil(bits / 8);
    if (need <= this.bytes.length) return;
    let n = this.bytes.length;
    while (n < need) n *= 2;
    const grown = new Uint8Array(n);
    grown.set(this.bytes);
    this.bytes = grown;
  }

  /** Writes the low n bits of u at the current position, MSB first. */
  writeBE(u: bigint, n: number): void {
    this.ensure(this.pos + n);
    if (this.pos % 8 === 0 && n % 8 === 0) {
      const i = this.pos / 8;
      for (let j = n / 8 - 1, x = u; j >= 0; j--, x >>= 8n) this.bytes[i + j] = Number(x & 0xffn);
    } else {
      for (let j = 0; j < n; j++) {
        const bit = Number((u >> BigInt(n - 1 - j)) & 1n);
        const p = this.pos + j;
        const mask = 1 << (7 - (p & 7));
        if (bit) this.bytes[p >>> 3]! |= mask;
        else this.bytes[p >>> 3]! &= ~mask;
      }
    }
    this.skip(n);
  }

  /** Erlang's little-endian rule: 8-bit chunks in stream order, least significant first. */
  writeLE(u: bigint, n: number): void {
    for (let done = 0; done < n; done += 8) {
      const w = Math.min(8, n - done);
      this.writeBE((u >> BigInt(done)) & ((1n << BigInt(w)) - 1n), w);
    }
  }

  writeBytes(bytes: Uint8Array | readonly number[], nbits: number): void {
    for (let j = 0; j * 8 < nbits; j++) {
      const w = Math.min(8, nbits - j * 8);
      this.writeBE(BigInt((bytes[j] ?? 0) >> (8 - w)), w);
    }
  }

  skip(n: number): void {
    this.ensure(this.pos + n);
    this.pos += n;
    if (this.pos > this.max) this.max = this.pos;
  }

  seek(p: number): void {
    this.ensure(p);
    this.pos = p;
    if (p > this.max) this.max = p;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, Math.ceil(this.max / 8));
  }
}

type Values = Readonly<Record<string, unknown>>;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof Bitstring) return `<${v.bitLength} bits>`;
  if (Array.isArray(v)) return `<array of ${v.length}>`;
  return String(v);
}

function fieldLabel(f: Field): string {
  return f.name ?? f.text;
}

export function buildPattern(fields: readonly Field[], values: Values): Uint8Array {
  const w = new BitWriter();
  buildFields(fields, values, w, 0);
  return w.result();
}

function buildFields(fields: readonly Field[], values: Values, w: BitWriter, base: number): void {
  if (values === null || typeof values !== 'object') throw new BuildFailure({ field: '(record)', bitOffset: w.pos, expected: 'an object of field values', actual: describe(values) });
  const scope = new Map<string, unknown>();
  const lookup = (name: string): unknown => scope.get(name);
  const evaluate = (f: Field, e: Expr): ReturnType<typeof evalExpr> => {
    try {
      return evalExpr(e, lookup);
    } catch (err) {
      throw new BuildFailure({ field: fieldLabel(f), bitOffset: w.pos, expected: `a computable ${exprText(e)}`, actual: (err as Error).message });
    }
  };
  for (const f of fields) {
    if (f.offset) {
      const off = Number(evaluate(f, f.offset));
      if (!Number.isSafeInteger(off) || off < 0) throw new BuildFailure({ field: fieldLabel(f), bitOffset: w.pos, expected: 'a non-negative offset', actual: String(off) });
      w.seek(base + off);
    }
    if (f.saveOffsetTo) scope.set(f.saveOffsetTo, w.pos - base);
    if (f.bind) throw new BuildFailure({ field: fieldLabel(f), bitOffset: w.pos, expected: 'a field without bind() (build cannot invert bind)', actual: 'bind()' });
    let le: boolean;
    if (f.endian === 'big') le = false;
    else if (f.endian === 'little') le = true;
    else if (f.endian === 'native') le = NATIVE_LE;
    else {
      const e = evaluate(f, f.endian.expr);
      if (e !== 'big' && e !== 'little' && e !== 'native') throw new BuildFailure({ field: fieldLabel(f), bitOffset: w.pos, expected: 'endian big, little or native', actual: describe(e) });
      le = e === 'little' || (e === 'native' && NATIVE_LE);
    }
    const raw = f.name !== null ? values[f.name] : undefined;
    if (f.name !== null && raw === undefined) throw new BuildFailure({ field: f.name, bitOffset: w.pos, expected: 'a value', actual: 'undefined' });

    let bound: unknown;
    if (f.array) {
      if (!Array.isArray(raw)) throw new BuildFailure({ field: fieldLabel(f), bitOffset: w.pos, expected: 'an array', actual: describe(raw) });
      if (f.array.count !== null) {
        const c = Number(evaluate(f, f.array.count));
        if (c !== raw.length) throw new BuildFailure({ field: fieldLabel(f), bitOffset: w.pos, expected: `${c} elements`, actual: `${raw.length} elements` });
      }
      const elem: Field = { ...f, array: undefined, offset: undefined, saveOffsetTo: undefined, endian: le ? 'little' : 'big' };
      bound = raw.map((x: unknown) => buildOne(elem, x, w, evaluate, le));
    } else bound = buildOne(f, raw, w, evaluate, le);
    if (f.name !== null) {
      scope.set(f.name, bound);
      if (f.check && !evaluate(f, f.check)) {
        throw new BuildFailure({ field: f.name, bitOffset: w.pos, expected: `check(${exprText(f.check)})`, actual: describe(raw) });
      }
    }
  }
}

/** Writes one (non-array) field; returns the value as a match would bind it. */
function buildOne(f: Field, raw: unknown, w: BitWriter, evaluate: (f: Field, e: Expr) => ReturnType<typeof evalExpr>, le: boolean): unknown {
  const start = w.pos;
  const fail = (expected: string, actual: unknown = raw): never => {
    throw new BuildFailure({ field: fieldLabel(f), bitOffset: start, expected, actual: describe(actual) });
  };
  if (f.type === 'record') {
    buildFields(f.fields!, raw as Values, w, w.pos);
    return raw;
  }
  if (f.type === 'utf8' || f.type === 'utf16' || f.type === 'utf32') {
    const cp = f.constant?.kind === 'int' ? Number(f.constant.values[0]) : raw;
    if (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return fail('a Unicode code point');
    const c = cp as number;
    if (f.type === 'utf8') w.writeBytes(new TextEncoder().encode(String.fromCodePoint(c)), new TextEncoder().encode(String.fromCodePoint(c)).length * 8);
    else if (f.type === 'utf32') (le ? w.writeLE(BigInt(c), 32) : w.writeBE(BigInt(c), 32));
    else {
      const s = String.fromCodePoint(c);
      for (let j = 0; j < s.length; j++) (le ? w.writeLE(BigInt(s.charCodeAt(j)), 16) : w.writeBE(BigInt(s.charCodeAt(j)), 16));
    }
    return c;
  }

  // Size in bits.
  let bits: number;
  if (f.rest) {
    if (f.type === 'bitstring') bits = raw instanceof Bitstring ? raw.bitLength : raw instanceof Uint8Array ? raw.length * 8 : f.constant?.kind === 'bytes' ? f.constant.bytes.length * 8 : fail('a Bitstring or Uint8Array');
    else if (f.type === 'string') bits = typeof raw === 'string' ? encodeOrFail(raw, f, fail).length * 8 : f.constant?.kind === 'bytes' ? f.constant.bytes.length * 8 : fail('a string');
    else if (f.name === null && !f.constant) bits = 0;
    else return fail(`a ${f.type} field with a known size (size -1 only builds strings and bitstrings)`);
  } else {
    const s = Number(evaluate(f, f.size!)) * f.unit;
    if (!Number.isSafeInteger(s) || s < 0) return fail('a non-negative integer size', s);
    bits = s;
  }

  if (f.constant) {
    if (f.constant.kind === 'int') writeInt(f, BigInt(f.constant.values[0]!), bits, le, w, fail);
    else w.writeBytes(f.constant.bytes, bits);
    return undefined;
  }
  if (f.name === null) {
    w.writeBytes([], bits);
    return undefined;
  }
  switch (f.type) {
    case 'int': {
      if (typeof raw !== 'number' && typeof raw !== 'bigint') return fail('an integer');
      if (typeof raw === 'number' && !Number.isSafeInteger(raw)) return fail('a safe integer (use a bigint beyond 2^53)');
      writeInt(f, BigInt(raw), bits, le, w, fail);
      return bits <= 53 ? Number(raw) : BigInt(raw);
    }
    case 'float': {
      if (typeof raw !== 'number') return fail('a number');
      if (bits !== 16 && bits !== 32 && bits !== 64) return fail('a 16, 32 or 64-bit float size', bits);
      const u = floatBits(raw, bits);
      if (le) w.writeLE(u, bits);
      else w.writeBE(u, bits);
      return raw;
    }
    case 'string': {
      if (typeof raw !== 'string') return fail('a string');
      const bytes = encodeOrFail(raw, f, fail);
      if (bytes.length * 8 > bits) return fail(`a string of at most ${bits / 8} bytes`, `${bytes.length} bytes`);
      w.writeBytes(bytes, bits);
      return raw;
    }
    case 'bitstring': {
      let bs: Bitstring;
      if (raw instanceof Bitstring) bs = raw;
      else if (raw instanceof Uint8Array) bs = Bitstring.fromBytes(raw);
      else return fail('a Bitstring or Uint8Array');
      if (bs.bitLength !== bits) return fail(`${bits} bits`, `${bs.bitLength} bits`);
      w.writeBytes(bs.toUint8Array(), bits);
      return bs;
    }
    default:
      return fail(`a buildable field (type ${f.type})`);
  }
}

function encodeOrFail(s: string, f: Field, fail: (e: string) => never): number[] {
  try {
    return encodeString(s, f.encoding);
  } catch (e) {
    return fail(`${f.encoding} text (${(e as Error).message})`);
  }
}

function writeInt(f: Field, v: bigint, bits: number, le: boolean, w: BitWriter, fail: (e: string, a?: unknown) => never): void {
  if (bits > 64) fail('an integer field of at most 64 bits', bits);
  const n = BigInt(bits);
  const lo = f.signed ? (bits === 0 ? 0n : -(1n << (n - 1n))) : 0n;
  const hi = f.signed ? (bits === 0 ? 0n : (1n << (n - 1n)) - 1n) : (1n << n) - 1n;
  if (v < lo || v > hi) fail(`${f.signed ? 'signed' : 'unsigned'} ${bits}-bit integer (${lo}..${hi})`, v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v);
  const u = BigInt.asUintN(bits, v);
  if (le) w.writeLE(u, bits);
  else w.writeBE(u, bits);
}

const fbuf = new DataView(new ArrayBuffer(8));
function floatBits(x: number, bits: number): bigint {
  if (bits === 64) {
    fbuf.setFloat64(0, x);
    return fbuf.getBigUint64(0);
  }
  if (bits === 32) {
    fbuf.setFloat32(0, x);
    return BigInt(fbuf.getUint32(0));
  }
  return BigInt(toHalf(x));
}

function toHalf(x: number): number {
  fbuf.setFloat32(0, x);
  const f = fbuf.getUint32(0);
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  let mant = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >> shift;
    if ((mant >> (shift - 1)) & 1 && (mant & ((1 << (shift - 1)) - 1) || h & 1)) h++;
    return sign | h;
  }
  let h = sign | (e << 10) | (mant >> 13);
  if (mant & 0x1000 && (mant & 0xfff || h & 1)) h++;
  e = 0;
  return h + e;
}
