/**
 * The bit-syntax library against real images: partition tables (MBR + EBR chain, GPT) and ext/NTFS
 * superblocks of every good raw image in the corpus, read with patterns only, equal the truth files
 * (sfdisk, blkid, dumpe2fs, statfs). This checks the library's bit order, little-endian and 64-bit
 * reads, UTF-16LE names, arrays of named sub-patterns and multi-case matching on real bytes; the
 * partition and filesystem plugins have their own corpus tests.
 *
 * Layouts: linux block/partitions/msdos.c and efi.h; e2fsprogs lib/ext2fs/ext2_fs.h; ntfs-3g
 * include/ntfs-3g/bootsect.h.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from '../../test/corpus/corpus.js';
import { FileSource } from '../source/file-source.js';
import type { Source } from '../source/source.js';
import { Bitstring, bitmatch, cases, definePattern } from './index.js';

interface TruthPartition {
  number: number;
  start_sector: number;
  size_sectors: number;
  type: string;
  uuid?: string;
  name?: string;
}
interface TruthFs {
  type: string;
  label: string;
  uuid: string;
  block_size: number;
  location: { kind: string; image?: string; offset_bytes?: number };
  statfs: { f_files: number };
}
interface Truth {
  image: string;
  kind: string;
  disks?: { image: string; partition_table?: { scheme: string; id?: string; firstlba?: number; lastlba?: number; partitions?: TruthPartition[] } }[];
  filesystems?: TruthFs[];
}

const mbrEntry = definePattern('corpus_mbr_partition', `
  boot_ind : 8, _ : 24, sys_ind : 8, _ : 24,
  start_sect : 32 : littleendian,
  nr_sects : 32 : littleendian
`);
const mbrSector = bitmatch('_ : 3568, parts[4] : { :entry }, 0x55AA : 16', { entry: mbrEntry });

const efiGuid = definePattern('corpus_efi_guid', 'd1 : 32 : littleendian, d2 : 16 : littleendian, d3 : 16 : littleendian, d4 : 16, d5 : 48');
const gptHeader = bitmatch(`
  "EFI PART" : 64 : string,
  revision : 32 : littleendian,
  header_size : 32 : littleendian : check(header_size >= 92),
  header_crc32 : 32 : littleendian,
  _ : 32,
  my_lba : 64 : littleendian,
  alternate_lba : 64 : littleendian,
  first_usable_lba : 64 : littleendian,
  last_usable_lba : 64 : littleendian,
  disk_guid : { :guid },
  partition_entry_lba : 64 : littleendian,
  num_partition_entries : 32 : littleendian : check(num_partition_entries <= 1024),
  sizeof_partition_entry : 32 : littleendian : check(sizeof_partition_entry == 128)
`, { guid: efiGuid });
const gptEntries = bitmatch(`
  entries[] : {
    partition_type_guid : { :guid },
    unique_partition_guid : { :guid },
    starting_lba : 64 : littleendian,
    ending_lba : 64 : littleendian,
    attributes : 64 : littleendian,
    partition_name : 576 : string(utf16le)
  }
`, { guid: efiGuid });

const extSuper = bitmatch(`
  s_inodes_count : 32 : littleendian,
  _ : 160,
  s_log_block_size : 32 : littleendian : check(s_log_block_size <= 6),
  _ : 256 : save_offset_to(skipped),
  0xEF53 : 16 : littleendian : offset(0x38 * 8),
  s_uuid : 128 : bitstring : offset(0x68 * 8),
  s_volume_name : 128 : string
`);
const ntfsBoot = bitmatch(`
  _ : 24,
  "NTFS    " : 64 : string,
  bytes_per_sector : 16 : littleendian,
  sectors_per_cluster : 8,
  volume_serial_number : 64 : littleendian : offset(0x48 * 8)
`);

type FsFacts = { type: string; label?: string; uuid: string; blockSize: number; inodes?: number };
const probeFs = cases<FsFacts>('filesystem')
  .case(ntfsBoot, (b) => ({
    type: 'ntfs',
    uuid: b.volume_serial_number.toString(16).toUpperCase().padStart(16, '0'),
    blockSize: b.bytes_per_sector * (b.sectors_per_cluster <= 0x80 ? b.sectors_per_cluster : 2 ** (256 - b.sectors_per_cluster)),
  }));

function extFacts(source: Source, offset: number): FsFacts | undefined {
  const sb = extSuper.matchFrom(source, offset + 1024, 1024);
  if (!sb) return undefined;
  const u = [...sb.s_uuid.toUint8Array()].map((x) => x.toString(16).padStart(2, '0')).join('');
  return {
    type: 'ext',
    label: sb.s_volume_name,
    uuid: `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`,
    blockSize: 1024 << sb.s_log_block_size,
    inodes: sb.s_inodes_count,
  };
}

const guidText = (g: { d1: number; d2: number; d3: number; d4: number; d5: number }): string =>
  [g.d1.toString(16).padStart(8, '0'), g.d2.toString(16).padStart(4, '0'), g.d3.toString(16).padStart(4, '0'), g.d4.toString(16).padStart(4, '0'), g.d5.toString(16).padStart(12, '0')].join('-').toUpperCase();

/** Primary entries, then logical partitions from the EBR chain (msdos.c parse_extended), at most 128. */
function readDos(source: Source): TruthPartition[] {
  const mbr = mbrSector.parseFrom(source, 0);
  const out: TruthPartition[] = [];
  mbr.parts.forEach((p, i) => {
    if (p.sys_ind !== 0 && p.nr_sects !== 0) out.push({ number: i + 1, start_sector: p.start_sect, size_sectors: p.nr_sects, type: p.sys_ind.toString(16) });
  });
  const ext = mbr.parts.find((p) => p.sys_ind === 0x05 || p.sys_ind === 0x0f || p.sys_ind === 0x85);
  if (!ext) return out;
  const seen = new Set<number>();
  let ebr = ext.start_sect;
  for (let n = 5; n < 5 + 128 && !seen.has(ebr); n++) {
    seen.add(ebr);
    const sector = mbrSector.matchFrom(source, ebr * 512);
    if (!sector) break;
    const [logical, next] = sector.parts;
    if (logical!.nr_sects !== 0) out.push({ number: n, start_sector: ebr + logical!.start_sect, size_sectors: logical!.nr_sects, type: logical!.sys_ind.toString(16) });
    if (next!.nr_sects === 0) break;
    ebr = ext.start_sect + next!.start_sect;
  }
  return out;
}

function readGpt(source: Source): { id: string; firstlba: number; lastlba: number; partitions: TruthPartition[] } {
  const h = gptHeader.parseFrom(source, 512);
  const count = h.num_partition_entries;
  const table = gptEntries.parse(Bitstring.fromSource(source, Number(h.partition_entry_lba) * 512, count * 128));
  const partitions: TruthPartition[] = [];
  table.entries.forEach((e, i) => {
    if (guidText(e.partition_type_guid) === '00000000-0000-0000-0000-000000000000') return;
    partitions.push({
      number: i + 1,
      start_sector: Number(e.starting_lba),
      size_sectors: Number(e.ending_lba - e.starting_lba + 1n),
      type: guidText(e.partition_type_guid),
      uuid: guidText(e.unique_partition_guid),
      name: e.partition_name,
    });
  });
  return { id: guidText(h.disk_guid), firstlba: Number(h.first_usable_lba), lastlba: Number(h.last_usable_lba), partitions };
}

const skip = !corpusAvailable() && !corpusRequired();

describe.skipIf(skip)('bit-syntax patterns on the corpus', () => {
  const truths = skip
    ? []
    : readdirSync(corpusFile('disk'))
        .filter((f) => f.endsWith('.truth.json'))
        .map((f) => readTruth<Truth>(`disk/${f}`))
        .filter((t) => t.kind === 'good' && t.image.endsWith('.img'));

  it('finds raw good images to check', () => {
    expect(truths.length).toBeGreaterThanOrEqual(5);
  });

  it('reads every partition table as sfdisk did', () => {
    let checked = 0;
    for (const t of truths) {
      for (const disk of t.disks ?? []) {
        const pt = disk.partition_table;
        if (!pt || (pt.scheme !== 'dos' && pt.scheme !== 'gpt')) continue;
        const source = new FileSource(corpusFile(`disk/${disk.image}`));
        try {
          if (pt.scheme === 'dos') {
            const want = (pt.partitions ?? []).map((p) => ({ number: p.number, start_sector: p.start_sector, size_sectors: p.size_sectors, type: p.type }));
            expect(readDos(source), disk.image).toEqual(want);
          } else {
            const got = readGpt(source);
            expect(got, disk.image).toEqual({
              id: pt.id,
              firstlba: pt.firstlba,
              lastlba: pt.lastlba,
              partitions: (pt.partitions ?? []).map((p) => ({ number: p.number, start_sector: p.start_sector, size_sectors: p.size_sectors, type: p.type, uuid: p.uuid, name: p.name })),
            });
          }
          checked++;
        } finally {
          (source as { close?: () => void }).close?.();
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('reads ext and NTFS labels, UUIDs, block sizes and inode counts as blkid/dumpe2fs/statfs did', () => {
    let checked = 0;
    for (const t of truths) {
      for (const fs of t.filesystems ?? []) {
        const loc = fs.location;
        if ((loc.kind !== 'partition' && loc.kind !== 'whole-disk') || !loc.image || loc.offset_bytes === undefined) continue;
        const source = new FileSource(corpusFile(`disk/${loc.image}`));
        try {
          const boot = Bitstring.fromSource(source, loc.offset_bytes, 512);
          const facts = fs.type === 'ntfs' ? probeFs.parse(boot) : extFacts(source, loc.offset_bytes);
          expect(facts, `${loc.image} @${loc.offset_bytes}`).toBeDefined();
          expect(facts!.uuid.toLowerCase()).toBe(fs.uuid.toLowerCase());
          expect(facts!.blockSize).toBe(fs.block_size);
          if (fs.type !== 'ntfs') {
            expect(facts!.label).toBe(fs.label);
            expect(facts!.inodes).toBe(fs.statfs.f_files);
          }
          checked++;
        } finally {
          (source as { close?: () => void }).close?.();
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });
});
