/**
 * fixtures/layouts.generated.ts is importC's module for fixtures/layouts.h (committed, so the type
 * checker sees it): it must be what importC makes today, and its patterns' result types are inferred
 * through nested records, arrays of records, unions and bit-fields.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { Bitstring, BindValue } from '../../../core/bitsyntax/index.js';
import { importC } from '../../../core/importc/index.js';
import { bitfields, nesting, with_typedef, arrays } from './fixtures/layouts.generated.js';

const HEADER = fileURLToPath(new URL('./fixtures/layouts.h', import.meta.url));
const GENERATED = fileURLToPath(new URL('./fixtures/layouts.generated.ts', import.meta.url));
export const GENERATE_OPTIONS = { fileName: 'layouts.h', importFrom: '../../../../core/bitsyntax/index.js', generatedBy: 'Made with: test/unit/importc/generated.test.ts (UPDATE_GENERATED=1 rewrites it)' } as const;

describe('fixtures/layouts.generated.ts', () => {
  test('is up to date', () => {
    const made = importC(readFileSync(HEADER, 'utf8'), GENERATE_OPTIONS).module;
    if (process.env.UPDATE_GENERATED === '1') writeFileSync(GENERATED, made);
    expect(readFileSync(GENERATED, 'utf8')).toBe(made);
  });

  test('result types are inferred', () => {
    const n = nesting.parse(new Uint8Array(64));
    expectTypeOf(n.one).toEqualTypeOf<{ x: number; y: number }>();
    expectTypeOf(n.many).toEqualTypeOf<{ x: number; y: number }[]>();
    expectTypeOf(n.u.as_bytes).toEqualTypeOf<Bitstring>();
    expectTypeOf(n.flat_b).toEqualTypeOf<bigint>();
    expectTypeOf(n.alt2).toEqualTypeOf<{ x: number; y: number }>();
    const b = bitfields.parse(new Uint8Array(64));
    expectTypeOf(b.a).toEqualTypeOf<number>();
    expectTypeOf(b.b).toEqualTypeOf<number>(); // bits 3..7 of byte 0
    expectTypeOf(b.c).toEqualTypeOf<BindValue>(); // bits 8..16: read through bytes 1..2
    expectTypeOf(with_typedef.parse(new Uint8Array(64)).ts).toEqualTypeOf<{ id: number; value: number }[]>();
    const a = arrays.parse(new Uint8Array(256));
    expectTypeOf(a.names).toEqualTypeOf<string[]>();
    expect(a.grid).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
