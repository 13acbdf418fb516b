// Kernel log decoding over synthetic memory: a printk ring buffer (descriptor states, stale ids,
// a text block wrapped to the ring start, device dictionaries), printk_log records with a wrap
// marker, and the old character ring.
import { describe, expect, it } from 'vitest';
import { bitmatch } from '../../../core/bitsyntax/index.js';
import type { StructLayout } from '../../../core/profiles/types.js';
import { fakeVm } from '../kallsyms/test-vm.js';
import { KernelObjects } from '../objects/reader.js';
import { kmsgEscape, readCharRing, readPrintkLog, readPrintkRingbuffer } from './dmesg.js';
import { dmesgLine } from './render.js';

const BASE = 0xffffffff81000000n;
const f = (offset: number, size: number, extra: Partial<StructLayout['fields'][string]> = {}) => ({ offset, size, ...extra });

// x86_64 layouts as linux 6.1 kernel/printk/printk_ringbuffer.h lays them out (VMCOREINFO agrees).
const PRB_LAYOUTS: Record<string, StructLayout> = {
  printk_ringbuffer: { size: 88, fields: { desc_ring: f(0, 48), text_data_ring: f(48, 32), fail: f(80, 8) } },
  prb_desc_ring: { size: 48, fields: { count_bits: f(0, 4), descs: f(8, 8), infos: f(16, 8), head_id: f(24, 8), tail_id: f(32, 8) } },
  prb_data_ring: { size: 32, fields: { size_bits: f(0, 4), data: f(8, 8), head_lpos: f(16, 8), tail_lpos: f(24, 8) } },
  prb_desc: { size: 24, fields: { state_var: f(0, 8), text_blk_lpos: f(8, 16) } },
  prb_data_blk_lpos: { size: 16, fields: { begin: f(0, 8), next: f(8, 8) } },
  printk_info: {
    size: 88,
    fields: {
      seq: f(0, 8), ts_nsec: f(8, 8), text_len: f(16, 2), facility: f(18, 1), flags: f(19, 1, { bitOffset: 0, bitSize: 5 }), level: f(19, 1, { bitOffset: 5, bitSize: 3 }),
      caller_id: f(20, 4), dev_info: f(24, 64),
    },
  },
  dev_printk_info: { size: 64, fields: { subsystem: f(0, 16), device: f(16, 48) } },
};

const ringbuffer = bitmatch(`
  count_bits : 32 : littleendian, _ : 32, descs : 64 : littleendian, infos : 64 : littleendian,
  head_id : 64 : littleendian, tail_id : 64 : littleendian, _ : 64,
  size_bits : 32 : littleendian, _ : 32, data : 64 : littleendian, head_lpos : 64 : littleendian, tail_lpos : 64 : littleendian,
  fail : 64 : littleendian`);
const desc = bitmatch(`state_var : 64 : littleendian, begin : 64 : littleendian, next : 64 : littleendian`);
const info = bitmatch(`seq : 64 : littleendian, ts_nsec : 64 : littleendian, text_len : 16 : littleendian, facility : 8, level : 3, flags : 5, caller_id : 32 : littleendian, subsystem : 128 : bitstring, device : 384 : bitstring`);
const u64 = bitmatch(`v : 64 : littleendian`);

const padded = (s: string, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  b.set(Buffer.from(s, 'latin1'));
  return b;
};

describe('printk ring buffer (5.10+)', () => {
  // 4 descriptors, a 128-byte text ring; ids 5..8 live (tail 5, head 8).
  const RB = BASE + 0x0n;
  const DESCS = BASE + 0x100n;
  const INFOS = BASE + 0x200n;
  const DATA = BASE + 0x400n;
  const sv = (state: number, id: number): bigint => (BigInt(state) << 62n) | BigInt(id);

  function build(): Uint8Array {
    const bytes = new Uint8Array(0x1000);
    const put = (at: bigint, b: Uint8Array): void => bytes.set(b, Number(at - BASE));
    put(RB, ringbuffer.build({ count_bits: 2, descs: DESCS, infos: INFOS, head_id: 8n, tail_id: 5n, size_bits: 7, data: DATA, head_lpos: 272n, tail_lpos: 160n, fail: 0n }));
    const putInfo = (index: number, seq: number, ts: bigint, text: string, level: number, facility: number, subsystem = '', device = ''): void =>
      put(INFOS + BigInt(index * 88), info.build({ seq: BigInt(seq), ts_nsec: ts, text_len: text.length, facility, level, flags: 0, caller_id: 1, subsystem: padded(subsystem, 16), device: padded(device, 48) }));
    // id 5 (index 1): finalized, a regular block at ring index 32..48: {id, "tab\there"}.
    put(DESCS + 24n, desc.build({ state_var: sv(2, 5), begin: 128n + 32n, next: 128n + 48n }));
    putInfo(1, 50, 1_500_000n, 'tab\there', 6, 0);
    put(DATA + 32n, u64.build({ v: 5n }));
    put(DATA + 40n, Buffer.from('tab\there', 'latin1'));
    // id 6 (index 2): still reserved: not a record yet.
    put(DESCS + 48n, desc.build({ state_var: sv(0, 6), begin: 128n + 48n, next: 128n + 64n }));
    putInfo(2, 51, 2_000_000n, 'partial', 6, 0);
    // id 7 (index 3): committed; its block starts at ring index 112 but does not fit, so it is stored at index 0.
    put(DESCS + 72n, desc.build({ state_var: sv(1, 7), begin: 128n + 112n, next: 256n + 16n }));
    putInfo(3, 52, 3_000_999n, 'wrapped!', 4, 1, 'pci', '+pci:0000:00:01.0');
    put(DATA + 0n, u64.build({ v: 7n }));
    put(DATA + 8n, Buffer.from('wrapped!', 'latin1'));
    // id 8 (index 0): finalized, but the descriptor still holds id 4: a stale slot, skipped.
    put(DESCS + 0n, desc.build({ state_var: sv(2, 4), begin: 64n, next: 80n }));
    putInfo(0, 48, 1n, 'stale', 6, 0);
    return bytes;
  }

  it('reads committed and finalized records from tail to head, wrapped blocks included', () => {
    const objects = new KernelObjects(fakeVm(build(), BASE, 8), PRB_LAYOUTS);
    const { records, warnings } = readPrintkRingbuffer(objects, RB);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      { seq: 50, timestampUs: 1500, level: 6, facility: 0, text: 'tab\\x09here', raw: 'tab\there' },
      { seq: 52, timestampUs: 3000, level: 4, facility: 1, text: 'wrapped!', raw: 'wrapped!', dict: ['SUBSYSTEM=pci', 'DEVICE=+pci:0000:00:01.0'] },
    ]);
  });

  it('a record whose text page is missing is a warning; the others are kept', () => {
    const bytes = build();
    const vm = fakeVm(bytes, BASE, 8);
    // The text data ring now lies past the end of the mapped bytes.
    bytes.set(ringbuffer.build({ count_bits: 2, descs: DESCS, infos: INFOS, head_id: 8n, tail_id: 5n, size_bits: 7, data: BASE + 0xff8n, head_lpos: 0n, tail_lpos: 0n, fail: 0n }), 0);
    const { records, warnings } = readPrintkRingbuffer(new KernelObjects(vm, PRB_LAYOUTS), RB);
    expect(records.map((r) => r.seq)).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^printk record id 5: .*unmapped/);
    expect(warnings[1]).toMatch(/^printk record id 7: .*unmapped/);
  });

  it('refuses implausible ring sizes', () => {
    const bytes = build();
    bytes.set(ringbuffer.build({ count_bits: 40, descs: DESCS, infos: INFOS, head_id: 8n, tail_id: 5n, size_bits: 7, data: DATA, head_lpos: 0n, tail_lpos: 0n, fail: 0n }), 0);
    expect(() => readPrintkRingbuffer(new KernelObjects(fakeVm(bytes, BASE, 8), PRB_LAYOUTS), RB)).toThrow(/implausible ring sizes \(count_bits 40/);
  });
});

describe('printk_log records (3.5-5.9)', () => {
  const layouts: Record<string, StructLayout> = {
    printk_log: {
      size: 16,
      fields: { ts_nsec: f(0, 8), len: f(8, 2), text_len: f(10, 2), dict_len: f(12, 2), facility: f(14, 1), flags: f(15, 1, { bitOffset: 0, bitSize: 5 }), level: f(15, 1, { bitOffset: 5, bitSize: 3 }) },
    },
  };
  const header = bitmatch(`ts_nsec : 64 : littleendian, len : 16 : littleendian, text_len : 16 : littleendian, dict_len : 16 : littleendian, facility : 8, level : 3, flags : 5`);
  const LOG = BASE + 0x100n;

  it('reads from log_first_idx to log_next_idx, following the zero-length wrap marker, with dictionaries', () => {
    const bytes = new Uint8Array(0x200);
    const put = (idx: number, b: Uint8Array): void => bytes.set(b, 0x100 + idx);
    // Record A at 56..80, the wrap marker at 80 (a zeroed header), record B at 0..48: first 56, next 48.
    put(56, header.build({ ts_nsec: 7_000_123_000n, len: 24, text_len: 8, dict_len: 0, facility: 0, level: 6, flags: 0 }));
    put(72, Buffer.from('hello!!!'));
    put(80, header.build({ ts_nsec: 0n, len: 0, text_len: 0, dict_len: 0, facility: 0, level: 0, flags: 0 }));
    const dict = 'SUBSYSTEM=net\0DEVICE=n2';
    put(0, header.build({ ts_nsec: 8_000_000_000n, len: 48, text_len: 3, dict_len: dict.length, facility: 3, level: 3, flags: 0 }));
    put(16, Buffer.from('bye' + dict, 'latin1'));
    const objects = new KernelObjects(fakeVm(bytes, BASE, 8), layouts);
    const { records, warnings } = readPrintkLog(objects, { buffer: LOG, length: 96, firstIdx: 56, nextIdx: 48, firstSeq: 10, struct: 'printk_log' });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      { seq: 10, timestampUs: 7_000_123, level: 6, facility: 0, text: 'hello!!!', raw: 'hello!!!' },
      { seq: 11, timestampUs: 8_000_000, level: 3, facility: 3, text: 'bye', raw: 'bye', dict: ['SUBSYSTEM=net', 'DEVICE=n2'] },
    ]);
  });

  it('stops with a warning at a record whose lengths do not fit', () => {
    const bytes = new Uint8Array(0x200);
    bytes.set(header.build({ ts_nsec: 1n, len: 24, text_len: 40, dict_len: 0, facility: 0, level: 6, flags: 0 }), 0x100);
    const objects = new KernelObjects(fakeVm(bytes, BASE, 8), layouts);
    const { records, warnings } = readPrintkLog(objects, { buffer: LOG, length: 80, firstIdx: 0, nextIdx: 24, firstSeq: 0, struct: 'printk_log' });
    expect(records).toEqual([]);
    expect(warnings).toEqual(['printk_log at index 0: bad lengths (len 24, text_len 40, dict_len 0); 0 records read']);
  });
});

describe('character ring (before 3.5)', () => {
  it('keeps the last logged characters before log_end, dropping a line cut by the ring', () => {
    const stream = '<5>[    0.000000] old line\n<6>[    1.250000] hi\n<4>bye\n';
    const ring = new Uint8Array(32);
    for (let i = 0; i < stream.length; i++) ring[i % 32] = stream.charCodeAt(i);
    expect(readCharRing(ring, stream.length, stream.length)).toEqual([
      { seq: 0, timestampUs: 1_250_000, level: 6, facility: 0, text: 'hi', raw: 'hi' },
      { seq: 1, timestampUs: 0, level: 4, facility: 0, text: 'bye', raw: 'bye' },
    ]);
  });
});

describe('text forms', () => {
  it('escapes as /dev/kmsg and prints as dmesg', () => {
    expect(kmsgEscape('a\tb\\c\x7f\xe9\n')).toBe('a\\x09b\\x5cc\\x7f\\xe9\\x0a');
    expect(dmesgLine({ seq: 0, timestampUs: 3_242_847, level: 4, facility: 1, text: 'x\\x09y', raw: 'x\ty' })).toBe('[    3.242847] x\ty');
    expect(dmesgLine({ seq: 0, timestampUs: 123_456_000_001, level: 4, facility: 1, text: 'z', raw: 'z' })).toBe('[123456.000001] z');
  });
});
