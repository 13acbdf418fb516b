// Builders for synthetic guest memory: page tables encoded from the architecture manuals
// (Intel SDM vol. 3 ch. 4, ARM ARM D8), independent of the decoders under test.

/** A little-endian guest RAM buffer with a bump allocator for page-table pages. */
export class GuestRam {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private next: number;

  constructor(readonly size: number, readonly base = 0, tablePool = size / 2) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
    this.next = base + tablePool;
  }

  allocPage(): number {
    const pa = this.next;
    this.next += 4096;
    if (this.next > this.base + this.size) throw new Error('synthetic RAM: out of table pages');
    return pa;
  }

  u32(pa: number, value: number): void {
    this.view.setUint32(pa - this.base, value, true);
  }
  u64(pa: number, value: bigint): void {
    this.view.setBigUint64(pa - this.base, value, true);
  }
  get64(pa: number): bigint {
    return this.view.getBigUint64(pa - this.base, true);
  }
  get32(pa: number): number {
    return this.view.getUint32(pa - this.base, true);
  }
  text(pa: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.bytes[pa - this.base + i] = s.charCodeAt(i);
  }
  put(pa: number, data: Uint8Array): void {
    this.bytes.set(data, pa - this.base);
  }
}

export type Arch = 'x86_64-4' | 'x86_64-5' | 'pae' | 'i386' | 'arm64-48' | 'arm64-39' | 'arm64-52';

interface Format {
  shifts: number[];
  bits: number[];
  entry: 4 | 8;
  table(pa: number, level: number): bigint;
  leaf(pa: number, level: number, last: boolean): bigint;
}

const x86 = (shifts: number[]): Format => ({
  shifts,
  bits: shifts.map(() => 9),
  entry: 8,
  table: (pa) => BigInt(pa) | 0x3n, // present | writable
  leaf: (pa, _level, last) => BigInt(pa) | 0x3n | (last ? 0n : 0x80n), // PS for 1G/2M
});

export const FORMATS: Record<Arch, Format> = {
  'x86_64-4': x86([39, 30, 21, 12]),
  'x86_64-5': x86([48, 39, 30, 21, 12]),
  pae: {
    shifts: [30, 21, 12],
    bits: [2, 9, 9],
    entry: 8,
    table: (pa, level) => BigInt(pa) | (level === 0 ? 0x1n : 0x3n), // PDPTEs have only P (+ caching bits)
    leaf: (pa, _l, last) => BigInt(pa) | 0x3n | (last ? 0n : 0x80n),
  },
  i386: {
    shifts: [22, 12],
    bits: [10, 10],
    entry: 4,
    table: (pa) => BigInt(pa) | 0x3n,
    leaf: (pa, _l, last) => {
      if (last) return BigInt(pa) | 0x3n;
      // 4 MiB PDE: bits 31-22 of the address, PSE-36 bits 39-32 in 20-13.
      const low = BigInt(pa % 2 ** 32) & 0xffc00000n;
      const high = BigInt(Math.floor(pa / 2 ** 32)) << 13n;
      return low | high | 0x83n;
    },
  },
  'arm64-48': {
    shifts: [39, 30, 21, 12],
    bits: [9, 9, 9, 9],
    entry: 8,
    table: (pa) => BigInt(pa) | 0x3n,
    leaf: (pa, _l, last) => BigInt(pa) | (last ? 0x3n : 0x1n) | 0x400n, // AF
  },
  'arm64-52': {
    // 4 KiB granule with LPA2 (FEAT_LPA2): five levels, the top one indexed by VA bits 51-48.
    shifts: [48, 39, 30, 21, 12],
    bits: [4, 9, 9, 9, 9],
    entry: 8,
    table: (pa) => BigInt(pa) | 0x3n,
    leaf: (pa, _l, last) => BigInt(pa) | (last ? 0x3n : 0x1n) | 0x400n,
  },
  'arm64-39': {
    shifts: [30, 21, 12],
    bits: [9, 9, 9],
    entry: 8,
    table: (pa) => BigInt(pa) | 0x3n,
    leaf: (pa, _l, last) => BigInt(pa) | (last ? 0x3n : 0x1n) | 0x400n,
  },
};

/** Map [va, va+size) to [pa, pa+size) with pages of `pageSize` (4K, 2M/4M, 1G), allocating tables. */
export function map(ram: GuestRam, arch: Arch, root: number, va: bigint, pa: number, size: number, pageSize = 4096): void {
  const f = FORMATS[arch];
  const leafLevel = f.shifts.findIndex((s) => 2 ** s === pageSize);
  if (leafLevel < 0) throw new Error(`no ${pageSize}-byte pages in ${arch}`);
  for (let off = 0; off < size; off += pageSize) {
    const v = va + BigInt(off);
    let table = root;
    for (let level = 0; level <= leafLevel; level++) {
      const index = Number((v >> BigInt(f.shifts[level])) & ((1n << BigInt(f.bits[level])) - 1n));
      const at = table + index * f.entry;
      const last = level === f.shifts.length - 1;
      if (level === leafLevel) {
        const e = f.leaf(pa + off, level, last);
        if (f.entry === 8) ram.u64(at, e);
        else ram.u32(at, Number(e));
        break;
      }
      const existing = f.entry === 8 ? ram.get64(at) : BigInt(ram.get32(at));
      if (existing & 1n) {
        table = Number(existing & (f.entry === 8 ? 0x000ffffffffff000n : 0xfffff000n));
      } else {
        const next = ram.allocPage();
        const e = f.table(next, level);
        if (f.entry === 8) ram.u64(at, e);
        else ram.u32(at, Number(e));
        table = next;
      }
    }
  }
}

/** An ELF note: header, name padded to 4, desc padded to 4. */
export function note(name: string, type: number, desc: Uint8Array): Uint8Array {
  const nameBytes = name.length + 1;
  const pad = (n: number) => (n + 3) & ~3;
  const out = new Uint8Array(12 + pad(nameBytes) + pad(desc.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, nameBytes, true);
  view.setUint32(4, desc.length, true);
  view.setUint32(8, type, true);
  for (let i = 0; i < name.length; i++) out[12 + i] = name.charCodeAt(i);
  out.set(desc, 12 + pad(nameBytes));
  return out;
}

export function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** init_uts_ns.name: six NUL-padded 65-byte fields. */
export function utsname(fields: [string, string, string, string, string, string]): Uint8Array {
  const out = new Uint8Array(390);
  fields.forEach((f, i) => out.set(latin1(f), i * 65));
  return out;
}
