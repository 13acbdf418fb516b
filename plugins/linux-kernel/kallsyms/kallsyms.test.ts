import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { bytesWindow, kallsymsFromVmcoreinfo, scanKallsyms, type KallsymsEncoding } from './index.js';
import { buildKallsyms, sampleSymbols, type SyntheticLayout, type SyntheticSymbol } from './synthetic.js';
import { walkNames } from './names.js';
import { fakeVm } from './test-vm.js';

const TEXT64 = 0xffffffff9a400000n;
const TEXT32 = 0xca000000n;

interface Case {
  layout: SyntheticLayout;
  encoding: KallsymsEncoding;
  pointerSize: 4 | 8;
  littleEndian?: boolean;
  percpu?: number;
  longName?: boolean;
}

const cases: Case[] = [
  { layout: 'pre-4.20', encoding: 'absolute', pointerSize: 8 },
  { layout: 'pre-4.20', encoding: 'absolute', pointerSize: 4 },
  { layout: 'pre-4.20', encoding: 'absolute-percpu', pointerSize: 8, percpu: 5 },
  { layout: 'pre-4.20', encoding: 'base-relative', pointerSize: 8, littleEndian: false },
  { layout: '4.20', encoding: 'base-relative', pointerSize: 4 },
  { layout: '4.20', encoding: 'absolute-percpu', pointerSize: 8, percpu: 3 },
  { layout: '4.20', encoding: 'absolute', pointerSize: 8 },
  { layout: '6.1', encoding: 'absolute-percpu', pointerSize: 8, percpu: 4, longName: true },
  { layout: '6.1', encoding: 'base-relative', pointerSize: 4, longName: true },
  { layout: '6.1', encoding: 'base-relative', pointerSize: 8, littleEndian: false },
  { layout: '6.2', encoding: 'base-relative', pointerSize: 8 },
  { layout: '6.2', encoding: 'absolute-percpu', pointerSize: 8, percpu: 2, longName: true },
  { layout: '6.2-u32seqs', encoding: 'base-relative', pointerSize: 4 },
  { layout: '6.4', encoding: 'base-relative', pointerSize: 8 },
  { layout: '6.4', encoding: 'absolute-percpu', pointerSize: 8, percpu: 6 },
  { layout: '6.4', encoding: 'absolute', pointerSize: 4 },
  { layout: '7.0', encoding: 'place-relative', pointerSize: 8, longName: true },
  { layout: '7.0', encoding: 'absolute-u32', pointerSize: 4 },
];

/** Junk before the tables, including a character run like the ones real memory holds near font tables. */
function prefix(): Uint8Array {
  const decoy = Array.from({ length: 64 }, (_, i) => [0x20 + i, 0]).flat();
  const digits = Array.from('0123456789', (c) => [c.charCodeAt(0), 0]).flat();
  return Uint8Array.from([...Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff), ...decoy, 0xff, ...digits, 0x3a, 0, 7, 7, 7]);
}

function build(c: Case, count = 700): { bytes: Uint8Array; base: bigint; symbols: SyntheticSymbol[]; labels: Record<string, number> } {
  const text = c.pointerSize === 8 ? TEXT64 : TEXT32;
  const symbols = sampleSymbols(count, text, { percpu: c.percpu, longName: c.longName });
  const base = text + 0x1000000n;
  const built = buildKallsyms({ symbols, layout: c.layout, encoding: c.encoding, pointerSize: c.pointerSize, littleEndian: c.littleEndian ?? true, base, prefix: prefix() });
  return { bytes: built.bytes, base, symbols, labels: built.labels };
}

function expectAll(table: ReturnType<typeof scanKallsyms>, symbols: SyntheticSymbol[]): void {
  expect(table.count).toBe(symbols.length);
  symbols.forEach((s, i) => {
    expect(table.names[i]).toBe(s.name);
    expect(table.types[i]).toBe(s.type);
    expect(table.addresses[i]).toBe(s.address);
  });
}

describe('kallsyms scan over every table layout and address encoding', () => {
  for (const c of cases) {
    const title = `${c.layout} ${c.encoding} ${c.pointerSize * 8}-bit ${c.littleEndian === false ? 'BE' : 'LE'}${c.longName ? ' with a big symbol' : ''}`;
    it(`${title}: virtual window, no anchors`, () => {
      const { bytes, base, symbols, labels } = build(c);
      const table = scanKallsyms(bytesWindow('synthetic', bytes, base, true), { pointerSize: c.pointerSize });
      expectAll(table, symbols);
      expect(table.location.encoding === c.encoding || (c.encoding === 'absolute-u32' && table.location.encoding === 'absolute')).toBe(true);
      expect(table.location.tables.token_table).toBe(base + BigInt(labels.kallsyms_token_table));
      expect(table.location.tables.names).toBe(base + BigInt(labels.kallsyms_names));
      expect(table.location.tables.num_syms).toBe(base + BigInt(labels.kallsyms_num_syms));
      expect(table.location.order).toBe(['6.4', '7.0'].includes(c.layout) ? 'names-first' : 'addresses-first');
      expect(table.location.littleEndian).toBe(c.littleEndian ?? true);
      if (labels.kallsyms_seqs_of_names !== undefined && !['6.4', '7.0'].includes(c.layout)) {
        expect(table.location.tables.seqs_of_names).toBe(base + BigInt(labels.kallsyms_seqs_of_names));
      }
      if (c.longName) expect(table.location.longNames).toBe(true);
    });
    it(`${title}: physical window anchored on _stext, pointer size guessed`, () => {
      const { bytes, symbols } = build(c);
      const stext = symbols.find((s) => s.name === '_stext')!.address;
      const table = scanKallsyms(bytesWindow('synthetic', bytes, 0x2000000n, false), { anchors: { _stext: stext } });
      expectAll(table, symbols);
      expect(table.location.addressSpace).toBe('physical');
      expect(table.location.pointerSize).toBe(c.pointerSize);
    });
  }

  it('place-relative offsets in a physical window need an anchor', () => {
    const { bytes } = build({ layout: '7.0', encoding: 'place-relative', pointerSize: 8 });
    expect(() => scanKallsyms(bytesWindow('synthetic', bytes, 0n, false), { pointerSize: 8 })).toThrow(IntrospectError);
  });

  it('an anchor that no encoding reproduces is an error, not a guess', () => {
    const { bytes } = build({ layout: '6.1', encoding: 'absolute-percpu', pointerSize: 8, percpu: 3 });
    expect(() => scanKallsyms(bytesWindow('synthetic', bytes, 0n, false), { pointerSize: 8, anchors: { _stext: 0xffffffff81000000n } })).toThrow(/no consistent/);
  });

  it('fewer than 256 symbols (a single marker)', () => {
    const c: Case = { layout: '6.1', encoding: 'base-relative', pointerSize: 8 };
    const { bytes, base, symbols } = build(c, 100);
    expectAll(scanKallsyms(bytesWindow('synthetic', bytes, base, true)), symbols);
  });

  it('rejects memory without tables, and tables whose num_syms was corrupted', () => {
    expect(() => scanKallsyms(bytesWindow('zeros', new Uint8Array(1 << 16)))).toThrow(/no kallsyms_token_table/);
    const c: Case = { layout: '6.1', encoding: 'base-relative', pointerSize: 8 };
    const { bytes, base, labels } = build(c);
    const bad = bytes.slice();
    new DataView(bad.buffer).setUint32(labels.kallsyms_num_syms, 0xffffff, true);
    expect(() => scanKallsyms(bytesWindow('bad', bad, base, true))).toThrow(IntrospectError);
  });

  it('a truncated window (tables cut before the names) is an error', () => {
    const { bytes, base, labels } = build({ layout: '4.20', encoding: 'base-relative', pointerSize: 8 });
    const cut = bytes.slice(labels.kallsyms_names + 64);
    expect(() => scanKallsyms(bytesWindow('cut', cut, base + BigInt(labels.kallsyms_names + 64), true))).toThrow(IntrospectError);
  });
});

describe('KallsymsTable lookups', () => {
  const { bytes, base, symbols } = build({ layout: '6.1', encoding: 'absolute-percpu', pointerSize: 8, percpu: 3 });
  const table = scanKallsyms(bytesWindow('synthetic', bytes, base, true));
  it('by name and by address', () => {
    expect(table.lookup('_stext')).toBe(TEXT64);
    expect(table.symbol('pcpu_var_1')).toEqual({ name: 'pcpu_var_1', address: 0x40n, type: 'A' });
    const s = symbols[300];
    expect(table.nearest(s.address + 3n)).toEqual({ symbol: { name: s.name, address: s.address, type: s.type }, offset: 3n });
    // _text and _stext share an address: nearest reports the first.
    expect(table.nearest(TEXT64)?.symbol.name).toBe('_text');
    expect(table.lookup('no_such_symbol')).toBeUndefined();
    expect(table.all('_text')).toHaveLength(1);
    expect(table.toProfileSymbols(['_stext', 'pcpu_var_1', 'missing'])).toEqual({ _stext: '0x' + TEXT64.toString(16), pcpu_var_1: '0x40' });
    expect(Object.keys(table.toProfileSymbols()).length).toBe(new Set(table.names).size);
    expect([...table].length).toBe(table.count);
  });
});

describe('names walk bounds', () => {
  it('stops at empty entries, entries past the end, and markers that disagree', () => {
    expect(walkNames(Uint8Array.from([0]), 1, true)).toBeUndefined();
    expect(walkNames(Uint8Array.from([5, 1, 2]), 1, true)).toBeUndefined();
    expect(walkNames(Uint8Array.from([1, 65, 1, 66]), 2, true)?.end).toBe(4);
    expect(walkNames(Uint8Array.from([1, 65]), 1, true, [1])).toBeUndefined();
    expect(walkNames(Uint8Array.from([0x81, 0x01, ...new Array(129).fill(65)]), 1, true)?.end).toBe(131);
    expect(walkNames(Uint8Array.from([1, 65]), 10, true)).toBeUndefined();
  });
});

describe('kallsyms from VMCOREINFO', () => {
  for (const c of [
    { layout: '6.1', encoding: 'absolute-percpu', pointerSize: 8, percpu: 2 },
    { layout: '6.1', encoding: 'base-relative', pointerSize: 4 },
    { layout: '6.4', encoding: 'base-relative', pointerSize: 8 },
    { layout: '7.0', encoding: 'place-relative', pointerSize: 8 },
  ] as Case[]) {
    it(`${c.layout} ${c.encoding} ${c.pointerSize * 8}-bit`, () => {
      const { bytes, base, symbols, labels } = build(c);
      const entries = new Map<string, string>([['OSRELEASE', '6.1.0-56-amd64']]);
      for (const [k, v] of Object.entries(labels)) if (k !== 'kallsyms_markers' && k !== 'kallsyms_seqs_of_names') entries.set(`SYMBOL(${k})`, (base + BigInt(v)).toString(16));
      entries.set('SYMBOL(_stext)', symbols.find((s) => s.name === '_stext')!.address.toString(16));
      const info = {
        get: (k: string) => entries.get(k),
        symbol: (n: string) => (entries.has(`SYMBOL(${n})`) ? BigInt('0x' + entries.get(`SYMBOL(${n})`)) : undefined),
      };
      const table = kallsymsFromVmcoreinfo(fakeVm(bytes, base, c.pointerSize), info);
      expectAll(table, symbols);
      expect(table.location.method).toBe('vmcoreinfo');
      expect(table.location.encoding).toBe(c.encoding);
    });
  }
});
