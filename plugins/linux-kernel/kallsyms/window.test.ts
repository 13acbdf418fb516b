import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import type { MappedRun, VirtualMemory } from '../../../core/memory/virtual.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { MAX_WINDOW_BYTES, WindowReader, bytesWindow, physicalWindow, sourceWindow, virtualWindow } from './window.js';

const fill = (n: number, start: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

describe('kernel windows', () => {
  it('physicalWindow zero-fills what the image lacks', () => {
    const present = [{ start: 0x1000, end: 0x3000 }];
    const pm = {
      name: 'pm',
      format: 'raw',
      ranges: present,
      cpus: [],
      read: (a: number, n: number) => {
        if (a < 0x1000 || a + n > 0x3000) throw new IntrospectError({ file: 'pm', structure: 'read', offset: a, reason: 'absent' });
        return fill(n, a);
      },
      isPresent: (a: number, n: number) => a >= 0x1000 && a + n <= 0x3000,
    } satisfies PhysicalMemory;
    const w = physicalWindow(pm, 0x800, 0x3000, 0xffff0000n);
    expect(w.size).toBe(0x3000);
    expect(w.virtual).toBe(true);
    expect(w.base).toBe(0xffff0000n);
    expect([...w.read(0x7fe, 4)]).toEqual([0, 0, 0x00, 0x01]);
    expect([...w.read(0x27fe, 4)]).toEqual([0xfe, 0xff, 0, 0]);
    expect(() => w.read(0x2ffe, 4)).toThrow(IntrospectError);
    expect(() => physicalWindow(pm, 0, MAX_WINDOW_BYTES + 1)).toThrow(/larger than/);
  });

  it('virtualWindow reads runs and leaves unmapped or absent pages zero', () => {
    const base = 0xffffffff80000000n;
    const absentPage = base + 0x3000n;
    const mapped = (va: bigint) => (va >= base && va < base + 0x2000n) || (va >= base + 0x3000n && va < base + 0x5000n);
    const vm: VirtualMemory = {
      name: 'vm',
      arch: 'x86_64',
      pointerSize: 8,
      littleEndian: true,
      read: (va, n) => {
        for (let i = 0n; i < BigInt(n); i += 1n) if (!mapped(va + i) || (va + i >= absentPage && va + i < absentPage + 0x1000n)) throw new IntrospectError({ file: 'vm', structure: 'read', offset: va, reason: 'unmapped' });
        return fill(n, Number(va - base));
      },
      isMapped: (va, n) => {
        for (let i = 0n; i < BigInt(n); i += 0x1000n) if (!mapped(va + i) || (va + i >= absentPage && va + i < absentPage + 0x1000n)) return false;
        return mapped(va + BigInt(n) - 1n) && !(va + BigInt(n) - 1n >= absentPage && va + BigInt(n) - 1n < absentPage + 0x1000n);
      },
      translate: (va) => (mapped(va) ? Number(va - base) : undefined),
      *runs(start, end): Iterable<MappedRun> {
        for (const [s, e] of [[0x0n, 0x2000n], [0x3000n, 0x5000n]] as const) {
          const a = base + s > start ? base + s : start;
          const b = base + e < end ? base + e : end;
          if (a < b) yield { va: a, pa: Number(a - base), length: Number(b - a) };
        }
      },
    };
    const w = virtualWindow(vm, base + 0x800n, base + 0x5000n);
    expect(w.size).toBe(0x4800);
    expect(w.read(0x0, 2)).toEqual(fill(2, 0x800));
    expect([...w.read(0x1800, 2)]).toEqual([0, 0]); // unmapped 0x2000-0x3000
    expect([...w.read(0x2800, 2)]).toEqual([0, 0]); // mapped but absent from the image
    expect(w.read(0x3800, 2)).toEqual(fill(2, 0x4000));
  });

  it('WindowReader reads both byte orders across its chunk boundaries', () => {
    const bytes = fill(3 << 20, 0);
    for (const le of [true, false]) {
      const r = new WindowReader(bytesWindow('b', bytes), le);
      const at = (1 << 20) - 2; // straddles the first 1 MiB chunk
      const view = new DataView(bytes.buffer);
      expect(r.u32(at)).toBe(view.getUint32(at, le));
      expect(r.u16(at + 1)).toBe(view.getUint16(at + 1, le));
      expect(r.s32(16)).toBe(view.getInt32(16, le));
      expect(r.u64(at - 3)).toBe(view.getBigUint64(at - 3, le));
      expect(r.pointer(40, 4)).toBe(BigInt(view.getUint32(40, le)));
      expect(() => r.u32(bytes.length - 2)).toThrow(IntrospectError);
    }
    const src = sourceWindow(new BytesSource('s', bytes), 0x1000n);
    expect(src.size).toBe(bytes.length);
    expect(src.virtual).toBe(false);
  });
});
