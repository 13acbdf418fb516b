// statfs(2) of an ext2/3/4 filesystem as linux fs/ext4/super.c ext4_statfs() computes it for a
// read-only mount with default options (bsddf): f_blocks excludes the metadata overhead, f_bfree and
// f_ffree are sums over the group descriptors (not the lazily updated superblock counters).
import { IntrospectError } from '../../core/errors.js';
import type { FilesystemStats } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { addGroupFree, decodeGroupDesc, type GroupCounts } from './group-descriptors.js';
import { descriptorBlock, extGeometry, metadataOverhead, type ExtGeometry } from './geometry.js';
import { INODE_HEAD_SIZE, inodeHead } from './inode.js';
import {
  COMPAT_HAS_JOURNAL,
  hasFeature,
  INCOMPAT_EXTENTS,
  rBlocksCount,
  readSuperBlock,
  superBlockError,
  type ExtSuperBlock,
} from './superblock.js';

/** Bytes per read when descriptor blocks are contiguous (bounded so a huge table is read in pieces). */
export const DESCRIPTOR_READ_CHUNK = 1 << 20;

export interface DescriptorTotals {
  freeBlocks: number;
  freeInodes: number;
}

/** Where a group-descriptor block lies, checked against the device. */
function descriptorBlockOffset(source: Source, sb: ExtSuperBlock, geo: ExtGeometry, nr: number, blocks: number): number {
  const block = descriptorBlock(sb, geo, nr);
  const offset = block * geo.blockSize;
  if (offset + blocks * geo.blockSize > source.size) {
    throw new IntrospectError({ file: source.name, structure: `ext group descriptor block ${nr}`, offset, reason: `block ${block} lies past the end of the device` });
  }
  return offset;
}

/**
 * Free blocks and inodes summed over every group descriptor, read from where descriptor_loc() puts them:
 * contiguous descriptor blocks in reads of at most DESCRIPTOR_READ_CHUNK bytes, nothing kept per group.
 */
export function sumGroupDescriptors(source: Source, sb: ExtSuperBlock, geo: ExtGeometry): DescriptorTotals {
  const totals: DescriptorTotals = { freeBlocks: 0, freeInodes: 0 };
  const blocksPerRead = Math.max(1, Math.floor(DESCRIPTOR_READ_CHUNK / geo.blockSize));
  let group = 0;
  for (let nr = 0; nr < geo.gdbCount; ) {
    const block = descriptorBlock(sb, geo, nr);
    let run = 1;
    while (run < blocksPerRead && nr + run < geo.gdbCount && descriptorBlock(sb, geo, nr + run) === block + run) run++;
    const offset = descriptorBlockOffset(source, sb, geo, nr, run);
    const bytes = source.read(offset, run * geo.blockSize, `ext group descriptor block ${nr}`);
    const count = Math.min(run * geo.descPerBlock, geo.groupCount - group);
    for (let i = 0; i < count; i++, group++) {
      if (!addGroupFree(bytes, i * geo.descSize, geo.descSize, totals)) {
        throw new IntrospectError({ file: source.name, structure: `ext group descriptor ${group}`, offset: offset + i * geo.descSize, reason: 'descriptor cannot be decoded' });
      }
    }
    nr += run;
  }
  return totals;
}

/** The descriptor of one group, read on its own. */
export function readGroupDescriptor(source: Source, sb: ExtSuperBlock, geo: ExtGeometry, group: number): GroupCounts {
  const nr = Math.floor(group / geo.descPerBlock);
  const offset = descriptorBlockOffset(source, sb, geo, nr, 1) + (group % geo.descPerBlock) * geo.descSize;
  const desc = decodeGroupDesc(source.read(offset, geo.descSize, `ext group descriptor ${group}`), 0, geo.descSize);
  if (!desc) throw new IntrospectError({ file: source.name, structure: `ext group descriptor ${group}`, offset, reason: 'descriptor cannot be decoded' });
  return desc;
}

/** i_size of an inode, read from its group's inode table. */
export function inodeSize(source: Source, sb: ExtSuperBlock, geo: ExtGeometry, ino: number): number {
  const group = Math.floor((ino - 1) / geo.inodesPerGroup);
  if (ino < 1 || group >= geo.groupCount) {
    throw new IntrospectError({ file: source.name, structure: `ext inode ${ino}`, reason: `inode number outside the ${geo.groupCount} groups` });
  }
  const index = (ino - 1) % geo.inodesPerGroup;
  const offset = readGroupDescriptor(source, sb, geo, group).inodeTable * geo.blockSize + index * geo.inodeSize;
  if (!Number.isSafeInteger(offset) || offset + INODE_HEAD_SIZE > source.size) {
    throw new IntrospectError({ file: source.name, structure: `ext inode ${ino}`, offset, reason: `inode table of group ${group} lies past the end of the device` });
  }
  const inode = inodeHead.parse(source.read(offset, INODE_HEAD_SIZE, `ext inode ${ino}`));
  return inode.i_size_high * 2 ** 32 + inode.i_size_lo;
}

/** The overhead in clusters, as ext4_fill_super settles it. */
export function extOverhead(source: Source, sb: ExtSuperBlock, geo: ExtGeometry): number {
  // With bigalloc the kernel trusts s_overhead_clusters unless it is 0 or larger than the filesystem.
  if (geo.bigalloc) {
    if (sb.s_overhead_clusters !== 0 && sb.s_overhead_clusters <= geo.blocksCount) return sb.s_overhead_clusters;
    throw superBlockError(source, 's_overhead_clusters', 'bigalloc filesystem without a usable s_overhead_clusters: the overhead needs the block bitmaps (not supported)', 1024 + 0x248);
  }
  let overhead = metadataOverhead(sb, geo);
  if (hasFeature(sb.s_feature_compat, COMPAT_HAS_JOURNAL) && sb.s_journal_inum !== 0) {
    const journalBlocks = Math.floor(inodeSize(source, sb, geo, sb.s_journal_inum) / geo.blockSize);
    overhead += Math.ceil(journalBlocks / 2 ** geo.clusterBits);
  }
  return overhead;
}

/** ext4_calculate_resv_clusters(): 2% (at most 4096 clusters) when extents are in use, else none. */
export function reservedClusters(sb: ExtSuperBlock, geo: ExtGeometry): number {
  if (!hasFeature(sb.s_feature_incompat, INCOMPAT_EXTENTS)) return 0;
  return Math.min(Math.floor(Math.floor(geo.blocksCount / 2 ** geo.clusterBits) / 50), 4096);
}

export function extStatfs(source: Source): FilesystemStats {
  const found = readSuperBlock(source);
  if (!found) {
    throw new IntrospectError({ file: source.name, structure: 'ext superblock', offset: 1024 + 0x38, reason: 'bad magic (not an ext2/3/4 superblock)' });
  }
  const { sb } = found;
  const geo = extGeometry(sb, source);
  // The overhead first: it is checked against the block count before the descriptor table is read.
  const overhead = extOverhead(source, sb, geo);
  const ratio = 2 ** geo.clusterBits;
  if (overhead * ratio > geo.blocksCount) {
    throw superBlockError(source, 's_blocks_count', `metadata overhead of ${overhead * ratio} blocks exceeds the ${geo.blocksCount} blocks of the filesystem`, 1024 + 0x04);
  }
  const { freeBlocks: freeClusters, freeInodes } = sumGroupDescriptors(source, sb, geo);
  const bfree = freeClusters * ratio;
  const reserved = rBlocksCount(sb) + reservedClusters(sb, geo) * ratio;
  return {
    blockSize: geo.blockSize,
    blocks: geo.blocksCount - overhead * ratio,
    bfree,
    bavail: Math.max(0, bfree - reserved),
    files: sb.s_inodes_count,
    ffree: freeInodes,
  };
}
