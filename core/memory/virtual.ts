import { IntrospectError } from '../errors.js';

/** CPU architectures whose kernels we can read. Names follow `uname -m` / ELF conventions. */
export type KernelArch = 'x86_64' | 'i386' | 'aarch64';

/** One run of virtual addresses mapped to physically contiguous memory. */
export interface MappedRun {
  /** First virtual address of the run. */
  va: bigint;
  /** Physical address `va` translates to. */
  pa: number;
  /** Length in bytes. */
  length: number;
}

/**
 * A virtual address space (the kernel's, or one process's) over guest physical memory.
 * Virtual addresses are bigint: x86_64 and arm64 kernel addresses exceed 2^53.
 * Physical addresses are number (guest RAM stays far below 2^53).
 *
 * read() throws an IntrospectError naming the virtual address (and the physical one when the page
 * table says present but the container lacks the page) when any byte is unmapped or absent.
 */
export interface VirtualMemory {
  /** For error messages: "<image> [kernel VA]" or "<image> [pid 42 VA]". */
  readonly name: string;
  readonly arch: KernelArch;
  readonly pointerSize: 4 | 8;
  readonly littleEndian: boolean;
  read(va: bigint, length: number, structure?: string): Uint8Array;
  /** True when every byte of [va, va+length) is mapped AND present in the image. */
  isMapped(va: bigint, length: number): boolean;
  /** Physical address of `va`, or undefined when unmapped. Does not check that the page is in the image. */
  translate(va: bigint): number | undefined;
  /**
   * The mapped runs within [start, end), in increasing VA order, physically contiguous runs merged.
   * Lets scanners (kallsyms, BTF) read big windows without a page-table walk per page.
   * Bounded: yields at most `maxRuns` runs (default 1 << 20).
   */
  runs(start: bigint, end: bigint, maxRuns?: number): Iterable<MappedRun>;
}

const MASK64 = (1n << 64n) - 1n;

/** Wrap to an unsigned 64-bit value (address arithmetic that may go below 0). */
export function u64(value: bigint): bigint {
  return value & MASK64;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readU8(vm: VirtualMemory, va: bigint, structure?: string): number {
  return vm.read(va, 1, structure)[0];
}

export function readU16(vm: VirtualMemory, va: bigint, structure?: string): number {
  return view(vm.read(va, 2, structure)).getUint16(0, vm.littleEndian);
}

export function readU32(vm: VirtualMemory, va: bigint, structure?: string): number {
  return view(vm.read(va, 4, structure)).getUint32(0, vm.littleEndian);
}

export function readS32(vm: VirtualMemory, va: bigint, structure?: string): number {
  return view(vm.read(va, 4, structure)).getInt32(0, vm.littleEndian);
}

export function readU64(vm: VirtualMemory, va: bigint, structure?: string): bigint {
  return view(vm.read(va, 8, structure)).getBigUint64(0, vm.littleEndian);
}

/** A pointer-sized unsigned value (unsigned long / void *). */
export function readPointer(vm: VirtualMemory, va: bigint, structure?: string): bigint {
  return vm.pointerSize === 8 ? readU64(vm, va, structure) : BigInt(readU32(vm, va, structure));
}

/** A NUL-terminated Latin-1 string of at most `maxLength` bytes (the NUL excluded). */
export function readCString(vm: VirtualMemory, va: bigint, maxLength: number, structure?: string): string {
  if (!Number.isSafeInteger(maxLength) || maxLength < 0 || maxLength > 1 << 20) {
    throw new IntrospectError({ file: vm.name, structure: structure ?? 'string', offset: va, reason: `string length bound ${maxLength} out of range` });
  }
  let out = '';
  let done = 0;
  while (done < maxLength) {
    // Stop each chunk at the next 4 KiB page so a string ending just before an unmapped page reads fine.
    const at = va + BigInt(done);
    const n = Math.min(256, maxLength - done, 4096 - Number(at & 0xfffn));
    const bytes = vm.read(at, n, structure);
    const nul = bytes.indexOf(0);
    if (nul >= 0) return out + latin1(bytes.subarray(0, nul));
    out += latin1(bytes);
    done += n;
  }
  return out;
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

export function hex(value: bigint | number): string {
  return '0x' + value.toString(16);
}
