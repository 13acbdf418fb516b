// Block-group geometry and the metadata overhead the kernel subtracts from f_blocks ("bsddf"):
// linux fs/ext4/super.c (ext4_fill_super checks, ext4_calculate_overhead, count_overhead,
// descriptor_loc) and fs/ext4/balloc.c (ext4_bg_has_super, ext4_bg_num_gdb, ext4_num_base_meta_blocks).
import type { Source } from '../../core/source/source.js';
import {
  blocksCount,
  COMPAT_SPARSE_SUPER2,
  hasFeature,
  INCOMPAT_64BIT,
  INCOMPAT_META_BG,
  RO_COMPAT_BIGALLOC,
  RO_COMPAT_SPARSE_SUPER,
  superBlockError,
  type ExtSuperBlock,
} from './superblock.js';
import { revisionConstants } from './revision-profiles.js';

const EXT4_MAX_BLOCK_LOG_SIZE = 16;
const EXT4_MIN_DESC_SIZE_64BIT = 64;
const EXT4_MAX_DESC_SIZE = 1024;
/** Largest group descriptor table statfs reads (see extGeometry). */
export const MAX_DESCRIPTOR_TABLE_BYTES = 2 ** 30;

export interface ExtGeometry {
  blockSize: number;
  blockSizeBits: number;
  /** log2(blocks per cluster): 0 unless bigalloc. */
  clusterBits: number;
  blocksCount: number;
  firstDataBlock: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  inodeSize: number;
  groupCount: number;
  descSize: number;
  descPerBlock: number;
  /** Blocks holding the group descriptor table (s_gdb_count). */
  gdbCount: number;
  /** Inode-table blocks per group (s_itb_per_group). */
  itbPerGroup: number;
  metaBg: boolean;
  bigalloc: boolean;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Geometry of the filesystem, refusing what ext4_fill_super refuses (it would not mount). */
export function extGeometry(sb: ExtSuperBlock, source: Source): ExtGeometry {
  if (sb.s_log_block_size > EXT4_MAX_BLOCK_LOG_SIZE - 10) {
    throw superBlockError(source, 's_log_block_size', `invalid log block size ${sb.s_log_block_size}`, 1024 + 0x18);
  }
  const blockSizeBits = 10 + sb.s_log_block_size;
  const blockSize = 2 ** blockSizeBits;
  const bigalloc = hasFeature(sb.s_feature_ro_compat, RO_COMPAT_BIGALLOC);
  let clusterBits = 0;
  if (bigalloc) {
    if (sb.s_log_cluster_size < sb.s_log_block_size || sb.s_log_cluster_size > 30) {
      throw superBlockError(source, 's_log_cluster_size', `cluster size 2^${10 + sb.s_log_cluster_size} is smaller than the block size or too large`, 1024 + 0x1c);
    }
    clusterBits = sb.s_log_cluster_size - sb.s_log_block_size;
  }
  const rev = revisionConstants(sb.s_rev_level, sb.s_minor_rev_level);
  const inodeSize = rev.s_inode_size ?? sb.s_inode_size;
  if (inodeSize < 128 || inodeSize > blockSize || !isPowerOfTwo(inodeSize)) {
    throw superBlockError(source, 's_inode_size', `unsupported inode size ${inodeSize}`, 1024 + 0x58);
  }
  const blocksPerGroup = sb.s_blocks_per_group;
  if (blocksPerGroup === 0 || blocksPerGroup > blockSize * 8 * 2 ** clusterBits) {
    throw superBlockError(source, 's_blocks_per_group', `invalid blocks per group ${blocksPerGroup}`, 1024 + 0x20);
  }
  const inodesPerGroup = sb.s_inodes_per_group;
  const inodesPerBlock = blockSize / inodeSize;
  if (inodesPerGroup < inodesPerBlock || inodesPerGroup > blockSize * 8) {
    throw superBlockError(source, 's_inodes_per_group', `invalid inodes per group ${inodesPerGroup}`, 1024 + 0x28);
  }
  const is64 = hasFeature(sb.s_feature_incompat, INCOMPAT_64BIT);
  const descSize = is64 ? sb.s_desc_size : 32;
  if (is64 && (descSize < EXT4_MIN_DESC_SIZE_64BIT || descSize > EXT4_MAX_DESC_SIZE || !isPowerOfTwo(descSize))) {
    throw superBlockError(source, 's_desc_size', `unsupported descriptor size ${descSize}`, 1024 + 0xfe);
  }
  const total = blocksCount(sb);
  const firstDataBlock = sb.s_first_data_block;
  if (firstDataBlock >= total) {
    throw superBlockError(source, 's_first_data_block', `first data block ${firstDataBlock} is not below the block count ${total}`, 1024 + 0x14);
  }
  // "bad geometry: block count exceeds size of device": also bounds every loop below by the source size.
  const deviceBlocks = Math.floor(source.size / blockSize);
  if (total > deviceBlocks) {
    throw superBlockError(source, 's_blocks_count', `block count ${total} exceeds the size of the device (${deviceBlocks} blocks of ${blockSize} bytes): filesystem truncated`, 1024 + 0x04);
  }
  const groupCount = Math.ceil((total - firstDataBlock) / blocksPerGroup);
  if (groupCount * inodesPerGroup !== sb.s_inodes_count) {
    throw superBlockError(source, 's_inodes_count', `inode count ${sb.s_inodes_count} is not ${groupCount} groups x ${inodesPerGroup} inodes per group`, 1024);
  }
  const descPerBlock = blockSize / descSize;
  // ext4_check_geometry(): "groups count too large".
  if (groupCount > 2 ** 32 - descPerBlock) {
    throw superBlockError(source, 's_blocks_count', `${groupCount} block groups is more than ext4 allows (2^32 - ${descPerBlock})`, 1024 + 0x04);
  }
  const gdbCount = Math.ceil(groupCount / descPerBlock);
  const metaBg = hasFeature(sb.s_feature_incompat, INCOMPAT_META_BG);
  if (metaBg && sb.s_first_meta_bg > gdbCount) {
    throw superBlockError(source, 's_first_meta_bg', `first meta block group ${sb.s_first_meta_bg} is beyond the ${gdbCount} descriptor blocks`, 1024 + 0x104);
  }
  if (sb.s_reserved_gdt_blocks > blockSize / 4) {
    throw superBlockError(source, 's_reserved_gdt_blocks', `${sb.s_reserved_gdt_blocks} reserved GDT blocks is more than a block of pointers holds`, 1024 + 0xce);
  }
  // The primary descriptor table (and its reserve) follows the superblock in group 0; when group 1 holds a
  // backup superblock the table must end before it, or the two would share blocks. mke2fs switches to
  // meta_bg long before (e2fsprogs lib/ext2fs/initialize.c: at 3/4 of a group).
  const primaryTableBlocks = (metaBg ? sb.s_first_meta_bg : gdbCount) + sb.s_reserved_gdt_blocks;
  const logicalSbBlock = Math.floor(1024 / blockSize);
  const group1Super = firstDataBlock + blocksPerGroup;
  if (groupCount > 1 && groupHasSuper(sb, 1) && logicalSbBlock + primaryTableBlocks >= group1Super) {
    throw superBlockError(
      source,
      's_blocks_per_group',
      `the group descriptor table (${primaryTableBlocks} blocks for ${groupCount} groups of ${blocksPerGroup} blocks) runs into the backup superblock of group 1 at block ${group1Super}`,
      1024 + 0x20,
    );
  }
  // A work bound, not a kernel rule: statfs reads every descriptor. 1 GiB of descriptors is 2^24 groups of
  // 64 bytes, a 2 PiB filesystem at the default 4 KiB blocks and 32768 blocks per group.
  if (groupCount * descSize > MAX_DESCRIPTOR_TABLE_BYTES) {
    throw superBlockError(
      source,
      's_blocks_count',
      `${groupCount} block groups need a ${groupCount * descSize}-byte descriptor table, more than the ${MAX_DESCRIPTOR_TABLE_BYTES} bytes introspect reads`,
      1024 + 0x04,
    );
  }
  return {
    blockSize,
    blockSizeBits,
    clusterBits,
    blocksCount: total,
    firstDataBlock,
    blocksPerGroup,
    inodesPerGroup,
    inodeSize,
    groupCount,
    descSize,
    descPerBlock,
    gdbCount,
    itbPerGroup: Math.floor(inodesPerGroup / inodesPerBlock),
    metaBg,
    bigalloc,
  };
}

/** test_root(): a is a power of b. */
function isPowerOf(a: number, b: number): boolean {
  for (;;) {
    if (a < b) return false;
    if (a === b) return true;
    if (a % b !== 0) return false;
    a /= b;
  }
}

/** ext4_bg_has_super(): does group g hold a superblock (backup) copy? */
export function groupHasSuper(sb: ExtSuperBlock, g: number): boolean {
  if (g === 0) return true;
  if (hasFeature(sb.s_feature_compat, COMPAT_SPARSE_SUPER2)) return g === sb.s_backup_bgs_0 || g === sb.s_backup_bgs_1;
  if (g <= 1 || !hasFeature(sb.s_feature_ro_compat, RO_COMPAT_SPARSE_SUPER)) return true;
  if ((g & 1) === 0) return false;
  return isPowerOf(g, 3) || isPowerOf(g, 5) || isPowerOf(g, 7);
}

/** ext4_num_base_meta_blocks(): superblock + descriptor blocks (+ reserved GDT blocks) in group g. */
export function baseMetaBlocks(sb: ExtSuperBlock, geo: ExtGeometry, g: number): number {
  const hasSuper = groupHasSuper(sb, g);
  let n = hasSuper ? 1 : 0;
  if (!geo.metaBg || g < sb.s_first_meta_bg * geo.descPerBlock) {
    if (hasSuper) n += (geo.metaBg ? sb.s_first_meta_bg : geo.gdbCount) + sb.s_reserved_gdt_blocks;
  } else {
    // ext4_bg_num_gdb_meta(): first, second and last group of each meta group hold its descriptor block.
    const first = Math.floor(g / geo.descPerBlock) * geo.descPerBlock;
    if (g === first || g === first + 1 || g === first + geo.descPerBlock - 1) n += 1;
  }
  return n;
}

/** ext4_calculate_overhead() without the journal: clusters of metadata, bigalloc excluded. */
export function metadataOverhead(sb: ExtSuperBlock, geo: ExtGeometry): number {
  let overhead = geo.firstDataBlock >> geo.clusterBits;
  for (let g = 0; g < geo.groupCount; g++) overhead += baseMetaBlocks(sb, geo, g) + geo.itbPerGroup + 2;
  return overhead;
}

/** descriptor_loc(): block number of group-descriptor block nr. */
export function descriptorBlock(sb: ExtSuperBlock, geo: ExtGeometry, nr: number): number {
  const logicalSbBlock = Math.floor(1024 / geo.blockSize);
  if (!geo.metaBg || nr < sb.s_first_meta_bg) return logicalSbBlock + nr + 1;
  const bg = geo.descPerBlock * nr;
  let hasSuper = groupHasSuper(sb, bg) ? 1 : 0;
  if (geo.blockSize === 1024 && nr === 0 && geo.firstDataBlock === 0) hasSuper++;
  return hasSuper + bg * geo.blocksPerGroup + geo.firstDataBlock;
}
