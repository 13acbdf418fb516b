import type { SymbolTable } from '../../../core/memory/kernel.js';
import type { KallsymsEncoding } from './addresses.js';

export interface KallsymsSymbol {
  name: string;
  /** Runtime address (KASLR applied). */
  address: bigint;
  /** nm type letter: T/t text, D/d data, R/r rodata, B/b bss, A absolute (per-CPU), W/V weak... */
  type: string;
}

/** Where each table was found, as addresses (virtual when the window was virtual, else physical). */
export interface KallsymsLocation {
  /** "vmcoreinfo" or "scan". */
  method: 'vmcoreinfo' | 'scan';
  /** Table layout: "addresses-first" (before 6.4) or "names-first" (6.4+). */
  order: 'addresses-first' | 'names-first';
  encoding: KallsymsEncoding;
  pointerSize: 4 | 8;
  littleEndian: boolean;
  /** Two-byte name lengths (6.1+). */
  longNames: boolean;
  /** Width of kallsyms_markers entries when found (pointer-sized before 4.20, else 4). */
  markersWidth?: number;
  /** Width of one kallsyms_seqs_of_names entry when found (3 bytes, 4 in early 6.2 builds). */
  seqsWidth?: number;
  /** Whether these addresses are kernel virtual addresses ("virtual") or physical ones ("physical"). */
  addressSpace: 'virtual' | 'physical';
  tables: Partial<Record<'num_syms' | 'names' | 'markers' | 'seqs_of_names' | 'token_table' | 'token_index' | 'addresses' | 'offsets' | 'relative_base', bigint>>;
  relativeBase?: bigint;
}

/**
 * The kernel's symbol table as recovered from memory. Lookups by name (first symbol of that name in
 * address order, as /proc/kallsyms lists them) and by address (nearest symbol at or below).
 */
export class KallsymsTable implements SymbolTable {
  readonly name = 'kallsyms';
  private readonly byName = new Map<string, number>();

  constructor(
    readonly names: readonly string[],
    readonly types: readonly string[],
    /** Runtime addresses in table order (sorted by address). */
    readonly addresses: BigUint64Array,
    readonly location: KallsymsLocation,
  ) {
    for (let i = 0; i < names.length; i++) if (!this.byName.has(names[i])) this.byName.set(names[i], i);
  }

  get count(): number {
    return this.names.length;
  }

  lookup(name: string): bigint | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.addresses[i];
  }

  symbol(name: string): KallsymsSymbol | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.at(i);
  }

  /** Every symbol with this name (static functions may share a name). */
  all(name: string): KallsymsSymbol[] {
    const out: KallsymsSymbol[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out.push(this.at(i));
    return out;
  }

  at(index: number): KallsymsSymbol {
    return { name: this.names[index], address: this.addresses[index], type: this.types[index] };
  }

  /** The symbol with the greatest address <= `address` (and the offset into it), or undefined below the first. */
  nearest(address: bigint): { symbol: KallsymsSymbol; offset: bigint } | undefined {
    const a = this.addresses;
    if (a.length === 0 || address < a[0]) return undefined;
    let lo = 0;
    let hi = a.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid] <= address) lo = mid;
      else hi = mid - 1;
    }
    // Several symbols may share an address: report the first of them.
    while (lo > 0 && a[lo - 1] === a[lo]) lo--;
    return { symbol: this.at(lo), offset: address - a[lo] };
  }

  /**
   * Addresses for a profile's `symbols` record (core/profiles/types.ts ProfileData): "0x..." strings,
   * since kernel addresses exceed 2^53. Only the named symbols, or every symbol when none are named.
   */
  toProfileSymbols(names?: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    const want = names ?? this.names;
    for (const name of want) {
      const address = this.lookup(name);
      if (address !== undefined && !(name in out)) out[name] = '0x' + address.toString(16);
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<KallsymsSymbol> {
    for (let i = 0; i < this.names.length; i++) yield this.at(i);
  }
}
