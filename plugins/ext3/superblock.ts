// ext2/3/4 superblock, as e2fsprogs lib/ext2fs/ext2_fs.h (struct ext2_super_block) lays it out:
// 1024 bytes at byte 1024 of the filesystem, every integer little-endian.
import { bitmatch } from '../../core/bitsyntax/index.js';
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';

export const SUPERBLOCK_OFFSET = 1024;
export const SUPERBLOCK_SIZE = 1024;
export const EXT_SUPER_MAGIC = 0xef53;
/** Byte offset of s_magic inside the superblock. */
export const S_MAGIC_OFFSET = 0x38;

/** The magic is a constant of the pattern: a superblock without 0xEF53 does not match. */
export const extSuperBlock = bitmatch(`
  s_inodes_count : 32 : littleendian,
  s_blocks_count_lo : 32 : littleendian,
  s_r_blocks_count_lo : 32 : littleendian,
  s_free_blocks_count_lo : 32 : littleendian,
  s_free_inodes_count : 32 : littleendian,
  s_first_data_block : 32 : littleendian,
  s_log_block_size : 32 : littleendian,
  s_log_cluster_size : 32 : littleendian,
  s_blocks_per_group : 32 : littleendian,
  s_clusters_per_group : 32 : littleendian,
  s_inodes_per_group : 32 : littleendian,
  s_mtime : 32 : littleendian,
  s_wtime : 32 : littleendian,
  s_mnt_count : 16 : littleendian,
  s_max_mnt_count : 16 : littleendian,
  0xEF53 : 16 : littleendian,
  s_state : 16 : littleendian,
  s_errors : 16 : littleendian,
  s_minor_rev_level : 16 : littleendian,
  s_lastcheck : 32 : littleendian,
  s_checkinterval : 32 : littleendian,
  s_creator_os : 32 : littleendian,
  s_rev_level : 32 : littleendian,
  s_def_resuid : 16 : littleendian,
  s_def_resgid : 16 : littleendian,
  s_first_ino : 32 : littleendian,
  s_inode_size : 16 : littleendian,
  s_block_group_nr : 16 : littleendian,
  s_feature_compat : 32 : littleendian,
  s_feature_incompat : 32 : littleendian,
  s_feature_ro_compat : 32 : littleendian,
  s_uuid : 128 : bitstring,
  s_volume_name : 128 : bitstring,
  _ : 512,
  s_algorithm_usage_bitmap : 32 : littleendian,
  s_prealloc_blocks : 8,
  s_prealloc_dir_blocks : 8,
  s_reserved_gdt_blocks : 16 : littleendian,
  _ : 128,
  s_journal_inum : 32 : littleendian,
  s_journal_dev : 32 : littleendian,
  s_last_orphan : 32 : littleendian,
  _ : 128,
  s_def_hash_version : 8,
  s_jnl_backup_type : 8,
  s_desc_size : 16 : littleendian,
  s_default_mount_opts : 32 : littleendian,
  s_first_meta_bg : 32 : littleendian,
  s_mkfs_time : 32 : littleendian,
  _ : 544,
  s_blocks_count_hi : 32 : littleendian,
  s_r_blocks_count_hi : 32 : littleendian,
  s_free_blocks_count_hi : 32 : littleendian,
  s_min_extra_isize : 16 : littleendian,
  s_want_extra_isize : 16 : littleendian,
  s_flags : 32 : littleendian,
  _ : 1824,
  s_overhead_clusters : 32 : littleendian,
  s_backup_bgs_0 : 32 : littleendian,
  s_backup_bgs_1 : 32 : littleendian,
  _ : 3392,
  s_checksum : 32 : littleendian
`);

export type ExtSuperBlock = NonNullable<ReturnType<typeof extSuperBlock.match>>;

// Feature bits (ext2_fs.h EXT2_FEATURE_* / EXT3_FEATURE_* / EXT4_FEATURE_*).
export const COMPAT_HAS_JOURNAL = 0x0004;
export const COMPAT_SPARSE_SUPER2 = 0x0200;
export const INCOMPAT_FILETYPE = 0x0002;
export const INCOMPAT_RECOVER = 0x0004;
export const INCOMPAT_JOURNAL_DEV = 0x0008;
export const INCOMPAT_META_BG = 0x0010;
export const INCOMPAT_EXTENTS = 0x0040;
export const INCOMPAT_64BIT = 0x0080;
export const RO_COMPAT_SPARSE_SUPER = 0x0001;
export const RO_COMPAT_LARGE_FILE = 0x0002;
export const RO_COMPAT_BTREE_DIR = 0x0004;
export const RO_COMPAT_BIGALLOC = 0x0200;
export const RO_COMPAT_METADATA_CSUM = 0x0400;
/** s_flags: "test filesystem", ext4dev in blkid. */
export const FLAGS_TEST_FILESYS = 0x0004;

/** Read the primary superblock; undefined when the source is too small or the magic is wrong. */
export function readSuperBlock(source: Source): { sb: ExtSuperBlock; raw: Uint8Array } | undefined {
  if (source.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) return undefined;
  const raw = source.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, 'ext superblock');
  const sb = extSuperBlock.match(raw);
  return sb ? { sb, raw } : undefined;
}

export function hasFeature(field: number, bit: number): boolean {
  return (field & bit) !== 0;
}

/** ext4_blocks_count(): the high half counts only with the 64bit feature. */
export function blocksCount(sb: ExtSuperBlock): number {
  return combine(sb.s_blocks_count_lo, sb.s_blocks_count_hi, sb);
}

export function rBlocksCount(sb: ExtSuperBlock): number {
  return combine(sb.s_r_blocks_count_lo, sb.s_r_blocks_count_hi, sb);
}

function combine(lo: number, hi: number, sb: ExtSuperBlock): number {
  if (!hasFeature(sb.s_feature_incompat, INCOMPAT_64BIT) || hi === 0) return lo;
  return hi * 2 ** 32 + lo;
}

/** blkid's UUID text: 8-4-4-4-12 lower-case hex; undefined for the all-zero UUID (blkid sets none). */
export function formatUuid(bytes: Uint8Array): string | undefined {
  if (bytes.every((b) => b === 0)) return undefined;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A NUL-padded label field as UTF-8 text; undefined when empty (blkid sets no LABEL). */
export function decodeLabel(bytes: Uint8Array): string | undefined {
  const end = bytes.indexOf(0);
  const text = new TextDecoder('utf-8').decode(end < 0 ? bytes : bytes.subarray(0, end));
  return text === '' ? undefined : text;
}

export function superBlockError(source: Source, field: string, reason: string, offset = SUPERBLOCK_OFFSET): IntrospectError {
  return new IntrospectError({ file: source.name, structure: `ext superblock ${field}`, offset, reason });
}
