// Hostile group counts (fuzz regression ext-group-count, issue 9): a sparse image whose superblock claims
// millions of block groups must be summed in bounded reads, or refused with a located error.
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { MAX_DESCRIPTOR_TABLE_BYTES } from './geometry.js';
import { DESCRIPTOR_READ_CHUNK, extStatfs } from './statfs.js';
import { SUPERBLOCK_OFFSET } from './superblock.js';
import { buildExt, type ExtImageSpec } from './testing/build-ext.js';

/** A sparse file: the built bytes, then zeros up to `size`; counts what is read. */
class SparseSource implements Source {
  readonly name = 'sparse.img';
  bytesRead = 0;
  largestRead = 0;
  constructor(private readonly bytes: Uint8Array, readonly size: number) {}
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.size) throw new Error(`read past the end: ${offset}+${length}`);
    this.bytesRead += length;
    this.largestRead = Math.max(this.largestRead, length);
    const out = new Uint8Array(length);
    if (offset < this.bytes.length) out.set(this.bytes.subarray(offset, Math.min(offset + length, this.bytes.length)));
    return out;
  }
}

const BUILT_GROUPS = 16;
const free = Array.from({ length: BUILT_GROUPS }, (_, g) => ({ blocks: g % 8, inodes: (g * 3) % 8 }));

// 1 KiB blocks, 8 blocks and 8 inodes (one 128-byte inode-table block) per group, 32-byte descriptors.
const small: ExtImageSpec = {
  blockSize: 1024,
  blocksCount: 1 + BUILT_GROUPS * 8,
  blocksPerGroup: 8,
  inodesPerGroup: 8,
  inodeSize: 128,
  free,
  inodeTable0: 10,
};

/** The small image with a superblock claiming `groups` groups, on a source as large as that filesystem. */
function claiming(groups: number, spec: Partial<ExtImageSpec>): SparseSource {
  const bytes = buildExt({ ...small, ...spec });
  const view = new DataView(bytes.buffer);
  view.setUint32(SUPERBLOCK_OFFSET, groups * 8, true); // s_inodes_count = groups x s_inodes_per_group
  view.setUint32(SUPERBLOCK_OFFSET + 0x04, 1 + groups * 8, true); // s_blocks_count_lo
  return new SparseSource(bytes, (1 + groups * 8) * 1024);
}

const SPARSE_SUPER2 = 0x200;

describe('ext statfs with a huge claimed group count', () => {
  it('sums 2^20 descriptors in bounded reads, reading each descriptor block once', () => {
    const groups = 2 ** 20;
    // sparse_super2 without backups: only group 0 holds the superblock and the 32768-block descriptor table.
    const source = claiming(groups, { compat: SPARSE_SUPER2, backupBgs: [0, 0] });
    const stats = extStatfs(source);
    const gdbCount = (groups * 32) / 1024;
    // overhead = first data block + group 0 (superblock + table) + 3 blocks (two bitmaps, one inode-table block) per group.
    const overhead = 1 + 1 + gdbCount + 3 * groups;
    const bfree = free.reduce((n, f) => n + f.blocks, 0);
    expect(stats).toEqual({
      blockSize: 1024,
      blocks: 1 + groups * 8 - overhead,
      bfree,
      bavail: bfree,
      files: groups * 8,
      ffree: free.reduce((n, f) => n + f.inodes, 0),
    });
    expect(source.largestRead).toBeLessThanOrEqual(DESCRIPTOR_READ_CHUNK);
    // The descriptor table once, plus the superblock reads: nothing is read twice per group.
    expect(source.bytesRead).toBeLessThan(gdbCount * 1024 + 64 * 1024);
    expect(source.bytesRead).toBeGreaterThanOrEqual(gdbCount * 1024);
  });

  it('refuses the fuzz case (2^27 groups of 8 blocks, sparse_super) before reading descriptors, located', () => {
    const source = claiming(2 ** 27, { roCompat: 0x1 });
    const error = (() => {
      try {
        extStatfs(source);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(IntrospectError);
    expect((error as IntrospectError).message).toMatch(/s_blocks_per_group at offset 1056.*backup superblock of group 1/);
    expect(source.bytesRead).toBeLessThan(64 * 1024);
  });

  it('refuses a descriptor table past the read bound when no backup superblock catches it', () => {
    const groups = 2 ** 26; // 2 GiB of 32-byte descriptors, 512 GiB of 1 KiB blocks
    expect(groups * 32).toBeGreaterThan(MAX_DESCRIPTOR_TABLE_BYTES);
    const source = claiming(groups, { compat: SPARSE_SUPER2, backupBgs: [0, 0] });
    expect(() => extStatfs(source)).toThrow(/s_blocks_count at offset 1028.*2147483648-byte descriptor table/);
    expect(source.bytesRead).toBeLessThan(64 * 1024);
  });
});
