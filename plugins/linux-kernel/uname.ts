// What `introspect uname` reports: init_uts_ns.name and linux_banner of the running kernel.
import { IntrospectError } from '../../core/errors.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { bannerCandidates, type BannerCandidate } from './banner.js';
import type { KernelContext, KernelSearch } from '../../core/memory/kernel.js';
import { locateKernel, type LocateOptions } from './locate.js';
import { utsnameCandidates, type UtsCandidate, type UtsName } from './utsname.js';

export interface UnameResult extends UtsName {
  banner: string;
}

export interface UnameReport {
  uname: UnameResult;
  /** 'init_uts_ns' when read through the kernel's page tables; 'scan' when found by a physical scan. */
  method: 'init_uts_ns' | 'scan';
  explanation: string[];
}

export interface ReadUnameOptions extends LocateOptions {
  /** How to find the kernel: the Introspector's locateKernel hook; the Linux locator by default. */
  locate?: (memory: PhysicalMemory, search: KernelSearch) => KernelContext;
}

export function readUname(memory: PhysicalMemory, options: ReadUnameOptions = {}): UnameReport {
  const explanation: string[] = [];
  const explain = (line: string): void => {
    explanation.push(line);
    options.explain?.(line);
  };
  try {
    const kernel = options.locate ? options.locate(memory, { explain }) : locateKernel(memory, { ...options, explain });
    return { uname: { ...kernel.utsname, banner: kernel.banner }, method: 'init_uts_ns', explanation };
  } catch (error) {
    if (!(error instanceof IntrospectError)) throw error;
    explain(`falling back to a physical scan for utsname and banner (${error.reason})`);
    const found = unameByScan(memory);
    if (!found) {
      throw new IntrospectError(
        { file: error.file, structure: error.structure, offset: error.offset, reason: `${error.reason}; and no utsname in RAM matches a linux_banner` },
        { cause: error },
      );
    }
    explain(`utsname at physical 0x${found.uts.physical.toString(16)}, banner at physical 0x${found.banner.physical.toString(16)}`);
    const { physical: _p, ...uts } = found.uts;
    void _p;
    return { uname: { ...uts, banner: found.banner.text }, method: 'scan', explanation };
  }
}

/**
 * Without VMCOREINFO: pair utsname structures with banners of the same release and UTS version.
 * Versions without a build number ("# SMP", the 6.1+ __weak build-time copies) lose to real ones;
 * among equals the utsname nearest to its banner wins (both live in the kernel image, while stale
 * uname(2) copies in user memory lie elsewhere).
 */
export function unameByScan(memory: PhysicalMemory): { uts: UtsCandidate; banner: BannerCandidate } | undefined {
  const banners = [...bannerCandidates(memory)];
  if (banners.length === 0) return undefined;
  let best: { uts: UtsCandidate; banner: BannerCandidate; score: number } | undefined;
  for (const uts of utsnameCandidates(memory)) {
    for (const banner of banners) {
      if (banner.release !== uts.release || banner.version !== uts.version) continue;
      const numbered = /^#\d/.test(uts.version) ? 0 : 1;
      const score = numbered * 2 ** 60 + Math.abs(uts.physical - banner.physical);
      if (!best || score < best.score) best = { uts, banner, score };
    }
  }
  return best && { uts: best.uts, banner: best.banner };
}
