// Finding the running Linux kernel in guest physical memory with nothing prepared: VMCOREINFO (from
// the container or scanned out of RAM), then per-architecture page tables validated by reading
// init_uts_ns back, then the kernel's own linux_banner.
import { IntrospectError } from '../../core/errors.js';
import type { KernelContext, KernelImageMap, VmcoreInfo } from '../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { bannerCandidates, chooseBanner, type BannerCandidate } from './banner.js';
import { LinuxKernelContext } from './context.js';
import { aarch64Layout, archOf, DEFAULT_PHYSICAL_START, i386Layout, START_KERNEL_MAP, x86_64DirectMap, x86_64Layout, type Attempt, type Layout } from './layouts.js';
import { PagedVirtualMemory } from './paging/paged-memory.js';
import { x86_64Scheme } from './paging/scheme.js';
import { utsnameCandidates, type UtsCandidate } from './utsname.js';
import { bytesOf, readUpTo, scanLimitNote, scanPhysical } from './scan.js';
import { parseVmcoreinfo, noteTextAt, MAX_VMCOREINFO_BYTES } from './vmcoreinfo.js';

export interface LocateOptions {
  /** Receives one line per step tried (for --explain / --debug). */
  explain?: (line: string) => void;
  /** Physical bases tried for containers that do not record one (raw files). */
  rawBases?: readonly number[];
}

/** RAM starts here on common boards: x86 and many arm64 at 0; qemu virt at 1 GiB; many SoCs at 2 GiB. */
export const DEFAULT_RAW_BASES = [0, 0x40000000, 0x80000000, 0x800000000];

/** Most VMCOREINFO notes tried before giving up (stale copies from an earlier kernel, say). */
const MAX_NOTES = 16;

interface NoteFound {
  text: string;
  /** Physical address of the note text, relative to the memory as scanned. */
  physical?: number;
}

/** VMCOREINFO notes in RAM: a "VMCOREINFO\0\0" name preceded by a valid note header. */
export function* vmcoreinfoNotesInRam(memory: PhysicalMemory): Generator<NoteFound> {
  for (const hit of scanPhysical(memory, [bytesOf('VMCOREINFO\0\0')])) {
    if (hit.address < 12) continue;
    const bytes = readUpTo(memory, hit.address - 12, 24 + MAX_VMCOREINFO_BYTES);
    const text = noteTextAt(bytes);
    if (text !== undefined) yield { text, physical: hit.address + 12 };
  }
}

export function locateKernel(memory: PhysicalMemory, options: LocateOptions = {}): LinuxKernelContext {
  const lines: string[] = [];
  const explain = (line: string): void => {
    lines.push(line);
    options.explain?.(line);
  };
  const attempt: Attempt = { explain };
  const memories = (): PhysicalMemory[] =>
    memory.baseIsGuess && memory.rebase ? (options.rawBases ?? DEFAULT_RAW_BASES).map((b) => (b === 0 ? memory : memory.rebase!(b))) : [memory];

  const notes: Iterable<NoteFound> = memory.vmcoreinfo ? [{ text: memory.vmcoreinfo }] : vmcoreinfoNotesInRam(memory);
  let tried = 0;
  for (const note of notes) {
    if (++tried > MAX_NOTES) break;
    explain(note.physical === undefined ? 'VMCOREINFO: from the dump container' : `VMCOREINFO: note text at physical 0x${note.physical.toString(16)} (scan)`);
    for (const candidate of memories()) {
      const base = candidate === memory ? 0 : candidate.ranges[0].start - memory.ranges[0].start;
      const origin = note.physical === undefined ? 'container' : note.physical + base;
      const info = parseVmcoreinfo(note.text, origin);
      const context = fromVmcoreinfo(candidate, info, attempt, lines);
      if (context) return context;
    }
  }
  if (tried === 0) explain('VMCOREINFO: none in the container and no valid note in RAM');
  const fromCpu = fromCpuState(memory, attempt, lines);
  if (fromCpu) return fromCpu;
  throw new IntrospectError({
    file: memory.name,
    structure: 'Linux kernel',
    reason: `kernel not found: ${lines.length ? lines.slice(-4).join('; ') : 'nothing recognisable'}${scanLimitNote(memory)}`,
  });
}

function fromVmcoreinfo(memory: PhysicalMemory, info: VmcoreInfo, attempt: Attempt, lines: string[]): LinuxKernelContext | undefined {
  const arch = archOf(info, memory.archHint);
  if (!arch) {
    attempt.explain('VMCOREINFO does not tell the architecture');
    return undefined;
  }
  const where = memory.ranges.length ? ` (RAM from 0x${memory.ranges[0].start.toString(16)})` : '';
  attempt.explain(`architecture ${arch}${where}, release ${info.get('OSRELEASE')}`);
  const layout = arch === 'x86_64' ? x86_64Layout(memory, info, attempt) : arch === 'i386' ? i386Layout(memory, info, attempt) : aarch64Layout(memory, info, attempt);
  if (!layout) return undefined;
  attempt.explain(`page tables: ${layout.mode}, root 0x${layout.root.toString(16)} from ${layout.rootSource}; init_uts_ns.name at 0x${layout.utsVa.toString(16)}`);
  const image = imageMap(layout);
  const banner = findBanner(memory, image, layout, attempt);
  return new LinuxKernelContext({
    physical: memory,
    vm: layout.vm,
    arch: layout.arch,
    release: layout.uts.release,
    banner: banner?.text ?? '',
    bannerAddress: { physical: banner?.physical ?? -1, virtual: banner ? bannerVirtual(banner, image) : undefined },
    pagingMode: layout.mode,
    pageTableRoot: layout.root,
    pageTableRootSource: layout.rootSource,
    virtualShift: layout.virtualShift,
    physicalShift: layout.physicalShift,
    image,
    vmcoreinfo: info,
    utsname: layout.uts,
    utsnameAddress: { physical: layout.utsPa, virtual: layout.utsVa },
    directMapBase: layout.directMapBase,
    addressSpace: layout.addressSpace,
    explanation: lines,
  });
}

/** The kernel image's linear mapping from _text: up to the last run at the same VA-PA offset. */
function imageMap(layout: Layout): KernelImageMap {
  let end = layout.textVa;
  for (const run of layout.vm.runs(layout.textVa, layout.imageLimit, 1 << 14)) {
    if (BigInt(run.pa - layout.textPa) === run.va - layout.textVa) end = run.va + BigInt(run.length);
  }
  return { virtualStart: layout.textVa, physicalStart: layout.textPa, size: Number(end - layout.textVa) };
}

function bannerVirtual(banner: BannerCandidate, image: KernelImageMap): bigint | undefined {
  const off = banner.physical - image.physicalStart;
  return off >= 0 && off < image.size ? image.virtualStart + BigInt(off) : undefined;
}

function findBanner(memory: PhysicalMemory, image: KernelImageMap, layout: Layout, attempt: Attempt): BannerCandidate | undefined {
  const window = [{ start: image.physicalStart, end: image.physicalStart + image.size }];
  // Stop at the first copy that agrees with init_uts_ns: the scan reads no further than needed.
  const first = (candidates: Iterable<BannerCandidate>): BannerCandidate | undefined => {
    for (const c of candidates) if (chooseBanner([c], layout.uts)) return c;
    return undefined;
  };
  let chosen = first(bannerCandidates(memory, window));
  if (!chosen) {
    attempt.explain('linux_banner: no copy matching init_uts_ns inside the kernel image; scanning all memory');
    chosen = first(bannerCandidates(memory));
  }
  attempt.explain(chosen ? `linux_banner at physical 0x${chosen.physical.toString(16)}` : 'linux_banner: not found');
  return chosen;
}

/**
 * No VMCOREINFO, but the dump recorded CR3/CR4 (qemu x86_64 cores): the kernel image is the first
 * mapping of the __START_KERNEL_map region; init_uts_ns and linux_banner are found in it by scanning
 * for a utsname and a banner that agree. Link-time _text is assumed at the default 16 MiB.
 */
function fromCpuState(memory: PhysicalMemory, attempt: Attempt, lines: string[]): LinuxKernelContext | undefined {
  if (memory.archHint !== 'x86_64' || memory.cpus.length === 0) return undefined;
  for (const [i, cpu] of memory.cpus.entries()) {
    if (cpu.cr3 === undefined || cpu.cr4 === undefined) continue;
    const la57 = (cpu.cr4 & (1n << 12n)) !== 0n;
    const scheme = x86_64Scheme(la57);
    const base = Number(cpu.cr3 & ~0xfffn);
    for (const [root, source] of [[base, `CPU ${i} CR3`], [base & ~0x1000, `CPU ${i} CR3 (PTI user bit cleared)`]] as const) {
      if (!memory.isPresent(root, 4096)) continue;
      const vm = new PagedVirtualMemory(`${memory.name} [kernel VA]`, memory, scheme, root);
      const first = [...vm.runs(START_KERNEL_MAP, START_KERNEL_MAP + (1n << 30n), 1)][0];
      if (!first) continue;
      const layoutless: Layout = {
        arch: 'x86_64', vm, mode: scheme.mode, root, rootSource: source,
        textVa: first.va, textPa: first.pa, imageLimit: START_KERNEL_MAP + (1n << 30n),
        virtualShift: first.va - (START_KERNEL_MAP + DEFAULT_PHYSICAL_START),
        physicalShift: BigInt(first.pa) - DEFAULT_PHYSICAL_START,
        directMapBase: (ctx) => x86_64DirectMap(ctx, la57),
        addressSpace: (r, name) => new PagedVirtualMemory(name ?? `${memory.name} [VA, root 0x${r.toString(16)}]`, memory, scheme, r),
        uts: { sysname: '', nodename: '', release: '', version: '', machine: '', domainname: '' },
        utsVa: 0n,
        utsPa: 0,
      };
      const image = imageMap(layoutless);
      const window = [{ start: image.physicalStart, end: image.physicalStart + image.size }];
      const banners = [...bannerCandidates(memory, window)];
      let best: { uts: UtsCandidate; banner: BannerCandidate } | undefined;
      for (const uts of utsnameCandidates(memory, window)) {
        const banner = banners.find((b) => b.release === uts.release && b.version === uts.version);
        if (banner && (!best || (!/^#\d/.test(best.uts.version) && /^#\d/.test(uts.version)))) best = { uts, banner };
      }
      if (!best) {
        attempt.explain(`x86_64 ${scheme.mode} root 0x${root.toString(16)} (${source}): no utsname and banner that agree inside the kernel image`);
        continue;
      }
      const { physical: utsPa, ...uts } = best.uts;
      const utsVa = image.virtualStart + BigInt(utsPa - image.physicalStart);
      attempt.explain(`page tables: ${scheme.mode}, root 0x${root.toString(16)} from ${source}; kernel image at 0x${first.va.toString(16)}; init_uts_ns.name at 0x${utsVa.toString(16)} (scan)`);
      return new LinuxKernelContext({
        physical: memory, vm, arch: 'x86_64', release: uts.release, banner: best.banner.text,
        bannerAddress: { physical: best.banner.physical, virtual: bannerVirtual(best.banner, image) },
        pagingMode: scheme.mode, pageTableRoot: root, pageTableRootSource: source,
        virtualShift: layoutless.virtualShift, physicalShift: layoutless.physicalShift, image,
        utsname: uts, utsnameAddress: { physical: utsPa, virtual: utsVa },
        directMapBase: layoutless.directMapBase, addressSpace: layoutless.addressSpace, explanation: lines,
      });
    }
  }
  return undefined;
}
