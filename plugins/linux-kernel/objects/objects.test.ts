// The object reader and list walking over synthetic memory: structs built with the bit-syntax
// constructor at addresses of a fake VirtualMemory.
import { describe, expect, it } from 'vitest';
import { bitmatch } from '../../../core/bitsyntax/index.js';
import type { StructLayout } from '../../../core/profiles/types.js';
import { fakeVm } from '../kallsyms/test-vm.js';
import { chainForEach, KernelObjects, listForEachEntry } from './index.js';

const BASE = 0xffff888000000000n;
const listHead = bitmatch(`next : 64 : littleendian, prev : 64 : littleendian`);
// struct item { u32 value; char name[8]; s16 delta; u8 bits; struct list_head link; struct item *peer; }
const item = bitmatch(`value : 32 : littleendian, name : 64 : bitstring, delta : 16 : littleendian, bits : 8, _ : 8, next : 64 : littleendian, prev : 64 : littleendian, peer : 64 : littleendian`);
const LAYOUTS: Record<string, StructLayout> = {
  list_head: { size: 16, fields: { next: { offset: 0, size: 8 }, prev: { offset: 8, size: 8 } } },
  item: {
    size: 40,
    fields: {
      value: { offset: 0, size: 4 }, name: { offset: 4, size: 8, type: 'char[8]' }, delta: { offset: 12, size: 2 },
      low: { offset: 14, size: 1, bitOffset: 0, bitSize: 3 }, high: { offset: 14, size: 1, bitOffset: 3, bitSize: 5 },
      link: { offset: 16, size: 16 }, peer: { offset: 32, size: 8, type: 'struct item *' },
    },
  },
};

function memory(size = 4096): { bytes: Uint8Array; put(at: bigint, b: Uint8Array): void; objects: KernelObjects } {
  const bytes = new Uint8Array(size);
  return { bytes, put: (at, b) => bytes.set(b, Number(at - BASE)), objects: new KernelObjects(fakeVm(bytes, BASE, 8), LAYOUTS, 'test layouts') };
}

const name8 = (s: string): Uint8Array => {
  const b = new Uint8Array(8);
  b.set(Buffer.from(s, 'latin1'));
  return b;
};

/** A head at `head` and items at `at[i]`, linked in order; `link(i)` is &items[i].link. */
function ring(m: ReturnType<typeof memory>, head: bigint, at: bigint[], nextOverride: Record<number, bigint> = {}): void {
  const link = (i: number): bigint => (i < 0 || i >= at.length ? head : at[i] + 16n);
  m.put(head, listHead.build({ next: at.length ? link(0) : head, prev: at.length ? link(at.length - 1) : head }));
  at.forEach((a, i) => {
    m.put(a, item.build({ value: 100 + i, name: name8(`item${i}`), delta: 0xfffe, bits: (0b10101 << 3) | 0b110, next: nextOverride[i] ?? link(i + 1), prev: link(i - 1), peer: i === 0 ? 0n : at[0] }));
  });
}

describe('KObject', () => {
  it('reads integers, signed values, bit-fields, char arrays and pointers by field name', () => {
    const m = memory();
    ring(m, BASE + 0x800n, [BASE + 0x100n, BASE + 0x200n]);
    const o = m.objects.at('item', BASE + 0x200n);
    expect(o.u('value')).toBe(101);
    expect(o.str('name')).toBe('item1');
    expect(o.s('delta')).toBe(-2);
    expect(o.u('low')).toBe(0b110);
    expect(o.u('high')).toBe(0b10101);
    expect(o.deref('peer', 'item')?.u('value')).toBe(100);
    expect(m.objects.at('item', BASE + 0x100n).deref('peer', 'item')).toBeUndefined();
    expect(o.addressOf('link')).toBe(BASE + 0x210n);
    expect(m.objects.containerOf(BASE + 0x210n, 'item', 'link').address).toBe(BASE + 0x200n);
  });

  it('names the struct and field the profile lacks', () => {
    const m = memory();
    expect(() => m.objects.at('item', BASE).u('missing')).toThrow(/no field item\.missing/);
    expect(() => m.objects.at('task_struct', BASE).u('pid')).toThrow(/no layout for struct task_struct/);
  });
});

describe('listForEachEntry', () => {
  it('walks a list back to its head', () => {
    const m = memory();
    const at = [BASE + 0x100n, BASE + 0x200n, BASE + 0x300n];
    ring(m, BASE + 0x800n, at);
    const walk = listForEachEntry(m.objects, BASE + 0x800n, 'item', 'link');
    expect(walk.complete).toBe(true);
    expect(walk.warnings).toEqual([]);
    expect(walk.entries.map((e) => e.u('value'))).toEqual([100, 101, 102]);
  });

  it('an empty list has no entries', () => {
    const m = memory();
    ring(m, BASE + 0x800n, []);
    expect(listForEachEntry(m.objects, BASE + 0x800n, 'item', 'link')).toEqual({ entries: [], warnings: [], complete: true });
  });

  it('stops at a cycle that misses the head, keeping what was read', () => {
    const m = memory();
    const at = [BASE + 0x100n, BASE + 0x200n, BASE + 0x300n];
    ring(m, BASE + 0x800n, at, { 2: at[1] + 16n });
    const walk = listForEachEntry(m.objects, BASE + 0x800n, 'item', 'link', { name: 'items' });
    expect(walk.complete).toBe(false);
    expect(walk.entries.map((e) => e.u('value'))).toEqual([100, 101, 102]);
    expect(walk.warnings).toHaveLength(1);
    expect(walk.warnings[0]).toMatch(/^items: cycle: item\.link\.next at 0x[0-9a-f]+ goes back to 0x[0-9a-f]+/);
  });

  it('ends at a broken pointer with a warning naming the structure, keeping the entries before it', () => {
    for (const [bad, why] of [[BASE + 0x100000n, 'not mapped'], [0n, 'NULL'], [BASE + 0x103n, 'misaligned']] as const) {
      const m = memory();
      const at = [BASE + 0x100n, BASE + 0x200n, BASE + 0x300n];
      ring(m, BASE + 0x800n, at, { 1: bad });
      const walk = listForEachEntry(m.objects, BASE + 0x800n, 'item', 'link', { name: 'items' });
      expect(walk.complete).toBe(false);
      expect(walk.entries.map((e) => e.u('value'))).toEqual([100, 101]);
      expect(walk.warnings).toEqual([`items: broken pointer: item.link.next at 0x${(at[1] + 16n).toString(16)} is 0x${bad.toString(16)} (${why}); 2 entries read before it`]);
    }
  });

  it('a head that cannot be read is a warning, not an exception', () => {
    const m = memory();
    const walk = listForEachEntry(m.objects, BASE + 0x100000n, 'item', 'link', { name: 'items' });
    expect(walk.entries).toEqual([]);
    expect(walk.warnings[0]).toMatch(/^items: broken pointer: item\.link\.next at 0x[0-9a-f]+ cannot be read/);
  });

  it('stops at the cap', () => {
    const m = memory();
    const at = Array.from({ length: 10 }, (_, i) => BASE + 0x40n * BigInt(i + 1));
    ring(m, BASE + 0x800n, at);
    const walk = listForEachEntry(m.objects, BASE + 0x800n, 'item', 'link', { cap: 4, name: 'items' });
    expect(walk.entries).toHaveLength(4);
    expect(walk.warnings).toEqual(['items: more than 4 entries; stopped there']);
  });

  it('includeHead walks from an element (the element first)', () => {
    const m = memory();
    const at = [BASE + 0x100n, BASE + 0x200n];
    ring(m, BASE + 0x800n, at);
    const walk = listForEachEntry(m.objects, at[0] + 16n, 'item', 'link', { includeHead: true });
    expect(walk.entries.map((e) => e.address)).toEqual([at[0], at[1], BASE + 0x800n - 16n]);
  });
});

describe('chainForEach', () => {
  const node = bitmatch(`v : 32 : littleendian, _ : 32, next : 64 : littleendian`);
  const layouts: Record<string, StructLayout> = { node: { size: 16, fields: { v: { offset: 0, size: 4 }, next: { offset: 8, size: 8 } } } };
  it('follows a NULL-terminated chain, and stops at a cycle or a broken pointer', () => {
    const bytes = new Uint8Array(256);
    const objects = new KernelObjects(fakeVm(bytes, BASE, 8), layouts);
    bytes.set(node.build({ v: 1, next: BASE + 0x20n }), 0x10);
    bytes.set(node.build({ v: 2, next: 0n }), 0x20);
    expect(chainForEach(objects, BASE + 0x10n, 'node', 'next').entries.map((e) => e.u('v'))).toEqual([1, 2]);
    bytes.set(node.build({ v: 2, next: BASE + 0x10n }), 0x20);
    const cyc = chainForEach(objects, BASE + 0x10n, 'node', 'next', { name: 'ifa_list' });
    expect(cyc.entries).toHaveLength(2);
    expect(cyc.warnings).toEqual([`ifa_list: cycle back to 0x${(BASE + 0x10n).toString(16)}; 2 entries read`]);
    bytes.set(node.build({ v: 2, next: BASE + 0x10000n }), 0x20);
    const broken = chainForEach(objects, BASE + 0x10n, 'node', 'next', { name: 'ifa_list' });
    expect(broken.entries.map((e) => e.u('v'))).toEqual([1, 2]);
    expect(broken.complete).toBe(false);
    expect(broken.warnings[0]).toMatch(/^ifa_list: broken pointer: node at 0x[0-9a-f]+ cannot be read/);
  });
});
