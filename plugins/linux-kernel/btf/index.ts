// Kernel BTF: located in memory and parsed into struct layouts. Sources: linux
// include/uapi/linux/btf.h, kernel/bpf/btf.c.

import type { KernelContext } from '../../../core/memory/kernel.js';
import type { KallsymsTable } from '../kallsyms/symbols.js';
import { lazyVirtualWindow } from '../kallsyms/vmcoreinfo.js';
import { virtualWindow } from '../kallsyms/window.js';
import { findBtf, type FoundBtf } from './find.js';

export { parseBtf, readBtfHeader, BTF_MAX_TYPE, type BtfHeader, type ParseBtfOptions } from './parse.js';
export { Btf, toStructLayout, type FieldPath } from './btf.js';
export { findBtf, btfHeaderHits, MAX_BTF_BYTES, type FoundBtf, type FindBtfOptions } from './find.js';
export type { BtfType, BtfKind, BtfMember, BtfField, BtfStruct, BtfEnumValue, BtfParam, BtfVarSecinfo } from './types.js';
export { BTF_KIND, BTF_KIND_NAMES, BTF_MAGIC } from './format.js';
export { findInitTask } from './guided.js';

/**
 * The running kernel's BTF: between __start_BTF and __stop_BTF when a symbol table knows them
 * (kallsyms with KALLSYMS_ALL, a profile), else by scanning the kernel image for the BTF header.
 */
export function findKernelBtf(kernel: KernelContext, kallsyms?: KallsymsTable): FoundBtf {
  const start = kallsyms?.lookup('__start_BTF') ?? kernel.symbol('__start_BTF');
  const stop = kallsyms?.lookup('__stop_BTF') ?? kernel.symbol('__stop_BTF');
  const begin = kernel.image.virtualStart;
  const end = begin + BigInt(kernel.image.size);
  if (start !== undefined && stop !== undefined && start >= begin && stop > start && stop <= end) {
    // Read just the section, not the whole image.
    const window = lazyVirtualWindow(kernel.vm, start, Number(stop - start));
    return findBtf(window, { start, stop, pointerSize: kernel.vm.pointerSize });
  }
  return findBtf(virtualWindow(kernel.vm, begin, end), { pointerSize: kernel.vm.pointerSize });
}
