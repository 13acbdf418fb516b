// DOS/MBR partition tables: linux block/partitions/msdos.c (msdos_partition, parse_extended),
// with the kernel's limits plus loop, overlap and past-the-end checks it does not make.
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { Source } from '../../core/source/source.js';

export const SECTOR_SIZE = 512;
/** Entries start at 0x1BE; the 0x55AA signature is at 0x1FE. */
export const PARTITION_TABLE_OFFSET = 0x1be;
/** parse_extended gives up after 100 links that hold no data partition. */
export const MAX_EBR_LINKS_WITHOUT_DATA = 100;
/** The kernel stops at its partition limit (DISK_MAX_PARTS 256); logicals are 5..256. */
export const MAX_PARTITION_NUMBER = 256;

/** struct msdos_partition (include/linux/msdos_partition.h). */
export const msdosPartition = bitmatch(`
  boot_ind : 8,
  head : 8,
  sector : 8,
  cyl : 8,
  sys_ind : 8,
  end_head : 8,
  end_sector : 8,
  end_cyl : 8,
  start_sect : 32 : littleendian,
  nr_sects : 32 : littleendian
`);

/** The last 72 bytes of an MBR/EBR sector: disk signature (MBR only), 4 entries, 0x55AA. */
export const msdosSectorTail = bitmatch(`
  disk_signature : 32 : littleendian,
  _ : 16,
  partition_entries : 512 : bitstring,
  boot_signature : 16
`);

export const EXTENDED_TYPES: ReadonlySet<number> = new Set([0x05, 0x0f, 0x85]);
export const EFI_PMBR_OSTYPE_EFI_GPT = 0xee;

export interface MsdosEntry {
  boot_ind: number;
  sys_ind: number;
  start_sect: number;
  nr_sects: number;
}

export interface MsdosSector {
  disk_signature: number;
  hasSignature: boolean;
  entries: MsdosEntry[];
}

export function parseMsdosSector(sector: Uint8Array): MsdosSector {
  const tail = msdosSectorTail.parse(sector, 0x1b8);
  const entries: MsdosEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const e = msdosPartition.parse(sector, PARTITION_TABLE_OFFSET + 16 * i);
    entries.push({ boot_ind: e.boot_ind, sys_ind: e.sys_ind, start_sect: e.start_sect, nr_sects: e.nr_sects });
  }
  return { disk_signature: tail.disk_signature, hasSignature: tail.boot_signature === 0x55aa, entries };
}

/** FAT/NTFS/exFAT boot sectors also end in 0x55AA; they are filesystems, not partition tables. */
export function looksLikeFilesystemBootSector(sector: Uint8Array): boolean {
  const oem = Buffer.from(sector.subarray(3, 11)).toString('latin1');
  if (oem === 'NTFS    ' || oem === 'EXFAT   ') return true;
  // FAT BPB (linux fs/fat/inode.c fat_read_bpb checks): sane sector size, cluster size, FAT count, media.
  const jump = sector[0] === 0xeb || sector[0] === 0xe9;
  const bytesPerSector = sector[11] | (sector[12] << 8);
  const sectorsPerCluster = sector[13];
  const reserved = sector[14] | (sector[15] << 8);
  const fats = sector[16];
  const media = sector[21];
  const pow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
  return (
    jump &&
    pow2(bytesPerSector) &&
    bytesPerSector >= 512 &&
    bytesPerSector <= 4096 &&
    pow2(sectorsPerCluster) &&
    reserved > 0 &&
    fats >= 1 &&
    fats <= 4 &&
    (media === 0xf0 || media >= 0xf8)
  );
}

/** Whether sector 0 holds a DOS partition table (and not a GPT protective MBR or a FAT/NTFS boot sector). */
export function isMsdosLabel(sector: Uint8Array): boolean {
  if (sector.length < SECTOR_SIZE) return false;
  const mbr = parseMsdosSector(sector);
  if (!mbr.hasSignature) return false;
  // msdos.c: with EFI partitions configured, a 0xEE entry means the disk is GPT's.
  if (mbr.entries.some((e) => e.sys_ind === EFI_PMBR_OSTYPE_EFI_GPT)) return false;
  // msdos.c: a boot indicator other than 0 or 0x80 means this is not a partition table.
  if (mbr.entries.some((e) => e.boot_ind !== 0 && e.boot_ind !== 0x80)) return false;
  return !looksLikeFilesystemBootSector(sector);
}

export interface DosPartition {
  number: number;
  kind: 'primary' | 'extended' | 'logical';
  sys_ind: number;
  /** In sectors, as in the table (not clamped). */
  startSector: number;
  sizeSectors: number;
  /** Bytes readable on this disk: the table's size clamped to the disk end. */
  readableBytes: number;
}

export interface DosProblem {
  level: 'warning' | 'error';
  structure: string;
  offset: number;
  reason: string;
  /** Partition number the problem belongs to, if any. */
  partition?: number;
}

export interface DosTable {
  disk_signature: number;
  partitions: DosPartition[];
  problems: DosProblem[];
}

/** Read the whole table: primaries 1-4, then logicals from 5 through the EBR chain. */
export function readDosTable(disk: Source): DosTable {
  const diskSectors = Math.floor(disk.size / SECTOR_SIZE);
  const mbr = parseMsdosSector(disk.read(0, SECTOR_SIZE, 'MBR'));
  const partitions: DosPartition[] = [];
  const problems: DosProblem[] = [];

  /** Kernel block/partitions/core.c: a partition starting past the end is dropped, one running past it is cut. */
  const place = (p: Omit<DosPartition, 'readableBytes'>, structure: string, offset: number): DosPartition | undefined => {
    const end = p.startSector + p.sizeSectors;
    if (p.startSector >= diskSectors) {
      const inside = p.kind === 'extended' ? '; the logical partitions inside it cannot be read' : '';
      problems.push({ level: 'error', structure, offset, partition: p.number, reason: `partition ${p.number} starts at sector ${p.startSector}, past the end of the disk (${diskSectors} sectors): missing${inside}` });
      return undefined;
    }
    let readableBytes = p.sizeSectors * SECTOR_SIZE;
    if (end > diskSectors) {
      readableBytes = (diskSectors - p.startSector) * SECTOR_SIZE;
      problems.push({
        level: 'error',
        structure,
        offset,
        partition: p.number,
        reason: `partition ${p.number} (sectors ${p.startSector}-${end - 1}) extends ${end - diskSectors} sectors past the end of the disk (last sector ${diskSectors - 1}): truncated to the disk end`,
      });
    }
    const placed = { ...p, readableBytes };
    partitions.push(placed);
    return placed;
  };

  let extended: DosPartition | undefined;
  const numbering = { next: 5 };
  mbr.entries.forEach((e, i) => {
    const slot = i + 1;
    if (e.nr_sects === 0) return;
    const kind = EXTENDED_TYPES.has(e.sys_ind) ? 'extended' : 'primary';
    const placed = place({ number: slot, kind, sys_ind: e.sys_ind, startSector: e.start_sect, sizeSectors: e.nr_sects }, `MBR partition entry ${slot}`, PARTITION_TABLE_OFFSET + 16 * i);
    // msdos.c follows each extended entry; more than one extended partition is unusual but legal.
    if (placed && kind === 'extended') {
      if (extended) {
        problems.push({ level: 'warning', structure: `MBR partition entry ${slot}`, offset: PARTITION_TABLE_OFFSET + 16 * i, partition: slot, reason: 'a second extended partition; its logical partitions are numbered after the first one\'s' });
      }
      extended = placed;
      parseExtended(disk, diskSectors, placed, numbering, problems, place);
    }
  });

  findOverlaps(partitions, problems);
  return { disk_signature: mbr.disk_signature, partitions, problems };
}

type Place = (p: Omit<DosPartition, 'readableBytes'>, structure: string, offset: number) => DosPartition | undefined;

/** Kernel numbering: each logical partition found takes the next number, even one later dropped as past the end. */
interface Numbering {
  next: number;
}

function parseExtended(disk: Source, diskSectors: number, ext: DosPartition, numbering: Numbering, problems: DosProblem[], place: Place): void {
  const first = ext.startSector;
  const firstSize = ext.sizeSectors;
  let thisSector = first;
  let thisSize = firstSize;
  let linksWithoutData = 0;
  const visited = new Map<number, number>(); // EBR sector -> link index
  let previous = -1;
  for (let link = 0; ; link++) {
    const structure = `EBR at sector ${thisSector}`;
    const offset = thisSector * SECTOR_SIZE;
    if (++linksWithoutData > MAX_EBR_LINKS_WITHOUT_DATA) {
      problems.push({ level: 'error', structure, offset, reason: `EBR chain: ${MAX_EBR_LINKS_WITHOUT_DATA} links without a logical partition; stopped` });
      return;
    }
    if (visited.has(thisSector)) {
      problems.push({
        level: 'error',
        structure: `EBR at sector ${previous}`,
        offset: previous * SECTOR_SIZE,
        reason: `EBR chain loops: the link points back to the EBR at sector ${thisSector} (link ${visited.get(thisSector)}); stopped, each logical partition reported once`,
      });
      return;
    }
    visited.set(thisSector, link);
    if (thisSector >= diskSectors) {
      problems.push({ level: 'error', structure, offset, reason: `EBR lies past the end of the disk (${diskSectors} sectors); the rest of the chain is missing` });
      return;
    }
    const ebr = parseMsdosSector(disk.read(offset, SECTOR_SIZE, structure));
    if (!ebr.hasSignature) {
      // An empty extended partition may have a blank first EBR; a link to a blank sector is damage.
      if (link > 0) problems.push({ level: 'error', structure, offset, reason: 'linked EBR has no 0x55AA signature; the rest of the chain is missing' });
      return;
    }
    for (let i = 0; i < 4; i++) {
      const e = ebr.entries[i];
      if (e.nr_sects === 0 || EXTENDED_TYPES.has(e.sys_ind)) continue;
      const next = thisSector + e.start_sect;
      // msdos.c: the 3rd and 4th entries sometimes hold garbage; keep them only if they fit.
      if (i >= 2 && (e.start_sect + e.nr_sects > thisSize || next < first || next + e.nr_sects > first + firstSize)) continue;
      const number = numbering.next;
      if (number > MAX_PARTITION_NUMBER) {
        problems.push({ level: 'error', structure, offset, reason: `more than ${MAX_PARTITION_NUMBER - 4} logical partitions; the rest are ignored` });
        return;
      }
      numbering.next++;
      place({ number, kind: 'logical', sys_ind: e.sys_ind, startSector: next, sizeSectors: e.nr_sects }, `${structure} entry ${i + 1}`, offset + PARTITION_TABLE_OFFSET + 16 * i);
      linksWithoutData = 0;
    }
    const linkEntry = ebr.entries.find((e) => e.nr_sects !== 0 && EXTENDED_TYPES.has(e.sys_ind));
    if (!linkEntry) return;
    previous = thisSector;
    // The link's start is relative to the first EBR (the extended partition's start).
    thisSector = first + linkEntry.start_sect;
    thisSize = linkEntry.nr_sects;
  }
}

function findOverlaps(partitions: DosPartition[], problems: DosProblem[]): void {
  const extended = partitions.filter((p) => p.kind === 'extended');
  const data = partitions.filter((p) => p.kind !== 'extended');
  const end = (p: DosPartition): number => p.startSector + p.sizeSectors;
  const overlaps = (a: DosPartition, b: DosPartition): boolean => a.startSector < end(b) && b.startSector < end(a);
  for (let i = 0; i < data.length; i++) {
    for (let j = i + 1; j < data.length; j++) {
      const a = data[i];
      const b = data[j];
      if (overlaps(a, b)) {
        problems.push({ level: 'warning', structure: `partition ${b.number}`, offset: b.startSector * SECTOR_SIZE, partition: b.number, reason: `partitions ${a.number} and ${b.number} overlap (sectors ${Math.max(a.startSector, b.startSector)}-${Math.min(end(a), end(b)) - 1})` });
      }
    }
  }
  for (const p of data) {
    if (p.startSector === 0) {
      problems.push({ level: 'warning', structure: `partition ${p.number}`, offset: 0, partition: p.number, reason: `partition ${p.number} starts at sector 0, over the partition table` });
    }
    const inExtended = extended.some((x) => p.startSector >= x.startSector && end(p) <= end(x));
    if (p.kind === 'logical' && !inExtended) {
      problems.push({ level: 'warning', structure: `partition ${p.number}`, offset: p.startSector * SECTOR_SIZE, partition: p.number, reason: `logical partition ${p.number} lies outside its extended partition` });
    }
    if (p.kind === 'primary' && extended.some((x) => overlaps(p, x))) {
      problems.push({ level: 'warning', structure: `partition ${p.number}`, offset: p.startSector * SECTOR_SIZE, partition: p.number, reason: `primary partition ${p.number} overlaps the extended partition` });
    }
  }
}
