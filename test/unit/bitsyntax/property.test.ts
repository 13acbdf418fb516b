import { describe, expect, it } from 'vitest';
import { BitMatchError, Bitstring, bitmatch } from '../../../core/bitsyntax/index.js';
import { naiveBits, naiveLE, prng, randomPattern, shiftBits } from './random-patterns.js';

function normalise(v: unknown): unknown {
  if (v instanceof Bitstring) return `bits:${v.bitLength}:${v.toString()}`;
  if (Array.isArray(v)) return v.map(normalise);
  return v;
}

function normaliseRecord(r: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalise(v)]));
}

describe('property: random patterns round-trip build -> match', () => {
  const SEEDS = 400;
  it(`holds for ${SEEDS} seeded random patterns, aligned and at every bit shift`, { timeout: 120_000 }, () => {
    let intFields = 0;
    let wideFields = 0;
    let unalignedLe = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = prng(seed);
      const rp = randomPattern(r);
      const p = bitmatch(rp.text as string);
      const bytes = p.build(rp.values as never);
      expect(bytes.length, `seed ${seed}`).toBe(Math.ceil(rp.totalBits / 8));
      const want = normaliseRecord(rp.values);
      expect(normaliseRecord(p.parse(bytes) as Record<string, unknown>), `seed ${seed}: ${rp.text}`).toEqual(want);

      // The bytes hold each integer where the oracle says, in the documented bit order.
      for (const f of rp.fields) {
        if (f.kind !== 'int' && f.kind !== 'const') continue;
        const raw = f.le ? naiveLE(bytes, f.at, f.bits!) : naiveBits(bytes, f.at, f.bits!);
        const v = f.kind === 'const' ? BigInt(f.value as number) : f.signed ? BigInt.asIntN(f.bits!, raw) : raw;
        const got = f.kind === 'const' ? BigInt(f.value as number) : BigInt(rp.values[f.name!] as number | bigint);
        expect(v, `seed ${seed} field ${f.text} at ${f.at}`).toBe(got);
        if (f.kind === 'int') {
          intFields++;
          if (f.bits! > 32) wideFields++;
          if (f.le && (f.at % 8 !== 0 || f.bits! % 8 !== 0)) unalignedLe++;
        }
      }

      // Same values from a bitstring starting at any bit of a larger, noisy buffer.
      for (const shift of [1, 3, 7]) {
        const { buf, start } = shiftBits(bytes, rp.totalBits, seed % 3, shift, r);
        const bs = new Bitstring(buf, start, rp.totalBits);
        expect(normaliseRecord(p.parse(bs) as Record<string, unknown>), `seed ${seed} shift ${shift}`).toEqual(want);
      }

      // Truncated input never matches (when the last field has a size) and never throws.
      if (rp.totalBits > 0 && rp.fields[rp.fields.length - 1]!.bits! > 0) {
        const cut = new Bitstring(bytes, 0, rp.totalBits - 1);
        expect(p.match(cut), `seed ${seed} truncated`).toBeUndefined();
      }
    }
    // The generator really exercised what the property is about.
    expect(intFields).toBeGreaterThan(500);
    expect(wideFields).toBeGreaterThan(150);
    expect(unalignedLe).toBeGreaterThan(100);
  });

  it('never throws on garbage input: match gives undefined or a record, parse a BitMatchError', { timeout: 120_000 }, () => {
    let matched = 0;
    let failed = 0;
    for (let seed = 1000; seed < 1300; seed++) {
      const r = prng(seed);
      const rp = randomPattern(r);
      const p = bitmatch(`${rp.text}, tail : 4 : check(tail != 15)` as string);
      for (let k = 0; k < 5; k++) {
        const len = Math.floor(r() * (rp.totalBits / 8 + 4));
        const bytes = new Uint8Array(len).map(() => Math.floor(r() * 256));
        const bs = new Bitstring(bytes, Math.min(len * 8, k), Math.max(0, len * 8 - k));
        const got = p.match(bs);
        if (got === undefined) {
          failed++;
          expect(() => p.parse(bs)).toThrow(BitMatchError);
        } else matched++;
      }
    }
    expect(matched).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(50);
  });

  it('rejects every out-of-range integer at build, naming the field', { timeout: 120_000 }, () => {
    const r = prng(99);
    for (let i = 0; i < 200; i++) {
      const bits = 1 + Math.floor(r() * 64);
      const signed = r() < 0.5;
      const p = bitmatch(`pad : 3, v : ${bits}${signed ? ' : signed' : ''}` as string);
      const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
      const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
      expect(() => p.build({ pad: 0, v: max + 1n })).toThrow(/field v/);
      expect(() => p.build({ pad: 0, v: min - 1n })).toThrow(/field v/);
      expect(() => p.build({ pad: 0, v: max })).not.toThrow();
    }
  });
});
