// Builds small synthetic NTFS structures in memory with the same bit-syntax patterns the reader uses
// (pattern.build()), for tests and examples: boot sectors, MFT records protected with an update
// sequence array, resident/non-resident attributes, mapping pairs. Not a mkntfs: only the records
// the reader needs ($MFT, $Volume, $Bitmap, extent records) are written.
import {
  ATTR_LIST_ENTRY,
  ATTR_RECORD,
  ATTR_RECORD_NON_RESIDENT,
  ATTR_RECORD_RESIDENT,
  MFT_RECORD,
  NTFS_BLOCK_SIZE,
  NTFS_BOOT_SECTOR,
  magic_FILE,
} from './layout.js';

export interface BootSectorFields {
  bytes_per_sector?: number;
  /** Raw byte (values > 128 encode 2^(256-v)). */
  sectors_per_cluster: number;
  number_of_sectors: bigint;
  mft_lcn: bigint;
  mftmirr_lcn: bigint;
  /** Raw byte (0xF6 = 2^10 bytes). */
  clusters_per_mft_record?: number;
  clusters_per_index_record?: number;
  volume_serial_number?: bigint;
}

export function buildBootSector(f: BootSectorFields): Uint8Array {
  return NTFS_BOOT_SECTOR.build({
    jump: 0xeb5290,
    bytes_per_sector: f.bytes_per_sector ?? 512,
    sectors_per_cluster: f.sectors_per_cluster,
    reserved_sectors: 0,
    fats: 0,
    root_entries: 0,
    sectors: 0,
    media_type: 0xf8,
    sectors_per_fat: 0,
    sectors_per_track: 63,
    heads: 255,
    hidden_sectors: 0,
    large_sectors: 0,
    physical_drive: 0x80,
    current_head: 0,
    extended_boot_signature: 0x80,
    reserved2: 0,
    number_of_sectors: f.number_of_sectors,
    mft_lcn: f.mft_lcn,
    mftmirr_lcn: f.mftmirr_lcn,
    clusters_per_mft_record: f.clusters_per_mft_record ?? 0xf6,
    clusters_per_index_record: f.clusters_per_index_record ?? 1,
    volume_serial_number: f.volume_serial_number ?? 0x0123456789abcdefn,
    checksum: 0,
    end_of_sector_marker: 0xaa55,
  });
}

function utf16(name: string): Uint8Array {
  const out = new Uint8Array(name.length * 2);
  for (let i = 0; i < name.length; i++) {
    out[2 * i] = name.charCodeAt(i) & 0xff;
    out[2 * i + 1] = name.charCodeAt(i) >> 8;
  }
  return out;
}

const align8 = (n: number): number => (n + 7) & ~7;

export function residentAttribute(type: number, value: Uint8Array, name = ''): Uint8Array {
  const nameBytes = utf16(name);
  const value_offset = align8(0x18 + nameBytes.length);
  const length = align8(value_offset + value.length);
  const out = new Uint8Array(length);
  out.set(ATTR_RECORD.build({ type, length, non_resident: 0, name_length: name.length, name_offset: 0x18, flags: 0, instance: 0 }), 0);
  out.set(ATTR_RECORD_RESIDENT.build({ value_length: value.length, value_offset, resident_flags: 0, reservedR: 0 }), 0x10);
  out.set(nameBytes, 0x18);
  out.set(value, value_offset);
  return out;
}

export interface SyntheticRun {
  /** null = sparse. */
  lcn: number | null;
  length: number;
}

/** Smallest little-endian two's-complement byte count holding v. */
function signedSize(v: bigint): number {
  let n = 1;
  while (BigInt.asIntN(n * 8, v) !== v) n++;
  return n;
}

function leBytes(v: bigint, n: number): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

/** Mapping pairs for `runs` (LCN deltas from 0), 0x00-terminated. */
export function encodeRunlist(runs: readonly SyntheticRun[]): Uint8Array {
  const out: number[] = [];
  let previous = 0n;
  for (const run of runs) {
    const length = BigInt(run.length);
    const lengthSize = signedSize(length);
    if (run.lcn === null) {
      out.push(lengthSize, ...leBytes(length, lengthSize));
    } else {
      const delta = BigInt(run.lcn) - previous;
      const offsetSize = signedSize(delta);
      out.push((offsetSize << 4) | lengthSize, ...leBytes(length, lengthSize), ...leBytes(delta, offsetSize));
      previous = BigInt(run.lcn);
    }
  }
  out.push(0);
  return Uint8Array.from(out);
}

export interface NonResidentFields {
  lowest_vcn?: number;
  allocated_size: number;
  data_size: number;
  initialized_size?: number;
  flags?: number;
}

export function nonResidentAttribute(type: number, runs: readonly SyntheticRun[], f: NonResidentFields, name = ''): Uint8Array {
  const pairs = encodeRunlist(runs);
  const nameBytes = utf16(name);
  const mapping_pairs_offset = align8(0x40 + nameBytes.length);
  const length = align8(mapping_pairs_offset + pairs.length);
  const lowest_vcn = f.lowest_vcn ?? 0;
  const clusters = runs.reduce((s, r) => s + r.length, 0);
  const out = new Uint8Array(length);
  out.set(ATTR_RECORD.build({ type, length, non_resident: 1, name_length: name.length, name_offset: 0x40, flags: f.flags ?? 0, instance: 0 }), 0);
  out.set(
    ATTR_RECORD_NON_RESIDENT.build({
      lowest_vcn: BigInt(lowest_vcn),
      highest_vcn: BigInt(lowest_vcn + clusters - 1),
      mapping_pairs_offset,
      compression_unit: 0,
      allocated_size: BigInt(f.allocated_size),
      data_size: BigInt(f.data_size),
      initialized_size: BigInt(f.initialized_size ?? f.data_size),
    }),
    0x10,
  );
  out.set(nameBytes, 0x40);
  out.set(pairs, mapping_pairs_offset);
  return out;
}

export interface AttrListEntryFields {
  type: number;
  lowest_vcn: number;
  recordNumber: number;
}

export function attributeListValue(entries: readonly AttrListEntryFields[]): Uint8Array {
  const parts = entries.map((e) => {
    const entry = new Uint8Array(0x20);
    entry.set(ATTR_LIST_ENTRY.build({ type: e.type, length: 0x20, name_length: 0, name_offset: 0x1a, lowest_vcn: BigInt(e.lowest_vcn), mft_reference: BigInt(e.recordNumber) | (1n << 48n), instance: 0 }), 0);
    return entry;
  });
  const out = new Uint8Array(parts.length * 0x20);
  parts.forEach((p, i) => out.set(p, i * 0x20));
  return out;
}

export interface RecordFields {
  record_size?: number;
  flags?: number;
  base_mft_record?: number;
  /** Update sequence number written at every stride end. */
  usn?: number;
}

/** An MFT record holding `attributes` (already in type order), protected with its update sequence array. */
export function buildMftRecord(recordNumber: number, attributes: readonly Uint8Array[], f: RecordFields = {}): Uint8Array {
  const size = f.record_size ?? 1024;
  const usa_count = 1 + size / NTFS_BLOCK_SIZE;
  const usa_ofs = 0x30;
  const attrs_offset = align8(usa_ofs + usa_count * 2);
  const out = new Uint8Array(size);
  let at = attrs_offset;
  for (const a of attributes) {
    out.set(a, at);
    at += a.length;
  }
  out.set([0xff, 0xff, 0xff, 0xff], at);
  const bytes_in_use = align8(at + 8);
  out.set(
    MFT_RECORD.build({
      magic: magic_FILE,
      usa_ofs,
      usa_count,
      lsn: 0n,
      sequence_number: 1,
      link_count: 1,
      attrs_offset,
      flags: f.flags ?? 1,
      bytes_in_use,
      bytes_allocated: size,
      base_mft_record: BigInt(f.base_mft_record ?? 0),
      next_attr_instance: attributes.length,
      reserved: 0,
      mft_record_number: recordNumber,
    }),
    0,
  );
  const usn = f.usn ?? 1;
  out[usa_ofs] = usn & 0xff;
  out[usa_ofs + 1] = usn >> 8;
  for (let i = 1; i < usa_count; i++) {
    const end = i * NTFS_BLOCK_SIZE - 2;
    out[usa_ofs + 2 * i] = out[end];
    out[usa_ofs + 2 * i + 1] = out[end + 1];
    out[end] = usn & 0xff;
    out[end + 1] = usn >> 8;
  }
  return out;
}
