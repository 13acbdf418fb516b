// MFT (FILE) records: multi-sector-transfer fixups as ntfs-3g libntfs-3g/mst.c
// ntfs_mst_post_read_fixup_warn(), the header and attribute checks of libntfs-3g/mft.c
// ntfs_mft_record_check(), and the attribute walk (ATTR_RECORD, include/ntfs-3g/layout.h).
import { IntrospectError } from '../../core/errors.js';
import {
  ATTR_RECORD,
  ATTR_RECORD_NON_RESIDENT,
  ATTR_RECORD_RESIDENT,
  AT_END,
  MFT_RECORD,
  NTFS_BLOCK_SIZE,
  NTFS_RECORD,
  SYSTEM_FILE_NAMES,
  magic_BAAD,
  magic_FILE,
} from './layout.js';

/** Where a record's bytes came from, for error messages. */
export interface RecordLocation {
  /** Source name (image file or partition). */
  file: string;
  /** MFT record number. */
  recordNumber: number;
  /** Byte offset in the source of byte `i` of the record (records may straddle fragmented runs). */
  sourceOffset(i: number): number;
}

export function recordStructure(recordNumber: number): string {
  const name = SYSTEM_FILE_NAMES[recordNumber];
  return `NTFS MFT record ${recordNumber}${name ? ` (${name})` : ''}`;
}

function recordError(loc: RecordLocation, at: number, reason: string): IntrospectError {
  return new IntrospectError({ file: loc.file, structure: recordStructure(loc.recordNumber), offset: loc.sourceOffset(at), reason });
}

function hex16(v: number): string {
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/**
 * Check and undo the update sequence array in place: the last u16 of every 512-byte stride must equal
 * the update sequence number (usa[0]); it is then replaced by usa[i]. A mismatch means a torn
 * (incomplete multi-sector) write, and the record must not be trusted.
 */
export function applyFixups(record: Uint8Array, loc: RecordLocation): void {
  const size = record.length;
  const h = NTFS_RECORD.match(record);
  if (!h) throw recordError(loc, 0, `record of ${size} bytes is too short for a header`);
  if (h.magic !== magic_FILE) {
    const what = h.magic === magic_BAAD ? '"BAAD" (marked bad by chkdsk)' : `0x${h.magic.toString(16).padStart(8, '0')}`;
    throw recordError(loc, 0, `no FILE magic (found ${what})`);
  }
  const { usa_ofs, usa_count } = h;
  // is_valid_record() in mst.c.
  if (size % NTFS_BLOCK_SIZE !== 0 || usa_ofs % 2 !== 0 || usa_count !== 1 + size / NTFS_BLOCK_SIZE || usa_ofs + usa_count * 2 > NTFS_BLOCK_SIZE - 2) {
    throw recordError(loc, 4, `invalid update sequence array (usa_ofs ${usa_ofs}, usa_count ${usa_count}) for a ${size}-byte record`);
  }
  const usn = record[usa_ofs] | (record[usa_ofs + 1] << 8);
  const strides = usa_count - 1;
  for (let i = 1; i <= strides; i++) {
    const at = i * NTFS_BLOCK_SIZE - 2;
    const found = record[at] | (record[at + 1] << 8);
    if (found !== usn) {
      throw recordError(
        loc,
        at,
        `update sequence fixup mismatch in stride ${i} of ${strides} (record bytes ${(i - 1) * NTFS_BLOCK_SIZE}-${i * NTFS_BLOCK_SIZE - 1}, ` +
          `record at offset ${loc.sourceOffset(0)}): found ${hex16(found)}, expected update sequence number ${hex16(usn)}; ` +
          'incomplete multi-sector write, the record cannot be trusted',
      );
    }
  }
  for (let i = 1; i <= strides; i++) {
    const at = i * NTFS_BLOCK_SIZE - 2;
    record[at] = record[usa_ofs + 2 * i];
    record[at + 1] = record[usa_ofs + 2 * i + 1];
  }
}

export interface NonResidentInfo {
  lowest_vcn: number;
  highest_vcn: number;
  mapping_pairs_offset: number;
  compression_unit: number;
  allocated_size: number;
  data_size: number;
  initialized_size: number;
}

/** One attribute of a record. `offset` is where its ATTR_RECORD starts within the record. */
export interface AttrRecord {
  type: number;
  name: string;
  flags: number;
  instance: number;
  offset: number;
  length: number;
  /** Resident value (a view into the record). */
  value?: Uint8Array;
  nonResident?: NonResidentInfo;
}

export interface MftRecord {
  recordNumber: number;
  flags: number;
  sequence_number: number;
  /** MFT reference of the base record (0 for a base record). */
  base_mft_record: bigint;
  bytes: Uint8Array;
  attributes: AttrRecord[];
  location: RecordLocation;
}

function sle64(v: bigint, loc: RecordLocation, at: number, what: string): number {
  const s = BigInt.asIntN(64, v);
  if (s < 0n || s > BigInt(Number.MAX_SAFE_INTEGER)) throw recordError(loc, at, `${what} ${s} out of range`);
  return Number(s);
}

const UTF16LE = new TextDecoder('utf-16le');

function utf16le(bytes: Uint8Array): string {
  return UTF16LE.decode(bytes);
}

/**
 * Parse a record whose fixups have been applied: header checks and the attribute walk of
 * ntfs_mft_record_check(), bounded by bytes_in_use and the record size; attributes must come in
 * ascending type order and end with AT_END.
 */
export function parseMftRecord(record: Uint8Array, expectedSize: number, loc: RecordLocation): MftRecord {
  const m = MFT_RECORD.match(record);
  if (!m) throw recordError(loc, 0, 'record too short for an MFT_RECORD header');
  if (m.bytes_allocated !== expectedSize) {
    throw recordError(loc, 0x1c, `corrupt allocation size ${m.bytes_allocated} (the volume's records are ${expectedSize} bytes)`);
  }
  if (m.bytes_in_use > expectedSize) throw recordError(loc, 0x18, `corrupt in-use size ${m.bytes_in_use} > ${expectedSize}`);
  if (m.attrs_offset & 7 || m.attrs_offset < 0x18 || m.attrs_offset > m.bytes_in_use) {
    throw recordError(loc, 0x14, `attributes offset ${m.attrs_offset} is misaligned or outside the ${m.bytes_in_use} bytes in use`);
  }
  const attributes: AttrRecord[] = [];
  let offset = m.attrs_offset;
  let previousType = 0;
  for (;;) {
    const space = m.bytes_in_use - offset;
    if (space < 4) throw recordError(loc, offset, 'attribute list runs past bytes_in_use without an AT_END marker');
    const type = (record[offset] | (record[offset + 1] << 8) | (record[offset + 2] << 16) | (record[offset + 3] << 24)) >>> 0;
    if (type === AT_END) break;
    if (space < 0x18) throw recordError(loc, offset, `attribute header of type 0x${type.toString(16)} cut off by bytes_in_use`);
    const a = ATTR_RECORD.parse(record, offset);
    if (a.type < previousType) throw recordError(loc, offset, `attribute type 0x${a.type.toString(16)} out of order after 0x${previousType.toString(16)}`);
    if (a.length > space || a.length & 7 || a.length < 0x18) {
      throw recordError(loc, offset, `attribute of type 0x${a.type.toString(16)} has corrupt length ${a.length} (${space} bytes left in use)`);
    }
    if (a.name_length > 0 && (a.name_offset + a.name_length * 2 > a.length)) {
      throw recordError(loc, offset, `attribute name (${a.name_length} characters at ${a.name_offset}) runs past the attribute`);
    }
    const name = a.name_length ? utf16le(record.subarray(offset + a.name_offset, offset + a.name_offset + a.name_length * 2)) : '';
    const attr: AttrRecord = { type: a.type, name, flags: a.flags, instance: a.instance, offset, length: a.length };
    if (a.non_resident) {
      if (a.length < 0x40) throw recordError(loc, offset, `non-resident attribute of type 0x${a.type.toString(16)} shorter than its header`);
      const n = ATTR_RECORD_NON_RESIDENT.parse(record, offset + 0x10);
      const info: NonResidentInfo = {
        lowest_vcn: sle64(n.lowest_vcn, loc, offset + 0x10, 'lowest_vcn'),
        highest_vcn: Number(BigInt.asIntN(64, n.highest_vcn)),
        mapping_pairs_offset: n.mapping_pairs_offset,
        compression_unit: n.compression_unit,
        allocated_size: sle64(n.allocated_size, loc, offset + 0x28, 'allocated_size'),
        data_size: sle64(n.data_size, loc, offset + 0x30, 'data_size'),
        initialized_size: sle64(n.initialized_size, loc, offset + 0x38, 'initialized_size'),
      };
      if (info.mapping_pairs_offset < 0x40 || info.mapping_pairs_offset >= a.length) {
        throw recordError(loc, offset + 0x20, `mapping_pairs_offset ${info.mapping_pairs_offset} outside the ${a.length}-byte attribute`);
      }
      if (info.lowest_vcn === 0 && (info.data_size > info.allocated_size || info.initialized_size > info.data_size)) {
        throw recordError(loc, offset + 0x28, `sizes out of order (allocated ${info.allocated_size}, data ${info.data_size}, initialized ${info.initialized_size})`);
      }
      attr.nonResident = info;
    } else {
      const r = ATTR_RECORD_RESIDENT.parse(record, offset + 0x10);
      if (r.value_offset + r.value_length > a.length) {
        throw recordError(loc, offset + 0x10, `resident value (${r.value_length} bytes at ${r.value_offset}) runs past the ${a.length}-byte attribute`);
      }
      attr.value = record.subarray(offset + r.value_offset, offset + r.value_offset + r.value_length);
    }
    attributes.push(attr);
    previousType = a.type;
    offset += a.length;
  }
  return {
    recordNumber: loc.recordNumber,
    flags: m.flags,
    sequence_number: m.sequence_number,
    base_mft_record: m.base_mft_record,
    bytes: record,
    attributes,
    location: loc,
  };
}

/** The error helper for callers that find a record semantically wrong. */
export function mftRecordError(record: MftRecord, at: number, reason: string): IntrospectError {
  return recordError(record.location, at, reason);
}

export { utf16le };
