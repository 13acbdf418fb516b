import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BitMatchError, Bitstring, PatternSyntaxError, bitmatch, cases, definePattern } from '../../../core/bitsyntax/index.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { IntrospectError } from '../../../core/errors.js';

const u8 = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('bit order and integers', () => {
  it('reads bits MSB-first within the stream', () => {
    const p = bitmatch('a : 1, b : 3, c : 4, d : 5, e : 11');
    // 1 011 0101 | 10110 111 | 01010101
    expect(p.parse(u8(0b10110101, 0b10110111, 0b01010101))).toEqual({ a: 1, b: 0b011, c: 0b0101, d: 0b10110, e: 0b11101010101 });
  });

  it('keeps bit order independent of byte endianness (Erlang rule for little-endian)', () => {
    const p = bitmatch('x : 12 : littleendian, y : 4');
    // stream bits: 0xAB then 0xC (x's second, 4-bit chunk), then 0xD
    expect(p.parse(u8(0xab, 0xcd))).toEqual({ x: 0xcab, y: 0xd });
    const q = bitmatch('x : 16 : littleendian, y : 16 : bigendian, z : 24 : littleendian');
    expect(q.parse(u8(0x34, 0x12, 0x12, 0x34, 0x56, 0x34, 0x12))).toEqual({ x: 0x1234, y: 0x1234, z: 0x123456 });
  });

  it('gives numbers up to 53 bits and bigints above', () => {
    const p = bitmatch('a : 53, b : 54, c : 64 : littleendian, d : 64 : signed');
    const bytes = p.build({ a: 2 ** 53 - 1, b: 2n ** 54n - 1n, c: 0x0102030405060708n, d: -2n });
    const r = p.parse(bytes);
    expect(r.a).toBe(2 ** 53 - 1);
    expect(typeof r.a).toBe('number');
    expect(r.b).toBe(2n ** 54n - 1n);
    expect(r.c).toBe(0x0102030405060708n);
    expect(bytes.subarray(Math.floor((53 + 54) / 8) + 1, Math.floor((53 + 54) / 8) + 2)).toBeDefined();
    expect(r.d).toBe(-2n);
  });

  it('reads little-endian 64-bit values at byte offsets', () => {
    const p = bitmatch('_ : 8, v : 64 : littleendian');
    expect(p.parse(u8(0, 8, 7, 6, 5, 4, 3, 2, 1)).v).toBe(0x0102030405060708n);
  });

  it('sign-extends at every width', () => {
    for (const n of [1, 2, 7, 8, 13, 16, 24, 31, 32, 33, 40, 48, 53]) {
      const p = bitmatch(`_ : 3, v : ${n} : signed` as string);
      const min = -(2 ** (n - 1));
      expect(p.parse(p.build({ v: min })).v).toBe(min);
      expect(p.parse(p.build({ v: -1 })).v).toBe(-1);
    }
  });

  it('accepts bitmatch-style comma-separated qualifiers', () => {
    const p = bitmatch('x : 16 : littleendian, signed, y : 8');
    expect(p.parse(u8(0xfe, 0xff, 7))).toEqual({ x: -2, y: 7 });
  });
});

describe('constants, skips, strings, bitstrings', () => {
  it('matches integer and string constants in place and produces no key', () => {
    const p = bitmatch('0xEF53 : 16 : littleendian, (4|6) : 4, v : 4, "NTFS" : 64 : string, _ : 200, z : 8');
    const bytes = new Uint8Array(2 + 1 + 8 + 25 + 1);
    bytes.set([0x53, 0xef, 0x6a, 0x4e, 0x54, 0x46, 0x53, 0, 0, 0, 0]);
    bytes[36] = 9;
    expect(p.parse(bytes)).toEqual({ v: 0xa, z: 9 });
    const bad = bytes.slice();
    bad[2] = 0x5a;
    expect(p.match(bad)).toBeUndefined();
    const badStr = bytes.slice();
    badStr[10] = 1; // the constant is NUL-padded to its 64 bits
    expect(p.match(badStr)).toBeUndefined();
  });

  it('cuts Latin-1 strings at the first NUL and decodes UTF-16LE names', () => {
    const p = bitmatch('name : 64 : string, wide : 96 : string(utf16le), u : 48 : string(utf8)');
    const bytes = p.build({ name: 'ab\xe9', wide: 'Zé€', u: 'é€' });
    expect(bytes.length).toBe(8 + 12 + 6);
    expect(p.parse(bytes)).toEqual({ name: 'ab\xe9', wide: 'Zé€', u: 'é€' });
    expect(p.parse(u8(0x41, 0, 0x42, 0, 0, 0, 0, 0, 0x41, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).name).toBe('A');
  });

  it('returns zero-copy bitstring views', () => {
    const p = bitmatch('len : 8, data : len * 8 : bitstring, rest : -1 : bitstring');
    const bytes = u8(2, 0xaa, 0xbb, 0xcc);
    const r = p.parse(bytes);
    expect(r.data.bytes).toBe(bytes);
    expect(r.data.bitOffset).toBe(8);
    expect([...r.data.toUint8Array()]).toEqual([0xaa, 0xbb]);
    expect(r.rest.bitLength).toBe(8);
    expect(r.data.toUint8Array().buffer).toBe(bytes.buffer);
  });

  it('gives unaligned bitstrings as shifted copies', () => {
    const p = bitmatch('_ : 4, v : 12 : bitstring');
    const r = p.parse(u8(0xab, 0xcd));
    expect([...r.v.toUint8Array()]).toEqual([0xbc, 0xd0]);
    expect(r.v.toString()).toBe('0b101111001101');
  });
});

describe('sizes, checks, offsets', () => {
  const ipv4 = bitmatch(`
    4 : 4,
    ihl : 4 : check(ihl >= 5),
    tos : 8,
    length : 16,
    identification : 16,
    flags : 3,
    fragoffset : 13,
    ttl : 8,
    protocol : 8,
    checksum : 16,
    source : 32,
    dest : 32,
    options : (ihl - 5) * 32 : bitstring,
    payload : -1 : bitstring
  `);

  it('parses an IPv4 header with options sized by ihl', () => {
    const hdr = ipv4.build({ ihl: 6, tos: 0, length: 28, identification: 0x1c46, flags: 2, fragoffset: 0, ttl: 64, protocol: 17, checksum: 0xb1e6, source: 0xc0a80001, dest: 0xc0a800c7, options: u8(1, 2, 3, 4), payload: u8(9, 9) });
    expect(hdr[0]).toBe(0x46);
    const r = ipv4.parse(hdr);
    expect(r.flags).toBe(2);
    expect(r.source).toBe(0xc0a80001);
    expect([...r.options.toUint8Array()]).toEqual([1, 2, 3, 4]);
    expect([...r.payload.toUint8Array()]).toEqual([9, 9]);
  });

  it('fails a check with a BitMatchError naming field, offset, expected and actual', () => {
    const bytes = u8(0x44, ...new Array(19).fill(0));
    expect(ipv4.match(bytes)).toBeUndefined();
    let err: unknown;
    try {
      ipv4.parse(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BitMatchError);
    expect(err).toBeInstanceOf(IntrospectError);
    const e = err as BitMatchError;
    expect(e.field).toBe('ihl');
    expect(e.bitOffset).toBe(4);
    expect(e.expected).toBe('check((ihl >= 5))');
    expect(e.actual).toBe('4');
    expect(e.kind).toBe('check');
    expect(e.missingBits).toBeUndefined();
    expect(e.pattern).toContain('ihl');
  });

  it('reports short input at the first field that does not fit', () => {
    const p = definePattern('short_test', 'a : 32, b : 32, c : 16');
    try {
      p.parse(Bitstring.fromSource(new BytesSource('disk.img', new Uint8Array(100)), 94, 6));
      expect.unreachable();
    } catch (e) {
      const err = e as BitMatchError;
      expect(err.field).toBe('b');
      expect(err.bitOffset).toBe(32);
      expect(err.expected).toBe('32 bits');
      expect(err.actual).toBe('16 bits left');
      expect(err.kind).toBe('short');
      expect(err.missingBits).toBe(16);
      expect(err.file).toBe('disk.img');
      expect(err.offset).toBe(98);
      expect(err.message).toContain('short_test field b');
    }
  });

  it('names the constant that failed', () => {
    const p = bitmatch('0xEF53 : 16 : littleendian');
    expect(() => p.parse(u8(0, 0))).toThrow(/expected 0xef53, got 0/);
  });

  it('binds, saves offsets and seeks with offset()', () => {
    const p = bitmatch('a : 8 : bind(a * 2), _ : 4 : save_offset_to(here), b : 4, c : 8 : offset(32), d : 8 : offset(a * 8)');
    const bytes = u8(4, 0x0f, 0, 0, 0x77, 0, 0, 0, 0x66);
    expect(p.parse(bytes)).toEqual({ a: 8, here: 8, b: 0xf, c: 0x77, d: 0x66 });
    expect(() => p.build({ a: 1, b: 1, c: 1, d: 1 })).toThrow(/bind/);
  });

  it('takes sizes from unit(n)', () => {
    const p = bitmatch('n : 8, data : n : bitstring : unit(8), v : 2 : unit(4)');
    const r = p.parse(u8(2, 1, 2, 0xab));
    expect([...r.data.toUint8Array()]).toEqual([1, 2]);
    expect(r.v).toBe(0xab);
  });

  it('chooses endianness with endian(expr) and nativeendian', () => {
    const p = bitmatch('ei_data : 8, v : 16 : endian(ei_data == 1 ? "little" : "big"), n : 16 : nativeendian');
    const native = new Uint8Array(new Uint16Array([0x1234]).buffer);
    expect(p.parse(u8(1, 0x34, 0x12, ...native))).toEqual({ ei_data: 1, v: 0x1234, n: 0x1234 });
    expect(p.parse(u8(2, 0x12, 0x34, ...native)).v).toBe(0x1234);
    expect(p.build({ ei_data: 1, v: 0x1234, n: 0x1234 })).toEqual(u8(1, 0x34, 0x12, ...native));
    const bad = bitmatch('e : 8, v : 8 : endian(e)', {});
    expect(() => bad.parse(u8(1, 2))).toThrow(/endian/);
  });

  it('reads floats of 16, 32 and 64 bits in both byte orders and at bit offsets', () => {
    const p = bitmatch('h : 16 : float, f : 32 : float : littleendian, d : 64 : float, _ : 3, g : 32 : float, e : 64 : float : littleendian');
    const v = { h: -1.5, f: 3.25, d: Math.PI, g: -0.125, e: 1e300 };
    const bytes = p.build(v);
    expect(p.parse(bytes)).toEqual(v);
    expect([...bytes.subarray(0, 2)]).toEqual([0xbe, 0x00]);
    expect([...bytes.subarray(2, 6)]).toEqual([0, 0, 0x50, 0x40]);
  });

  it('reads utf8/utf16/utf32 code points (one code point each, Erlang semantics)', () => {
    const p = bitmatch('a : utf8, b : utf8, c : utf16, d : utf16 : littleendian, e : utf32');
    const bytes = p.build({ a: 0x41, b: 0x20ac, c: 0x1f600, d: 0xe9, e: 0x10ffff });
    expect(bytes.length).toBe(1 + 3 + 4 + 2 + 4);
    expect(p.parse(bytes)).toEqual({ a: 0x41, b: 0x20ac, c: 0x1f600, d: 0xe9, e: 0x10ffff });
    expect(p.match(u8(0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toBeUndefined();
  });
});

describe('repetition, named patterns, templates, cases', () => {
  const entry = definePattern('mbr_partition_entry', `
    boot_indicator : 8, _ : 24, sys_ind : 8, _ : 24,
    start_sect : 32 : littleendian, nr_sects : 32 : littleendian
  `);

  it('reads counted and to-the-end arrays of scalars', () => {
    const p = bitmatch('n : 8, xs[n] : 16 : littleendian, rest[] : 8');
    const r = p.parse(u8(2, 1, 0, 2, 0, 7, 8, 9));
    expect(r).toEqual({ n: 2, xs: [1, 2], rest: [7, 8, 9] });
    expect(p.build(r)).toEqual(u8(2, 1, 0, 2, 0, 7, 8, 9));
    expect(p.match(u8(200, 1, 2))).toBeUndefined();
  });

  it('splices named patterns and repeats sub-patterns (MBR)', () => {
    const mbr = bitmatch('_ : 3568, parts[4] : { :mbr_partition_entry }, 0x55AA : 16');
    const sector = mbr.build({ parts: [
      { boot_indicator: 0x80, sys_ind: 0x83, start_sect: 2048, nr_sects: 4096 },
      { boot_indicator: 0, sys_ind: 0x8e, start_sect: 6144, nr_sects: 100 },
      { boot_indicator: 0, sys_ind: 0, start_sect: 0, nr_sects: 0 },
      { boot_indicator: 0, sys_ind: 0, start_sect: 0, nr_sects: 0 },
    ] });
    expect(sector.length).toBe(512);
    expect([sector[510], sector[511]]).toEqual([0x55, 0xaa]);
    expect(sector[446 + 16 + 4]).toBe(0x8e);
    const r = mbr.parse(sector);
    expect(r.parts[1]).toEqual({ boot_indicator: 0, sys_ind: 0x8e, start_sect: 6144, nr_sects: 100 });
    expect(entry.parse(sector, 446).start_sect).toBe(2048);
    const spliced = bitmatch('{ :mbr_partition_entry }, extra : 8');
    expect(Object.keys(spliced.parse(new Uint8Array(17)))).toEqual(['boot_indicator', 'sys_ind', 'start_sect', 'nr_sects', 'extra']);
    const viaEnv = bitmatch('e : { :entry }, { :entry2 }', { entry, entry2: bitmatch('z : 8') });
    const rr = viaEnv.parse(new Uint8Array(17));
    expect(rr.e.nr_sects).toBe(0);
    expect(rr.z).toBe(0);
  });

  it('fails arrays whose count exceeds the input without allocating', () => {
    const p = bitmatch('n : 32, xs[n] : { a : 8, b : 8 }');
    expect(p.match(u8(0xff, 0xff, 0xff, 0xff, 1, 2))).toBeUndefined();
    expect(() => p.parse(u8(0xff, 0xff, 0xff, 0xff, 1, 2))).toThrow(/xs/);
  });

  it('takes sizes, constants and sub-patterns from tagged-template interpolations', () => {
    const size = 12;
    const magic = 0xabc;
    const sub = bitmatch('q : 4');
    const p = bitmatch`${magic} : ${size}, v : ${size} : littleendian, s : ${sub}, ${'ok'} : 16 : string`;
    const p2 = bitmatch`${magic} : ${size}, v : ${size} : littleendian, s : ${sub}, ${'ok'} : 16`;
    // v's stream bits are 0x321 -> chunks 0x32 (low), 0x1 (high) = 0x132; then q = 7, then "ok"
    const bytes = u8(0xab, 0xc3, 0x21, 0x76, 0xf6, 0xb0);
    expect(p2.parse(bytes)).toEqual({ v: 0x132, s: { q: 7 } });
    expect(p.parse(bytes)).toEqual({ v: 0x132, s: { q: 7 } });
    expect(p2.build({ v: 0x132, s: { q: 7 } })).toEqual(bytes);
    const again = (n: number) => bitmatch`x : ${n}`;
    expect(again(8)).toBe(again(8));
  });

  it('falls through cases whose pattern or guard fails', () => {
    const v4 = bitmatch('4 : 4, ihl : 4, _ : 8');
    const v6 = bitmatch('6 : 4, tc : 8, _ : 4');
    const classify = cases<string>('ip version')
      .when(v4, (h) => h.ihl >= 5, (h) => `v4 ihl ${h.ihl}`)
      .case(v6, (h) => `v6 tc ${h.tc}`)
      .otherwise((input) => `other ${input instanceof Uint8Array ? input[0] : -1}`);
    expect(classify.match(u8(0x45, 0))).toBe('v4 ihl 5');
    expect(classify.match(u8(0x44, 0))).toBe('other 68');
    expect(classify.match(u8(0x61, 0x20))).toBe('v6 tc 18');
    const strict = cases<number>().case(v4, (h) => h.ihl);
    expect(() => strict.parse(u8(0x61, 0))).toThrow(/no case matched/);
  });
});

describe('more corners', () => {
  it('applies endian(expr) to every array element', () => {
    const p = bitmatch('e : 8, xs[2] : 16 : endian(e == 1 ? "little" : "big")');
    expect(p.parse(u8(1, 1, 0, 2, 0))).toEqual({ e: 1, xs: [1, 2] });
    expect(p.parse(u8(2, 0, 1, 0, 2))).toEqual({ e: 2, xs: [1, 2] });
  });

  it('skips the rest with _ : -1, reads zero-width fields, seeks to computed offsets', () => {
    const p = bitmatch('a : 8, z : 0, _ : -1');
    expect(p.parse(u8(5, 1, 2, 3))).toEqual({ a: 5, z: 0 });
    const q = bitmatch('at : 8, _ : 8, v : 16 : littleendian : offset(at * 8), w : 8');
    expect(q.parse(u8(3, 0, 0, 0x34, 0x12, 9))).toEqual({ at: 3, v: 0x1234, w: 9 });
    expect(q.match(u8(200, 0, 0))).toBeUndefined();
    expect(() => q.parse(u8(200, 0, 0))).toThrow(/offset inside the input/);
  });

  it('walks a sequence with matchBits', () => {
    const rec = bitmatch('len : 8, data : len * 8 : bitstring');
    const bytes = u8(1, 0xaa, 2, 0xbb, 0xcc, 0);
    const seen: number[] = [];
    let at = 0;
    for (let r = rec.matchBits(bytes, at); r && r.value.len > 0; r = rec.matchBits(bytes, at)) {
      seen.push(r.value.len);
      at = r.bitEnd;
    }
    expect(seen).toEqual([1, 2]);
    expect(at).toBe(40);
  });

  it('knows the size of fixed-layout patterns', () => {
    expect(bitmatch('a : 8, xs[3] : 16, r : { b : 4, c : 4 }, _ : 8').staticBitLength).toBe(8 + 48 + 8 + 8);
    expect(bitmatch('n : 8, xs[n] : 16').staticBitLength).toBeUndefined();
    expect(bitmatch('a : 8, rest : -1 : bitstring').staticBitLength).toBeUndefined();
  });

  it('refuses to register two different patterns under one name', () => {
    definePattern('dup_test', 'a : 8');
    expect(() => definePattern('dup_test', 'a : 8')).not.toThrow();
    expect(() => definePattern('dup_test', 'a : 16')).toThrow(/already registered/);
  });

  it('rejects byte offsets outside the input', () => {
    const p = bitmatch('a : 8');
    expect(p.match(u8(1), 1)).toBeUndefined();
    expect(p.match(u8(1), -1)).toBeUndefined();
    expect(p.match(u8(1, 2), 0.5)).toBeUndefined();
    expect(() => p.parse(u8(1), 5)).toThrow(/byte offset within/);
  });
});

describe('construction', () => {
  it('names the field whose value does not fit', () => {
    const p = bitmatch('a : 4, b : 8 : signed, s : 32 : string, bs : 16 : bitstring');
    expect(() => p.build({ a: 16, b: 0, s: '', bs: u8(0, 0) })).toThrow(/field a.*unsigned 4-bit/);
    expect(() => p.build({ a: 1, b: 128, s: '', bs: u8(0, 0) })).toThrow(/field b/);
    expect(() => p.build({ a: 1, b: -128, s: 'toolong', bs: u8(0, 0) })).toThrow(/field s/);
    expect(() => p.build({ a: 1, b: 0, s: 'ok', bs: u8(0) })).toThrow(/field bs.*16 bits/);
    try {
      p.build({ a: 16, b: 0, s: '', bs: u8(0, 0) });
    } catch (e) {
      expect((e as BitMatchError).field).toBe('a');
      expect((e as BitMatchError).actual).toBe('16');
    }
  });

  it('refuses unknown names and bad syntax at compile time', () => {
    expect(() => bitmatch('a : b * 8')).toThrow(PatternSyntaxError);
    expect(() => bitmatch('a : 65')).toThrow(/0..64/);
    expect(() => bitmatch('a : 8 : bogus')).toThrow(/unknown qualifier/);
    expect(() => bitmatch('a : 8, a : 8')).toThrow(/twice/);
    expect(() => bitmatch('x : { :no_such_pattern }')).toThrow(/no named pattern/);
  });
});

describe('Bitstring', () => {
  it('slices without copying and matches at any bit offset', () => {
    const bytes = u8(0b00010110, 0b10000000, 0xff);
    const bs = new Bitstring(bytes, 3, 13);
    const p = bitmatch('a : 4, b : 9');
    expect(p.parse(bs)).toEqual({ a: 0b1011, b: 0b010000000 });
    expect(bs.slice(4).bitLength).toBe(9);
    expect(bs.slice(4).bytes).toBe(bytes);
    expect(p.match(bs, 1)).toBeUndefined();
  });

  it('parses straight from a Source, naming it in errors', () => {
    const src = new BytesSource('disk.img', u8(0, 0, 0, 0x12, 0x34, 0xef, 0x53));
    const p = definePattern('from_source', 'v : 16, 0xEF53 : 16');
    expect(p.parseFrom(src, 3)).toEqual({ v: 0x1234 });
    expect(p.matchFrom(src, 4)).toBeUndefined();
    expect(p.matchFrom(src, 5)).toBeUndefined();
    expect(() => p.parseFrom(src, 2)).toThrow('disk.img: from_source field 0xEF53 : 16 at offset 4 (0x4): expected 0xef53, got 0x34ef (bit offset 16)');
    expect(() => p.parseFrom(src, 5)).toThrow(IntrospectError);
  });

  it('reads file ranges', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitsyntax-'));
    try {
      const f = join(dir, 'x.bin');
      writeFileSync(f, u8(1, 2, 3, 4, 5));
      const bs = Bitstring.fromFile(f, 1, 3);
      expect([...bs.toUint8Array()]).toEqual([2, 3, 4]);
      expect(bs.origin).toEqual({ name: f, byteOffset: 1 });
      expect(() => Bitstring.fromFile(f, 4, 3)).toThrow(IntrospectError);
      expect(Bitstring.fromFile(f).bitLength).toBe(40);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
