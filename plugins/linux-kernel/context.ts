import type { KernelContext, KernelImageMap, PagingMode, SymbolTable, VmcoreInfo } from '../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { u64, type KernelArch, type VirtualMemory } from '../../core/memory/virtual.js';
import type { UtsName } from './utsname.js';

export interface KernelFacts {
  physical: PhysicalMemory;
  vm: VirtualMemory;
  arch: KernelArch;
  release: string;
  banner: string;
  bannerAddress: { physical: number; virtual?: bigint };
  pagingMode: PagingMode;
  pageTableRoot: number;
  pageTableRootSource: string;
  virtualShift: bigint;
  physicalShift: bigint;
  image: KernelImageMap;
  vmcoreinfo?: VmcoreInfo;
  /** The utsname read from init_uts_ns (with the hostname the guest set). */
  utsname: UtsName;
  /** Where init_uts_ns.name was read. */
  utsnameAddress: { physical: number; virtual?: bigint };
  /** Direct-map base when fixed by the layout (i386, arm64), or a function finding it (x86_64). */
  directMapBase: bigint | ((ctx: KernelContext) => bigint);
  addressSpace(root: number, name?: string): VirtualMemory;
  /** How each fact was found, for --explain. */
  explanation: string[];
}

export class LinuxKernelContext implements KernelContext {
  readonly physical: PhysicalMemory;
  readonly vm: VirtualMemory;
  readonly arch: KernelArch;
  readonly release: string;
  readonly banner: string;
  readonly bannerAddress: { physical: number; virtual?: bigint };
  readonly pagingMode: PagingMode;
  readonly pageTableRoot: number;
  readonly pageTableRootSource: string;
  readonly virtualShift: bigint;
  readonly physicalShift: bigint;
  readonly image: KernelImageMap;
  readonly vmcoreinfo?: VmcoreInfo;
  readonly utsname: UtsName;
  readonly utsnameAddress: { physical: number; virtual?: bigint };
  readonly explanation: string[];
  private readonly tables: SymbolTable[] = [];
  private directMapValue?: bigint;

  constructor(private readonly facts: KernelFacts) {
    this.physical = facts.physical;
    this.vm = facts.vm;
    this.arch = facts.arch;
    this.release = facts.release;
    this.banner = facts.banner;
    this.bannerAddress = facts.bannerAddress;
    this.pagingMode = facts.pagingMode;
    this.pageTableRoot = facts.pageTableRoot;
    this.pageTableRootSource = facts.pageTableRootSource;
    this.virtualShift = facts.virtualShift;
    this.physicalShift = facts.physicalShift;
    this.image = facts.image;
    this.vmcoreinfo = facts.vmcoreinfo;
    this.utsname = facts.utsname;
    this.utsnameAddress = facts.utsnameAddress;
    this.explanation = facts.explanation;
    if (facts.vmcoreinfo) {
      const info = facts.vmcoreinfo;
      this.tables.push({ name: 'vmcoreinfo', lookup: (name) => info.symbol(name) });
    }
  }

  get symbolTables(): readonly SymbolTable[] {
    return this.tables;
  }

  symbol(name: string): bigint | undefined {
    for (const table of this.tables) {
      const value = table.lookup(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  addSymbols(table: SymbolTable): void {
    this.tables.push(table);
    // A symbol table may now name page_offset_base: find the direct map again on next use.
    if (typeof this.facts.directMapBase === 'function') this.directMapValue = undefined;
  }

  get directMapBase(): bigint {
    if (typeof this.facts.directMapBase === 'bigint') return this.facts.directMapBase;
    this.directMapValue ??= this.facts.directMapBase(this);
    return this.directMapValue;
  }

  addressSpace(root: number, name?: string): VirtualMemory {
    return this.facts.addressSpace(root, name);
  }

  directMap(pa: number): bigint {
    return u64(BigInt(pa) + this.directMapBase);
  }
}
