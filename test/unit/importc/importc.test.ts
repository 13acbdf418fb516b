/** importC on small headers: offsets worked out by hand from the ABIs, and the patterns matching bytes. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bitmatch, Bitstring, definePattern } from '../../../core/bitsyntax/index.js';
import { IntrospectError } from '../../../core/errors.js';
import { importC, type ImportCResult, type ImportedRecord } from '../../../core/importc/index.js';

function rec(r: ImportCResult, name: string): ImportedRecord {
  const found = r.records.find((x) => x.name === name);
  if (!found) throw new Error(`no record ${name} in ${r.records.map((x) => x.name).join(', ')}`);
  return found;
}
const offsets = (x: ImportedRecord): Record<string, [number, number]> => Object.fromEntries(x.fields.map((f) => [f.path, [f.offset, f.size]]));

/** Runs the generated module's patterns (definePattern calls) and returns its exports. */
function loadModule(r: ImportCResult): Record<string, ReturnType<typeof bitmatch>> {
  const js = r.module.replace(/^import .*$/m, '').replace(/^export const (\w+) = /gm, 'const $1 = exports.$1 = ');
  const exports: Record<string, ReturnType<typeof bitmatch>> = {};
  new Function('definePattern', 'exports', js)(definePattern, exports);
  return exports;
}

const NESTING = `
#define N 3
struct in { unsigned short x; unsigned char y; };
struct outer {
  char a;
  struct in b;
  unsigned int c;
  union { unsigned int w; unsigned char bytes[4]; } u;
  struct { unsigned long long q; };
  struct in arr[N];
  char name[5];
};
`;

describe('layout', () => {
  test('nesting, anonymous members, unions, arrays of structs: x86_64', () => {
    const r = importC(NESTING);
    expect(r.warnings).toEqual([]);
    // \`in\` is a TypeScript keyword: exported as in_
    expect(r.records.map((x) => [x.name, x.cType, x.size, x.align])).toEqual([['in_', 'struct in', 4, 2], ['outer', 'struct outer', 48, 8]]);
    expect(offsets(rec(r, 'outer'))).toEqual({
      a: [0, 1], b: [2, 4], 'b.x': [2, 2], 'b.y': [4, 1], c: [8, 4], u: [12, 4], 'u.w': [12, 4], 'u.bytes': [12, 4], q: [16, 8], arr: [24, 12], name: [36, 5],
    });
    expect(rec(r, 'outer').dependencies).toEqual(['in_']);
  });

  test('i386: long long is 4-aligned inside structures', () => {
    const r = importC(NESTING, { target: 'i386' });
    expect(rec(r, 'outer')).toMatchObject({ size: 44, align: 4 });
    expect(offsets(rec(r, 'outer')).q).toEqual([16, 8]);
  });

  test('data models: long, pointers, plain char signedness', () => {
    const h = 'struct t { long l; void *p; char c; int (*fn)(void); };';
    expect(importC(h).records[0]!.size).toBe(32);
    expect(importC(h, { target: 'i386' }).records[0]!.size).toBe(16);
    const arm = importC(h, { target: 'arm64' }).records[0]!;
    expect(arm.size).toBe(32);
    expect(arm.pattern).toMatch(/c : 8,/);
    expect(importC(h).records[0]!.pattern).toMatch(/c : 8 : signed,/);
    expect(importC(h, { target: 'i386' }).records[0]!.pattern).toMatch(/p : 32 : littleendian,/);
    // AAPCS64: unnamed (and zero-width) bit-fields count for the record's alignment; SysV: they do not
    const z = 'struct z { char a; int : 0; char b; };';
    expect([importC(z).records[0]!.size, importC(z).records[0]!.align]).toEqual([5, 1]);
    expect([importC(z, { target: 'arm64' }).records[0]!.size, importC(z, { target: 'arm64' }).records[0]!.align]).toEqual([8, 4]);
  });

  test('packed structures and members, aligned(N), #pragma pack', () => {
    const r = importC(`
      struct __attribute__((packed)) p { unsigned char a; unsigned int b; unsigned short c; };
      struct m { unsigned char a; unsigned int b __attribute__((packed)); unsigned int c __attribute__((aligned(16))); };
      struct al { char a; } __attribute__((aligned(8)));
      #pragma pack(2)
      struct pp { char a; long long b; };
      #pragma pack()
      struct after { char a; long long b; };
    `);
    expect([rec(r, 'p').size, rec(r, 'p').align, offsets(rec(r, 'p'))]).toEqual([7, 1, { a: [0, 1], b: [1, 4], c: [5, 2] }]);
    expect([rec(r, 'm').size, offsets(rec(r, 'm'))]).toEqual([32, { a: [0, 1], b: [1, 4], c: [16, 4] }]);
    expect([rec(r, 'al').size, rec(r, 'al').align]).toEqual([8, 8]);
    expect([rec(r, 'pp').size, offsets(rec(r, 'pp')).b]).toEqual([10, [2, 8]]);
    expect([rec(r, 'after').size, offsets(rec(r, 'after')).b]).toEqual([16, [8, 8]]);
  });

  test('enums: values, size and signedness; enum constants and #defines in array sizes', () => {
    const r = importC(`
      #define COUNT (2 * 3)
      #define NAME "not a number"
      enum e { A, B = 10, C };
      enum neg { M = -2, P };
      struct se { enum e kind; unsigned char pad[C]; enum neg n; short xs[COUNT]; };
    `);
    expect(r.enums).toEqual({ e: { A: 0, B: 10, C: 11 }, neg: { M: -2, P: -1 } });
    expect(r.defines).toEqual({ COUNT: 6 });
    expect(offsets(rec(r, 'se'))).toEqual({ kind: [0, 4], pad: [4, 11], n: [16, 4], xs: [20, 12] });
    expect(rec(r, 'se').pattern).toMatch(/kind : 32 : littleendian,[^\n]*\n\s*pad : 88 : bitstring,[^\n]*\n\s*_ : 8,\n\s*n : 32 : littleendian : signed,/);
  });

  test('typedefs, kernel and fixed-width types, endianness from __le/__be', () => {
    const r = importC(`
      typedef struct { __be16 port; __le32 n; uint8_t b; int64_t s; } hdr_t;
      typedef hdr_t hdr_alias;
      struct uses { hdr_alias h; __aligned_u64 v; u16 w; s8 x; };
    `);
    expect(rec(r, 'hdr_t').cType).toBe('hdr_t');
    expect(rec(r, 'hdr_t').pattern).toMatch(/port : 16 : bigendian,[\s\S]*n : 32 : littleendian,[\s\S]*b : 8,[\s\S]*s : 64 : littleendian : signed,/);
    expect(offsets(rec(r, 'uses'))).toMatchObject({ h: [0, 24], v: [24, 8], w: [32, 2], x: [34, 1] });
    expect(rec(r, 'uses').pattern).toMatch(/h : \{ :hdr_t \},/);
  });
});

test('a header redefining __be16 (Linux: typedef __u16 __bitwise __be16) keeps it big-endian; huge arrays are refused', () => {
  const r = importC('typedef unsigned short __u16;\ntypedef __u16 __bitwise __be16;\nstruct h { __be16 port; };\nstruct huge { char x[0x100000][0x10000]; };\n');
  expect(rec(r, 'h').pattern).toMatch(/port : 16 : bigendian,/);
  expect(r.skipped).toEqual([{ name: 'huge', line: 4, reason: expect.stringMatching(/more than import-c handles/) as unknown as string }]);
});

describe('preprocessor', () => {
  test('#if / #elif / #else evaluated for the target; unknown identifiers are 0; comments and continuations', () => {
    const r = importC(`
      #define FEATURE 2
      /* a comment with struct hidden { int x; }; inside */
      #if FEATURE > 1 && \\
          defined(__x86_64__)
      struct one { int x; }; // the first true branch
      #elif defined(FEATURE)
      struct two { int x; };
      #else
      struct three { int x; };
      #endif
      #ifdef MISSING
      struct four { int x; };
      #endif
      #if UNKNOWN_MACRO == 0 && !defined(__i386__)
      struct five { int x; };
      #endif
      #define ARGS(a, b) a ## b
      struct ARGS(si, x) { int ARGS(fie, ld)[ARGS(1, 6) / 4]; };
    `);
    expect(r.records.map((x) => x.name)).toEqual(['one', 'five', 'six']);
    expect(offsets(rec(r, 'six'))).toEqual({ field: [0, 16] });
    expect(importC('#if defined(__i386__)\nstruct a { int x; };\n#else\nstruct b { int x; };\n#endif\n', { target: 'i386' }).records.map((x) => x.name)).toEqual(['a']);
  });

  test('#include is followed only with include folders; records of included files come when used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'importc-inc-'));
    try {
      mkdirSync(join(dir, 'sys'));
      mkdirSync(join(dir, 'inc'));
      writeFileSync(join(dir, 'sys/types.h'), '#pragma once\ntypedef unsigned int my_u32;\ntypedef int my_i8 __attribute__((__mode__(__QI__)));\n#define LEN 6\nstruct unused_here { int x; };\nstruct used { my_u32 v; };\n');
      writeFileSync(join(dir, 'inc/lib.h'), '#include "../sys/types.h"\n#define HAS_LIB 1\n');
      const main = '#include "sys/types.h"\n#include <lib.h>\n#include <missing.h>\n#if HAS_LIB\nstruct m { my_i8 a; char s[LEN]; struct used u; };\n#endif\n';
      const r = importC(main, { includeDirs: [join(dir, 'inc')], headerDir: dir, fileName: 'main.h' });
      expect(r.records.map((x) => [x.name, x.file, x.size])).toEqual([['used', join(dir, 'sys/types.h'), 4], ['m', undefined, 12]]);
      expect(r.warnings).toEqual([{ line: 3, message: '#include <missing.h> not found in the include folders; not read' }]);
      expect(r.module).toContain(`/** struct used (${join(dir, 'sys/types.h')}:6): 4 bytes, aligned to 4. */`);
      // without include folders nothing is read: my_i8 is unknown
      expect(importC(main).skipped.map((x) => x.name)).toEqual([]);
      expect(importC(main).records).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('-D style defines select branches', () => {
    const h = '#ifdef __KERNEL__\nstruct k { long x; };\n#else\nstruct u { int x; };\n#endif\n';
    expect(importC(h).records.map((x) => x.name)).toEqual(['u']);
    expect(importC(h, { defines: { __KERNEL__: '1' } }).records.map((x) => x.name)).toEqual(['k']);
  });

  test('#error in a taken branch is an error with its line', () => {
    expect(() => importC('\n#ifndef X\n#error need X\n#endif\n', { fileName: 'e.h' })).toThrow(/e\.h: line 3: #error need X/);
  });
});

describe('unsupported input', () => {
  const H = 'struct good { int a; };\nstruct bad {\n  int a;\n  MYSTERY_T b;\n};\nstruct user { struct bad b; };\n';
  test('all records: the struct is skipped with a warning naming the line and the token', () => {
    const r = importC(H, { fileName: 'x.h' });
    expect(r.records.map((x) => x.name)).toEqual(['good']);
    expect(r.skipped.map((s) => [s.name, s.line])).toEqual([['bad', 4], ['user', 6]]);
    expect(r.skipped[0]!.reason).toMatch(/'MYSTERY_T'/);
    expect(r.warnings.map((w) => w.line)).toEqual([4, 6]);
  });
  test('a requested record that is not understood is an IntrospectError with the line', () => {
    let err: unknown;
    try {
      importC(H, { fileName: 'x.h', structs: ['bad'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IntrospectError);
    expect((err as Error).message).toMatch(/^x\.h: struct bad at line 4: member type expected, found 'MYSTERY_T'/);
    expect(() => importC(H, { structs: ['nope'] })).toThrow(/struct nope: not defined in the header \(defined: good, bad, user\)/);
  });
  test('declarations outside records that are not understood are skipped with a warning', () => {
    const r = importC('int f(int x) { return x; }\nstatic inline int g(void) { return 1; }\n@@@ ;\nstruct ok { int a; };\n');
    expect(r.records.map((x) => x.name)).toEqual(['ok']);
    expect(r.warnings).toEqual([{ line: 3, message: "declaration skipped: declaration expected, found '@'" }]);
  });
});

describe('patterns', () => {
  test('bit-fields: LSB-first in little-endian storage, straddling ones read through their bytes', () => {
    const r = importC('struct bf { unsigned a:3, b:6; int s:4; unsigned long long big:40; unsigned char z; };');
    const bf = rec(r, 'bf');
    expect(bf.size).toBe(8);
    expect(bf.fields.map((f) => [f.path, f.bitOffset, f.bitWidth])).toEqual([['a', 0, 3], ['b', 3, 6], ['s', 9, 4], ['big', 13, 40], ['z', undefined, undefined]]);
    const v = 5n | (45n << 3n) | (BigInt(-3 & 0xf) << 9n) | (0x123456789an << 13n) | (0x7fn << 56n);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, v, true);
    const { bf: p } = loadModule(r);
    expect(p!.parse(bytes)).toEqual({ a: 5, b: 45, s: -3, big: 0x123456789a, z: 0x7f });
  });

  test('bit-fields read through 7 or 8 bytes (bigint arithmetic) and signed straddling ones', () => {
    const r = importC('struct w { unsigned long long x:4, y:50; int s:10; }; struct v { unsigned long long x:4, z:60; };');
    const m = loadModule(r);
    // s fits in the int-sized unit holding bits 32..63, so it shares the long long's last bytes (gcc does the same)
    const wv = 9n | (0x2_3456_789a_bcden << 4n) | (BigInt(-300 & 0x3ff) << 54n);
    const wb = new Uint8Array(8);
    new DataView(wb.buffer).setBigUint64(0, wv, true);
    expect(rec(r, 'w')).toMatchObject({ size: 8, align: 8 });
    expect(rec(r, 'w').fields.map((f) => [f.path, f.bitOffset, f.bitWidth])).toEqual([['x', 0, 4], ['y', 4, 50], ['s', 54, 10]]);
    expect(m.w!.parse(wb)).toEqual({ x: 9, y: 0x2_3456_789a_bcde, s: -300 });
    const s0 = loadModule(importC('struct s0 { unsigned short a:8, g:12; };')).s0!;
    expect(s0.parse(new Uint8Array([0xab, 0, 0xef, 0xfd]))).toEqual({ a: 0xab, g: 0xdef });
    const vb = new Uint8Array(8);
    new DataView(vb.buffer).setBigUint64(0, 3n | (0xfed_cba9_8765_4321n << 4n), true);
    expect(m.v!.parse(vb)).toEqual({ x: 3, z: 0xfed_cba9_8765_4321n });
  });

  test('union alternatives overlap through offset(); char arrays are strings, byte arrays bitstrings, 2-D arrays flattened', () => {
    const r = importC(`
      union u { unsigned int w; unsigned char b[4]; char s[4]; };
      struct arr { char names[2][4]; unsigned short grid[2][2]; struct { unsigned char k; } items[2]; };
    `);
    const m = loadModule(r);
    const u = m.u!.parse(new Uint8Array([0x41, 0x42, 0, 0x44]));
    expect(u.w).toBe(0x44004241);
    expect((u.b as Bitstring).toUint8Array()).toEqual(new Uint8Array([0x41, 0x42, 0, 0x44]));
    expect(u.s).toBe('AB');
    expect(rec(r, 'arr').pattern).toMatch(/names\[2\] : 32 : string,[\s\S]*grid\[4\] : 16 : littleendian,[\s\S]*items\[2\] : \{/);
    const a = m.arr!.parse(new Uint8Array([0x61, 0, 0, 0, 0x62, 0x63, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 9, 8]));
    expect(a).toEqual({ names: ['a', 'bc'], grid: [1, 2, 3, 4], items: [{ k: 9 }, { k: 8 }] });
  });

  test('build then parse gives the values back (padding is zero)', () => {
    const r = importC(NESTING);
    const { outer } = loadModule(r);
    const values = { a: -5, b: { x: 0x1234, y: 7 }, c: 0xdeadbeef, u: { w: 0x01020304, bytes: new Uint8Array([4, 3, 2, 1]) }, q: 0x1122334455667788n, arr: [{ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 5, y: 6 }], name: 'abcd' };
    const bytes = outer!.build(values as never); // the generic record type has no Uint8Array (build accepts one for bitstrings)
    expect(bytes.length).toBe(48);
    expect(bytes[1]).toBe(0);
    const back = outer!.parse(bytes);
    expect({ ...back, u: { w: (back.u as { w: number }).w } }).toEqual({ ...values, u: { w: 0x01020304 } });
  });

  test('the module names records, splices named ones with an env and reports the command', () => {
    const r = importC(NESTING, { fileName: 'n.h', importFrom: '../x.js', generatedBy: 'Made with: test' });
    expect(r.module).toContain("import { definePattern } from '../x.js';");
    expect(r.module).toContain('// Made with: test');
    expect(r.module).toMatch(/export const outer = definePattern\('outer', `[\s\S]*b : \{ :in_ \},[\s\S]*`, \{ in_ \}\);/);
    expect(r.module).toContain('/** struct outer (n.h:4): 48 bytes, aligned to 8. */');
  });
});
