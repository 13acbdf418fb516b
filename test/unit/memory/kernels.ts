// Synthetic kernels in guest RAM for the locator and CLI tests.
import { GuestRam, latin1, map, note, utsname, type Arch } from './synthetic.js';

export const RELEASE = '9.9.9-test';
export const VERSION = '#7 SMP PREEMPT_DYNAMIC Test 9.9.9-1 (2026-01-01)';
export const WEAK_VERSION = '# SMP PREEMPT_DYNAMIC Test 9.9.9-1 (2026-01-01)';
export const banner = (version: string) => `Linux version ${RELEASE} (builder@host) (gcc-12 (Debian 12.2.0) 12.2.0, GNU ld 2.40) ${version}`;

export interface Kernel {
  ram: GuestRam;
  textVa: bigint;
  textPa: number;
  root: number;
  vmcoreinfo: string;
  machine: string;
}

/**
 * Kernel-looking contents shared by every architecture: the weak build-time banner and utsname
 * copies (6.1+), the real ones, a printk copy of the banner (no newline), stale copies outside the
 * image, a VMCOREINFO format string and the real note.
 */
export function furnish(k: Kernel, notePa: number | undefined, utsOffset: number): { realBannerPa: number; utsPa: number } {
  const { ram, textPa } = k;
  ram.text(textPa + 0x10000, banner(WEAK_VERSION) + '\n\0');
  const realBannerPa = textPa + 0x20000;
  ram.text(realBannerPa, banner(VERSION) + '\n\0');
  ram.text(textPa + 0x30000, banner(VERSION) + '\x01\x02');
  ram.text(ram.base + 0x100000, banner(VERSION) + '\n\0');
  const utsPa = textPa + 0x280000;
  ram.put(utsPa + utsOffset, utsname(['Linux', 'test-guest', RELEASE, VERSION, k.machine, '(none)']));
  ram.put(textPa + 0x290000, utsname(['Linux', '(none)', RELEASE, WEAK_VERSION, k.machine, '(none)']));
  ram.put(ram.base + 0x900000, utsname(['Linux', '(none)', RELEASE, VERSION, k.machine, '(none)']));
  ram.text(ram.base + 0x50000, 'memory allocation failed\n\0VMCOREINFO\0\0OSRELEASE=%s\n\0PAGESIZE=%ld\n\0');
  if (notePa !== undefined) ram.put(notePa, note('VMCOREINFO', 0, latin1(k.vmcoreinfo)));
  return { realBannerPa, utsPa: utsPa + utsOffset };
}

export const hex = (v: bigint) => v.toString(16);
const START = 0xffffffff80000000n;

export function x86_64Kernel(la57: boolean, withNote = true) {
  const arch: Arch = la57 ? 'x86_64-5' : 'x86_64-4';
  const ram = new GuestRam(0x1000000, 0, 0xc00000);
  const textPa = 0x400000;
  const textVa = 0xffffffff81200000n;
  const root = textPa + 0x300000;
  const physBase = BigInt(textPa) - (textVa - START);
  const dmBase = la57 ? 0xff11100000000000n : 0xffff8a4000000000n;
  map(ram, arch, root, textVa, textPa, 0x400000, 0x200000);
  map(ram, arch, root, dmBase, 0, 0x1000000, 0x200000);
  const vmcoreinfo = [
    `OSRELEASE=${RELEASE}`,
    'PAGESIZE=4096',
    `SYMBOL(init_uts_ns)=${hex(textVa + 0x280000n)}`,
    `SYMBOL(_stext)=${hex(textVa)}`,
    `SYMBOL(init_top_pgt)=${hex(textVa + 0x300000n)}`,
    `NUMBER(phys_base)=${physBase}`,
    `NUMBER(pgtable_l5_enabled)=${la57 ? 1 : 0}`,
    'KERNELOFFSET=200000',
    '',
  ].join('\n');
  const k: Kernel = { ram, textVa, textPa, root, vmcoreinfo, machine: 'x86_64' };
  // 5.10-style uts_namespace: a 4-byte kref before name, and no OFFSET(uts_namespace.name) line.
  const placed = furnish(k, withNote ? 0xb00000 : undefined, 4);
  return { ...k, ...placed, dmBase };
}

