import { describe, expect, it } from 'vitest';
import { BitMatchError, PatternSyntaxError, bitmatch, definePattern, generateModule } from '../../../core/bitsyntax/index.js';
import { compileCounters } from '../../../core/bitsyntax/pattern.js';

const u8 = (...b: number[]): Uint8Array => new Uint8Array(b);
const snapshot = (): { sources: number; functions: number } => ({ ...compileCounters });

// Field names are unique to this file so that the source-keyed compile cache cannot hide a compile.
describe('lazy compilation', () => {
  it('defining patterns generates no code and calls no new Function', () => {
    const before = snapshot();
    const p = bitmatch('lazy_a : 8, lazy_b : 16 : littleendian');
    const named = definePattern('lazy_hdr', 'lazy_magic : 8, lazy_len : 8');
    const outer = bitmatch('h : { :lazy_hdr }, lazy_rest : 8');
    expect(snapshot()).toEqual(before);
    // fields, staticBitLength and build work from the parsed fields alone
    expect(p.fields.map((f) => f.name)).toEqual(['lazy_a', 'lazy_b']);
    expect(p.staticBitLength).toBe(24);
    expect(outer.staticBitLength).toBe(24);
    expect(named.build({ lazy_magic: 7, lazy_len: 2 })).toEqual(u8(7, 2));
    expect(snapshot()).toEqual(before);

    expect(p.match(u8(1, 0x34, 0x12))).toEqual({ lazy_a: 1, lazy_b: 0x1234 });
    expect(snapshot()).toEqual({ sources: before.sources + 1, functions: before.functions + 1 });
    expect(p.match(u8(2, 0, 1))).toEqual({ lazy_a: 2, lazy_b: 0x100 });
    expect(outer.parse(u8(7, 2, 9))).toEqual({ h: { lazy_magic: 7, lazy_len: 2 }, lazy_rest: 9 });
    expect(snapshot()).toEqual({ sources: before.sources + 2, functions: before.functions + 2 });
  });

  it('a named() copy shares the compilation of its original', () => {
    const p = bitmatch('lazy_c : 8, lazy_d : 8');
    expect(p.match(u8(1, 2))).toEqual({ lazy_c: 1, lazy_d: 2 });
    const before = snapshot();
    const copy = definePattern('lazy_copy', p);
    expect(copy.parse(u8(3, 4))).toEqual({ lazy_c: 3, lazy_d: 4 });
    expect(snapshot()).toEqual(before);
  });

  it('reading source generates code without new Function; the first match then compiles it once', () => {
    const p = bitmatch('lazy_e : 4, lazy_f : 4');
    const before = snapshot();
    expect(p.source).toContain('lazy_e');
    expect(snapshot()).toEqual({ sources: before.sources + 1, functions: before.functions });
    expect(p.match(u8(0x5a))).toEqual({ lazy_e: 5, lazy_f: 10 });
    expect(snapshot()).toEqual({ sources: before.sources + 1, functions: before.functions + 1 });
  });

  it('every entry point compiles on first use: matchBits, parse failures, generateModule', () => {
    expect(bitmatch('lazy_g : 3, lazy_h : 2').matchBits(u8(0b10111000), 1)).toEqual({ value: { lazy_g: 0b011, lazy_h: 0b10 }, bitEnd: 6 });
    const strict = bitmatch('0x55 : 8, lazy_i : 8');
    expect(() => strict.parse(u8(0x54, 1))).toThrow(BitMatchError);
    expect(() => bitmatch('lazy_i2 : 16').parse(u8(1))).toThrow(expect.objectContaining({ kind: 'short', field: 'lazy_i2', missingBits: 8 }));
    const mod = generateModule({ lazyJ: bitmatch('lazy_j : 8') }, { importFrom: 'introspect' });
    expect(mod).toContain('export const lazyJ = fromCompiled');
    expect(mod).toContain('lazy_j');
  });

  it('syntax errors are still reported at definition time', () => {
    const before = snapshot();
    expect(() => bitmatch('lazy_k : 8, : 8')).toThrow(PatternSyntaxError);
    expect(() => bitmatch('lazy_l : lazy_undefined * 8')).toThrow(PatternSyntaxError);
    expect(() => definePattern('lazy_bad', 'lazy_m : 8 : nosuchqualifier')).toThrow(PatternSyntaxError);
    expect(() => bitmatch('x : { :lazy_not_registered }')).toThrow(PatternSyntaxError);
    expect(snapshot()).toEqual(before);
  });
});
