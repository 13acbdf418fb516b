import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../core/errors.js';
import { BytesSource } from '../../core/source/derived-sources.js';
import { crc32cRaw } from './crc32c.js';
import { detectExt, extTypeOf } from './detect.js';
import { extStatfs } from './statfs.js';
import { extSuperBlock, SUPERBLOCK_OFFSET } from './superblock.js';
import { buildExt, ext4OneKSpec, type ExtImageSpec } from './testing/build-ext.js';

const source = (bytes: Uint8Array, name = 'test.img'): BytesSource => new BytesSource(name, bytes);

// Expected figures below are worked out by hand from ext4_calculate_overhead()'s rules, group by group.

describe('ext statfs (ext4_statfs, bsddf)', () => {
  it('ext4, 1 KiB blocks, 64-byte descriptors, sparse_super, journal inode', () => {
    // groups 0,1,3 hold a superblock: 1 + 1 gdb + 15 reserved; every group 64 inode-table blocks + 2 bitmaps.
    // overhead = 1 (first data block) + 83 + 83 + 66 + 83 + 256 (journal) = 572.
    const stats = extStatfs(source(buildExt(ext4OneKSpec)));
    // bavail = 1000 - 204 reserved - min(4096/50, 4096) = 715.
    expect(stats).toEqual({ blockSize: 1024, blocks: 4096 - 572, bfree: 1000, bavail: 715, files: 1024, ffree: 100 });
  });

  it('ext3, 4 KiB blocks, 32-byte descriptors, no sparse_super: no extent reserve', () => {
    const spec: ExtImageSpec = {
      blockSize: 4096,
      blocksCount: 3000,
      blocksPerGroup: 1000,
      inodesPerGroup: 128,
      inodeSize: 128,
      compat: 0x4,
      incompat: 0x2,
      reservedGdtBlocks: 2,
      rBlocksCount: 150,
      journalInum: 8,
      journalSize: 40 * 4096,
      free: [
        { blocks: 500, inodes: 100 },
        { blocks: 600, inodes: 110 },
        { blocks: 700, inodes: 120 },
      ],
      inodeTable0: 10,
    };
    // 3 groups x (1 + 1 + 2 + 4 + 2) = 30, + 40 journal blocks.
    expect(extStatfs(source(buildExt(spec)))).toEqual({ blockSize: 4096, blocks: 2930, bfree: 1800, bavail: 1650, files: 384, ffree: 330 });
    expect(detectExt(source(buildExt(spec))).content?.type).toBe('ext3');
  });

  it('revision 0: inode size comes from the ext-rev0 profile (128), not the superblock field', () => {
    const spec: ExtImageSpec = {
      blockSize: 1024,
      blocksCount: 2048,
      blocksPerGroup: 1024,
      inodesPerGroup: 64,
      inodeSize: 256, // ignored for rev 0
      revLevel: 0,
      rBlocksCount: 100,
      free: [
        { blocks: 300, inodes: 50 },
        { blocks: 400, inodes: 60 },
      ],
      inodeTable0: 5,
    };
    // itb = 64 / (1024 / 128) = 8; overhead = 1 + 2 x (1 + 1 + 8 + 2) = 25.
    expect(extStatfs(source(buildExt(spec)))).toEqual({ blockSize: 1024, blocks: 2023, bfree: 700, bavail: 600, files: 128, ffree: 110 });
  });

  it('meta_bg: descriptor blocks in the first, second and last group of each meta group', () => {
    const groups = 70;
    const spec: ExtImageSpec = {
      blockSize: 1024,
      blocksCount: 1 + groups * 128,
      blocksPerGroup: 128,
      inodesPerGroup: 16,
      inodeSize: 128,
      incompat: 0x10,
      roCompat: 0x1,
      firstMetaBg: 1,
      free: Array.from({ length: groups }, () => ({ blocks: 10, inodes: 5 })),
      // descriptor_loc(): nr 0 after the superblock; nr 1 at group 32 (no backup there) + 1; nr 2 at group 64 + 1.
      descriptorBlocks: [2, 32 * 128 + 1, 64 * 128 + 1],
      inodeTable0: 20,
    };
    // groups < 32: 8 with a superblock (0,1,3,5,7,9,25,27) x (1 + first_meta_bg); groups >= 32: group 49
    // has a superblock, groups 32, 33, 63, 64, 65 a descriptor block; 70 x (2 + 2); + 1.
    const overhead = 1 + 16 + 6 + 280;
    expect(extStatfs(source(buildExt(spec)))).toEqual({ blockSize: 1024, blocks: spec.blocksCount - overhead, bfree: 700, bavail: 700, files: 1120, ffree: 350 });
  });

  it('sparse_super2: only the groups named in s_backup_bgs hold backups', () => {
    const spec: ExtImageSpec = {
      blockSize: 4096,
      blocksCount: 5120,
      blocksPerGroup: 1024,
      inodesPerGroup: 32,
      inodeSize: 256,
      compat: 0x200,
      roCompat: 0x1,
      backupBgs: [1, 4],
      reservedGdtBlocks: 3,
      free: Array.from({ length: 5 }, () => ({ blocks: 1, inodes: 1 })),
      inodeTable0: 8,
    };
    // groups 0, 1, 4: 1 + 1 + 3; every group: 2 + 2.
    expect(extStatfs(source(buildExt(spec))).blocks).toBe(5120 - 35);
  });

  it('bigalloc: s_overhead_clusters is trusted, figures are in blocks', () => {
    const spec: ExtImageSpec = {
      blockSize: 4096,
      blocksCount: 16384,
      blocksPerGroup: 16384,
      inodesPerGroup: 64,
      inodeSize: 256,
      incompat: 0x40,
      roCompat: 0x200 | 0x1,
      logClusterSize: 6,
      overheadClusters: 20,
      rBlocksCount: 800,
      free: [{ blocks: 500, inodes: 7 }],
      inodeTable0: 100,
    };
    // 16 blocks per cluster; reserve min((16384 >> 4) / 50, 4096) = 20 clusters.
    expect(extStatfs(source(buildExt(spec)))).toEqual({ blockSize: 4096, blocks: 16384 - 320, bfree: 8000, bavail: 8000 - 800 - 320, files: 64, ffree: 7 });
    const noOverhead = buildExt({ ...spec, overheadClusters: 0 });
    expect(() => extStatfs(source(noOverhead))).toThrow(/s_overhead_clusters/);
  });

  it('64-byte descriptors: high halves of the free counts are added', () => {
    const spec: ExtImageSpec = {
      ...ext4OneKSpec,
      blocksCount: 1 + 2 * 8192,
      blocksPerGroup: 8192,
      inodesPerGroup: 8192,
      free: [
        { blocks: 70000, inodes: 65540 },
        { blocks: 1, inodes: 1 },
      ],
    };
    const stats = extStatfs(source(buildExt(spec)));
    expect(stats.bfree).toBe(70001);
    expect(stats.ffree).toBe(65541);
  });

  it('refuses a filesystem larger than its device, naming the field', () => {
    const bytes = buildExt(ext4OneKSpec).subarray(0, 2048 * 1024);
    let error: unknown;
    try {
      extStatfs(source(bytes, 'cut.img'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntrospectError);
    expect((error as IntrospectError).file).toBe('cut.img');
    expect((error as IntrospectError).reason).toMatch(/block count 4096 exceeds the size of the device \(2048 blocks/);
  });

  it('refuses an impossible geometry instead of looping', () => {
    const bytes = buildExt(ext4OneKSpec);
    const view = new DataView(bytes.buffer);
    view.setUint32(SUPERBLOCK_OFFSET + 0x20, 0, true); // s_blocks_per_group = 0
    expect(() => extStatfs(source(bytes))).toThrow(/blocks per group/);
    const bytes2 = buildExt(ext4OneKSpec);
    new DataView(bytes2.buffer).setUint32(SUPERBLOCK_OFFSET, 12345, true); // s_inodes_count
    expect(() => extStatfs(source(bytes2))).toThrow(/inode count 12345/);
  });
});

describe('ext detection (blkid ext.c)', () => {
  const sbWith = (compat: number, incompat: number, roCompat: number, flags = 0) =>
    extSuperBlock.parse(buildExt({ ...ext4OneKSpec, compat, incompat, roCompat, flags }).subarray(SUPERBLOCK_OFFSET, SUPERBLOCK_OFFSET + 1024));

  it.each([
    ['ext2', 0, 0x2, 0x1 | 0x2],
    ['ext3', 0x4, 0x2, 0x1],
    ['ext3', 0x4, 0x2 | 0x4, 0x1], // needs_recovery is still ext3
    ['ext4', 0x4, 0x2 | 0x40, 0x1],
    ['ext4', 0, 0x40, 0], // extents without a journal
    ['ext4', 0x4, 0x2, 0x400], // metadata_csum alone
    ['jbd', 0, 0x8, 0],
    [undefined, 0, 0x4, 0], // needs_recovery without a journal: no prober accepts it
  ])('%s for compat %s incompat %s ro_compat %s', (type, compat, incompat, roCompat) => {
    expect(extTypeOf(sbWith(compat as number, incompat as number, roCompat as number))).toBe(type);
  });

  it('ext4dev when the test-filesystem flag is set', () => {
    expect(extTypeOf(sbWith(0x4, 0x40, 0, 0x4))).toBe('ext4dev');
  });

  it('label and UUID as blkid prints them', () => {
    const { content } = detectExt(source(buildExt(ext4OneKSpec)));
    expect(content).toEqual({ type: 'ext4', plugin: 'ext3', role: 'filesystem', label: 'bare-ext4-64', uuid: 'c0e30005-0001-4000-8000-000000000001' });
  });

  it('no label and no UUID when both are empty', () => {
    const { content } = detectExt(source(buildExt({ ...ext4OneKSpec, label: '', uuid: new Array(16).fill(0) })));
    expect(content?.label).toBeUndefined();
    expect(content?.uuid).toBeUndefined();
  });

  it('bad magic: not detected', () => {
    const bytes = buildExt(ext4OneKSpec);
    bytes[SUPERBLOCK_OFFSET + 0x38] = 0;
    bytes[SUPERBLOCK_OFFSET + 0x39] = 0;
    const result = detectExt(source(bytes));
    expect(result.content).toBeUndefined();
    expect(() => extStatfs(source(bytes))).toThrow(/bad magic/);
  });

  it('bad magic with an intact backup superblock: not detected, an error naming the bad magic and the backup', () => {
    const spec: ExtImageSpec = { ...ext4OneKSpec, blocksCount: 1 + 2 * 8192, blocksPerGroup: 8192, inodesPerGroup: 1024, free: [{ blocks: 1, inodes: 1 }, { blocks: 1, inodes: 1 }] };
    const bytes = buildExt(spec);
    const backup = bytes.slice(SUPERBLOCK_OFFSET, SUPERBLOCK_OFFSET + 1024);
    backup[0x5a] = 1; // s_block_group_nr
    bytes.set(backup, 8193 * 1024);
    bytes[SUPERBLOCK_OFFSET + 0x38] = 0;
    bytes[SUPERBLOCK_OFFSET + 0x39] = 0;
    const result = detectExt(source(bytes));
    expect(result.content).toBeUndefined();
    expect(result.problem?.level).toBe('error');
    expect(result.problem?.error.reason).toMatch(/bad magic 0x0000.*backup superblock .* block 8193/);
  });

  it('metadata_csum: a wrong superblock checksum is an error, a right one is accepted', () => {
    const bytes = buildExt({ ...ext4OneKSpec, roCompat: 0x1 | 0x400 });
    const result = detectExt(source(bytes));
    expect(result.content).toBeUndefined();
    expect(result.problem?.level).toBe('error');
    expect(result.problem?.error.reason).toMatch(/checksum/);
    const crc = crc32cRaw(0xffffffff, bytes.subarray(SUPERBLOCK_OFFSET, SUPERBLOCK_OFFSET + 0x3fc));
    new DataView(bytes.buffer).setUint32(SUPERBLOCK_OFFSET + 0x3fc, crc, true);
    expect(detectExt(source(bytes)).content?.type).toBe('ext4');
  });

  it('crc32c matches the Castagnoli check value', () => {
    // CRC-32C("123456789") = 0xE3069283 with the usual final inversion.
    expect((crc32cRaw(0xffffffff, new TextEncoder().encode('123456789')) ^ 0xffffffff) >>> 0).toBe(0xe3069283);
  });
});

describe('ext revision profiles', () => {
  it('are shipped as semver-ranged filesystem profiles and chosen by s_rev_level', async () => {
    const { extRevisionProfiles, revisionConstants } = await import('./revision-profiles.js');
    expect(extRevisionProfiles().map((p) => [p.name, p.kind, p.versions])).toEqual([
      ['ext-rev0', 'filesystem', '>=0.0.0 <1.0.0'],
      ['ext-rev1', 'filesystem', '>=1.0.0 <2.0.0'],
    ]);
    expect(revisionConstants(0, 0)).toEqual({ s_first_ino: 11, s_inode_size: 128 });
    expect(revisionConstants(1, 0)).toEqual({});
  });
});

describe('ext mount-state warnings', () => {
  it('needs_recovery, pending orphans and the error state are warnings; the figures are still computed', async () => {
    const { Introspector } = await import('../../core/pipeline/introspector.js');
    const { ext3Plugin } = await import('./index.js');
    const bytes = buildExt({ ...ext4OneKSpec, incompat: (ext4OneKSpec.incompat ?? 0) | 0x4 });
    const view = new DataView(bytes.buffer);
    view.setUint32(SUPERBLOCK_OFFSET + 0xe8, 12, true); // s_last_orphan
    view.setUint16(SUPERBLOCK_OFFSET + 0x3a, 0x3, true); // s_state: valid | error
    const introspector = new Introspector().use(ext3Plugin);
    const node = { device: '/dev/sda', kind: 'disk' as const, source: source(bytes), depth: 0, content: detectExt(source(bytes)).content };
    const guest = { name: 'g', images: [], disks: [], nodes: [], volumeGroups: [], logicalVolumes: [], diagnostics: [] as { level: string; error: IntrospectError }[] };
    const session = { guest, introspector, addNode: () => node, report: (level: 'warning' | 'error', error: IntrospectError) => void guest.diagnostics.push({ level, error }) };
    expect(introspector.statfs(node, session as never)?.blocks).toBe(3524);
    expect(guest.diagnostics.map((d) => [d.level, d.error.structure])).toEqual([
      ['warning', 'ext superblock s_feature_incompat'],
      ['warning', 'ext superblock s_last_orphan'],
      ['warning', 'ext superblock s_state'],
    ]);
  });
});

describe('ext on damaged metadata', () => {
  it('random byte changes in the superblock and descriptors give figures or an IntrospectError, never another failure', () => {
    const bytes = buildExt(ext4OneKSpec);
    const src = source(bytes);
    let seed = 4242;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const saved: [number, number][] = [];
      for (let k = 0; k < 1 + (rnd() % 4); k++) {
        const offset = rnd() % 2 === 0 ? SUPERBLOCK_OFFSET + (rnd() % 1024) : 2048 + (rnd() % 256);
        saved.push([offset, bytes[offset]]);
        bytes[offset] = rnd() & 0xff;
      }
      for (const run of [() => detectExt(src), () => extStatfs(src)]) {
        try {
          run();
        } catch (error) {
          expect(error).toBeInstanceOf(IntrospectError);
          refused++;
        }
      }
      for (const [offset, value] of saved.reverse()) bytes[offset] = value;
    }
    expect(refused).toBeGreaterThan(0);
  });
});
