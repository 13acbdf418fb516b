// Symbol address encodings of kallsyms: linux scripts/kallsyms.c (write_src, output_address,
// record_relative_base, make_percpus_absolute) and kernel/kallsyms.c (kallsyms_sym_address).
//
// - absolute:        unsigned long kallsyms_addresses[N] (before 4.6, and configs without
//                    KALLSYMS_BASE_RELATIVE until 6.10).
// - base-relative:   kallsyms_relative_base + (u32)kallsyms_offsets[i] (4.6+).
// - absolute-percpu: x86_64 SMP 4.6-6.15: off >= 0 ? off : kallsyms_relative_base - 1 - off
//                    (per-CPU symbols keep their small absolute values).
// - place-relative:  7.0+: &kallsyms_offsets[i] + (s32)kallsyms_offsets[i] (".long _text - . + off").
// - absolute-u32:    7.0+ 32-bit kernels without place-relative offsets: (u32)kallsyms_offsets[i].

import type { WindowReader } from './window.js';

export type KallsymsEncoding = 'absolute' | 'base-relative' | 'absolute-percpu' | 'place-relative' | 'absolute-u32';

export const ENCODINGS: readonly KallsymsEncoding[] = ['absolute', 'base-relative', 'absolute-percpu', 'place-relative', 'absolute-u32'];

export interface AddressTable {
  encoding: KallsymsEncoding;
  /** Window offset of kallsyms_addresses / kallsyms_offsets. */
  at: number;
  /** Window offset of kallsyms_relative_base (base-relative, absolute-percpu). */
  relativeBaseAt?: number;
}

/** Raw entries: pointer-sized values for 'absolute', s32 for the others (u32 view via >>> 0). */
export function readRawEntries(reader: WindowReader, table: AddressTable, count: number, pointerSize: 4 | 8): BigUint64Array | Int32Array {
  if (table.encoding === 'absolute') {
    const out = new BigUint64Array(count);
    const bytes = reader.window.read(table.at, count * pointerSize, 'kallsyms_addresses');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) {
      out[i] = pointerSize === 8 ? view.getBigUint64(i * 8, reader.littleEndian) : BigInt(view.getUint32(i * 4, reader.littleEndian));
    }
    return out;
  }
  const out = new Int32Array(count);
  const bytes = reader.window.read(table.at, count * 4, 'kallsyms_offsets');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, reader.littleEndian);
  return out;
}

/**
 * Runtime addresses from raw entries. `relativeBase` is needed by base-relative and absolute-percpu;
 * `offsetsVa` (the virtual address of kallsyms_offsets[0]) by place-relative.
 */
export function decodeAddresses(
  encoding: KallsymsEncoding,
  raw: BigUint64Array | Int32Array,
  pointerSize: 4 | 8,
  relativeBase?: bigint,
  offsetsVa?: bigint,
): BigUint64Array {
  const count = raw.length;
  const out = new BigUint64Array(count);
  const mask = pointerSize === 8 ? (1n << 64n) - 1n : (1n << 32n) - 1n;
  if (raw instanceof BigUint64Array) {
    out.set(raw);
    return out;
  }
  switch (encoding) {
    case 'base-relative': {
      const base = relativeBase ?? 0n;
      for (let i = 0; i < count; i++) out[i] = (base + BigInt(raw[i] >>> 0)) & mask;
      break;
    }
    case 'absolute-percpu': {
      const base = relativeBase ?? 0n;
      for (let i = 0; i < count; i++) {
        const off = raw[i];
        out[i] = off >= 0 ? BigInt(off) : (base - 1n - BigInt(off)) & mask;
      }
      break;
    }
    case 'place-relative': {
      const va = offsetsVa ?? 0n;
      for (let i = 0; i < count; i++) out[i] = (va + BigInt(i * 4) + BigInt(raw[i])) & mask;
      break;
    }
    case 'absolute-u32':
      for (let i = 0; i < count; i++) out[i] = BigInt(raw[i] >>> 0);
      break;
    case 'absolute':
      break;
  }
  return out;
}

/** True when addresses never decrease (kallsyms is sorted by address: scripts/kallsyms.c sort_symbols). */
export function isSorted(addresses: BigUint64Array): boolean {
  for (let i = 1; i < addresses.length; i++) if (addresses[i] < addresses[i - 1]) return false;
  return true;
}

/**
 * Shape checks that tell encodings apart without an anchor (scripts/kallsyms.c record_relative_base):
 * base-relative: relative_base is the first symbol's address, so offsets[0] == 0.
 * absolute-percpu: per-CPU symbols (off >= 0) come first, then every other symbol has off < 0 and the
 * first of them is -1 (relative_base is the lowest non-per-CPU address).
 */
export function encodingShapeFits(encoding: KallsymsEncoding, raw: BigUint64Array | Int32Array): boolean {
  if (raw.length === 0) return false;
  if (raw instanceof BigUint64Array) return encoding === 'absolute';
  if (encoding === 'base-relative') return raw[0] === 0;
  if (encoding === 'absolute-percpu') {
    let i = 0;
    while (i < raw.length && raw[i] >= 0) i++;
    if (i === raw.length || raw[i] !== -1) return false;
    for (; i < raw.length; i++) if (raw[i] >= 0) return false;
    return true;
  }
  return true;
}
