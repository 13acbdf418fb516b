// A virtual address space read by walking page tables in guest physical memory.
import { IntrospectError } from '../../../core/errors.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import type { KernelArch, MappedRun, VirtualMemory } from '../../../core/memory/virtual.js';
import type { PagingScheme } from './scheme.js';

const TLB_LIMIT = 1 << 16;
const TABLE_CACHE_LIMIT = 4096;
/** Entries runs() may visit in one call; a kernel space has well under a million present entries. */
const MAX_VISITED = 1 << 23;

export interface Translation {
  pa: number;
  /** Bytes from pa to the end of the mapping page/block. */
  remaining: number;
}

/** A root for each VA (arm64 splits user/kernel halves between TTBR0/TTBR1; x86 has one root). */
export interface RootSelector {
  (va: bigint): { root: number; scheme: PagingScheme } | undefined;
}

export class PagedVirtualMemory implements VirtualMemory {
  readonly arch: KernelArch;
  readonly pointerSize: 4 | 8;
  readonly littleEndian = true;
  private readonly tlb = new Map<bigint, number>();
  private readonly tables = new Map<number, DataView>();

  constructor(
    readonly name: string,
    readonly physical: PhysicalMemory,
    readonly scheme: PagingScheme,
    readonly root: number,
    private readonly selectRoot: RootSelector = (va) => (scheme.valid(va) ? { root, scheme } : undefined),
  ) {
    this.arch = scheme.arch;
    this.pointerSize = scheme.pointerSize;
  }

  translate(va: bigint): number | undefined {
    return this.walk(va)?.pa;
  }

  /** Translation with the size left in the mapping, or undefined when unmapped. */
  walk(va: bigint): Translation | undefined {
    const page = va >> 12n;
    const hit = this.tlb.get(page);
    const offset = Number(va & 0xfffn);
    if (hit !== undefined) return hit < 0 ? undefined : { pa: hit + offset, remaining: 4096 - offset };
    const t = this.walkTables(va);
    if (this.tlb.size >= TLB_LIMIT) this.tlb.clear();
    this.tlb.set(page, t ? t.pa - offset : -1);
    return t ? { pa: t.pa, remaining: 4096 - offset } : undefined;
  }

  private walkTables(va: bigint): Translation | undefined {
    const sel = this.selectRoot(va);
    if (!sel) return undefined;
    const { scheme } = sel;
    let table = sel.root;
    for (let level = 0; level < scheme.levels.length; level++) {
      const { shift, bits } = scheme.levels[level];
      const index = Number((va >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n));
      const entry = this.entry(table, index, scheme, level);
      if (entry === undefined) return undefined;
      const d = scheme.decode(entry, level);
      if (!d) return undefined;
      if (d.kind === 'leaf') {
        const within = Number(va & BigInt(d.size - 1));
        return { pa: d.base + within, remaining: d.size - within };
      }
      table = d.next;
    }
    return undefined;
  }

  /** One page-table entry; undefined when the table page is not in the image. */
  private entry(table: number, index: number, scheme: PagingScheme, level: number): bigint | undefined {
    const at = table + index * scheme.entrySize;
    const pageBase = at - (at % 4096);
    let view = this.tables.get(pageBase);
    if (!view) {
      if (!this.physical.isPresent(pageBase, 4096)) return undefined;
      const bytes = this.physical.read(pageBase, 4096, `page table (level ${level})`);
      view = new DataView(bytes.buffer, bytes.byteOffset, 4096);
      if (this.tables.size >= TABLE_CACHE_LIMIT) this.tables.clear();
      this.tables.set(pageBase, view);
    }
    const off = at - pageBase;
    return scheme.entrySize === 8 ? view.getBigUint64(off, true) : BigInt(view.getUint32(off, true));
  }

  read(va: bigint, length: number, structure?: string): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new IntrospectError({ file: this.name, structure: structure ?? 'virtual read', offset: va, reason: `bad length ${length}` });
    }
    const pieces: { pa: number; n: number }[] = [];
    let done = 0;
    while (done < length) {
      const at = va + BigInt(done);
      const t = this.walk(at);
      if (!t) {
        throw new IntrospectError({ file: this.name, structure: structure ?? 'virtual memory', offset: at, reason: `virtual address 0x${at.toString(16)} is not mapped` });
      }
      const n = Math.min(length - done, t.remaining);
      const last = pieces[pieces.length - 1];
      if (last && last.pa + last.n === t.pa) last.n += n;
      else pieces.push({ pa: t.pa, n });
      done += n;
    }
    if (pieces.length === 1) return this.readPhysical(pieces[0].pa, length, va, structure);
    const out = new Uint8Array(length);
    let pos = 0;
    for (const p of pieces) {
      out.set(this.readPhysical(p.pa, p.n, va + BigInt(pos), structure), pos);
      pos += p.n;
    }
    return out;
  }

  private readPhysical(pa: number, n: number, va: bigint, structure: string | undefined): Uint8Array {
    try {
      return this.physical.read(pa, n, structure);
    } catch (error) {
      if (!(error instanceof IntrospectError)) throw error;
      throw new IntrospectError(
        { file: this.name, structure: structure ?? 'virtual memory', offset: va, reason: `virtual address 0x${va.toString(16)} maps to ${error.reason}` },
        { cause: error },
      );
    }
  }

  isMapped(va: bigint, length: number): boolean {
    let done = 0;
    while (done < length) {
      const at = va + BigInt(done);
      const t = this.walk(at);
      if (!t) return false;
      const n = Math.min(length - done, t.remaining);
      if (!this.physical.isPresent(t.pa, n)) return false;
      done += n;
    }
    return true;
  }

  *runs(start: bigint, end: bigint, maxRuns = 1 << 20): Iterable<MappedRun> {
    const sel = this.selectRoot(start);
    if (!sel || end <= start) return;
    const { scheme } = sel;
    let pending: MappedRun | undefined;
    let yielded = 0;
    let visited = 0;
    let stopped = false;
    const self = this;
    function* visit(table: number, level: number, prefix: bigint): Generator<MappedRun> {
      const { shift, bits } = scheme.levels[level];
      const span = 1n << BigInt(shift);
      for (let index = 0; index < 1 << bits && !stopped; index++) {
        const lo = level === 0 ? scheme.canonical(BigInt(index) << BigInt(shift)) : prefix + (BigInt(index) << BigInt(shift));
        const hi = lo + span;
        if (hi <= start || lo >= end) continue;
        if (++visited > MAX_VISITED) {
          stopped = true;
          return;
        }
        const entry = self.entry(table, index, scheme, level);
        if (entry === undefined) continue;
        const d = scheme.decode(entry, level);
        if (!d) continue;
        if (d.kind === 'table') {
          if (level + 1 < scheme.levels.length) yield* visit(d.next, level + 1, lo);
          continue;
        }
        const from = lo < start ? start : lo;
        const to = hi > end ? end : hi;
        const run = { va: from, pa: d.base + Number(from - lo), length: Number(to - from) };
        if (pending && pending.va + BigInt(pending.length) === run.va && pending.pa + pending.length === run.pa) {
          pending.length += run.length;
        } else {
          if (pending) {
            yield pending;
            if (++yielded >= maxRuns) {
              stopped = true;
              return;
            }
          }
          pending = run;
        }
      }
    }
    yield* visit(sel.root, 0, 0n);
    if (pending && yielded < maxRuns) yield pending;
  }
}
