// recoverKallsyms and findKernelBtf on a synthetic kernel image (kallsyms tables + BTF) seen
// through a KernelContext, with and without VMCOREINFO.
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import type { KernelContext, VmcoreInfo } from '../../../core/memory/kernel.js';
import { BtfBuilder } from '../btf/builder.js';
import { findKernelBtf } from '../btf/index.js';
import { recoverKallsyms } from './index.js';
import { buildKallsyms, sampleSymbols } from './synthetic.js';
import { fakeVm } from './test-vm.js';

const BASE = 0xffffffff9a000000n;
const TEXT = BASE + 0x400000n;

function btfBlob(): Uint8Array {
  const b = new BtfBuilder();
  const char = b.int('char', 1, { signed: true, char: true });
  const int = b.int('int', 4, { signed: true });
  b.struct('task_struct', 24, [
    { name: 'pid', type: int, bitOffset: 0 },
    { name: 'comm', type: b.array(char, int, 16), bitOffset: 64 },
  ]);
  return b.build();
}

/** Kernel image: kallsyms tables at +0x1000, BTF at +0x80000; symbols name both. */
function image(withBtfSymbols: boolean, layout: '6.1' | '6.4' = '6.1') {
  const btf = btfBlob();
  const btfAt = 0x80000;
  const symbols = sampleSymbols(600, TEXT, { percpu: 2 });
  const last = symbols[symbols.length - 1].address;
  symbols.push({ name: 'linux_banner', type: 'D', address: last + 0x100n });
  if (withBtfSymbols) {
    symbols.push({ name: '__start_BTF', type: 'R', address: BASE + BigInt(btfAt) });
    symbols.push({ name: '__stop_BTF', type: 'R', address: BASE + BigInt(btfAt + btf.length) });
    symbols.sort((a, b) => (a.percpu === b.percpu ? (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) : a.percpu ? -1 : 1));
  }
  const tables = buildKallsyms({ symbols, layout, encoding: 'absolute-percpu', pointerSize: 8, littleEndian: true, base: BASE + 0x1000n });
  const bytes = new Uint8Array(0x100000);
  bytes.set(tables.bytes, 0x1000);
  bytes.set(btf, btfAt);
  return { bytes, symbols, labels: tables.labels, btfAt, btfSize: btf.length };
}

function vmcoreinfo(entries: Record<string, bigint>): Pick<VmcoreInfo, 'symbol' | 'get'> & VmcoreInfo {
  const map = new Map(Object.entries(entries).map(([k, v]) => [`SYMBOL(${k})`, v.toString(16)]));
  map.set('OSRELEASE', '6.1.0-test');
  return {
    text: '',
    entries: map,
    origin: 'container',
    get: (k) => map.get(k),
    symbol: (n) => (map.has(`SYMBOL(${n})`) ? BigInt('0x' + map.get(`SYMBOL(${n})`)) : undefined),
    number: () => undefined,
    size: () => undefined,
    offset: () => undefined,
    length: () => undefined,
  };
}

function kernel(bytes: Uint8Array, o: { vmcoreinfo?: VmcoreInfo; banner?: bigint } = {}): KernelContext {
  const vm = fakeVm(bytes, BASE, 8);
  const ctx = {
    vm,
    image: { virtualStart: BASE, physicalStart: 0x1000000, size: bytes.length },
    vmcoreinfo: o.vmcoreinfo,
    bannerAddress: { physical: 0, virtual: o.banner },
    symbol: (name: string) => o.vmcoreinfo?.symbol(name),
  };
  return ctx as unknown as KernelContext;
}

describe('recoverKallsyms', () => {
  it('scans the kernel image when VMCOREINFO does not name the tables, anchored on _stext and the banner', () => {
    const { bytes, symbols } = image(false);
    const banner = symbols.find((s) => s.name === 'linux_banner')!.address;
    const r = recoverKallsyms(kernel(bytes, { vmcoreinfo: vmcoreinfo({ _stext: TEXT }), banner }));
    expect(r.table.location.method).toBe('scan');
    expect(r.table.lookup('linux_banner')).toBe(banner);
    expect(r.table.count).toBe(symbols.length);
    expect(r.explanation.join('\n')).toMatch(/anchored on _stext, linux_banner/);
  });

  it('a banner anchor the table does not reproduce does not veto a table _stext confirms', () => {
    const { bytes } = image(false);
    const r = recoverKallsyms(kernel(bytes, { vmcoreinfo: vmcoreinfo({ _stext: TEXT }), banner: TEXT + 0x123n }));
    expect(r.table.lookup('_stext')).toBe(TEXT);
    expect(r.explanation.join('\n')).toMatch(/anchored on _stext\)$/);
  });

  it('a wrong _stext is an error', () => {
    const { bytes } = image(false);
    expect(() => recoverKallsyms(kernel(bytes, { vmcoreinfo: vmcoreinfo({ _stext: TEXT + 0x1000n }) }))).toThrow(IntrospectError);
  });

  it('uses VMCOREINFO SYMBOL(kallsyms_*) when present, and falls back to the scan when they are wrong', () => {
    const { bytes, labels, symbols } = image(false, '6.4');
    const at = (l: string) => BASE + 0x1000n + BigInt(labels[l]);
    const good = vmcoreinfo({
      _stext: TEXT,
      kallsyms_names: at('kallsyms_names'),
      kallsyms_num_syms: at('kallsyms_num_syms'),
      kallsyms_token_table: at('kallsyms_token_table'),
      kallsyms_token_index: at('kallsyms_token_index'),
      kallsyms_offsets: at('kallsyms_offsets'),
      kallsyms_relative_base: at('kallsyms_relative_base'),
    });
    const r = recoverKallsyms(kernel(bytes, { vmcoreinfo: good }));
    expect(r.table.location.method).toBe('vmcoreinfo');
    expect(r.table.location.order).toBe('names-first');
    expect(r.table.addresses).toEqual(BigUint64Array.from(symbols.map((s) => s.address)));
    const bad = vmcoreinfo({ _stext: TEXT, kallsyms_names: at('kallsyms_names') + 1n, kallsyms_num_syms: at('kallsyms_num_syms'), kallsyms_token_table: at('kallsyms_token_table'), kallsyms_token_index: at('kallsyms_token_index'), kallsyms_offsets: at('kallsyms_offsets'), kallsyms_relative_base: at('kallsyms_relative_base') });
    const r2 = recoverKallsyms(kernel(bytes, { vmcoreinfo: bad }));
    expect(r2.table.location.method).toBe('scan');
    expect(r2.explanation[0]).toMatch(/VMCOREINFO tables rejected/);
  });
});

describe('findKernelBtf', () => {
  it('between __start_BTF and __stop_BTF from kallsyms', () => {
    const { bytes, btfAt, btfSize } = image(true);
    const k = kernel(bytes, { vmcoreinfo: vmcoreinfo({ _stext: TEXT }) });
    const table = recoverKallsyms(k).table;
    const found = findKernelBtf(k, table);
    expect(found.method).toBe('symbols');
    expect(found.address).toBe(BASE + BigInt(btfAt));
    expect(found.size).toBe(btfSize);
    expect(found.btf.offsetof('task_struct', 'comm')).toBe(8);
  });
  it('by scanning the kernel image when no symbol names it', () => {
    const { bytes, btfAt } = image(false);
    const k = kernel(bytes, { vmcoreinfo: vmcoreinfo({ _stext: TEXT }) });
    const found = findKernelBtf(k, recoverKallsyms(k).table);
    expect(found.method).toBe('scan');
    expect(found.address).toBe(BASE + BigInt(btfAt));
  });
});
