// statfs(2) of an ext2/3/4 filesystem as linux fs/ext4/super.c ext4_statfs() computes it for a
// read-only mount with default options (bsddf): f_blocks excludes the metadata overhead, f_bfree and
// f_ffree are sums over the group descriptors (not the lazily updated superblock counters).
import { IntrospectError } from '../../core/errors.js';
import type { FilesystemStats } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { decodeGroupDesc, type GroupCounts } from './group-descriptors.js';
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
const DESCRIPTOR_READ_CHUNK = 1 << 20;

/** Every group descriptor, read from where descriptor_loc() puts them (contiguous runs in one read). */
export function readGroupDescriptors(source: Source, sb: ExtSuperBlock, geo: ExtGeometry): GroupCounts[] {
  const groups: GroupCounts[] = [];
  const blocksPerRead = Math.max(1, Math.floor(DESCRIPTOR_READ_CHUNK / geo.blockSize));
  for (let nr = 0; nr < geo.gdbCount; ) {
    const block = descriptorBlock(sb, geo, nr);
    let run = 1;
    while (run < blocksPerRead && nr + run < geo.gdbCount && descriptorBlock(sb, geo, nr + run) === block + run) run++;
    const offset = block * geo.blockSize;
    const structure = `ext group descriptor block ${nr}`;
    if (offset + run * geo.blockSize > source.size) {
      throw new IntrospectError({ file: source.name, structure, offset, reason: `block ${block} lies past the end of the device` });
    }
    const bytes = source.read(offset, run * geo.blockSize, structure);
    const count = Math.min(run * geo.descPerBlock, geo.groupCount - groups.length);
    for (let i = 0; i < count; i++) {
      const desc = decodeGroupDesc(bytes, i * geo.descSize, geo.descSize);
      if (!desc) throw new IntrospectError({ file: source.name, structure: `ext group descriptor ${groups.length}`, offset: offset + i * geo.descSize, reason: 'descriptor cannot be decoded' });
      groups.push(desc);
    }
    nr += run;
  }
  return groups;
}

/** i_size of an inode, read from its group's inode table. */
export function inodeSize(source: Source, geo: ExtGeometry, groups: readonly GroupCounts[], ino: number): number {
  const group = Math.floor((ino - 1) / geo.inodesPerGroup);
  if (ino < 1 || group >= groups.length) {
    throw new IntrospectError({ file: source.name, structure: `ext inode ${ino}`, reason: `inode number outside the ${groups.length} groups` });
  }
  const index = (ino - 1) % geo.inodesPerGroup;
  const offset = groups[group].inodeTable * geo.blockSize + index * geo.inodeSize;
  if (!Number.isSafeInteger(offset) || offset + INODE_HEAD_SIZE > source.size) {
    throw new IntrospectError({ file: source.name, structure: `ext inode ${ino}`, offset, reason: `inode table of group ${group} lies past the end of the device` });
  }
  const inode = inodeHead.parse(source.read(offset, INODE_HEAD_SIZE, `ext inode ${ino}`));
  return inode.i_size_high * 2 ** 32 + inode.i_size_lo;
}

/** The overhead in clusters, as ext4_fill_super settles it. */
export function extOverhead(source: Source, sb: ExtSuperBlock, geo: ExtGeometry, groups: readonly GroupCounts[]): number {
  // With bigalloc the kernel trusts s_overhead_clusters unless it is 0 or larger than the filesystem.
  if (geo.bigalloc) {
    if (sb.s_overhead_clusters !== 0 && sb.s_overhead_clusters <= geo.blocksCount) return sb.s_overhead_clusters;
    throw superBlockError(source, 's_overhead_clusters', 'bigalloc filesystem without a usable s_overhead_clusters: the overhead needs the block bitmaps (not supported)', 1024 + 0x248);
  }
  let overhead = metadataOverhead(sb, geo);
  if (hasFeature(sb.s_feature_compat, COMPAT_HAS_JOURNAL) && sb.s_journal_inum !== 0) {
    const journalBlocks = Math.floor(inodeSize(source, geo, groups, sb.s_journal_inum) / geo.blockSize);
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
  const groups = readGroupDescriptors(source, sb, geo);
  const overhead = extOverhead(source, sb, geo, groups);
  const ratio = 2 ** geo.clusterBits;
  let freeClusters = 0;
  let freeInodes = 0;
  for (const g of groups) {
    freeClusters += g.freeBlocks;
    freeInodes += g.freeInodes;
  }
  if (overhead * ratio > geo.blocksCount) {
    throw superBlockError(source, 's_blocks_count', `metadata overhead of ${overhead * ratio} blocks exceeds the ${geo.blocksCount} blocks of the filesystem`, 1024 + 0x04);
  }
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
