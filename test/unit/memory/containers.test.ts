import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import snappyjs from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { openMemoryImage } from '../../../core/memory/open.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { memoryContainersPlugin } from '../../../plugins/memory-containers/index.js';
import { elf64Header, elf64Phdr, elf64Shdr } from '../../../core/formats/elf.js';
import {
  diskDumpHeader,
  kdumpPageDesc,
  kdumpSubHeader,
  limeHeader,
  makedumpfileDataHeader,
  makedumpfileHeader,
  qemuCpuState,
} from '../../../plugins/memory-containers/structures.js';
import { latin1, note } from './synthetic.js';

function open(bytes: Uint8Array, format?: string): PhysicalMemory {
  const intro = new Introspector().use(memoryContainersPlugin);
  const memory = intro.hooks.openMemory.call({ path: 'img', source: new BytesSource('img', bytes), format });
  if (!memory) throw new Error('no container');
  return memory;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

function expectAbsent(memory: PhysicalMemory, address: number, length = 1): void {
  expect(memory.isPresent(address, length)).toBe(false);
  let error: unknown;
  try {
    memory.read(address, length);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(IntrospectError);
  expect((error as IntrospectError).reason).toMatch(/^physical address 0x[0-9a-f]+ /);
}

// ---------------------------------------------------------------- ELF core (qemu dump-guest-memory)

interface ElfSpec {
  machine: number;
  loads: { paddr: number; data: Uint8Array; memsz?: number }[];
  notes: Uint8Array;
  xnum?: boolean;
}

function elfCore(spec: ElfSpec): Uint8Array {
  const phnum = spec.loads.length + 1;
  const phoff = 64;
  const shoff = phoff + phnum * 56;
  let offset = shoff + (spec.xnum ? 64 : 0);
  const noteOffset = offset;
  offset += spec.notes.length;
  const phdrs = [elf64Phdr.build({ p_type: 4, p_flags: 0, p_offset: BigInt(noteOffset), p_vaddr: 0n, p_paddr: 0n, p_filesz: BigInt(spec.notes.length), p_memsz: BigInt(spec.notes.length), p_align: 0n })];
  const datas: Uint8Array[] = [];
  for (const l of spec.loads) {
    phdrs.push(elf64Phdr.build({ p_type: 1, p_flags: 7, p_offset: BigInt(offset), p_vaddr: 0n, p_paddr: BigInt(l.paddr), p_filesz: BigInt(l.data.length), p_memsz: BigInt(l.memsz ?? l.data.length), p_align: 0n }));
    datas.push(l.data);
    offset += l.data.length;
  }
  const header = elf64Header.build({
    ei_class: 2, ei_data: 1, ei_version: 1, e_type: 4, e_machine: spec.machine, e_version: 1, e_entry: 0n,
    e_phoff: BigInt(phoff), e_shoff: spec.xnum ? BigInt(shoff) : 0n, e_flags: 0, e_ehsize: 64, e_phentsize: 56,
    e_phnum: spec.xnum ? 0xffff : phnum, e_shentsize: 64, e_shnum: spec.xnum ? 1 : 0, e_shstrndx: 0,
  });
  const sections = spec.xnum ? [elf64Shdr.build({ sh_name: 0, sh_type: 0, sh_flags: 0n, sh_addr: 0n, sh_offset: 0n, sh_size: 0n, sh_link: 0, sh_info: phnum, sh_addralign: 0n, sh_entsize: 0n })] : [];
  return concat([header, ...phdrs, ...sections, spec.notes, ...datas]);
}

function qemuNote(cr3: bigint, cr4: bigint): Uint8Array {
  const state = qemuCpuState.build({ version: 1, size: 0x1b8, cr0: 0x80050033n, cr1: 0n, cr2: 0n, cr3, cr4 });
  const desc = new Uint8Array(0x1b8);
  desc.set(state);
  return note('QEMU', 0, desc);
}

describe('ELF core container', () => {
  const low = filled(0xa0000, 1);
  const high = filled(0x20000, 2);
  const notes = concat([note('CORE', 1, new Uint8Array(336)), qemuNote(0x29f2000n, 0x751ef0n), note('VMCOREINFO', 0, latin1('OSRELEASE=1.2.3\nPAGESIZE=4096\n'))]);

  for (const xnum of [false, true]) {
    it(`maps PT_LOAD segments by p_paddr, with holes${xnum ? ' (PN_XNUM program-header count)' : ''}`, () => {
      const memory = open(elfCore({ machine: 62, loads: [{ paddr: 0, data: low }, { paddr: 0x100000, data: high }], notes, xnum }));
      expect(memory.format).toBe('elf');
      expect(memory.archHint).toBe('x86_64');
      expect(memory.ranges).toEqual([{ start: 0, end: 0xa0000 }, { start: 0x100000, end: 0x120000 }]);
      expect(memory.read(0x9fff0, 16)).toEqual(low.subarray(0x9fff0));
      expect(memory.read(0x100010, 4)).toEqual(high.subarray(0x10, 0x14));
      expectAbsent(memory, 0xa0000);
      expectAbsent(memory, 0x9fff0, 0x20);
      expect(memory.cpus).toEqual([{ cr3: 0x29f2000n, cr4: 0x751ef0n }]);
      expect(memory.vmcoreinfo).toBe('OSRELEASE=1.2.3\nPAGESIZE=4096\n');
    });
  }

  it('reads EM_386 dumps (ELF64 files) as i386 and keeps undumped p_memsz tails as holes', () => {
    const memory = open(elfCore({ machine: 3, loads: [{ paddr: 0x1000, data: high, memsz: 0x40000 }], notes: qemuNote(0x12126c0n, 0x350ef0n) }));
    expect(memory.archHint).toBe('i386');
    expect(memory.vmcoreinfo).toBeUndefined();
    expect(memory.cpus[0].cr3).toBe(0x12126c0n);
    expectAbsent(memory, 0x21000);
  });

  it('accepts overlapping PT_LOADs (vmcore repeats kernel text) and keeps one copy', () => {
    const memory = open(elfCore({ machine: 62, loads: [{ paddr: 0x1000, data: low.subarray(0x1000, 0x3000) }, { paddr: 0, data: low }], notes }));
    expect(memory.ranges).toEqual([{ start: 0, end: 0xa0000 }]);
    expect(memory.read(0xff0, 0x2020)).toEqual(low.subarray(0xff0, 0x3010));
  });

  it('refuses a truncated segment with the program header named', () => {
    const bytes = elfCore({ machine: 62, loads: [{ paddr: 0, data: low }], notes });
    expect(() => open(bytes.subarray(0, bytes.length - 100))).toThrow(/ELF program header 1.*past the end/);
  });
});

// ---------------------------------------------------------------- kdump-compressed

interface KdumpPage {
  pfn: number;
  data: Uint8Array;
  compression: 'none' | 'zlib' | 'snappy' | 'lzo';
}

const BS = 4096;

function kdumpNormal(pages: KdumpPage[], maxMapnr: number, vmcoreinfo: string, notes: Uint8Array): Uint8Array {
  const header = diskDumpHeader.build({
    header_version: 6, sysname: '', nodename: '', release: '', version: '', machine: 'x86_64', domainname: '',
    timestamp_sec: 0n, timestamp_usec: 0n, status: 1, block_size: BS, sub_hdr_size: 1, bitmap_blocks: 2,
    max_mapnr: maxMapnr, total_ram_blocks: 0, device_blocks: 0, written_blocks: 0, current_cpu: 0, nr_cpus: 1,
  });
  const info = latin1(vmcoreinfo);
  const subBlock = new Uint8Array(BS);
  subBlock.set(kdumpSubHeader.build({
    phys_base: 0n, dump_level: 1, split: 0, start_pfn: 0n, end_pfn: 0n,
    offset_vmcoreinfo: BigInt(BS + 512), size_vmcoreinfo: BigInt(info.length),
    offset_note: BigInt(BS + 1024), size_note: BigInt(notes.length), offset_eraseinfo: 0n, size_eraseinfo: 0n,
    start_pfn_64: 0n, end_pfn_64: 0n, max_mapnr_64: BigInt(maxMapnr),
  }));
  subBlock.set(info, 512);
  subBlock.set(notes, 1024);
  const bitmap1 = new Uint8Array(BS);
  const bitmap2 = new Uint8Array(BS);
  const sorted = [...pages].sort((a, b) => a.pfn - b.pfn);
  for (const p of sorted) {
    bitmap1[p.pfn >> 3] |= 1 << (p.pfn & 7);
    bitmap2[p.pfn >> 3] |= 1 << (p.pfn & 7);
  }
  const descBlocks = Math.ceil((sorted.length * 24) / BS);
  let dataOffset = BS * (4 + descBlocks);
  const descs: Uint8Array[] = [];
  const datas: Uint8Array[] = [];
  for (const p of sorted) {
    const stored = p.compression === 'zlib' ? deflateSync(p.data) : p.compression === 'snappy' ? snappyjs.compress(p.data) : p.data;
    const flags = { none: 0, zlib: 1, lzo: 2, snappy: 4 }[p.compression];
    descs.push(kdumpPageDesc.build({ offset: BigInt(dataOffset), size: stored.length, flags, page_flags: 0n }));
    datas.push(new Uint8Array(stored));
    dataOffset += stored.length;
  }
  const descArea = new Uint8Array(descBlocks * BS);
  descArea.set(concat(descs));
  const headerBlock = new Uint8Array(BS);
  headerBlock.set(header);
  return concat([headerBlock, subBlock, bitmap1, bitmap2, descArea, ...datas]);
}

/** qemu's flattened form of `normal`: records in shuffled order, plus a garbage record that a later one overwrites. */
function flatten(normal: Uint8Array): Uint8Array {
  const head = new Uint8Array(4096);
  head.set(makedumpfileHeader.build({ type: 1n, version: 1n }));
  const records: Uint8Array[] = [];
  const record = (offset: number, data: Uint8Array) => records.push(makedumpfileDataHeader.build({ offset: BigInt(offset), buf_size: BigInt(data.length) }), data);
  record(0, new Uint8Array(100).fill(0xee));
  const chunk = 3000;
  const starts: number[] = [];
  for (let at = 0; at < normal.length; at += chunk) starts.push(at);
  for (const at of starts.reverse()) record(at, normal.subarray(at, Math.min(normal.length, at + chunk)));
  records.push(makedumpfileDataHeader.build({ offset: -1n, buf_size: -1n }));
  return concat([head, ...records]);
}

describe('kdump-compressed container', () => {
  const pages: KdumpPage[] = [
    { pfn: 0, data: filled(BS, 3), compression: 'zlib' },
    { pfn: 1, data: filled(BS, 4), compression: 'none' },
    { pfn: 5, data: new Uint8Array(BS), compression: 'zlib' },
    { pfn: 6, data: filled(BS, 5), compression: 'snappy' },
    { pfn: 9, data: filled(BS, 6), compression: 'lzo' },
  ];
  const notes = qemuNote(0x1000n, 0x1000n);
  const normal = kdumpNormal(pages, 16, 'OSRELEASE=9.9\n', notes);

  for (const [form, bytes] of [['normal', normal], ['flattened', flatten(normal)]] as const) {
    it(`${form} form: pages by pfn (zlib, uncompressed, snappy), holes, notes, vmcoreinfo`, () => {
      const memory = open(bytes);
      expect(memory.format).toBe(form === 'normal' ? 'kdump' : 'kdump-flattened');
      expect(memory.ranges).toEqual([{ start: 0, end: 2 * BS }, { start: 5 * BS, end: 7 * BS }, { start: 9 * BS, end: 10 * BS }]);
      expect(memory.read(0, BS)).toEqual(pages[0].data);
      expect(memory.read(BS - 4, 8)).toEqual(concat([pages[0].data.subarray(BS - 4), pages[1].data.subarray(0, 4)]));
      expect(memory.read(5 * BS + 100, 4)).toEqual(new Uint8Array(4));
      expect(memory.read(6 * BS + 10, 100)).toEqual(pages[3].data.subarray(10, 110));
      expectAbsent(memory, 2 * BS);
      expectAbsent(memory, 7 * BS - 2, 4);
      expect(memory.vmcoreinfo).toBe('OSRELEASE=9.9\n');
      expect(memory.cpus).toEqual([{ cr3: 0x1000n, cr4: 0x1000n }]);
      expect(memory.archHint).toBe('x86_64');
    });

    it(`${form} form: an LZO page is refused with the compression named`, () => {
      expect(() => open(bytes).read(9 * BS, 4)).toThrow(/LZO/);
    });
  }

  it('refuses bitmaps that claim more blocks than the file holds', () => {
    const bytes = new Uint8Array(normal);
    new DataView(bytes.buffer).setUint32(436, 2 ** 31, true);
    expect(() => open(bytes)).toThrow(/bitmap blocks .* do not fit/);
  });

  it('refuses a corrupt zlib page, naming the pfn', () => {
    const broken = kdumpNormal([{ pfn: 2, data: filled(BS, 9), compression: 'zlib' }], 8, '', new Uint8Array(0));
    const descAt = 4 * BS;
    const offset = Number(new DataView(broken.buffer).getBigUint64(descAt, true));
    broken.fill(0x55, offset, offset + 8);
    expect(() => open(broken).read(2 * BS, 1)).toThrow(/pfn 2.*does not decompress/);
  });
});

// ---------------------------------------------------------------- LiME

function lime(ranges: { start: number; data: Uint8Array }[]): Uint8Array {
  return concat(ranges.flatMap((r) => [limeHeader.build({ version: 1, s_addr: BigInt(r.start), e_addr: BigInt(r.start + r.data.length - 1) }), r.data]));
}

describe('LiME container', () => {
  const a = filled(0x3000, 7);
  const b = filled(0x1000, 8);

  it('maps each range at its physical address; the gap between is a hole', () => {
    const memory = open(lime([{ start: 0x1000, data: a }, { start: 0x10000, data: b }]));
    expect(memory.format).toBe('lime');
    expect(memory.ranges).toEqual([{ start: 0x1000, end: 0x4000 }, { start: 0x10000, end: 0x11000 }]);
    expect(memory.read(0x3ffe, 2)).toEqual(a.subarray(0x2ffe));
    expect(memory.read(0x10ffc, 4)).toEqual(b.subarray(0xffc));
    expectAbsent(memory, 0x4000);
    expectAbsent(memory, 0);
  });

  it('refuses a range running past the end of the file', () => {
    const bytes = lime([{ start: 0, data: a }]);
    expect(() => open(bytes.subarray(0, bytes.length - 1))).toThrow(/LiME range 0.*past the end/);
  });
});

// ---------------------------------------------------------------- raw and format selection

describe('raw container and format selection', () => {
  it('takes anything else as raw (byte N = physical N), last', () => {
    const memory = open(filled(0x2000, 1));
    expect(memory.format).toBe('raw');
    expect(memory.baseIsGuess).toBe(true);
    expect(memory.read(0x1ffc, 4)).toEqual(filled(0x2000, 1).subarray(0x1ffc));
    expectAbsent(memory, 0x2000);
    const rebased = memory.rebase!(0x40000000);
    expect(rebased.ranges).toEqual([{ start: 0x40000000, end: 0x40002000 }]);
    expect(rebased.read(0x40000000, 2)).toEqual(filled(2, 1));
    expectAbsent(rebased, 0);
  });

  it('honours a forced format and says when the bytes do not fit it', () => {
    const bytes = lime([{ start: 0, data: filled(0x1000, 1) }]);
    expect(open(bytes, 'raw').format).toBe('raw');
    expect(open(bytes, 'live').format).toBe('live');
    expect(() => open(bytes, 'kdump')).toThrow(/not a kdump memory image/);
  });
});

describe('live RAM file', () => {
  it('reads what the guest writes while the image stays open (nothing cached)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'introspect-live-'));
    try {
      const path = join(dir, 'guest-ram');
      writeFileSync(path, new Uint8Array(0x10000));
      const memory = openMemoryImage(new Introspector().use(memoryContainersPlugin), path, 'live');
      expect(memory.format).toBe('live');
      expect(memory.read(0x8000, 4)).toEqual(new Uint8Array(4));
      const fd = openSync(path, 'r+');
      writeSync(fd, Uint8Array.of(1, 2, 3, 4), 0, 4, 0x8000);
      closeSync(fd);
      expect(memory.read(0x8000, 4)).toEqual(Uint8Array.of(1, 2, 3, 4));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
