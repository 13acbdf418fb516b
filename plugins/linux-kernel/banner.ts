// linux_banner (linux init/version-timestamp.c, init/version.c):
//   "Linux version " UTS_RELEASE " (" LINUX_COMPILE_BY "@" LINUX_COMPILE_HOST ") (" LINUX_COMPILER ") " UTS_VERSION "\n"
// RAM holds several copies: the kernel's own (rodata, NUL right after the newline), the printk
// record (no newline), stale page-cache / pipe copies, and since 6.1 a __weak build-time copy whose
// UTS_VERSION lacks the build number ("# SMP ..."). We keep the candidates and let the caller pick
// the one that agrees with init_uts_ns.
import type { PhysicalMemory } from '../../core/memory/types.js';
import { bytesOf, readUpTo, scanPhysical, type ScanWindow } from './scan.js';

export const BANNER_PREFIX = 'Linux version ';
const MAX_BANNER = 1024;

export interface BannerCandidate {
  physical: number;
  /** The banner without its trailing newline. */
  text: string;
  release: string;
  version: string;
}

/** Parse the banner that starts at `bytes[0]`: printable text, then "\n\0". */
export function parseBanner(bytes: Uint8Array, physical: number): BannerCandidate | undefined {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 0x0a) {
      if (bytes[i + 1] !== 0) return undefined;
      const m = /^Linux version (\S+) \((.*)\) (#.*)$/.exec(text);
      return m ? { physical, text, release: m[1], version: m[3] } : undefined;
    }
    if (c < 0x20 || c > 0x7e) return undefined;
    text += String.fromCharCode(c);
  }
  return undefined;
}

export function* bannerCandidates(memory: PhysicalMemory, windows?: readonly ScanWindow[]): Generator<BannerCandidate> {
  for (const hit of scanPhysical(memory, [bytesOf(BANNER_PREFIX)], windows)) {
    const c = parseBanner(readUpTo(memory, hit.address, MAX_BANNER), hit.address);
    if (c) yield c;
  }
}

/**
 * The kernel's own banner among candidates: same release and UTS version as init_uts_ns when known;
 * otherwise one whose version carries a build number ("#1 ..."), lowest address first.
 */
export function chooseBanner(candidates: readonly BannerCandidate[], uts?: { release: string; version: string }): BannerCandidate | undefined {
  if (uts) return candidates.find((c) => c.release === uts.release && c.version === uts.version);
  return candidates.find((c) => /^#\d/.test(c.version)) ?? candidates[0];
}
