// kdump-compressed dumps (makedumpfile diskdump_mod.h / IMPLEMENTATION, qemu dump/dump.c):
// disk_dump_header at 0, kdump_sub_header at block 1, two page bitmaps after the sub-header, then
// one page_desc per page set in the second bitmap, each pointing at the (compressed) page data.
// pfn N is physical address N * block_size.
import { inflateSync } from 'node:zlib';
import snappyjs from 'snappyjs';
import { decompress as zstdDecompress } from 'fzstd';
import { IntrospectError } from '../../core/errors.js';
import type { CpuState, MemoryOpenRequest, PhysicalMemory, PhysicalRange } from '../../core/memory/types.js';
import { absentError, checkPhysicalArgs } from '../../core/memory/segmented.js';
import type { Source } from '../../core/source/source.js';
import { FlattenedSource, isFlattened } from './kdump-flattened.js';
import { cpuStatesFromNotes, parseNotes, vmcoreinfoFromNotes, type ElfNote } from './notes.js';
import { diskDumpHeader, kdumpPageDesc, kdumpSubHeader } from './structures.js';

const DUMP_DH_COMPRESSED_ZLIB = 0x1;
const DUMP_DH_COMPRESSED_LZO = 0x2;
const DUMP_DH_COMPRESSED_SNAPPY = 0x4;
const DUMP_DH_COMPRESSED_ZSTD = 0x20;
const PAGE_DESC_SIZE = 24;
const MAX_META_BYTES = 64 << 20;
/** One bitmap of 1 GiB covers 2^33 pages (32 TiB of 4 KiB pages). */
const MAX_BITMAP_BYTES = 1 << 30;
/** Bytes of decompressed pages kept: scans revisit the kernel image after finding VMCOREINFO. */
const PAGE_CACHE_BYTES = 64 << 20;

export function isKdump(file: Source): boolean {
  if (isFlattened(file)) return true;
  if (file.size < 8) return false;
  const sig = file.read(0, 8, 'kdump signature');
  // A short file with the signature is a damaged kdump (openKdump reports it), not raw memory.
  return String.fromCharCode(...sig) === 'KDUMP   ';
}

export function openKdump(request: MemoryOpenRequest): PhysicalMemory {
  const flattened = isFlattened(request.source);
  const source = flattened ? new FlattenedSource(request.source) : request.source;
  return new KdumpPhysicalMemory(source, flattened ? 'kdump-flattened' : 'kdump');
}

function archFromMachine(machine: string, notes: readonly ElfNote[]): PhysicalMemory['archHint'] {
  if (machine === 'x86_64') return 'x86_64';
  if (/^i[3-6]86$/.test(machine)) return 'i386';
  if (machine === 'aarch64' || machine === 'arm64') return 'aarch64';
  if (notes.some((n) => n.name === 'QEMU')) {
    // qemu x86 targets only; CORE prstatus size tells 64- from 32-bit (elf_prstatus: 336 vs 144 bytes).
    const prstatus = notes.find((n) => n.name === 'CORE' && n.type === 1);
    return prstatus && prstatus.desc.length === 144 ? 'i386' : 'x86_64';
  }
  const prstatus = notes.find((n) => n.name === 'CORE' && n.type === 1);
  if (prstatus?.desc.length === 392) return 'aarch64';
  return undefined;
}

export class KdumpPhysicalMemory implements PhysicalMemory {
  readonly name: string;
  readonly ranges: readonly PhysicalRange[];
  readonly cpus: readonly CpuState[];
  readonly vmcoreinfo?: string;
  readonly archHint?: PhysicalMemory['archHint'];
  readonly blockSize: number;
  readonly maxMapnr: number;
  private readonly bitmap: Uint8Array;
  /** Set bits of `bitmap` before each 64-byte chunk: the index of a pfn's page_desc. */
  private readonly rank: Uint32Array;
  private readonly descOffset: number;
  private readonly cache = new Map<number, Uint8Array>();

  constructor(private readonly file: Source, readonly format: string) {
    this.name = file.name;
    if (file.size < 512) {
      throw new IntrospectError({ file: file.name, structure: 'kdump disk_dump_header', offset: 0, reason: `"KDUMP   " signature but the file is ${file.size} bytes, shorter than the 512-byte header block (truncated or damaged kdump header)` });
    }
    const h = diskDumpHeader.parse(file.read(0, 464, 'kdump disk_dump_header'));
    const bs = h.block_size;
    if (bs < 512 || bs > 1 << 20 || (bs & (bs - 1)) !== 0) {
      throw new IntrospectError({ file: file.name, structure: 'kdump disk_dump_header', offset: 428, reason: `block_size ${bs} is not a power of two between 512 and 1 MiB` });
    }
    if (h.sub_hdr_size < 0 || h.sub_hdr_size > 1 << 16 || h.bitmap_blocks === 0 || h.bitmap_blocks % 2 !== 0) {
      throw new IntrospectError({ file: file.name, structure: 'kdump disk_dump_header', offset: 432, reason: `bad sub_hdr_size ${h.sub_hdr_size} / bitmap_blocks ${h.bitmap_blocks}` });
    }
    this.blockSize = bs;
    const sub = h.sub_hdr_size > 0 ? kdumpSubHeader.parse(file.read(bs, 104, 'kdump_sub_header')) : undefined;
    let maxMapnr = h.max_mapnr;
    if (sub && h.header_version >= 6 && sub.max_mapnr_64 > 0n) maxMapnr = Number(sub.max_mapnr_64);
    const bitmapBytes = (h.bitmap_blocks / 2) * bs;
    if (!Number.isSafeInteger(maxMapnr) || maxMapnr > bitmapBytes * 8) maxMapnr = bitmapBytes * 8;
    this.maxMapnr = maxMapnr;
    const bitmapStart = (1 + h.sub_hdr_size) * bs;
    if (bitmapStart + h.bitmap_blocks * bs > file.size || bitmapBytes > MAX_BITMAP_BYTES) {
      throw new IntrospectError({ file: file.name, structure: 'kdump disk_dump_header', offset: 436, reason: `${h.bitmap_blocks} bitmap blocks of ${bs} bytes do not fit in the ${file.size}-byte dump` });
    }
    // The second bitmap marks the pages that were dumped; the first only says what RAM existed.
    this.bitmap = file.read(bitmapStart + bitmapBytes, Math.ceil(maxMapnr / 8), 'kdump dumpable-page bitmap');
    this.descOffset = bitmapStart + h.bitmap_blocks * bs;
    this.rank = buildRank(this.bitmap);
    this.ranges = rangesFromBitmap(this.bitmap, maxMapnr, bs);

    let notes: ElfNote[] = [];
    let vmcoreinfo: string | undefined;
    if (sub) {
      const noteSize = Number(sub.size_note);
      if (noteSize > 0 && noteSize <= MAX_META_BYTES) notes = parseNotes(file.read(Number(sub.offset_note), noteSize, 'kdump ELF notes'));
      const infoSize = Number(sub.size_vmcoreinfo);
      if (infoSize > 0 && infoSize <= MAX_META_BYTES) {
        const bytes = file.read(Number(sub.offset_vmcoreinfo), infoSize, 'kdump vmcoreinfo');
        const nul = bytes.indexOf(0);
        vmcoreinfo = String.fromCharCode(...(nul < 0 ? bytes : bytes.subarray(0, nul)));
      }
    }
    this.vmcoreinfo = vmcoreinfo ?? vmcoreinfoFromNotes(notes);
    this.cpus = cpuStatesFromNotes(notes);
    this.archHint = archFromMachine(h.machine, notes);
  }

  read(address: number, length: number, structure?: string): Uint8Array {
    checkPhysicalArgs(this.name, address, length, structure);
    const bs = this.blockSize;
    const first = Math.floor(address / bs);
    const within = address - first * bs;
    if (within + length <= bs) return this.page(first, address, structure).subarray(within, within + length);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = address + done;
      const pfn = Math.floor(at / bs);
      const off = at - pfn * bs;
      const n = Math.min(length - done, bs - off);
      out.set(this.page(pfn, at, structure).subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  isPresent(address: number, length: number): boolean {
    if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || address < 0 || length < 0) return false;
    const last = Math.floor((address + Math.max(length, 1) - 1) / this.blockSize);
    for (let pfn = Math.floor(address / this.blockSize); pfn <= last; pfn++) if (!this.dumped(pfn)) return false;
    return true;
  }

  private dumped(pfn: number): boolean {
    return pfn < this.maxMapnr && (this.bitmap[pfn >> 3] & (1 << (pfn & 7))) !== 0;
  }

  private page(pfn: number, address: number, structure: string | undefined): Uint8Array {
    const cached = this.cache.get(pfn);
    if (cached) return cached;
    if (!this.dumped(pfn)) throw absentError(this.name, address, structure, 'is not in the dump (page not dumped or outside RAM)');
    const index = this.pageIndex(pfn);
    const descAt = this.descOffset + index * PAGE_DESC_SIZE;
    const d = kdumpPageDesc.parse(this.file.read(descAt, PAGE_DESC_SIZE, `kdump page_desc of pfn ${pfn}`));
    const where = `kdump page data of pfn ${pfn}`;
    const offset = Number(d.offset);
    if (d.size > this.blockSize * 2 + 4096) {
      throw new IntrospectError({ file: this.name, structure: where, offset: descAt, reason: `compressed size ${d.size} is implausible for a ${this.blockSize}-byte page` });
    }
    const data = this.file.read(offset, d.size, where);
    const page = this.decompress(d.flags, data, where, offset);
    if (page.length !== this.blockSize) {
      throw new IntrospectError({ file: this.name, structure: where, offset, reason: `page holds ${page.length} bytes, expected ${this.blockSize}` });
    }
    if (this.cache.size * this.blockSize >= PAGE_CACHE_BYTES) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(pfn, page);
    return page;
  }

  private decompress(flags: number, data: Uint8Array, where: string, offset: number): Uint8Array {
    try {
      if (flags & DUMP_DH_COMPRESSED_ZLIB) return new Uint8Array(inflateSync(data, { maxOutputLength: this.blockSize }));
      if (flags & DUMP_DH_COMPRESSED_SNAPPY) return snappyjs.uncompress(data, this.blockSize);
      if (flags & DUMP_DH_COMPRESSED_ZSTD) return zstdDecompress(data, new Uint8Array(this.blockSize));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new IntrospectError({ file: this.name, structure: where, offset, reason: `page does not decompress: ${why}` }, { cause: error });
    }
    if (flags & DUMP_DH_COMPRESSED_LZO) {
      throw new IntrospectError({ file: this.name, structure: where, offset, reason: 'page is LZO-compressed (kdump-lzo): LZO is not supported; re-dump with kdump-zlib or kdump-snappy' });
    }
    if (flags !== 0) {
      throw new IntrospectError({ file: this.name, structure: where, offset, reason: `unknown page compression flags 0x${flags.toString(16)}` });
    }
    return data;
  }

  private pageIndex(pfn: number): number {
    const chunk = pfn >> 9;
    let count = this.rank[chunk];
    for (let byte = chunk << 6; byte < pfn >> 3; byte++) count += POPCOUNT[this.bitmap[byte]];
    return count + POPCOUNT[this.bitmap[pfn >> 3] & ((1 << (pfn & 7)) - 1)];
  }
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();

function buildRank(bitmap: Uint8Array): Uint32Array {
  const chunks = Math.ceil(bitmap.length / 64);
  const rank = new Uint32Array(chunks + 1);
  let total = 0;
  for (let c = 0; c < chunks; c++) {
    rank[c] = total;
    const end = Math.min(bitmap.length, (c + 1) * 64);
    for (let b = c * 64; b < end; b++) total += POPCOUNT[bitmap[b]];
  }
  rank[chunks] = total;
  return rank;
}

function rangesFromBitmap(bitmap: Uint8Array, maxMapnr: number, bs: number): PhysicalRange[] {
  const ranges: PhysicalRange[] = [];
  let runStart = -1;
  for (let byte = 0; byte * 8 < maxMapnr; byte++) {
    const v = bitmap[byte];
    if ((v === 0 && runStart < 0) || (v === 0xff && runStart >= 0 && byte * 8 + 8 <= maxMapnr)) continue;
    for (let bit = 0; bit < 8; bit++) {
      const pfn = byte * 8 + bit;
      if (pfn >= maxMapnr) break;
      const set = (v & (1 << bit)) !== 0;
      if (set && runStart < 0) runStart = pfn;
      else if (!set && runStart >= 0) {
        ranges.push({ start: runStart * bs, end: pfn * bs });
        runStart = -1;
      }
    }
  }
  if (runStart >= 0) ranges.push({ start: runStart * bs, end: maxMapnr * bs });
  return ranges;
}
