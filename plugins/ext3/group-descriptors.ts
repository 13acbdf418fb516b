// ext4 block group descriptors (e2fsprogs lib/ext2fs/ext2_fs.h struct ext2_group_desc / ext4_group_desc):
// 32 bytes, or s_desc_size (>= 64) bytes with the 64bit feature, whose second half holds the high words.
import { bitmatch } from '../../core/bitsyntax/index.js';

export const groupDesc32 = bitmatch(`
  bg_block_bitmap_lo : 32 : littleendian,
  bg_inode_bitmap_lo : 32 : littleendian,
  bg_inode_table_lo : 32 : littleendian,
  bg_free_blocks_count_lo : 16 : littleendian,
  bg_free_inodes_count_lo : 16 : littleendian,
  bg_used_dirs_count_lo : 16 : littleendian,
  bg_flags : 16 : littleendian,
  bg_exclude_bitmap_lo : 32 : littleendian,
  bg_block_bitmap_csum_lo : 16 : littleendian,
  bg_inode_bitmap_csum_lo : 16 : littleendian,
  bg_itable_unused_lo : 16 : littleendian,
  bg_checksum : 16 : littleendian
`);

/** The 64-byte form: the 32-byte descriptor, then the high words. */
export const groupDesc64 = bitmatch(
  `
  { :ext2_group_desc },
  bg_block_bitmap_hi : 32 : littleendian,
  bg_inode_bitmap_hi : 32 : littleendian,
  bg_inode_table_hi : 32 : littleendian,
  bg_free_blocks_count_hi : 16 : littleendian,
  bg_free_inodes_count_hi : 16 : littleendian,
  bg_used_dirs_count_hi : 16 : littleendian,
  bg_itable_unused_hi : 16 : littleendian,
  bg_exclude_bitmap_hi : 32 : littleendian,
  bg_block_bitmap_csum_hi : 16 : littleendian,
  bg_inode_bitmap_csum_hi : 16 : littleendian,
  _ : 32
`,
  { ext2_group_desc: groupDesc32 },
);

/** The fields statfs needs, with the high words folded in (ext4_free_group_clusters() and friends). */
export interface GroupCounts {
  inodeTable: number;
  freeBlocks: number;
  freeInodes: number;
}

export function decodeGroupDesc(bytes: Uint8Array, offset: number, descSize: number): GroupCounts | undefined {
  if (descSize >= 64) {
    const d = groupDesc64.match(bytes, offset);
    if (!d) return undefined;
    return {
      inodeTable: d.bg_inode_table_hi * 2 ** 32 + d.bg_inode_table_lo,
      freeBlocks: d.bg_free_blocks_count_hi * 0x10000 + d.bg_free_blocks_count_lo,
      freeInodes: d.bg_free_inodes_count_hi * 0x10000 + d.bg_free_inodes_count_lo,
    };
  }
  const d = groupDesc32.match(bytes, offset);
  if (!d) return undefined;
  return { inodeTable: d.bg_inode_table_lo, freeBlocks: d.bg_free_blocks_count_lo, freeInodes: d.bg_free_inodes_count_lo };
}

// Only the free counters (same offsets as above), for summing a whole table without decoding every field.
const groupFree32 = bitmatch(`
  _ : 96,
  bg_free_blocks_count_lo : 16 : littleendian,
  bg_free_inodes_count_lo : 16 : littleendian
`);

const groupFree64 = bitmatch(`
  _ : 96,
  bg_free_blocks_count_lo : 16 : littleendian,
  bg_free_inodes_count_lo : 16 : littleendian,
  _ : 224,
  bg_free_blocks_count_hi : 16 : littleendian,
  bg_free_inodes_count_hi : 16 : littleendian
`);

/** Free blocks and inodes of one descriptor, added into totals; false when it cannot be decoded. */
export function addGroupFree(bytes: Uint8Array, offset: number, descSize: number, totals: { freeBlocks: number; freeInodes: number }): boolean {
  if (descSize >= 64) {
    const d = groupFree64.match(bytes, offset);
    if (!d) return false;
    totals.freeBlocks += d.bg_free_blocks_count_hi * 0x10000 + d.bg_free_blocks_count_lo;
    totals.freeInodes += d.bg_free_inodes_count_hi * 0x10000 + d.bg_free_inodes_count_lo;
    return true;
  }
  const d = groupFree32.match(bytes, offset);
  if (!d) return false;
  totals.freeBlocks += d.bg_free_blocks_count_lo;
  totals.freeInodes += d.bg_free_inodes_count_lo;
  return true;
}
