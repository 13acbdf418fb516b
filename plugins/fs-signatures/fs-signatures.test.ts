import { describe, expect, it } from 'vitest';
import { Introspector } from '../../core/pipeline/introspector.js';
import { BytesSource } from '../../core/source/derived-sources.js';
import { btrfsSuperBlock, BTRFS_SUPER_OFFSET, detectBtrfs } from './btrfs.js';
import { fsSignaturesPlugin } from './index.js';
import { detectIso9660, iso9660Statfs, isoPrimaryVolumeDescriptor, ISO_PVD_OFFSET } from './iso9660.js';
import { detectLuks, luksPhdr } from './luks.js';
import { detectSwap, swapHeaderV1 } from './swap.js';
import { detectVfat, fat32Bpb, fatBpb, fatExtendedBpb, fatSerialText, fatStatfs } from './vfat.js';
import { detectXfs, xfsDsb, xfsStatfs } from './xfs.js';

const src = (bytes: Uint8Array) => new BytesSource('t.img', bytes);
const ascii = (text: string, length: number) => {
  const b = new Uint8Array(length);
  b.set(new TextEncoder().encode(text));
  return b;
};
const UUID = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];

describe('swap', () => {
  const image = (signature: string, version = 1) => {
    const b = new Uint8Array(8192);
    b.set(swapHeaderV1.build({ version, last_page: 1, nr_badpages: 0, sws_uuid: new Uint8Array(UUID), sws_volume: ascii('myswap', 16) }), 1024);
    b.set(ascii(signature, 10), 4096 - 10);
    return b;
  };
  it('SWAPSPACE2 with label and UUID, as blkid reports the mkswap -L myswap -U ... area', () => {
    expect(detectSwap(src(image('SWAPSPACE2')))).toMatchObject({ type: 'swap', role: 'other', label: 'myswap', uuid: '01234567-89ab-cdef-0123-456789abcdef' });
  });
  it('a byte-swapped version is accepted; an unknown version is not', () => {
    expect(detectSwap(src(image('SWAPSPACE2', 0x01000000)))?.type).toBe('swap');
    expect(detectSwap(src(image('SWAPSPACE2', 7)))).toBeUndefined();
  });
  it('old SWAP-SPACE has neither label nor UUID', () => {
    const content = detectSwap(src(image('SWAP-SPACE')));
    expect(content?.type).toBe('swap');
    expect(content?.label).toBeUndefined();
    expect(content?.uuid).toBeUndefined();
  });
  it('nothing else is swap', () => {
    expect(detectSwap(src(new Uint8Array(8192)))).toBeUndefined();
  });
});

describe('LUKS', () => {
  const hdr = (version: number) => luksPhdr.build({ version, label: ascii('secret', 48), uuid: ascii('6a7b8c9d-0000-4000-8000-000000000001', 40) });
  it('LUKS1: uuid, no label', () => {
    expect(detectLuks(src(hdr(1)))).toMatchObject({ type: 'crypto_LUKS', role: 'other', uuid: '6a7b8c9d-0000-4000-8000-000000000001', label: undefined });
  });
  it('LUKS2: uuid and label', () => {
    expect(detectLuks(src(hdr(2)))).toMatchObject({ type: 'crypto_LUKS', label: 'secret' });
  });
  it('other versions and magics are not LUKS', () => {
    expect(detectLuks(src(hdr(3)))).toBeUndefined();
    const b = hdr(1);
    b[0] = 0;
    expect(detectLuks(src(b))).toBeUndefined();
  });
});

describe('xfs', () => {
  // The superblock of `mkfs.xfs -L xfslabel` on 300 MiB (xfsprogs 6.1), as xfs_db printed it.
  const sb = () => {
    const b = new Uint8Array(1 << 20);
    b.set(
      xfsDsb.build({
        sb_blocksize: 4096, sb_dblocks: 76800n, sb_rblocks: 0n, sb_rextents: 0n, sb_uuid: new Uint8Array(UUID), sb_logstart: 65542n,
        sb_rootino: 128n, sb_rbmino: 129n, sb_rsumino: 130n, sb_rextsize: 1, sb_agblocks: 19200, sb_agcount: 4, sb_rbmblocks: 0,
        sb_logblocks: 16384, sb_versionnum: 0xb4a5, sb_sectsize: 512, sb_inodesize: 512, sb_inopblock: 8, sb_fname: ascii('xfslabel', 12),
        sb_blocklog: 12, sb_sectlog: 9, sb_inodelog: 9, sb_inopblog: 3, sb_agblklog: 15, sb_rextslog: 0, sb_inprogress: 0, sb_imax_pct: 25,
        sb_icount: 64n, sb_ifree: 61n, sb_fdblocks: 60384n, sb_frextents: 0n,
      }),
    );
    return b;
  };
  it('label and UUID', () => {
    expect(detectXfs(src(sb()))).toMatchObject({ type: 'xfs', role: 'filesystem', label: 'xfslabel', uuid: '01234567-89ab-cdef-0123-456789abcdef' });
  });
  it('statfs on a read-only mount: internal log out of f_blocks, 8 blocks per AG set aside, inodes up to imax_pct', () => {
    const big = new BytesSource('big', sb());
    const sized = { name: 'x', size: 76800 * 4096, read: (o: number, l: number) => big.read(o, l) };
    // f_files = min(64 + (60352 << 3), maxicount = (76800 * 25 / 100 / 8) * 8 << 3 = 153600).
    // virt-df (libguestfs appliance, Debian 12 kernel) printed 241664 / 256 / 241408 1K-blocks for that volume.
    expect(xfsStatfs(sized)).toEqual({ blockSize: 4096, blocks: 60416, bfree: 60352, bavail: 60352, files: 153600, ffree: 153597 });
    expect(() => xfsStatfs(src(sb()))).toThrow(/exceed the size of the device/);
  });
});

describe('btrfs', () => {
  it('label and fsid as blkid reports them', () => {
    const b = new Uint8Array(BTRFS_SUPER_OFFSET + 4096);
    b.set(
      btrfsSuperBlock.build({
        csum: new Uint8Array(32), fsid: new Uint8Array(UUID), bytenr: 65536n, flags: 1n, generation: 7n, root: 1n, chunk_root: 1n, log_root: 0n,
        log_root_transid: 0n, total_bytes: 209715200n, bytes_used: 147456n, root_dir_objectid: 6n, num_devices: 1n, sectorsize: 4096,
        nodesize: 16384, stripesize: 4096, dev_item_devid: 1n, dev_item_uuid: new Uint8Array(16).fill(2), dev_item_fsid: new Uint8Array(UUID), label: ascii('btrlabel', 256),
      }),
      BTRFS_SUPER_OFFSET,
    );
    expect(detectBtrfs(src(b))).toMatchObject({ type: 'btrfs', label: 'btrlabel', uuid: '01234567-89ab-cdef-0123-456789abcdef' });
    expect(detectBtrfs(src(new Uint8Array(BTRFS_SUPER_OFFSET + 4096)))).toBeUndefined();
  });
});

describe('vfat', () => {
  /** A FAT16 volume: 512-byte sectors, 4 per cluster, 1 reserved, 2 FATs of 20 sectors, 512 root entries, 5000 clusters. */
  const fat16 = (entries: number[], rootLabel?: string) => {
    const totalSectors = 1 + 2 * 20 + 32 + 4 * 5000;
    const b = new Uint8Array(totalSectors * 512);
    b.set(fatBpb.build({ bs_jmp: 0xeb3c90, bs_oem: 'mkfs.fat', bpb_bytes_per_sec: 512, bpb_sec_per_clus: 4, bpb_rsvd_sec_cnt: 1, bpb_num_fats: 2, bpb_root_ent_cnt: 512, bpb_tot_sec16: totalSectors, bpb_media: 0xf8, bpb_fat_sz16: 20, bpb_sec_per_trk: 32, bpb_num_heads: 64, bpb_hidd_sec: 0, bpb_tot_sec32: 0 }));
    b.set(fatExtendedBpb.build({ bs_drv_num: 0x80, bs_boot_sig: 0x29, bs_vol_id: 0xdeadbeef, bs_vol_lab: ascii('BOOTLABEL  ', 11), bs_fil_sys_type: 'FAT16   ' }), 36);
    b[510] = 0x55;
    b[511] = 0xaa;
    const fat = new DataView(b.buffer, 512, 20 * 512);
    entries.forEach((v, i) => fat.setUint16(i * 2, v, true));
    if (rootLabel !== undefined) {
      const root = 512 * (1 + 40);
      b.set(ascii('DELETED    ', 11), root);
      b[root] = 0xe5;
      b[root + 11] = 0x08;
      b.set(ascii(rootLabel.padEnd(11, ' '), 11), root + 32);
      b[root + 32 + 11] = 0x08;
    }
    return b;
  };

  it('FAT16: blkid takes LABEL from the root directory, UUID from the serial; data clusters and zero FAT entries', () => {
    // 5000 clusters (FAT16 needs more than 4084); entries 0,1 reserved; clusters 2..5 used, the rest free.
    const b = fat16([0xfff8, 0xffff, 0xffff, 4, 5, 0xffff], 'MYDATA');
    expect(detectVfat(src(b))).toEqual({ type: 'vfat', plugin: 'fs-signatures', role: 'filesystem', label: 'MYDATA', uuid: 'DEAD-BEEF' });
    expect(fatStatfs(src(b))).toEqual({ blockSize: 2048, blocks: 5000, bfree: 4996, bavail: 4996, files: 0, ffree: 0 });
  });

  it('no volume-label entry: no LABEL (the boot-sector label is only LABEL_FATBOOT)', () => {
    expect(detectVfat(src(fat16([0xfff8, 0xffff])))?.label).toBeUndefined();
  });

  it('an MBR (0x55AA without a FAT BPB) is not vfat', () => {
    const b = new Uint8Array(1 << 20);
    b[510] = 0x55;
    b[511] = 0xaa;
    expect(detectVfat(src(b))).toBeUndefined();
  });

  it('FAT12 entries are 12-bit packed; FAT32 follows the root cluster for its label', () => {
    // FAT12: 1 reserved sector, 1 FAT of 2 sectors, 64 root entries (4 sectors), 1 sector per cluster, 300 clusters.
    const total = 1 + 2 + 4 + 300;
    const b = new Uint8Array(total * 512);
    b.set(fatBpb.build({ bs_jmp: 0xeb3c90, bs_oem: 'MSDOS5.0', bpb_bytes_per_sec: 512, bpb_sec_per_clus: 1, bpb_rsvd_sec_cnt: 1, bpb_num_fats: 1, bpb_root_ent_cnt: 64, bpb_tot_sec16: total, bpb_media: 0xf0, bpb_fat_sz16: 2, bpb_sec_per_trk: 18, bpb_num_heads: 2, bpb_hidd_sec: 0, bpb_tot_sec32: 0 }));
    b.set(fatExtendedBpb.build({ bs_drv_num: 0, bs_boot_sig: 0x29, bs_vol_id: 0x1234abcd, bs_vol_lab: ascii('NO NAME    ', 11), bs_fil_sys_type: 'FAT12   ' }), 36);
    b[510] = 0x55;
    b[511] = 0xaa;
    // Entries 0..3 = 0xFF0, 0xFFF, 0x003 (cluster 2 -> 3), 0xFFF; cluster 4 free; cluster 5 = 0x001 (bad but used).
    const fat = 512;
    const put12 = (n: number, v: number) => {
      const o = fat + Math.floor((n * 3) / 2);
      if (n % 2 === 0) {
        b[o] = v & 0xff;
        b[o + 1] = (b[o + 1] & 0xf0) | (v >> 8);
      } else {
        b[o] = (b[o] & 0x0f) | ((v & 0x0f) << 4);
        b[o + 1] = v >> 4;
      }
    };
    [0xff0, 0xfff, 0x003, 0xfff, 0x000, 0x001].forEach((v, n) => put12(n, v));
    expect(fatStatfs(src(b))).toMatchObject({ blockSize: 512, blocks: 300, bfree: 297 });
    expect(detectVfat(src(b))).toMatchObject({ label: undefined, uuid: '1234-ABCD' });

    // FAT32: 32 reserved, 2 FATs of 8 sectors, 8 sectors per cluster, root at cluster 2 -> 3; the label is in cluster 3.
    const clusters = 900;
    const t32 = 32 + 16 + clusters * 8;
    const c = new Uint8Array(t32 * 512);
    c.set(fatBpb.build({ bs_jmp: 0xeb5890, bs_oem: 'mkfs.fat', bpb_bytes_per_sec: 512, bpb_sec_per_clus: 8, bpb_rsvd_sec_cnt: 32, bpb_num_fats: 2, bpb_root_ent_cnt: 0, bpb_tot_sec16: 0, bpb_media: 0xf8, bpb_fat_sz16: 0, bpb_sec_per_trk: 32, bpb_num_heads: 8, bpb_hidd_sec: 0, bpb_tot_sec32: t32 }));
    c.set(fat32Bpb.build({ bpb_fat_sz32: 8, bpb_ext_flags: 0, bpb_fs_ver: 0, bpb_root_clus: 2, bpb_fs_info: 1, bpb_bk_boot_sec: 6 }), 36);
    c.set(fatExtendedBpb.build({ bs_drv_num: 0x80, bs_boot_sig: 0x29, bs_vol_id: 0x0badf00d, bs_vol_lab: ascii('BOOT32     ', 11), bs_fil_sys_type: 'FAT32   ' }), 64);
    c[510] = 0x55;
    c[511] = 0xaa;
    const f32 = new DataView(c.buffer, 32 * 512);
    [0x0ffffff8, 0x0fffffff, 3, 0x0fffffff].forEach((v, i) => f32.setUint32(i * 4, v, true));
    const cluster2 = (32 + 16) * 512;
    for (let e = 0; e < 4096; e += 32) c[cluster2 + e] = 0xe5; // a root cluster full of deleted entries
    const cluster3 = (32 + 16 + 8) * 512;
    c.set(ascii('ROOT32', 11).map((x) => x || 0x20), cluster3);
    c[cluster3 + 11] = 0x08;
    expect(detectVfat(src(c))).toMatchObject({ label: 'ROOT32', uuid: '0BAD-F00D' });
    // The FAT of 8 sectors describes 1024 entries: 900 clusters, 2 used.
    expect(fatStatfs(src(c))).toMatchObject({ blockSize: 4096, blocks: 900, bfree: 898 });
  });

  it('serial text as blkid prints it', () => {
    expect(fatSerialText(0x0badf00d)).toBe('0BAD-F00D');
    expect(fatSerialText(0)).toBeUndefined();
  });
});

describe('iso9660', () => {
  it('label without trailing spaces; UUID from the modification date, else the creation date', () => {
    const b = new Uint8Array(ISO_PVD_OFFSET + 4096);
    const pvd = (modified: string) =>
      isoPrimaryVolumeDescriptor.build({ vd_version: 1, system_id: 'LINUX', volume_id: 'MY_DISC'.padEnd(32, ' '), volume_space_size: 200, volume_set_size: 1, volume_sequence_number: 1, logical_block_size: 2048, creation_date: '2023111422132000', creation_offset: 0, modification_date: modified, modification_offset: 0 });
    b.set(pvd('2024010203040506'), ISO_PVD_OFFSET);
    expect(detectIso9660(src(b))).toMatchObject({ type: 'iso9660', label: 'MY_DISC', uuid: '2024-01-02-03-04-05-06' });
    b.set(pvd('0000000000000000'), ISO_PVD_OFFSET);
    expect(detectIso9660(src(b))?.uuid).toBe('2023-11-14-22-13-20-00');
    // isofs_statfs: zone-size blocks, the whole volume used, no inodes.
    expect(iso9660Statfs(src(b))).toEqual({ blockSize: 2048, blocks: 200, bfree: 0, bavail: 0, files: 0, ffree: 0 });
  });
});

describe('fs-signatures plugin', () => {
  it('taps detect at a late stage and measures vfat through the statfs hook', () => {
    const introspector = new Introspector().use(fsSignaturesPlugin);
    const taps = (introspector.hooks.detect as unknown as { taps: { name: string; stage?: number }[] }).taps;
    expect(taps.find((t) => t.name === 'fs-signatures')?.stage).toBe(100);
    expect(introspector.plugins.map((p) => p.name)).toEqual(['fs-signatures']);
  });
});
