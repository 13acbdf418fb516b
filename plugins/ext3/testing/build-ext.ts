// Builds small ext2/3/4 images in memory for unit tests, with the plugin's own bit-syntax patterns.
import { groupDesc32, groupDesc64 } from '../group-descriptors.js';
import { inodeHead } from '../inode.js';
import { extSuperBlock, SUPERBLOCK_OFFSET } from '../superblock.js';

export interface ExtImageSpec {
  blockSize: number;
  blocksCount: number;
  blocksPerGroup: number;
  inodesPerGroup: number;
  inodeSize?: number;
  revLevel?: number;
  compat?: number;
  incompat?: number;
  roCompat?: number;
  descSize?: number;
  reservedGdtBlocks?: number;
  rBlocksCount?: number;
  firstMetaBg?: number;
  backupBgs?: [number, number];
  overheadClusters?: number;
  logClusterSize?: number;
  flags?: number;
  label?: string;
  uuid?: number[];
  journalInum?: number;
  journalSize?: number;
  /** Per group: free blocks and free inodes. */
  free: { blocks: number; inodes: number }[];
  /** Where each group's descriptors go: block numbers of descriptor blocks (defaults to after the superblock). */
  descriptorBlocks?: number[];
  /** Inode table block of group 0 (the others are not read). */
  inodeTable0: number;
}

/**
 * A small ext4 (1 KiB blocks, four groups, 64-bit descriptors, sparse_super, a journal inode) whose
 * figures ext3.test.ts works out by hand; other tests reuse it with their own label.
 */
export const ext4OneKSpec: ExtImageSpec = {
  blockSize: 1024,
  blocksCount: 4096,
  blocksPerGroup: 1024,
  inodesPerGroup: 256,
  inodeSize: 256,
  compat: 0x4, // has_journal
  incompat: 0x2 | 0x40 | 0x80, // filetype, extents, 64bit
  roCompat: 0x1, // sparse_super
  descSize: 64,
  reservedGdtBlocks: 15,
  rBlocksCount: 204,
  journalInum: 8,
  journalSize: 256 * 1024,
  label: 'bare-ext4-64',
  free: [
    { blocks: 100, inodes: 10 },
    { blocks: 200, inodes: 20 },
    { blocks: 300, inodes: 30 },
    { blocks: 400, inodes: 40 },
  ],
  inodeTable0: 50,
};

export function buildExt(spec: ExtImageSpec): Uint8Array {
  const bs = spec.blockSize;
  const image = new Uint8Array(spec.blocksCount * bs);
  const logBs = Math.log2(bs) - 10;
  const groups = spec.free.length;
  const is64 = ((spec.incompat ?? 0) & 0x80) !== 0;
  const descSize = is64 ? (spec.descSize ?? 64) : 32;
  const label = new Uint8Array(16);
  label.set(new TextEncoder().encode(spec.label ?? ''));
  const sb = extSuperBlock.build({
    s_inodes_count: groups * spec.inodesPerGroup,
    s_blocks_count_lo: spec.blocksCount,
    s_r_blocks_count_lo: spec.rBlocksCount ?? 0,
    s_free_blocks_count_lo: 0,
    s_free_inodes_count: 0,
    s_first_data_block: bs === 1024 ? 1 : 0,
    s_log_block_size: logBs,
    s_log_cluster_size: spec.logClusterSize ?? logBs,
    s_blocks_per_group: spec.blocksPerGroup,
    s_clusters_per_group: spec.blocksPerGroup,
    s_inodes_per_group: spec.inodesPerGroup,
    s_mtime: 0,
    s_wtime: 0,
    s_mnt_count: 0,
    s_max_mnt_count: 0xffff,
    s_state: 1,
    s_errors: 1,
    s_minor_rev_level: 0,
    s_lastcheck: 0,
    s_checkinterval: 0,
    s_creator_os: 0,
    s_rev_level: spec.revLevel ?? 1,
    s_def_resuid: 0,
    s_def_resgid: 0,
    s_first_ino: 11,
    s_inode_size: spec.inodeSize ?? 256,
    s_block_group_nr: 0,
    s_feature_compat: spec.compat ?? 0,
    s_feature_incompat: spec.incompat ?? 0,
    s_feature_ro_compat: spec.roCompat ?? 0,
    s_uuid: new Uint8Array(spec.uuid ?? [0xc0, 0xe3, 0, 5, 0, 1, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1]),
    s_volume_name: label,
    s_algorithm_usage_bitmap: 0,
    s_prealloc_blocks: 0,
    s_prealloc_dir_blocks: 0,
    s_reserved_gdt_blocks: spec.reservedGdtBlocks ?? 0,
    s_journal_inum: spec.journalInum ?? 0,
    s_journal_dev: 0,
    s_last_orphan: 0,
    s_def_hash_version: 0,
    s_jnl_backup_type: 0,
    s_desc_size: is64 ? descSize : 0,
    s_default_mount_opts: 0,
    s_first_meta_bg: spec.firstMetaBg ?? 0,
    s_mkfs_time: 0,
    s_blocks_count_hi: 0,
    s_r_blocks_count_hi: 0,
    s_free_blocks_count_hi: 0,
    s_min_extra_isize: 0,
    s_want_extra_isize: 0,
    s_flags: spec.flags ?? 0,
    s_overhead_clusters: spec.overheadClusters ?? 0,
    s_backup_bgs_0: spec.backupBgs?.[0] ?? 0,
    s_backup_bgs_1: spec.backupBgs?.[1] ?? 0,
    s_checksum: 0,
  });
  image.set(sb, SUPERBLOCK_OFFSET);
  const descPerBlock = bs / descSize;
  const firstGdb = Math.floor(1024 / bs) + 1;
  for (let g = 0; g < groups; g++) {
    const nr = Math.floor(g / descPerBlock);
    const block = spec.descriptorBlocks?.[nr] ?? firstGdb + nr;
    const offset = block * bs + (g % descPerBlock) * descSize;
    const { blocks, inodes } = spec.free[g];
    const common = {
      bg_block_bitmap_lo: 0,
      bg_inode_bitmap_lo: 0,
      bg_inode_table_lo: g === 0 ? spec.inodeTable0 : 0,
      bg_free_blocks_count_lo: blocks & 0xffff,
      bg_free_inodes_count_lo: inodes & 0xffff,
      bg_used_dirs_count_lo: 0,
      bg_flags: 0,
      bg_exclude_bitmap_lo: 0,
      bg_block_bitmap_csum_lo: 0,
      bg_inode_bitmap_csum_lo: 0,
      bg_itable_unused_lo: 0,
      bg_checksum: 0,
    };
    const bytes = descSize >= 64
      ? groupDesc64.build({
          ...common,
          bg_block_bitmap_hi: 0,
          bg_inode_bitmap_hi: 0,
          bg_inode_table_hi: 0,
          bg_free_blocks_count_hi: Math.floor(blocks / 0x10000),
          bg_free_inodes_count_hi: Math.floor(inodes / 0x10000),
          bg_used_dirs_count_hi: 0,
          bg_itable_unused_hi: 0,
          bg_exclude_bitmap_hi: 0,
          bg_block_bitmap_csum_hi: 0,
          bg_inode_bitmap_csum_hi: 0,
        })
      : groupDesc32.build(common);
    image.set(bytes, offset);
  }
  if (spec.journalInum) {
    const inodeSize = (spec.revLevel ?? 1) === 0 ? 128 : (spec.inodeSize ?? 256);
    const size = spec.journalSize ?? 0;
    const inode = inodeHead.build({
      i_mode: 0o100600,
      i_uid: 0,
      i_size_lo: size % 2 ** 32,
      i_atime: 0,
      i_ctime: 0,
      i_mtime: 0,
      i_dtime: 0,
      i_gid: 0,
      i_links_count: 1,
      i_blocks_lo: 0,
      i_flags: 0x80000,
      i_osd1: 0,
      i_generation: 0,
      i_file_acl_lo: 0,
      i_size_high: Math.floor(size / 2 ** 32),
    });
    image.set(inode, spec.inodeTable0 * bs + (spec.journalInum - 1) * inodeSize);
  }
  return image;
}
