import type { PagingMode } from '../../../core/memory/kernel.js';
import type { KernelArch } from '../../../core/memory/virtual.js';

/** One level of a page-table tree: the VA bits [shift, shift + bits) index its table. */
export interface PagingLevel {
  shift: number;
  bits: number;
}

export type DecodedEntry =
  | { kind: 'table'; next: number }
  | { kind: 'leaf'; base: number; size: number }
  | undefined;

/** What differs between MMUs: the level layout, entry decoding and which VAs are translatable. */
export interface PagingScheme {
  readonly mode: PagingMode;
  readonly arch: KernelArch;
  readonly pointerSize: 4 | 8;
  readonly entrySize: 4 | 8;
  /** From the root table down. */
  readonly levels: readonly PagingLevel[];
  /** The canonical VA whose table indexes are those of `raw` (sign extension, upper-half ones...). */
  canonical(raw: bigint): bigint;
  /** Whether `va` can be translated by this tree at all (canonical, right half). */
  valid(va: bigint): boolean;
  /** Decode one entry found at level `level` (0 = root). */
  decode(entry: bigint, level: number): DecodedEntry;
}

export const FRAME_MASK_52 = 0x000ffffffffff000n;

function signExtend(value: bigint, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const v = value & mask;
  return v & (1n << BigInt(bits - 1)) ? v | (((1n << 64n) - 1n) ^ mask) : v;
}

/**
 * x86_64 long mode, 4-level (bits 47-39, 38-30, 29-21, 20-12) or 5-level (adds 56-48)
 * (linux Documentation/arch/x86/x86_64/mm.rst; Intel SDM vol. 3 ch. 4.5). PS (bit 7) in PDPT/PD
 * entries maps 1 GiB / 2 MiB.
 */
export function x86_64Scheme(la57: boolean): PagingScheme {
  const levels = (la57 ? [48, 39, 30, 21, 12] : [39, 30, 21, 12]).map((shift) => ({ shift, bits: 9 }));
  const vaBits = la57 ? 57 : 48;
  return {
    mode: la57 ? 'x86_64-5level' : 'x86_64-4level',
    arch: 'x86_64',
    pointerSize: 8,
    entrySize: 8,
    levels,
    canonical: (raw) => signExtend(raw, vaBits),
    valid: (va) => va >= 0n && va < 1n << 64n && signExtend(va, vaBits) === va,
    decode(entry, level) {
      if ((entry & 1n) === 0n) return undefined;
      const frame = Number(entry & FRAME_MASK_52);
      const shift = levels[level].shift;
      if (level === levels.length - 1) return { kind: 'leaf', base: frame, size: 4096 };
      if ((entry & 0x80n) !== 0n && (shift === 30 || shift === 21)) {
        const size = 2 ** shift;
        return { kind: 'leaf', base: frame - (frame % size), size };
      }
      return { kind: 'table', next: frame };
    },
  };
}

/** i386 PAE: 4-entry PDPT (bits 31-30), PD (29-21, PS = 2 MiB), PT (20-12); 8-byte entries. */
export function i386PaeScheme(): PagingScheme {
  const levels = [
    { shift: 30, bits: 2 },
    { shift: 21, bits: 9 },
    { shift: 12, bits: 9 },
  ];
  return {
    mode: 'i386-pae',
    arch: 'i386',
    pointerSize: 4,
    entrySize: 8,
    levels,
    canonical: (raw) => raw & 0xffffffffn,
    valid: (va) => va >= 0n && va <= 0xffffffffn,
    decode(entry, level) {
      if ((entry & 1n) === 0n) return undefined;
      const frame = Number(entry & FRAME_MASK_52);
      if (level === 0) return { kind: 'table', next: frame };
      if (level === 2) return { kind: 'leaf', base: frame, size: 4096 };
      if ((entry & 0x80n) !== 0n) return { kind: 'leaf', base: frame - (frame % 0x200000), size: 0x200000 };
      return { kind: 'table', next: frame };
    },
  };
}

/** i386 without PAE: PD (bits 31-22, PS = 4 MiB with PSE-36 high bits 20-13), PT (21-12); 4-byte entries. */
export function i386Scheme(): PagingScheme {
  const levels = [
    { shift: 22, bits: 10 },
    { shift: 12, bits: 10 },
  ];
  return {
    mode: 'i386-2level',
    arch: 'i386',
    pointerSize: 4,
    entrySize: 4,
    levels,
    canonical: (raw) => raw & 0xffffffffn,
    valid: (va) => va >= 0n && va <= 0xffffffffn,
    decode(entry, level) {
      if ((entry & 1n) === 0n) return undefined;
      if (level === 1) return { kind: 'leaf', base: Number(entry & 0xfffff000n), size: 4096 };
      if ((entry & 0x80n) !== 0n) {
        const high = Number((entry >> 13n) & 0xffn) * 2 ** 32;
        return { kind: 'leaf', base: Number(entry & 0xffc00000n) + high, size: 0x400000 };
      }
      return { kind: 'table', next: Number(entry & 0xfffff000n) };
    },
  };
}

/**
 * arm64 with the 4 KiB granule (ARM ARM D8; linux arch/arm64/include/asm/pgtable-hwdef.h): 9 bits per
 * level, as many levels as VA_BITS needs (39: 3, 48: 4, 52 with LPA2: 5 with a 4-bit top level).
 * Descriptors: 0b11 = table (page at the last level), 0b01 = block at 1 GiB / 2 MiB levels.
 * `upper` selects the TTBR1 half (kernel) or the TTBR0 half (user).
 */
export function aarch64Scheme(vaBits: number, upper: boolean): PagingScheme {
  const count = Math.ceil((vaBits - 12) / 9);
  const levels: PagingLevel[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const shift = 12 + 9 * i;
    levels.push({ shift, bits: Math.min(9, vaBits - shift) });
  }
  const lpa2 = vaBits > 48;
  const span = 1n << BigInt(vaBits);
  const high = ((1n << 64n) - 1n) ^ (span - 1n);
  return {
    mode: 'aarch64-4k',
    arch: 'aarch64',
    pointerSize: 8,
    entrySize: 8,
    levels,
    canonical: (raw) => (upper ? (raw & (span - 1n)) | high : raw & (span - 1n)),
    valid: (va) => (upper ? va >= high && va < 1n << 64n : va >= 0n && va < span),
    decode(entry, level) {
      const type = entry & 3n;
      let oa = entry & FRAME_MASK_52 & 0x0000fffffffff000n;
      if (lpa2) oa |= ((entry >> 8n) & 3n) << 50n;
      const base = Number(oa);
      const last = level === levels.length - 1;
      if (type === 3n) return last ? { kind: 'leaf', base, size: 4096 } : { kind: 'table', next: base };
      const shift = levels[level].shift;
      if (type === 1n && !last && (shift === 30 || shift === 21)) {
        const size = 2 ** shift;
        return { kind: 'leaf', base: base - (base % size), size };
      }
      return undefined;
    },
  };
}
