import type { PhysicalMemory } from './types.js';
import type { KernelArch, VirtualMemory } from './virtual.js';

/**
 * The VMCOREINFO note's KEY=VALUE text (linux kernel/vmcore_info.c, arch/x86/kernel/machine_kexec_64.c,
 * arch/arm64/kernel/vmcore_info.c). Found in the container (ELF/kdump note) or by scanning RAM.
 */
export interface VmcoreInfo {
  readonly text: string;
  readonly entries: ReadonlyMap<string, string>;
  /** 'container' when the dump carried it, else the physical address of the note text in RAM. */
  readonly origin: 'container' | number;
  /** Raw value of KEY (e.g. "OSRELEASE", "SYMBOL(init_uts_ns)", "NUMBER(phys_base)"). */
  get(key: string): string | undefined;
  /** SYMBOL(name)=hex (no 0x). */
  symbol(name: string): bigint | undefined;
  /** NUMBER(name)=value, parsed with base 0 (0x.. hex, else decimal; may be negative). */
  number(name: string): bigint | undefined;
  /** SIZE(name)=decimal. */
  size(name: string): number | undefined;
  /** OFFSET(struct.field)=decimal. */
  offset(name: string): number | undefined;
  /** LENGTH(name)=decimal. */
  length(name: string): number | undefined;
}

/** A source of kernel symbol addresses (runtime, KASLR applied): vmcoreinfo, kallsyms, a profile. */
export interface SymbolTable {
  /** Short name for --explain, e.g. "vmcoreinfo", "kallsyms", "profile debian-6.1". */
  readonly name: string;
  lookup(name: string): bigint | undefined;
}

export type PagingMode =
  | 'x86_64-4level'
  | 'x86_64-5level'
  | 'i386-pae'
  | 'i386-2level'
  | 'aarch64-4k';

/** The kernel image (text, rodata, data, bss) is linearly mapped: va - virtualStart = pa - physicalStart. */
export interface KernelImageMap {
  /** Runtime virtual address of _text (KASLR applied). */
  readonly virtualStart: bigint;
  /** Physical address of _text. */
  readonly physicalStart: number;
  /** Bytes mapped linearly from _text (up to the first gap in the mapping; covers text..bss). */
  readonly size: number;
}

/**
 * Everything learned about the running kernel from the memory image alone (no profile needed):
 * what plugins for views (ps, dmesg, ifconfig), kallsyms recovery and BTF parsing build on.
 */
export interface KernelContext {
  /** Guest physical memory the kernel lives in. */
  readonly physical: PhysicalMemory;
  /** The kernel's virtual address space (kernel half; init_mm's page tables). */
  readonly vm: VirtualMemory;
  readonly arch: KernelArch;
  /** UTS_RELEASE, e.g. "6.1.0-56-amd64". */
  readonly release: string;
  /** init_uts_ns.name: the utsname the guest set (nodename = its hostname). */
  readonly utsname: {
    readonly sysname: string;
    readonly nodename: string;
    readonly release: string;
    readonly version: string;
    readonly machine: string;
    readonly domainname: string;
  };
  /** The kernel's own linux_banner, without the trailing newline. */
  readonly banner: string;
  /** Where linux_banner lies. */
  readonly bannerAddress: { readonly physical: number; readonly virtual?: bigint };
  readonly pagingMode: PagingMode;
  /** Physical address of the top-level page table used for `vm` (CR3 masked, swapper_pg_dir, ...). */
  readonly pageTableRoot: number;
  /** How the root was found, for --explain: "CPU 0 CR3", "SYMBOL(init_top_pgt)", ... */
  readonly pageTableRootSource: string;
  /** Virtual KASLR shift: runtime VA - link-time VA of kernel text (KERNELOFFSET). 0 without KASLR. */
  readonly virtualShift: bigint;
  /**
   * Physical KASLR shift (Volatility's kaslr_shift): runtime physical address of _text minus its
   * link-time physical address (x86_64: link VA - __START_KERNEL_map; i386: link VA - PAGE_OFFSET;
   * arm64: offset of the image from the start of RAM's kernel placement, i.e. pa(_text) - PHYS_OFFSET
   * minus TEXT_OFFSET(0)). May be negative.
   */
  readonly physicalShift: bigint;
  /** Base of the direct (linear) map of all RAM: page_offset_base / PAGE_OFFSET. va = pa + directMapBase (arm64: - PHYS_OFFSET). */
  readonly directMapBase: bigint;
  /** Linear mapping of the kernel image itself. */
  readonly image: KernelImageMap;
  /** VMCOREINFO, when present in the container or in RAM. */
  readonly vmcoreinfo?: VmcoreInfo;
  /** Runtime address of a kernel symbol from any registered table (vmcoreinfo first), or undefined. */
  symbol(name: string): bigint | undefined;
  /** Register another symbol source (kallsyms recovered from the image, a profile); consulted in order added. */
  addSymbols(table: SymbolTable): void;
  /** Symbol tables consulted by symbol(), in order. */
  readonly symbolTables: readonly SymbolTable[];
  /** Another address space with the same paging mode (a process's mm->pgd, as a physical address). */
  addressSpace(root: number, name?: string): VirtualMemory;
  /** Physical address -> virtual address in the direct map. */
  directMap(pa: number): bigint;
}

/** Alias kept for readers who think of it as "the kernel image found in memory". */
export type KernelImage = KernelContext;

/** What the locateKernel hook's taps receive besides the memory: where to say what they tried. */
export interface KernelSearch {
  explain?(line: string): void;
}
