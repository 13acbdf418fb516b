import { IntrospectError } from '../../../core/errors.js';
import { checkRange, type Source } from '../../../core/source/source.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import type { VirtualMemory } from '../../../core/memory/virtual.js';

/**
 * A stretch of kernel memory the kallsyms/BTF code reads by offset: the kernel image through the
 * kernel's page tables (virtual), or a physically contiguous byte range (a raw image, the kernel
 * image's physical range). `base` is the address of byte 0; table labels are aligned on addresses,
 * so base must be congruent (mod 8) with the virtual address of byte 0 (true for kernel image pages).
 */
export interface KernelWindow extends Source {
  readonly base: bigint;
  /** True when `base` is the runtime virtual address of byte 0. */
  readonly virtual: boolean;
}

/** Largest window we assemble in memory from a VirtualMemory / PhysicalMemory (the kernel image is < 256 MiB). */
export const MAX_WINDOW_BYTES = 1 << 30;

export function bytesWindow(name: string, bytes: Uint8Array, base = 0n, virtual = false): KernelWindow {
  return {
    name,
    size: bytes.length,
    base,
    virtual,
    read(offset: number, length: number, structure?: string): Uint8Array {
      checkRange(this, offset, length, structure);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A Source (e.g. a raw memory image, byte N = physical address N + base) seen as a physical window. */
export function sourceWindow(source: Source, base = 0n, virtual = false): KernelWindow {
  return {
    name: source.name,
    size: source.size,
    base,
    virtual,
    read: (offset, length, structure) => source.read(offset, length, structure),
  };
}

function checkWindowSize(name: string, size: bigint, what: string): number {
  if (size < 0n || size > BigInt(MAX_WINDOW_BYTES)) {
    throw new IntrospectError({ file: name, structure: what, reason: `window of ${size} bytes is larger than ${MAX_WINDOW_BYTES}` });
  }
  return Number(size);
}

/**
 * [start, end) of a kernel virtual address space, read once into memory; unmapped or absent pages
 * read as zeros (the tables we look for never span a hole; zeros cannot fake them).
 */
export function virtualWindow(vm: VirtualMemory, start: bigint, end: bigint): KernelWindow {
  const size = checkWindowSize(vm.name, end - start, 'kernel virtual window');
  const bytes = new Uint8Array(size);
  for (const run of vm.runs(start, end)) {
    const from = run.va < start ? start : run.va;
    const runEnd = run.va + BigInt(run.length);
    const to = runEnd > end ? end : runEnd;
    // Whole pieces of the run at once; a piece with a page missing from the container is read
    // page by page so only that page stays zero.
    for (let piece = from; piece < to; ) {
      const pieceEnd = piece + (1n << 24n) < to ? piece + (1n << 24n) : to;
      const n = Number(pieceEnd - piece);
      if (vm.isMapped(piece, n)) {
        bytes.set(vm.read(piece, n, 'kernel virtual window'), Number(piece - start));
      } else {
        for (let va = piece; va < pieceEnd; ) {
          const pageEnd = (va | 0xfffn) + 1n;
          const m = Number((pageEnd < pieceEnd ? pageEnd : pieceEnd) - va);
          if (vm.isMapped(va, m)) bytes.set(vm.read(va, m, 'kernel virtual window'), Number(va - start));
          va += BigInt(m);
        }
      }
      piece = pieceEnd;
    }
  }
  return bytesWindow(`${vm.name} [${hexBig(start)}-${hexBig(end)}]`, bytes, start, true);
}

/** [start, start+size) of guest physical memory; pages absent from the image read as zeros. */
export function physicalWindow(pm: PhysicalMemory, start: number, size: number, virtualBase?: bigint): KernelWindow {
  checkWindowSize(pm.name, BigInt(size), 'physical window');
  const bytes = new Uint8Array(size);
  const end = start + size;
  for (const range of pm.ranges) {
    const from = Math.max(range.start, start);
    const to = Math.min(range.end, end);
    for (let pa = from; pa < to; ) {
      const n = Math.min(to - pa, 1 << 24);
      bytes.set(pm.read(pa, n, 'physical window'), pa - start);
      pa += n;
    }
  }
  return bytesWindow(`${pm.name} [phys ${hexBig(BigInt(start))}+${size}]`, bytes, virtualBase ?? BigInt(start), virtualBase !== undefined);
}

export function hexBig(value: bigint | number): string {
  return '0x' + value.toString(16);
}

/**
 * Reads scalars of one byte order from a window with bounds checks. Reads go through a small cache of
 * 1 MiB chunks, so the table search (millions of u32 probes) does not turn into millions of preads.
 */
export class WindowReader {
  private static readonly CHUNK = 1 << 20;
  private static readonly MAX_CHUNKS = 48;
  private readonly chunks = new Map<number, DataView>();

  constructor(readonly window: KernelWindow, readonly littleEndian: boolean) {}

  inBounds(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && offset + length <= this.window.size;
  }

  /** A DataView and the position of `offset` in it, covering `length` bytes. */
  private at(offset: number, length: number, structure: string): [DataView, number] {
    const C = WindowReader.CHUNK;
    const index = Math.floor(offset / C);
    if (offset >= 0 && offset + length <= (index + 1) * C && offset + length <= this.window.size) {
      let view = this.chunks.get(index);
      if (!view) {
        const start = index * C;
        // Copy: a Source may hand back a view into a buffer it reuses.
        const b = this.window.read(start, Math.min(C, this.window.size - start), structure).slice();
        view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (this.chunks.size >= WindowReader.MAX_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
        this.chunks.set(index, view);
      }
      return [view, offset - index * C];
    }
    const b = this.window.read(offset, length, structure);
    return [new DataView(b.buffer, b.byteOffset, b.byteLength), 0];
  }
  u16(offset: number, structure = 'kallsyms'): number {
    const [v, o] = this.at(offset, 2, structure);
    return v.getUint16(o, this.littleEndian);
  }
  u32(offset: number, structure = 'kallsyms'): number {
    const [v, o] = this.at(offset, 4, structure);
    return v.getUint32(o, this.littleEndian);
  }
  s32(offset: number, structure = 'kallsyms'): number {
    const [v, o] = this.at(offset, 4, structure);
    return v.getInt32(o, this.littleEndian);
  }
  u64(offset: number, structure = 'kallsyms'): bigint {
    const [v, o] = this.at(offset, 8, structure);
    return v.getBigUint64(o, this.littleEndian);
  }
  pointer(offset: number, size: 4 | 8, structure = 'kallsyms'): bigint {
    return size === 8 ? this.u64(offset, structure) : BigInt(this.u32(offset, structure));
  }
}
