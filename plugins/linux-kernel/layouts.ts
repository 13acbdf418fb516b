// Per-architecture ways to go from VMCOREINFO (+ CPU state) to a validated kernel address space.
// x86_64: linux arch/x86/kernel/machine_kexec_64.c (phys_base, init_top_pgt, pgtable_l5_enabled,
//   KERNELOFFSET), arch/x86/include/asm/page_64.h (__phys_addr_symbol).
// i386: arch/x86/kernel/machine_kexec_32.c (CONFIG_X86_PAE), arch/x86/include/asm/page_32.h.
// arm64: arch/arm64/kernel/vmcore_info.c (VA_BITS, kimage_voffset, PHYS_OFFSET, TCR_EL1_T1SZ),
//   arch/arm64/include/asm/memory.h (__kimg_to_phys, __phys_to_virt).
import type { PagingMode, VmcoreInfo, KernelContext } from '../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { readPointer, u64, type KernelArch, type VirtualMemory } from '../../core/memory/virtual.js';
import { PagedVirtualMemory } from './paging/paged-memory.js';
import { aarch64Scheme, i386PaeScheme, i386Scheme, x86_64Scheme, type PagingScheme } from './paging/scheme.js';
import { parseUtsname, UTSNAME_SIZE, type UtsName } from './utsname.js';

export const START_KERNEL_MAP = 0xffffffff80000000n;
/** CONFIG_PHYSICAL_START default (16 MiB): link-time physical load address on x86. */
export const DEFAULT_PHYSICAL_START = 0x1000000n;
/** i386 PAGE_OFFSET for each VMSPLIT choice (arch/x86/Kconfig), the 3G/1G default first. */
export const I386_PAGE_OFFSETS = [0xc0000000n, 0x80000000n, 0x40000000n, 0xb0000000n, 0x78000000n];
const X86_CR4_PAE = 1n << 5n;
const X86_CR4_LA57 = 1n << 12n;

export interface Layout {
  arch: KernelArch;
  vm: PagedVirtualMemory;
  mode: PagingMode;
  root: number;
  rootSource: string;
  /** Runtime VA of _text and where it lies physically. */
  textVa: bigint;
  textPa: number;
  /** VA bound for the kernel image mapping (for the image extent). */
  imageLimit: bigint;
  virtualShift: bigint;
  physicalShift: bigint;
  directMapBase: bigint | ((ctx: KernelContext) => bigint);
  addressSpace(root: number, name?: string): VirtualMemory;
  uts: UtsName;
  utsVa: bigint;
  utsPa: number;
}

export interface Attempt {
  explain(line: string): void;
}

export function archOf(info: VmcoreInfo, hint: PhysicalMemory['archHint']): KernelArch | undefined {
  if (info.number('kimage_voffset') !== undefined || info.number('VA_BITS') !== undefined) return 'aarch64';
  if (info.number('phys_base') !== undefined || info.symbol('init_top_pgt') !== undefined || info.number('pgtable_l5_enabled') !== undefined) return 'x86_64';
  const stext = info.symbol('_stext');
  if (stext !== undefined && stext <= 0xffffffffn && (hint === undefined || hint === 'i386')) return 'i386';
  return hint;
}

function hexValue(text: string | undefined): bigint | undefined {
  return text !== undefined && /^(0x)?[0-9a-fA-F]+$/.test(text) ? BigInt(text.startsWith('0x') ? text : '0x' + text) : undefined;
}

/** init_uts_ns.name read through `vm`, checked against OSRELEASE. */
export function utsThrough(vm: VirtualMemory, info: VmcoreInfo): { uts: UtsName; va: bigint } | undefined {
  const base = info.symbol('init_uts_ns');
  if (base === undefined) return undefined;
  const release = info.get('OSRELEASE');
  const given = info.offset('uts_namespace.name');
  // Before 6.x the name follows a kref (4 bytes); later it follows ns_common or comes first.
  const offsets = given !== undefined ? [given] : Array.from({ length: 17 }, (_, i) => i * 4);
  for (const off of offsets) {
    const va = base + BigInt(off);
    if (!vm.isMapped(va, UTSNAME_SIZE)) continue;
    const uts = parseUtsname(vm.read(va, UTSNAME_SIZE, 'init_uts_ns.name'));
    if (uts && (release === undefined || uts.release === release)) return { uts, va };
  }
  return undefined;
}

function cpuRoots(memory: PhysicalMemory, mask: bigint): { root: number; source: string; cr4?: bigint }[] {
  const roots: { root: number; source: string; cr4?: bigint }[] = [];
  memory.cpus.forEach((cpu, i) => {
    if (cpu.cr3 === undefined || cpu.cr3 === 0n) return;
    roots.push({ root: Number(cpu.cr3 & mask), source: `CPU ${i} CR3`, cr4: cpu.cr4 });
  });
  return roots;
}

function finish(
  vm: PagedVirtualMemory,
  info: VmcoreInfo,
  expectPa: (va: bigint) => number,
  attempt: Attempt,
  what: string,
): { uts: UtsName; va: bigint; pa: number } | undefined {
  const stext = info.symbol('_stext');
  if (stext !== undefined && vm.translate(stext) !== expectPa(stext)) {
    attempt.explain(`${what}: _stext does not translate to 0x${expectPa(stext).toString(16)}`);
    return undefined;
  }
  const found = utsThrough(vm, info);
  if (!found) {
    attempt.explain(`${what}: init_uts_ns does not read back with release ${info.get('OSRELEASE')}`);
    return undefined;
  }
  const pa = vm.translate(found.va);
  if (pa === undefined) return undefined;
  return { uts: found.uts, va: found.va, pa };
}

export function x86_64Layout(memory: PhysicalMemory, info: VmcoreInfo, attempt: Attempt): Layout | undefined {
  const physBase = info.number('phys_base');
  if (physBase === undefined) {
    attempt.explain('x86_64: VMCOREINFO has no NUMBER(phys_base)');
    return undefined;
  }
  const kernelPa = (va: bigint): number => Number(u64(va - START_KERNEL_MAP + physBase));
  const stext = info.symbol('_text') ?? info.symbol('_stext');
  const topPgt = info.symbol('init_top_pgt') ?? info.symbol('init_level4_pgt') ?? info.symbol('swapper_pg_dir');
  const roots = cpuRoots(memory, ~0xfffn);
  // Under PTI the CPU may be on the user copy of the PGD (kernel PGD | 0x1000).
  for (const r of [...roots]) if (r.root & 0x1000) roots.push({ ...r, root: r.root & ~0x1000, source: `${r.source} (PTI user bit cleared)` });
  if (topPgt !== undefined) roots.push({ root: kernelPa(topPgt), source: 'SYMBOL(init_top_pgt)' });
  const l5 = info.number('pgtable_l5_enabled');
  for (const r of roots) {
    if (!memory.isPresent(r.root, 4096)) {
      attempt.explain(`x86_64: page-table root 0x${r.root.toString(16)} (${r.source}) is not in the image`);
      continue;
    }
    const options = r.cr4 !== undefined ? [(r.cr4 & X86_CR4_LA57) !== 0n] : l5 !== undefined ? [l5 !== 0n] : [false, true];
    for (const la57 of options) {
      const scheme = x86_64Scheme(la57);
      const vm = new PagedVirtualMemory(`${memory.name} [kernel VA]`, memory, scheme, r.root);
      const ok = finish(vm, info, kernelPa, attempt, `x86_64 ${scheme.mode} root 0x${r.root.toString(16)} (${r.source})`);
      if (!ok) continue;
      const textVa = stext ?? START_KERNEL_MAP + DEFAULT_PHYSICAL_START;
      const virtualShift = hexValue(info.get('KERNELOFFSET')) ?? textVa - (START_KERNEL_MAP + DEFAULT_PHYSICAL_START);
      const textPa = kernelPa(textVa);
      const linkTextPa = textVa - virtualShift - START_KERNEL_MAP;
      return {
        arch: 'x86_64',
        vm,
        mode: scheme.mode,
        root: r.root,
        rootSource: r.source,
        textVa,
        textPa,
        imageLimit: START_KERNEL_MAP + (info.number('KERNEL_IMAGE_SIZE') ?? 1n << 30n),
        virtualShift,
        physicalShift: BigInt(textPa) - linkTextPa,
        directMapBase: (ctx) => x86_64DirectMap(ctx, la57),
        addressSpace: (root, name) => new PagedVirtualMemory(name ?? `${memory.name} [VA, root 0x${root.toString(16)}]`, memory, scheme, root),
        uts: ok.uts,
        utsVa: ok.va,
        utsPa: ok.pa,
      };
    }
  }
  return undefined;
}

/** page_offset_base when a symbol table names it; else the first mapping of the direct-map region (it maps pa 0). */
export function x86_64DirectMap(ctx: KernelContext, la57: boolean): bigint {
  const sym = ctx.symbol('page_offset_base');
  if (sym !== undefined && ctx.vm.isMapped(sym, 8)) return readPointer(ctx.vm, sym, 'page_offset_base');
  const regionStart = la57 ? 0xff11000000000000n : 0xffff888000000000n;
  const regionEnd = la57 ? 0xffd2000000000000n : 0xffffc88000000000n;
  for (const run of ctx.vm.runs(regionStart, regionEnd, 1)) return run.va - BigInt(run.pa);
  return regionStart;
}

export function i386Layout(memory: PhysicalMemory, info: VmcoreInfo, attempt: Attempt): Layout | undefined {
  const stext = info.symbol('_text') ?? info.symbol('_stext');
  const swapper = info.symbol('swapper_pg_dir');
  const paeKnown = info.get('CONFIG_X86_PAE') === 'y' ? true : undefined;
  for (const pageOffset of I386_PAGE_OFFSETS) {
    if (stext !== undefined && stext < pageOffset) continue;
    const lowmemPa = (va: bigint): number => Number(va - pageOffset);
    for (const pae of paeKnown !== undefined ? [paeKnown] : [true, false]) {
      const roots = cpuRoots(memory, pae ? ~0x1fn : ~0xfffn).filter((r) => r.cr4 === undefined || ((r.cr4 & X86_CR4_PAE) !== 0n) === pae);
      if (swapper !== undefined && swapper >= pageOffset) roots.push({ root: lowmemPa(swapper), source: 'SYMBOL(swapper_pg_dir)' });
      for (const r of roots) {
        if (!memory.isPresent(r.root, pae ? 32 : 4096)) continue;
        const scheme: PagingScheme = pae ? i386PaeScheme() : i386Scheme();
        const vm = new PagedVirtualMemory(`${memory.name} [kernel VA]`, memory, scheme, r.root);
        const ok = finish(vm, info, lowmemPa, attempt, `i386 ${scheme.mode} PAGE_OFFSET 0x${pageOffset.toString(16)} root 0x${r.root.toString(16)} (${r.source})`);
        if (!ok) continue;
        const textVa = stext ?? pageOffset + DEFAULT_PHYSICAL_START;
        const shift = textVa - (pageOffset + DEFAULT_PHYSICAL_START);
        return {
          arch: 'i386',
          vm,
          mode: scheme.mode,
          root: r.root,
          rootSource: r.source,
          textVa,
          textPa: lowmemPa(textVa),
          imageLimit: textVa + 0x4000000n,
          virtualShift: shift,
          physicalShift: shift,
          directMapBase: pageOffset,
          addressSpace: (root, name) => new PagedVirtualMemory(name ?? `${memory.name} [VA, root 0x${root.toString(16)}]`, memory, scheme, root),
          uts: ok.uts,
          utsVa: ok.va,
          utsPa: ok.pa,
        };
      }
    }
  }
  return undefined;
}

export function aarch64Layout(memory: PhysicalMemory, info: VmcoreInfo, attempt: Attempt): Layout | undefined {
  const kimageVoffset = info.number('kimage_voffset');
  const swapper = info.symbol('swapper_pg_dir');
  const t1sz = info.number('TCR_EL1_T1SZ');
  const vaBitsNumber = info.number('VA_BITS');
  const vaBits = t1sz !== undefined ? 64 - Number(t1sz) : vaBitsNumber !== undefined ? Number(vaBitsNumber) : undefined;
  if (kimageVoffset === undefined || swapper === undefined || vaBits === undefined || vaBits < 36 || vaBits > 52) {
    attempt.explain('aarch64: VMCOREINFO lacks kimage_voffset, SYMBOL(swapper_pg_dir) or VA_BITS');
    return undefined;
  }
  const kimgPa = (va: bigint): number => Number(u64(va - kimageVoffset));
  const root = kimgPa(swapper);
  if (!memory.isPresent(root, 4096)) {
    attempt.explain(`aarch64: swapper_pg_dir at 0x${root.toString(16)} is not in the image`);
    return undefined;
  }
  const upper = aarch64Scheme(vaBits, true);
  const vm = new PagedVirtualMemory(`${memory.name} [kernel VA]`, memory, upper, root);
  const ok = finish(vm, info, kimgPa, attempt, `aarch64 ${vaBits}-bit VA root 0x${root.toString(16)} (SYMBOL(swapper_pg_dir))`);
  if (!ok) return undefined;
  const stext = info.symbol('_stext');
  const koffset = hexValue(info.get('KERNELOFFSET')) ?? 0n;
  const modulesEnd = info.number('MODULES_END');
  // KIMAGE_VADDR (= MODULES_END since 4.6) is the link address of _text.
  const textVa = info.symbol('_text') ?? (modulesEnd !== undefined ? u64(modulesEnd + koffset) : (stext ?? 0n));
  const textPa = kimgPa(textVa);
  const userVaBits = vaBitsNumber !== undefined ? Number(vaBitsNumber) : vaBits;
  const lower = aarch64Scheme(Math.min(userVaBits, 52), false);
  const physOffset = info.number('PHYS_OFFSET');
  // __phys_to_virt(pa) = (pa - PHYS_OFFSET) | PAGE_OFFSET, PAGE_OFFSET = -(1 << VA_BITS) (5.4+).
  const pageOffset = u64(-(1n << BigInt(userVaBits)));
  const ramStart = memory.ranges.length ? memory.ranges[0].start : 0;
  return {
    arch: 'aarch64',
    vm,
    mode: 'aarch64-4k',
    root,
    rootSource: 'SYMBOL(swapper_pg_dir)',
    textVa,
    textPa,
    imageLimit: textVa + (1n << 30n),
    virtualShift: koffset,
    physicalShift: BigInt(textPa - ramStart),
    directMapBase: physOffset !== undefined ? u64(pageOffset - physOffset) : pageOffset,
    addressSpace: (userRoot, name) =>
      new PagedVirtualMemory(name ?? `${memory.name} [VA, root 0x${userRoot.toString(16)}]`, memory, lower, userRoot, (va) =>
        upper.valid(va) ? { root, scheme: upper } : lower.valid(va) ? { root: userRoot, scheme: lower } : undefined,
      ),
    uts: ok.uts,
    utsVa: ok.va,
    utsPa: ok.pa,
  };
}
