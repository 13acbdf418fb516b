// kallsyms located through VMCOREINFO: since 6.0 linux kernel/vmcore_info.c (crash_core.c before
// 6.8) exports SYMBOL(kallsyms_names|num_syms|token_table|token_index|offsets|relative_base) (or
// kallsyms_addresses), which is how drgn (libdrgn/kallsyms.c) reads them. Name lengths are two bytes
// when bit 7 is set since 6.1 (73bbb94466fd "kallsyms: support big kernel symbols"); drgn decides by
// OSRELEASE, and so do we (falling back to the other reading when the walk does not fit).

import { IntrospectError } from '../../../core/errors.js';
import type { VmcoreInfo } from '../../../core/memory/kernel.js';
import type { VirtualMemory } from '../../../core/memory/virtual.js';
import { chooseAddresses, type KallsymsScanOptions } from './scan.js';
import type { AddressTable } from './addresses.js';
import { expandNames, isTypeLetter, tokensFromTable, walkNames } from './names.js';
import { KallsymsTable } from './symbols.js';
import { WindowReader, type KernelWindow } from './window.js';

/** The part of VmcoreInfo this module needs (lets tests pass a plain object). */
export type VmcoreSymbols = Pick<VmcoreInfo, 'symbol' | 'get'>;

const MAX_SPAN = 1 << 26;

/** A window over the kernel VA space that reads on demand (throws on unmapped bytes). */
export function lazyVirtualWindow(vm: VirtualMemory, base: bigint, size: number): KernelWindow {
  return {
    name: vm.name,
    size,
    base,
    virtual: true,
    read(offset: number, length: number, structure?: string): Uint8Array {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new IntrospectError({ file: vm.name, structure: structure ?? 'kallsyms', offset: base + BigInt(offset), reason: `read of ${length} bytes outside the kallsyms window` });
      }
      return vm.read(base + BigInt(offset), length, structure);
    },
  };
}

function releaseAtLeast(release: string | undefined, major: number, minor: number): boolean | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}

export function hasKallsymsVmcoreinfo(info: VmcoreSymbols): boolean {
  return ['kallsyms_names', 'kallsyms_num_syms', 'kallsyms_token_table', 'kallsyms_token_index'].every((s) => info.symbol(s) !== undefined) &&
    (info.symbol('kallsyms_offsets') !== undefined || info.symbol('kallsyms_addresses') !== undefined);
}

/** Reads kallsyms at the addresses VMCOREINFO gives. Throws IntrospectError when they do not hold a consistent table. */
export function kallsymsFromVmcoreinfo(vm: VirtualMemory, info: VmcoreSymbols, options: Pick<KallsymsScanOptions, 'anchors' | 'maxSymbols'> = {}): KallsymsTable {
  const fail = (reason: string, at?: bigint): never => {
    throw new IntrospectError({ file: vm.name, structure: 'kallsyms (VMCOREINFO)', offset: at, reason });
  };
  if (!hasKallsymsVmcoreinfo(info)) fail('VMCOREINFO lacks SYMBOL(kallsyms_*) entries');
  const sym = (s: string): bigint | undefined => info.symbol(s);
  const namesVa = sym('kallsyms_names')!;
  const numSymsVa = sym('kallsyms_num_syms')!;
  const tokenTableVa = sym('kallsyms_token_table')!;
  const tokenIndexVa = sym('kallsyms_token_index')!;
  const offsetsVa = sym('kallsyms_offsets');
  const addressesVa = sym('kallsyms_addresses');
  const relativeBaseVa = sym('kallsyms_relative_base');
  const A = vm.pointerSize;

  const all = [namesVa, numSymsVa, tokenTableVa, tokenIndexVa, offsetsVa, addressesVa, relativeBaseVa].filter((v): v is bigint => v !== undefined);
  const lo = all.reduce((a, b) => (a < b ? a : b));
  const r0 = new WindowReader(lazyVirtualWindow(vm, numSymsVa, 4), vm.littleEndian);
  const N = r0.u32(0, 'kallsyms_num_syms');
  const maxSymbols = options.maxSymbols ?? 1 << 21;
  if (N === 0 || N > maxSymbols) fail(`kallsyms_num_syms ${N} is out of range (1..${maxSymbols})`, numSymsVa);
  const tableVa = (addressesVa ?? offsetsVa)!;
  const tableEnd = tableVa + BigInt((addressesVa !== undefined ? A : 4) * N);
  const ends = [tokenIndexVa + 512n, tableEnd, (relativeBaseVa ?? lo) + BigInt(A), numSymsVa + 4n, tokenTableVa];
  const hi = ends.reduce((a, b) => (a > b ? a : b));
  if (hi - lo > BigInt(MAX_SPAN)) fail(`kallsyms tables span ${hi - lo} bytes, more than ${MAX_SPAN}`, lo);
  const window = lazyVirtualWindow(vm, lo, Number(hi - lo));
  const r = new WindowReader(window, vm.littleEndian);
  const at = (va: bigint): number => Number(va - lo);

  const index: number[] = [];
  for (let k = 0; k < 256; k++) index.push(r.u16(at(tokenIndexVa) + 2 * k, 'kallsyms_token_index'));
  const tableLength = Math.max(...index) + 513;
  const tokenBytes = window.read(at(tokenTableVa), Math.min(tableLength, window.size - at(tokenTableVa)), 'kallsyms_token_table');
  const tokens = tokensFromTable(tokenBytes, index) ?? fail('kallsyms_token_table/token_index do not hold 256 NUL-terminated tokens', tokenTableVa);

  // kallsyms_names always lies before kallsyms_token_table (markers, maybe seqs_of_names, in between).
  if (tokenTableVa <= namesVa) fail('kallsyms_names does not precede kallsyms_token_table', namesVa);
  const names = window.read(at(namesVa), Number(tokenTableVa - namesVa), 'kallsyms_names').slice();
  const newStyle = releaseAtLeast(info.get('OSRELEASE'), 6, 1) ?? true;
  let walk = walkNames(names, N, newStyle);
  let longNames = newStyle;
  if (!walk) {
    walk = walkNames(names, N, !newStyle);
    longNames = !newStyle;
  }
  if (!walk) fail(`kallsyms_names does not hold ${N} entries before kallsyms_token_table`, namesVa);
  const expanded = expandNames(names, walk!, tokens, longNames);
  if (!expanded.types.every(isTypeLetter)) fail('kallsyms names decode to invalid type letters', namesVa);

  const candidates: AddressTable[] = [];
  if (addressesVa !== undefined) candidates.push({ encoding: 'absolute', at: at(addressesVa) });
  if (offsetsVa !== undefined) {
    if (relativeBaseVa !== undefined) {
      candidates.push({ encoding: 'absolute-percpu', at: at(offsetsVa), relativeBaseAt: at(relativeBaseVa) });
      candidates.push({ encoding: 'base-relative', at: at(offsetsVa), relativeBaseAt: at(relativeBaseVa) });
    }
    candidates.push({ encoding: 'place-relative', at: at(offsetsVa) });
    if (A === 4) candidates.push({ encoding: 'absolute-u32', at: at(offsetsVa) });
  }
  const anchors: Record<string, bigint> = { ...(options.anchors ?? {}) };
  for (const s of ['_stext', '_text']) {
    const v = info.symbol(s);
    if (v !== undefined && anchors[s] === undefined) anchors[s] = v;
  }
  const chosen =
    chooseAddresses(r, candidates, expanded.names, A, anchors, (off) => lo + BigInt(off)) ??
    fail(`no address encoding of kallsyms_${addressesVa !== undefined ? 'addresses' : 'offsets'} is sorted and reproduces ${Object.keys(anchors).join(', ') || 'the table shape'}`, tableVa);
  const c = chosen.candidate;
  return new KallsymsTable(expanded.names, expanded.types, chosen.addresses, {
    method: 'vmcoreinfo',
    order: tableVa > tokenIndexVa ? 'names-first' : 'addresses-first',
    encoding: c.encoding,
    pointerSize: A,
    littleEndian: vm.littleEndian,
    longNames,
    addressSpace: 'virtual',
    relativeBase: chosen.relativeBase,
    tables: {
      num_syms: numSymsVa,
      names: namesVa,
      token_table: tokenTableVa,
      token_index: tokenIndexVa,
      ...(addressesVa !== undefined ? { addresses: addressesVa } : {}),
      ...(offsetsVa !== undefined ? { offsets: offsetsVa } : {}),
      ...(relativeBaseVa !== undefined ? { relative_base: relativeBaseVa } : {}),
    },
  });
}
