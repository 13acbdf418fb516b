import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { RawPhysicalMemory } from '../../../plugins/memory-containers/raw.js';
import { PagedVirtualMemory } from '../../../plugins/linux-kernel/paging/paged-memory.js';
import { aarch64Scheme, i386PaeScheme, i386Scheme, x86_64Scheme, type PagingScheme } from '../../../plugins/linux-kernel/paging/scheme.js';
import { GuestRam, map, type Arch } from './synthetic.js';

interface Case {
  arch: Arch;
  scheme: PagingScheme;
  /** A kernel-looking VA, a big page size this mode has, and a VA that must stay unmapped. */
  va: bigint;
  big: number;
  unmapped: bigint;
}

const cases: Case[] = [
  { arch: 'x86_64-4', scheme: x86_64Scheme(false), va: 0xffffffff81200000n, big: 0x200000, unmapped: 0xffff888000000000n },
  { arch: 'x86_64-5', scheme: x86_64Scheme(true), va: 0xff11000012400000n, big: 0x40000000, unmapped: 0xffffffff81200000n },
  { arch: 'pae', scheme: i386PaeScheme(), va: 0xc1000000n, big: 0x200000, unmapped: 0x08048000n },
  { arch: 'i386', scheme: i386Scheme(), va: 0xc1000000n, big: 0x400000, unmapped: 0x08048000n },
  { arch: 'arm64-48', scheme: aarch64Scheme(48, true), va: 0xffffda15ae000000n, big: 0x200000, unmapped: 0xffff000000000000n },
  { arch: 'arm64-52', scheme: aarch64Scheme(52, true), va: 0xfff8da15ae000000n, big: 0x200000, unmapped: 0xfff0000000000000n },
  { arch: 'arm64-39', scheme: aarch64Scheme(39, true), va: 0xffffffc008000000n, big: 0x40000000, unmapped: 0xffffff8000000000n },
];

describe('page-table walkers', () => {
  for (const c of cases) {
    describe(c.scheme.mode + ` (${c.arch})`, () => {
      const ram = new GuestRam(c.big === 0x40000000 ? 0x400000 : 0x1000000, 0, c.big === 0x40000000 ? 0x200000 : 0xc00000);
      const root = ram.allocPage();
      // 4 KiB pages, deliberately out of physical order: page 0 -> 0x5000, page 1 -> 0x3000, page 2 -> 0x4000.
      map(ram, c.arch, root, c.va, 0x5000, 0x1000);
      map(ram, c.arch, root, c.va + 0x1000n, 0x3000, 0x1000);
      map(ram, c.arch, root, c.va + 0x2000n, 0x4000, 0x1000);
      // One large page right after a large-page boundary.
      const bigVa = (c.va & ~BigInt(c.big - 1)) + BigInt(c.big) * 2n;
      const bigPa = c.big === 0x40000000 ? 0x40000000 * 3 : c.big * 2;
      map(ram, c.arch, root, bigVa, bigPa, c.big, c.big);
      ram.text(0x5000 + 0xffc, 'ABCD');
      ram.text(0x3000, 'EFGH');
      const memory = new RawPhysicalMemory(new BytesSource('ram', ram.bytes));
      const vm = new PagedVirtualMemory('test [VA]', memory, c.scheme, root);

      it('translates 4 KiB pages and large pages', () => {
        expect(vm.translate(c.va)).toBe(0x5000);
        expect(vm.translate(c.va + 0x1234n)).toBe(0x3234);
        expect(vm.translate(c.va + 0x2fffn)).toBe(0x4fff);
        expect(vm.translate(bigVa + 0x12345n)).toBe(bigPa + 0x12345);
        expect(vm.translate(bigVa + BigInt(c.big) - 1n)).toBe(bigPa + c.big - 1);
      });

      it('reads across pages that are not physically contiguous', () => {
        expect(String.fromCharCode(...vm.read(c.va + 0xffcn, 8))).toBe('ABCDEFGH');
      });

      it('says which virtual address is unmapped', () => {
        expect(vm.translate(c.unmapped)).toBeUndefined();
        expect(vm.translate(c.va + 0x3000n)).toBeUndefined();
        expect(vm.isMapped(c.va + 0x2000n, 0x1001)).toBe(false);
        expect(() => vm.read(c.va + 0x2ff0n, 0x20)).toThrow(IntrospectError);
        expect(() => vm.read(c.va + 0x2ff0n, 0x20)).toThrow(/virtual address 0x[0-9a-f]*3000 is not mapped/);
      });

      it('lists mapped runs, merging physically contiguous pages', () => {
        const runs = [...vm.runs(c.va, bigVa + BigInt(c.big))];
        expect(runs.map((r) => [r.va, r.pa, r.length])).toEqual([
          [c.va, 0x5000, 0x1000],
          [c.va + 0x1000n, 0x3000, 0x2000],
          [bigVa, bigPa, c.big],
        ]);
        expect([...vm.runs(c.va, bigVa + BigInt(c.big), 1)]).toHaveLength(1);
      });

      if (c.big !== 0x40000000) {
        it('reports a present mapping whose page is missing from the image by its physical address', () => {
          map(ram, c.arch, root, c.va + 0x10000n, ram.size + 0x1000, 0x1000);
          const fresh = new PagedVirtualMemory('test [VA]', memory, c.scheme, root);
          expect(fresh.translate(c.va + 0x10000n)).toBe(ram.size + 0x1000);
          expect(fresh.isMapped(c.va + 0x10000n, 1)).toBe(false);
          expect(() => fresh.read(c.va + 0x10000n, 4)).toThrow(new RegExp(`physical address 0x${(ram.size + 0x1000).toString(16)} is not in the image`));
        });
      }
    });
  }
});
