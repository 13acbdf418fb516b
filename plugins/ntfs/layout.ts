// NTFS on-disk structures as bit-syntax patterns, field names as in ntfs-3g include/ntfs-3g/layout.h.
// All multi-byte fields are little-endian. 64-bit fields come back as bigint (signed where layout.h
// says sle64/leVCN). The s8 clusters_per_* bytes are read unsigned, as bootsect.c compares them as u8,
// and converted with asInt8().
import { bitmatch } from '../../core/bitsyntax/index.js';

/** NTFS_BOOT_SECTOR (layout.h), with its BIOS_PARAMETER_BLOCK inlined at 0x0B. 512 bytes. */
export const NTFS_BOOT_SECTOR = bitmatch(`
  jump : 24,
  "NTFS    " : 64 : string,
  bytes_per_sector : 16 : littleendian,
  sectors_per_cluster : 8,
  reserved_sectors : 16 : littleendian,
  fats : 8,
  root_entries : 16 : littleendian,
  sectors : 16 : littleendian,
  media_type : 8,
  sectors_per_fat : 16 : littleendian,
  sectors_per_track : 16 : littleendian,
  heads : 16 : littleendian,
  hidden_sectors : 32 : littleendian,
  large_sectors : 32 : littleendian,
  physical_drive : 8,
  current_head : 8,
  extended_boot_signature : 8,
  reserved2 : 8,
  number_of_sectors : 64 : littleendian, signed,
  mft_lcn : 64 : littleendian, signed,
  mftmirr_lcn : 64 : littleendian, signed,
  clusters_per_mft_record : 8,
  _ : 24,
  clusters_per_index_record : 8,
  _ : 24,
  volume_serial_number : 64 : littleendian,
  checksum : 32 : littleendian,
  _ : 3408,
  end_of_sector_marker : 16 : littleendian
`);

/** NTFS_RECORD: the multi-sector-protected header shared by FILE and INDX records. */
export const NTFS_RECORD = bitmatch(`
  magic : 32 : littleendian,
  usa_ofs : 16 : littleendian,
  usa_count : 16 : littleendian
`);

/** MFT_RECORD (NTFS 3.1 form, 0x30 bytes), read after the fixups are applied. */
export const MFT_RECORD = bitmatch(`
  magic : 32 : littleendian,
  usa_ofs : 16 : littleendian,
  usa_count : 16 : littleendian,
  lsn : 64 : littleendian,
  sequence_number : 16 : littleendian,
  link_count : 16 : littleendian,
  attrs_offset : 16 : littleendian,
  flags : 16 : littleendian,
  bytes_in_use : 32 : littleendian,
  bytes_allocated : 32 : littleendian,
  base_mft_record : 64 : littleendian,
  next_attr_instance : 16 : littleendian,
  reserved : 16 : littleendian,
  mft_record_number : 32 : littleendian
`);

/** ATTR_RECORD common header (16 bytes); `type` alone (4 bytes) may be AT_END. */
export const ATTR_RECORD = bitmatch(`
  type : 32 : littleendian,
  length : 32 : littleendian,
  non_resident : 8,
  name_length : 8,
  name_offset : 16 : littleendian,
  flags : 16 : littleendian,
  instance : 16 : littleendian
`);

/** Resident part of ATTR_RECORD, at attribute offset 0x10. */
export const ATTR_RECORD_RESIDENT = bitmatch(`
  value_length : 32 : littleendian,
  value_offset : 16 : littleendian,
  resident_flags : 8,
  reservedR : 8
`);

/** Non-resident part of ATTR_RECORD, at attribute offset 0x10 (to initialized_size, 0x40 bytes total). */
export const ATTR_RECORD_NON_RESIDENT = bitmatch(`
  lowest_vcn : 64 : littleendian, signed,
  highest_vcn : 64 : littleendian, signed,
  mapping_pairs_offset : 16 : littleendian,
  compression_unit : 8,
  _ : 40,
  allocated_size : 64 : littleendian, signed,
  data_size : 64 : littleendian, signed,
  initialized_size : 64 : littleendian, signed
`);

/** ATTR_LIST_ENTRY: one entry of an $ATTRIBUTE_LIST value (0x1A bytes before the name). */
export const ATTR_LIST_ENTRY = bitmatch(`
  type : 32 : littleendian,
  length : 16 : littleendian,
  name_length : 8,
  name_offset : 8,
  lowest_vcn : 64 : littleendian, signed,
  mft_reference : 64 : littleendian,
  instance : 16 : littleendian
`);

// Constants from layout.h.
export const NTFS_BLOCK_SIZE = 512;
export const NTFS_MAX_CLUSTER_SIZE = 2097152; // include/ntfs-3g/param.h
export const magic_FILE = 0x454c4946; // "FILE"
export const magic_BAAD = 0x44414142; // "BAAD"
export const MFT_RECORD_IN_USE = 0x0001;

export const AT_STANDARD_INFORMATION = 0x10;
export const AT_ATTRIBUTE_LIST = 0x20;
export const AT_VOLUME_NAME = 0x60;
export const AT_DATA = 0x80;
export const AT_BITMAP = 0xb0;
export const AT_END = 0xffffffff;

export const ATTR_COMPRESSION_MASK = 0x00ff;
export const ATTR_IS_ENCRYPTED = 0x4000;
export const ATTR_IS_SPARSE = 0x8000;

/** System files (FILE_* in layout.h). */
export const FILE_MFT = 0;
export const FILE_Volume = 3;
export const FILE_Bitmap = 6;
export const SYSTEM_FILE_NAMES: Readonly<Record<number, string>> = {
  0: '$MFT', 1: '$MFTMirr', 2: '$LogFile', 3: '$Volume', 4: '$AttrDef', 5: 'root directory',
  6: '$Bitmap', 7: '$Boot', 8: '$BadClus', 9: '$Secure', 10: '$UpCase', 11: '$Extend',
};

/** s8 from an unsigned byte. */
export function asInt8(v: number): number {
  return (v << 24) >> 24;
}
