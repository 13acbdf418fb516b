// kallsyms recovered from a memory image: through VMCOREINFO when it names the tables (6.0+), else
// by scanning the kernel image for them. Sources: linux scripts/kallsyms.c, kernel/kallsyms.c,
// kernel/kallsyms_internal.h; drgn libdrgn/kallsyms.c; vmlinux-to-elf vmlinux_to_elf/core/kallsyms.py.

import { IntrospectError } from '../../../core/errors.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import { scanKallsyms } from './scan.js';
import type { KallsymsTable } from './symbols.js';
import { hasKallsymsVmcoreinfo, kallsymsFromVmcoreinfo } from './vmcoreinfo.js';
import { virtualWindow } from './window.js';

export { scanKallsyms, chooseAddresses, digitRuns, tokenTableAt, type KallsymsScanOptions } from './scan.js';
export { kallsymsFromVmcoreinfo, hasKallsymsVmcoreinfo, lazyVirtualWindow, type VmcoreSymbols } from './vmcoreinfo.js';
export { KallsymsTable, type KallsymsSymbol, type KallsymsLocation } from './symbols.js';
export { decodeAddresses, ENCODINGS, type KallsymsEncoding } from './addresses.js';
export { bytesWindow, sourceWindow, virtualWindow, physicalWindow, type KernelWindow } from './window.js';

export interface RecoveredKallsyms {
  table: KallsymsTable;
  /** How it was found, for --explain. */
  explanation: string[];
}

/**
 * kallsyms of the running kernel: VMCOREINFO first, then a scan of the kernel image's virtual range,
 * anchored on VMCOREINFO's _stext and the banner's address when known.
 */
export function recoverKallsyms(kernel: KernelContext): RecoveredKallsyms {
  const explanation: string[] = [];
  const info = kernel.vmcoreinfo;
  if (info && hasKallsymsVmcoreinfo(info)) {
    try {
      const table = kallsymsFromVmcoreinfo(kernel.vm, info);
      explanation.push(`kallsyms: ${table.count} symbols from VMCOREINFO SYMBOL(kallsyms_*) (${table.location.encoding})`);
      return { table, explanation };
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      explanation.push(`kallsyms: VMCOREINFO tables rejected: ${e.reason}`);
    }
  } else {
    explanation.push('kallsyms: VMCOREINFO does not name the tables; scanning the kernel image');
  }
  const anchors: Record<string, bigint> = {};
  const stext = info?.symbol('_stext');
  if (stext !== undefined) anchors._stext = stext;
  if (kernel.bannerAddress.virtual !== undefined) anchors.linux_banner = kernel.bannerAddress.virtual;
  const start = kernel.image.virtualStart;
  const window = virtualWindow(kernel.vm, start, start + BigInt(kernel.image.size));
  let table: KallsymsTable;
  try {
    table = scanKallsyms(window, { pointerSize: kernel.vm.pointerSize, anchors });
  } catch (e) {
    // The banner anchor only exists with KALLSYMS_ALL; never let it veto a table that _stext confirms.
    if (!(e instanceof IntrospectError) || !anchors.linux_banner) throw e;
    delete anchors.linux_banner;
    table = scanKallsyms(window, { pointerSize: kernel.vm.pointerSize, anchors });
  }
  explanation.push(
    `kallsyms: ${table.count} symbols found by scanning ${window.name} (${table.location.order}, ${table.location.encoding}${Object.keys(anchors).length ? ', anchored on ' + Object.keys(anchors).join(', ') : ''})`,
  );
  return { table, explanation };
}
