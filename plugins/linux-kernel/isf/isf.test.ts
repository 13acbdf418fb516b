import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { checkProfileSchema } from '../../../core/profiles/schema.js';
import { validateProfile } from '../../../core/profiles/validate.js';
import { parseBtf } from '../btf/parse.js';
import { profileFromBtf } from '../image-profile/from-btf.js';
import { serializeProfile } from '../profile-build/build.js';
import { BANNER, tinyKernelBtf } from '../profile-build/testing.js';
import { descriptorToC, parseCType } from './ctype.js';
import { isfFromBtf } from './from-btf.js';
import { parseJsonBig, stringifyJsonBig } from './json.js';
import { isfBanner, isfFromProfile, profileBanner, profileFromIsf, readIsf } from './profile-isf.js';
import type { IsfDocument } from './types.js';

const SYMBOLS = new Map<string, bigint>([
  ['init_task', 0xffffffff82a0c940n],
  ['init_files', 0xffffffff82a0d000n],
  ['linux_banner', 0xffffffff82000021n],
  ['init_top_pgt', 0xffffffff8260a000n],
  ['_text', 0xffffffff81000000n],
  ['some_function', 0xffffffff81001234n],
]);

const roundTrip = (doc: IsfDocument): IsfDocument => readIsf(stringifyJsonBig(doc, 1), 'x.json');

describe('JSON with 64-bit integers', () => {
  it('keeps integers past 2^53 exact both ways, and other numbers as numbers', () => {
    const v = parseJsonBig('{"a": 18446744071601994048, "b": [1, -2.5e3, "s\\u0041\\n"], "c": {"d": null, "e": true}}', 'f');
    expect(v).toEqual({ a: 18446744071601994048n, b: [1, -2500, 'sA\n'], c: { d: null, e: true } });
    expect(stringifyJsonBig(v)).toBe('{"a":18446744071601994048,"b":[1,-2500,"sA\\n"],"c":{"d":null,"e":true}}');
  });

  it('names the offset of bad JSON', () => {
    expect(() => parseJsonBig('{"a": [1, 2}', 'f.json')).toThrow(/f\.json: JSON at offset 11/);
    expect(() => parseJsonBig('{"a": 1} x', 'f.json')).toThrow(/text after the JSON value/);
  });
});

describe('C type spellings <-> ISF descriptors', () => {
  it.each(['struct list_head *', 'char[16]', 'pid_t', 'long unsigned int', 'struct task_struct *', 'unsigned int[2][3]', 'void (*)()', 'union (anonymous)', 'enum pid_type'])('%s', (c) => {
    const toDesc = (t: ReturnType<typeof parseCType>): Parameters<typeof descriptorToC>[0] =>
      t.kind === 'pointer' ? { kind: 'pointer', subtype: toDesc(t.to) } : t.kind === 'array' ? { kind: 'array', count: t.count, subtype: toDesc(t.of) } : t.kind === 'function' ? { kind: 'function' } : t.kind === 'base' ? { kind: 'base', name: t.name } : t.name === '(anonymous)' ? { kind: t.kind, name: `__anon_${t.kind}_7` } : { kind: t.kind, name: t.name };
    expect(descriptorToC(toDesc(parseCType(c)))).toBe(c);
  });

  it('drops qualifiers', () => {
    expect(parseCType('const struct cred *')).toEqual({ kind: 'pointer', to: { kind: 'struct', name: 'cred' } });
  });
});

describe('ISF export and import', () => {
  const btf = parseBtf(tinyKernelBtf());

  it('BTF -> ISF: structs with anonymous members and bit-fields, typedefs resolved, pointer size, symbols with known types, the banner Volatility matches', () => {
    const doc = roundTrip(isfFromBtf(btf, { symbols: SYMBOLS, banner: BANNER }));
    expect(doc.base_types.pointer).toEqual({ size: 8, signed: false, kind: 'int', endian: 'little' });
    expect(doc.base_types.int).toEqual({ size: 4, signed: true, kind: 'int', endian: 'little' });
    const task = doc.user_types.task_struct;
    expect(task.size).toBe(256);
    expect(task.fields.comm).toEqual({ offset: 64, type: { kind: 'array', count: 16, subtype: { kind: 'base', name: 'char' } } });
    expect(task.fields.real_parent).toEqual({ offset: 96, type: { kind: 'pointer', subtype: { kind: 'struct', name: 'task_struct' } } });
    expect(task.fields.exit_state).toEqual({ offset: 104, type: { kind: 'bitfield', bit_position: 3, bit_length: 5, type: { kind: 'base', name: 'unsigned int' } } });
    const anon = task.fields.unnamed_field_0;
    expect(anon).toMatchObject({ offset: 32, anonymous: true, type: { kind: 'struct' } });
    expect(doc.user_types[(anon.type as { name: string }).name].fields.pid).toEqual({ offset: 0, type: { kind: 'base', name: 'int' } });
    expect(doc.symbols.init_task).toEqual({ address: 0xffffffff82a0c940n, type: { kind: 'struct', name: 'task_struct' } });
    expect(doc.symbols.some_function).toEqual({ address: 0xffffffff81001234n });
    expect(isfBanner(doc)).toBe(BANNER);
  });

  it('ISF -> profile gives the same layouts as BTF -> profile (the image path), typedef names aside', () => {
    const fromBtf = profileFromBtf(btf, { release: '6.1.0-99-amd64', arch: 'x86_64', banner: BANNER });
    const fromIsf = profileFromIsf(roundTrip(isfFromBtf(btf, { symbols: SYMBOLS, banner: BANNER })), { file: 'x.json' });
    expect(fromIsf).toMatchObject({ versions: fromBtf.versions, arch: 'x86_64', signature: { banner: fromBtf.signature!.banner, facts: fromBtf.signature!.facts } });
    const strip = (s: Record<string, { offset: number; size?: number; bitOffset?: number; bitSize?: number }>) =>
      Object.fromEntries(Object.entries(s).map(([k, f]) => [k, { offset: f.offset, size: f.size, bitOffset: f.bitOffset, bitSize: f.bitSize }]));
    for (const [name, s] of Object.entries(fromBtf.data.structs!)) {
      expect(fromIsf.data.structs![name].size).toBe(s.size);
      expect(strip(fromIsf.data.structs![name].fields)).toEqual(strip(s.fields));
    }
    expect(fromIsf.data.structs!.task_struct.fields.pid.type).toBe('int'); // pid_t: ISF resolves typedefs
    expect(fromIsf.data.symbols).toEqual({ init_task: '0xffffffff82a0c940', init_files: '0xffffffff82a0d000', linux_banner: '0xffffffff82000021', init_top_pgt: '0xffffffff8260a000', _text: '0xffffffff81000000' });
    const text = serializeProfile(fromIsf);
    validateProfile(JSON.parse(text), 'imported.json');
    checkProfileSchema(JSON.parse(text), 'imported.json');
  });

  it('profile -> ISF -> profile keeps every layout, type spelling, symbol and the banner', () => {
    const original = profileFromBtf(btf, { release: '6.1.0-99-amd64', arch: 'x86_64', banner: BANNER, symbols: { init_task: '0xffffffff82a0c940', linux_banner: '0xffffffff82000021' } });
    const back = profileFromIsf(roundTrip(isfFromProfile(original)), { file: 'x.json' });
    expect(back.data.structs).toEqual(original.data.structs);
    expect(back.data.symbols).toEqual(original.data.symbols);
    expect(back.signature).toEqual(original.signature);
    expect(back.versions).toBe(original.versions);
    expect(profileBanner(original)).toBe(BANNER);
  });

  it('32-bit profiles export a 4-byte pointer; the arch comes back as i386', () => {
    const p = profileFromBtf(parseBtf(tinyKernelBtf({ pointerSize: 4 })), { release: '6.1.0-50-686-pae', arch: 'i386', symbols: { init_task: '0xc1c5f4c0' } });
    const doc = roundTrip(isfFromProfile(p));
    expect(doc.base_types.pointer.size).toBe(4);
    expect(profileFromIsf(doc, { file: 'x.json', release: '6.1.0-50-686-pae' }).arch).toBe('i386');
  });

  it('a document without the ISF sections, or with a bad field, is refused naming the path', () => {
    expect(() => readIsf('{"metadata": {}, "base_types": {}, "user_types": {}, "enums": {}}', 'v.json')).toThrow(/v\.json: ISF \$\.symbols: missing/);
    expect(() => readIsf('{"metadata": {}, "base_types": {}, "user_types": {"t": {"kind": "struct", "size": 4, "fields": {"x": {"offset": "0"}}}}, "enums": {}, "symbols": {}}', 'v.json')).toThrow(IntrospectError);
  });

  it('import without a banner needs --release', () => {
    const doc = roundTrip(isfFromBtf(btf, { symbols: SYMBOLS }));
    expect(() => profileFromIsf(doc, { file: 'x.json' })).toThrow(/give --release/);
    expect(profileFromIsf(doc, { file: 'x.json', release: '6.1.0-99-amd64' }).signature!.banner).toBe('^Linux version 6\\.1\\.0-99-amd64 ');
  });
});
