// GUID partition tables: linux block/partitions/efi.c (find_valid_gpt, is_gpt_valid, is_pte_valid,
// compare_gpts) and efi.h (gpt_header, gpt_entry, legacy_mbr).
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { Source } from '../../core/source/source.js';
import { crc32 } from '../../core/util/crc32.js';
import { guidToString, isZeroGuid } from './guid.js';

/** Logical sector sizes probed (an image file does not say which it has). */
export const GPT_SECTOR_SIZES = [512, 4096] as const;
export const GPT_HEADER_SIGNATURE = 'EFI PART';
/** sizeof(gpt_header) in efi.h: the smallest header_size accepted. */
export const GPT_HEADER_MIN_SIZE = 92;
/** sizeof(gpt_entry): the only sizeof_partition_entry the kernel accepts. */
export const GPT_ENTRY_SIZE = 128;
/** Largest partition entry array read (the kernel's bound is KMALLOC_MAX_SIZE). */
export const GPT_MAX_ARRAY_BYTES = 4 * 1024 * 1024;
/** The kernel adds at most state->limit - 1 partitions (DISK_MAX_PARTS 256). */
export const GPT_MAX_PARTITIONS = 255;

/** gpt_header (efi.h), little-endian. */
export const gptHeader = bitmatch(`
  signature : 64 : string,
  revision : 32 : littleendian,
  header_size : 32 : littleendian,
  header_crc32 : 32 : littleendian,
  reserved1 : 32 : littleendian,
  my_lba : 64 : littleendian,
  alternate_lba : 64 : littleendian,
  first_usable_lba : 64 : littleendian,
  last_usable_lba : 64 : littleendian,
  disk_guid : 128 : bitstring,
  partition_entry_lba : 64 : littleendian,
  num_partition_entries : 32 : littleendian,
  sizeof_partition_entry : 32 : littleendian,
  partition_entry_array_crc32 : 32 : littleendian
`);

/** gpt_entry (efi.h). */
export const gptEntry = bitmatch(`
  partition_type_guid : 128 : bitstring,
  unique_partition_guid : 128 : bitstring,
  starting_lba : 64 : littleendian,
  ending_lba : 64 : littleendian,
  attributes : 64 : littleendian,
  partition_name : 576 : bitstring
`);

/** The legacy (protective) MBR partition record fields efi.c looks at. */
export const pmbrRecord = bitmatch(`
  boot_indicator : 8,
  _ : 24,
  os_type : 8,
  _ : 24,
  starting_lba : 32 : littleendian,
  size_in_lba : 32 : littleendian
`);

export const EFI_PMBR_OSTYPE_EFI_GPT = 0xee;

/** efi.c is_pmbr_valid: 0x55AA and a 0xEE record starting at LBA 1 (protective or hybrid MBR). */
export function isProtectiveMbr(sector0: Uint8Array): boolean {
  if (sector0.length < 512 || sector0[510] !== 0x55 || sector0[511] !== 0xaa) return false;
  for (let i = 0; i < 4; i++) {
    const r = pmbrRecord.parse(sector0, 0x1be + 16 * i);
    if (r.os_type === EFI_PMBR_OSTYPE_EFI_GPT && r.starting_lba === 1) return true;
  }
  return false;
}

export interface GptHeaderInfo {
  lba: number;
  alternate_lba: number;
  first_usable_lba: number;
  last_usable_lba: number;
  disk_guid: string;
  partition_entry_lba: number;
  num_partition_entries: number;
  partition_entry_array_crc32: number;
  entries: Uint8Array;
}

export interface GptPartition {
  /** Slot index + 1, as the kernel and sgdisk number them. */
  number: number;
  type: string;
  uuid: string;
  name: string;
  starting_lba: number;
  ending_lba: number;
  attributes: bigint;
}

export interface GptProblem {
  level: 'warning' | 'error';
  structure: string;
  offset: number;
  reason: string;
  partition?: number;
}

export interface GptTable {
  sectorSize: number;
  header: GptHeaderInfo;
  /** Which copy the partitions come from. */
  usedBackup: boolean;
  partitions: GptPartition[];
  problems: GptProblem[];
}

export interface GptFailure {
  header?: undefined;
  problems: GptProblem[];
}

type HeaderResult = { ok: true; header: GptHeaderInfo } | { ok: false; reason: string; signature: boolean };

const toNumber = (v: number | bigint): number => (typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.POSITIVE_INFINITY) : v);

/** efi.c is_gpt_valid: every check the kernel makes, returning the reason of the first failure. */
export function readGptHeader(disk: Source, sectorSize: number, lba: number): HeaderResult {
  const lastlba = Math.floor(disk.size / sectorSize) - 1;
  if (!Number.isSafeInteger(lba) || lba < 1 || lba > lastlba) return { ok: false, signature: false, reason: `LBA ${lba} is outside the disk` };
  const sector = disk.read(lba * sectorSize, sectorSize, 'GPT header');
  const h = gptHeader.parse(sector);
  if (h.signature !== GPT_HEADER_SIGNATURE) return { ok: false, signature: false, reason: 'no "EFI PART" signature' };
  const fail = (reason: string): HeaderResult => ({ ok: false, signature: true, reason });
  if (h.header_size > sectorSize) return fail(`header_size ${h.header_size} is larger than a sector`);
  if (h.header_size < GPT_HEADER_MIN_SIZE) return fail(`header_size ${h.header_size} is smaller than ${GPT_HEADER_MIN_SIZE}`);
  // A real copy (a Buffer's slice() would be a view, and zeroing it would change the caller's bytes).
  const copy = new Uint8Array(sector.subarray(0, h.header_size));
  copy.fill(0, 16, 20);
  const crc = crc32(copy);
  if (crc !== h.header_crc32) return fail(`header CRC32 0x${h.header_crc32.toString(16)} does not match the computed 0x${crc.toString(16)}`);
  const my_lba = toNumber(h.my_lba);
  if (my_lba !== lba) return fail(`my_lba ${my_lba} is not the LBA it was read from (${lba})`);
  const first = toNumber(h.first_usable_lba);
  const last = toNumber(h.last_usable_lba);
  if (first > lastlba) return fail(`first_usable_lba ${first} is past the last LBA ${lastlba}`);
  if (last > lastlba) return fail(`last_usable_lba ${last} is past the last LBA ${lastlba}`);
  if (last < first) return fail(`last_usable_lba ${last} is before first_usable_lba ${first}`);
  if (h.sizeof_partition_entry !== GPT_ENTRY_SIZE) return fail(`sizeof_partition_entry ${h.sizeof_partition_entry} is not ${GPT_ENTRY_SIZE}`);
  const ptSize = h.num_partition_entries * h.sizeof_partition_entry;
  if (ptSize > GPT_MAX_ARRAY_BYTES) return fail(`partition entry array of ${h.num_partition_entries} entries is larger than ${GPT_MAX_ARRAY_BYTES} bytes`);
  const entryLba = toNumber(h.partition_entry_lba);
  if (!Number.isSafeInteger(entryLba * sectorSize) || entryLba * sectorSize + ptSize > disk.size) {
    return fail(`partition entry array at LBA ${entryLba} lies past the end of the disk`);
  }
  const entries = disk.read(entryLba * sectorSize, ptSize, 'GPT partition entry array');
  const entriesCrc = crc32(entries);
  if (entriesCrc !== h.partition_entry_array_crc32) {
    return fail(`partition entry array CRC32 0x${h.partition_entry_array_crc32.toString(16)} does not match the computed 0x${entriesCrc.toString(16)}`);
  }
  return {
    ok: true,
    header: {
      lba,
      alternate_lba: toNumber(h.alternate_lba),
      first_usable_lba: first,
      last_usable_lba: last,
      disk_guid: guidToString(h.disk_guid.toUint8Array()),
      partition_entry_lba: entryLba,
      num_partition_entries: h.num_partition_entries,
      partition_entry_array_crc32: h.partition_entry_array_crc32,
      entries,
    },
  };
}

/**
 * efi.c find_valid_gpt, with the backup used when the primary is bad (the kernel does that only
 * with the gpt= parameter; sgdisk and parted always do), for 512- and 4096-byte sectors.
 */
export function readGptTable(disk: Source): GptTable | GptFailure {
  const failures: string[] = [];
  let sawSignature = false;
  for (const sectorSize of GPT_SECTOR_SIZES) {
    const lastlba = Math.floor(disk.size / sectorSize) - 1;
    if (lastlba < 2) continue;
    const primary = readGptHeader(disk, sectorSize, 1);
    const problems: GptProblem[] = [];
    if (primary.ok) {
      const alt = primary.header.alternate_lba;
      const backup = readGptHeader(disk, sectorSize, Number.isFinite(alt) ? alt : lastlba);
      if (!backup.ok) {
        problems.push({ level: 'warning', structure: 'GPT backup header', offset: (Number.isFinite(alt) ? alt : lastlba) * sectorSize, reason: `backup GPT header is invalid (${backup.reason}); using the primary` });
      } else {
        comparePrimaryAndBackup(primary.header, backup.header, lastlba, sectorSize, problems);
      }
      return finish(sectorSize, primary.header, false, problems, lastlba);
    }
    sawSignature ||= primary.signature;
    const backup = readGptHeader(disk, sectorSize, lastlba);
    if (backup.ok) {
      problems.push({ level: 'warning', structure: 'GPT primary header', offset: sectorSize, reason: `primary GPT header is invalid (${primary.reason}); using the backup header at LBA ${lastlba}` });
      return finish(sectorSize, backup.header, true, problems, lastlba);
    }
    sawSignature ||= backup.signature;
    if (primary.signature || backup.signature) failures.push(`${sectorSize}-byte sectors: primary: ${primary.reason}; backup at LBA ${lastlba}: ${backup.reason}`);
  }
  const reason = sawSignature ? `no valid GPT header (${failures.join('; ')})` : 'protective MBR but no GPT header ("EFI PART") at LBA 1 or at the last LBA';
  return { problems: [{ level: 'error', structure: 'GPT header', offset: 512, reason }] };
}

function comparePrimaryAndBackup(p: GptHeaderInfo, a: GptHeaderInfo, lastlba: number, sectorSize: number, problems: GptProblem[]): void {
  const at = a.lba * sectorSize;
  if (p.partition_entry_array_crc32 !== a.partition_entry_array_crc32 || p.num_partition_entries !== a.num_partition_entries) {
    problems.push({ level: 'warning', structure: 'GPT backup header', offset: at, reason: 'primary and backup partition entry arrays differ; using the primary' });
  }
  if (p.first_usable_lba !== a.first_usable_lba || p.last_usable_lba !== a.last_usable_lba || p.disk_guid !== a.disk_guid) {
    problems.push({ level: 'warning', structure: 'GPT backup header', offset: at, reason: 'primary and backup headers disagree; using the primary' });
  }
  if (p.alternate_lba !== lastlba) {
    problems.push({ level: 'warning', structure: 'GPT primary header', offset: sectorSize, reason: `backup header is at LBA ${p.alternate_lba}, not at the end of the disk (LBA ${lastlba}): was the disk resized?` });
  }
}

function finish(sectorSize: number, header: GptHeaderInfo, usedBackup: boolean, problems: GptProblem[], lastlba: number): GptTable {
  const partitions: GptPartition[] = [];
  const arrayOffset = header.partition_entry_lba * sectorSize;
  for (let i = 0; i < header.num_partition_entries; i++) {
    const at = i * GPT_ENTRY_SIZE;
    if (isZeroGuid(header.entries, at)) continue; // unused entry
    const number = i + 1;
    const structure = `GPT partition entry ${number}`;
    const offset = arrayOffset + at;
    if (partitions.length >= GPT_MAX_PARTITIONS) {
      problems.push({ level: 'warning', structure, offset, reason: `more than ${GPT_MAX_PARTITIONS} partitions; the rest are ignored` });
      break;
    }
    const e = gptEntry.parse(header.entries, at);
    const starting_lba = toNumber(e.starting_lba);
    const ending_lba = toNumber(e.ending_lba);
    // efi.c is_pte_valid: both ends within the disk.
    if (starting_lba > lastlba || ending_lba > lastlba) {
      problems.push({ level: 'error', structure, offset, partition: number, reason: `partition ${number} (LBA ${e.starting_lba}-${e.ending_lba}) lies past the end of the disk (last LBA ${lastlba}): missing` });
      continue;
    }
    if (ending_lba < starting_lba) {
      problems.push({ level: 'error', structure, offset, partition: number, reason: `partition ${number} ends (LBA ${ending_lba}) before it starts (LBA ${starting_lba}): skipped` });
      continue;
    }
    if (starting_lba < header.first_usable_lba || ending_lba > header.last_usable_lba) {
      problems.push({ level: 'warning', structure, offset, partition: number, reason: `partition ${number} lies outside the usable LBAs ${header.first_usable_lba}-${header.last_usable_lba}` });
    }
    partitions.push({
      number,
      type: guidToString(e.partition_type_guid.toUint8Array()),
      uuid: guidToString(e.unique_partition_guid.toUint8Array()),
      name: utf16Name(e.partition_name.toUint8Array()),
      starting_lba,
      ending_lba,
      attributes: BigInt(e.attributes),
    });
  }
  for (let i = 0; i < partitions.length; i++) {
    for (let j = i + 1; j < partitions.length; j++) {
      const a = partitions[i];
      const b = partitions[j];
      if (a.starting_lba <= b.ending_lba && b.starting_lba <= a.ending_lba) {
        problems.push({ level: 'warning', structure: `GPT partition entry ${b.number}`, offset: arrayOffset + (b.number - 1) * GPT_ENTRY_SIZE, partition: b.number, reason: `partitions ${a.number} and ${b.number} overlap` });
      }
    }
  }
  return { sectorSize, header, usedBackup, partitions, problems };
}

/** 36 UTF-16LE code units, cut at the first NUL. */
function utf16Name(bytes: Uint8Array): string {
  let end = 0;
  while (end + 1 < bytes.length && (bytes[end] | bytes[end + 1]) !== 0) end += 2;
  return new TextDecoder('utf-16le').decode(bytes.subarray(0, end));
}
