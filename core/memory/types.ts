import type { Source } from '../source/source.js';

/** One contiguous range of guest physical memory present in an image. End is exclusive. */
export interface PhysicalRange {
  start: number;
  end: number;
}

/** Registers recorded by the dump for one CPU (QEMU note, kdump notes). */
export interface CpuState {
  cr3?: bigint;
  cr4?: bigint;
  /** arm64: TTBR1_EL1 when known. */
  ttbr1?: bigint;
}

/**
 * Guest physical memory with holes. read() throws an IntrospectError naming the physical address
 * when any byte of the range is not present in the image.
 */
export interface PhysicalMemory {
  readonly name: string;
  /** Container form, e.g. "raw", "elf", "kdump", "lime". */
  readonly format: string;
  readonly ranges: readonly PhysicalRange[];
  read(address: number, length: number, structure?: string): Uint8Array;
  isPresent(address: number, length: number): boolean;
  readonly cpus: readonly CpuState[];
  /** Text of a VMCOREINFO note carried by the container, when it has one. */
  readonly vmcoreinfo?: string;
  /** Architecture the container declares (ELF e_machine, kdump utsname.machine). */
  readonly archHint?: 'x86_64' | 'i386' | 'aarch64';
  /**
   * Containers that do not record physical addresses (raw, live RAM files) offer the same bytes at
   * another base: byte N = physical address base + N. The kernel locator tries candidate bases
   * (e.g. arm64 boards put RAM at 0x40000000 or 0x80000000) and keeps the one where the kernel reads back.
   */
  rebase?(base: number): PhysicalMemory;
  /** True when the physical base was not recorded by the container and rebase() may be tried. */
  readonly baseIsGuess?: boolean;
}

export interface MemoryOpenRequest {
  path: string;
  source: Source;
  /** Forced container format, if the user gave one. */
  format?: string;
}
