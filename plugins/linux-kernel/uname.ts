// What `introspect uname` reports: init_uts_ns.name and linux_banner of the running kernel.
import { IntrospectError } from '../../core/errors.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { BANNER_PREFIX, parseBanner, type BannerCandidate } from './banner.js';
import type { KernelContext, KernelSearch } from '../../core/memory/kernel.js';
import { locateKernel, type LocateOptions } from './locate.js';
import { bytesOf, readUpTo, scanLimitNote, scanPhysical } from './scan.js';
import { NEW_UTS_LEN, parseUtsname, UTSNAME_SIZE, type UtsCandidate, type UtsName } from './utsname.js';

/** Longest banner parsed (as banner.ts). */
const MAX_BANNER = 1024;
/** Candidates kept by the scan: real RAM holds a handful; a hostile image could repeat them. */
const MAX_BANNER_CANDIDATES = 4096;
const MAX_UTS_CANDIDATES = 4096;

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
        { file: error.file, structure: error.structure, offset: error.offset, reason: `${error.reason}; and no utsname in RAM matches a linux_banner${error.reason.includes(scanLimitNote(memory)) ? '' : scanLimitNote(memory)}` },
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
  // One bounded pass for both patterns (the pass, not the pairing, is what costs on a big image).
  const banners: BannerCandidate[] = [];
  const utsnames: UtsCandidate[] = [];
  const patterns = [bytesOf(BANNER_PREFIX), Buffer.concat([bytesOf('Linux'), Buffer.alloc(NEW_UTS_LEN - 5)])];
  for (const hit of scanPhysical(memory, patterns)) {
    if (hit.pattern === 0 && banners.length < MAX_BANNER_CANDIDATES) {
      const banner = parseBanner(readUpTo(memory, hit.address, MAX_BANNER), hit.address);
      if (banner) banners.push(banner);
    } else if (hit.pattern === 1 && utsnames.length < MAX_UTS_CANDIDATES && memory.isPresent(hit.address, UTSNAME_SIZE)) {
      const u = parseUtsname(memory.read(hit.address, UTSNAME_SIZE, 'utsname'));
      if (u && u.nodename.length > 0) utsnames.push({ ...u, physical: hit.address });
    }
  }
  let best: { uts: UtsCandidate; banner: BannerCandidate; score: number } | undefined;
  for (const uts of utsnames) {
    for (const banner of banners) {
      if (banner.release !== uts.release || banner.version !== uts.version) continue;
      const numbered = /^#\d/.test(uts.version) ? 0 : 1;
      const score = numbered * 2 ** 60 + Math.abs(uts.physical - banner.physical);
      if (!best || score < best.score) best = { uts, banner, score };
    }
  }
  return best && { uts: best.uts, banner: best.banner };
}
