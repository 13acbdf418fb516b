// Test helper: a VirtualMemory over one byte array (no page tables).
import { IntrospectError } from '../../../core/errors.js';
import type { VirtualMemory } from '../../../core/memory/virtual.js';

/** A VirtualMemory over one byte array mapped at `base` (tests only). */
export function fakeVm(bytes: Uint8Array, base: bigint, pointerSize: 4 | 8, littleEndian = true): VirtualMemory {
  const inside = (va: bigint, n: number): boolean => va >= base && va + BigInt(n) <= base + BigInt(bytes.length);
  return {
    name: 'fake-vm',
    arch: pointerSize === 8 ? 'x86_64' : 'i386',
    pointerSize,
    littleEndian,
    read(va, length) {
      if (!inside(va, length)) throw new IntrospectError({ file: 'fake-vm', structure: 'read', offset: va, reason: 'unmapped' });
      const o = Number(va - base);
      return bytes.subarray(o, o + length);
    },
    isMapped: inside,
    translate: (va) => (inside(va, 1) ? Number(va - base) : undefined),
    *runs(start, end) {
      const s = start > base ? start : base;
      const e0 = base + BigInt(bytes.length);
      const e = end < e0 ? end : e0;
      if (s < e) yield { va: s, pa: Number(s - base), length: Number(e - s) };
    },
  };
}

