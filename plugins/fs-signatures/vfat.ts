// FAT12/16/32 (Microsoft FAT specification "fatgen103"; util-linux libblkid/src/superblocks/vfat.c for
// detection, label and serial; linux fs/fat/inode.c fat_fill_super + fat_statfs and fs/fat/fatent.c
// fat_count_free_clusters for the figures: f_bsize = cluster size, f_blocks = data clusters, f_bfree =
// f_bavail = FAT entries equal to zero (the FSInfo hint is ignored, as without -o usefree), no inodes).
import { bitmatch } from '../../core/bitsyntax/index.js';
import { IntrospectError } from '../../core/errors.js';
import type { Content, FilesystemStats } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { cString } from './text.js';

/** The BIOS parameter block common to all FAT variants (bytes 0..35). */
export const fatBpb = bitmatch(`
  bs_jmp : 24,
  bs_oem : 64 : string,
  bpb_bytes_per_sec : 16 : littleendian,
  bpb_sec_per_clus : 8,
  bpb_rsvd_sec_cnt : 16 : littleendian,
  bpb_num_fats : 8,
  bpb_root_ent_cnt : 16 : littleendian,
  bpb_tot_sec16 : 16 : littleendian,
  bpb_media : 8,
  bpb_fat_sz16 : 16 : littleendian,
  bpb_sec_per_trk : 16 : littleendian,
  bpb_num_heads : 16 : littleendian,
  bpb_hidd_sec : 32 : littleendian,
  bpb_tot_sec32 : 32 : littleendian
`);

/** FAT32's BPB extension at byte 36 (where FAT12/16 keep their extended BPB). */
export const fat32Bpb = bitmatch(`
  bpb_fat_sz32 : 32 : littleendian,
  bpb_ext_flags : 16 : littleendian,
  bpb_fs_ver : 16 : littleendian,
  bpb_root_clus : 32 : littleendian,
  bpb_fs_info : 16 : littleendian,
  bpb_bk_boot_sec : 16 : littleendian,
  _ : 96
`);

const bootSignature = bitmatch(`0x55AA : 16`);

/** Extended BPB (both variants, at 36 for FAT12/16 and at 64 for FAT32). */
export const fatExtendedBpb = bitmatch(`
  bs_drv_num : 8,
  _ : 8,
  bs_boot_sig : 8,
  bs_vol_id : 32 : littleendian,
  bs_vol_lab : 88 : bitstring,
  bs_fil_sys_type : 64 : string
`);

const FAT12_MAX = 0xff4;
const FAT16_MAX = 0xfff4;
const FAT32_MAX = 0x0ffffff6;

export interface FatGeometry {
  fatBits: 12 | 16 | 32;
  sectorSize: number;
  secPerClus: number;
  fatStart: number;
  fatLength: number;
  rootDirStart: number;
  rootEntries: number;
  dataStart: number;
  totalClusters: number;
  rootCluster: number;
  serial: number;
  bootLabel?: string;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** Geometry of a FAT volume, or undefined if the boot sector is not one blkid would accept. */
export function fatGeometry(source: Source): FatGeometry | undefined {
  if (source.size < 512) return undefined;
  const sector = source.read(0, 512, 'FAT boot sector');
  if (!bootSignature.match(sector, 510)) return undefined;
  const bs = fatBpb.parse(sector);
  const b32 = fat32Bpb.parse(sector, 36);
  const e16 = fatExtendedBpb.parse(sector, 36);
  const e32 = fatExtendedBpb.parse(sector, 64);
  // blkid's string magics (the bare jump-byte ones would also match MBRs and other boot sectors).
  const magic16 = ['FAT12   ', 'FAT16   ', 'FAT     '].includes(e16.bs_fil_sys_type) || e16.bs_fil_sys_type.startsWith('MSDOS');
  const magic32 = e32.bs_fil_sys_type === 'FAT32   ' || e32.bs_fil_sys_type.startsWith('MSWIN');
  if (!magic16 && !magic32) return undefined;
  const sectorSize = bs.bpb_bytes_per_sec;
  if (!isPowerOfTwo(sectorSize) || sectorSize < 512 || sectorSize > 4096) return undefined;
  if (!isPowerOfTwo(bs.bpb_sec_per_clus) || bs.bpb_num_fats === 0 || bs.bpb_rsvd_sec_cnt === 0) return undefined;
  if (bs.bpb_media !== 0xf0 && bs.bpb_media < 0xf8) return undefined;
  const fatLength = bs.bpb_fat_sz16 !== 0 ? bs.bpb_fat_sz16 : b32.bpb_fat_sz32;
  if (fatLength === 0) return undefined;
  const isFat32 = bs.bpb_fat_sz16 === 0;
  const totalSectors = bs.bpb_tot_sec16 !== 0 ? bs.bpb_tot_sec16 : bs.bpb_tot_sec32;
  const fatStart = bs.bpb_rsvd_sec_cnt;
  const rootDirStart = fatStart + bs.bpb_num_fats * fatLength;
  const rootEntries = isFat32 ? 0 : bs.bpb_root_ent_cnt;
  const dataStart = rootDirStart + Math.floor((rootEntries * 32) / sectorSize);
  if (totalSectors <= dataStart) return undefined;
  let totalClusters = Math.floor((totalSectors - dataStart) / bs.bpb_sec_per_clus);
  const fatBits: 12 | 16 | 32 = isFat32 ? 32 : totalClusters > FAT12_MAX ? 16 : 12;
  // fat_fill_super(): no more clusters than the FAT can describe.
  const fatClusters = Math.floor((fatLength * sectorSize * 8) / fatBits);
  totalClusters = Math.min(totalClusters, fatClusters - 2);
  if (totalClusters > (fatBits === 12 ? FAT12_MAX : fatBits === 16 ? FAT16_MAX : FAT32_MAX)) return undefined;
  const ext = isFat32 ? e32 : e16;
  const rawLabel = ext.bs_vol_lab.toUint8Array();
  return {
    fatBits,
    sectorSize,
    secPerClus: bs.bpb_sec_per_clus,
    fatStart,
    fatLength,
    rootDirStart,
    rootEntries,
    dataStart,
    totalClusters,
    rootCluster: b32.bpb_root_clus,
    serial: ext.bs_boot_sig === 0x29 || ext.bs_boot_sig === 0x28 ? ext.bs_vol_id : 0,
    bootLabel: cString(rawLabel, true),
  };
}

/** blkid prints the serial as "%02X%02X-%02X%02X" of bytes 3,2,1,0. */
export function fatSerialText(serial: number): string | undefined {
  if (serial === 0) return undefined;
  const hex = serial.toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** Read FAT entry values for clusters 2..max, calling `visit` with each value. */
function forEachFatEntry(source: Source, geo: FatGeometry, visit: (cluster: number, value: number) => boolean | void): void {
  const fatBytes = geo.fatLength * geo.sectorSize;
  const fatOffset = geo.fatStart * geo.sectorSize;
  const maxCluster = geo.totalClusters + 2;
  const needed = geo.fatBits === 12 ? Math.ceil((maxCluster * 3) / 2) : maxCluster * (geo.fatBits / 8);
  const length = Math.min(fatBytes, needed);
  if (fatOffset + length > source.size) {
    throw new IntrospectError({ file: source.name, structure: 'FAT table', offset: fatOffset, reason: 'the FAT lies past the end of the device' });
  }
  const chunk = 1 << 20;
  // Read the FAT in 1 MiB pieces aligned to whole entries (FAT12 entries straddle bytes: 3-byte steps).
  const step = geo.fatBits === 12 ? chunk - (chunk % 3) : chunk;
  for (let start = 0; start < length; start += step) {
    const bytes = source.read(fatOffset + start, Math.min(step, length - start), 'FAT table');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (geo.fatBits === 12) {
      const first = (start / 3) * 2;
      for (let i = 0; i < bytes.length; i += 3) {
        const c0 = first + (i / 3) * 2;
        const b0 = bytes[i];
        const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
        const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
        if (c0 >= 2 && c0 < maxCluster && visit(c0, b0 | ((b1 & 0x0f) << 8)) === false) return;
        if (c0 + 1 >= 2 && c0 + 1 < maxCluster && visit(c0 + 1, (b1 >> 4) | (b2 << 4)) === false) return;
      }
    } else if (geo.fatBits === 16) {
      const first = start / 2;
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        const c = first + i / 2;
        if (c >= 2 && c < maxCluster && visit(c, view.getUint16(i, true)) === false) return;
      }
    } else {
      const first = start / 4;
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        const c = first + i / 4;
        if (c >= 2 && c < maxCluster && visit(c, view.getUint32(i, true) & 0x0fffffff) === false) return;
      }
    }
  }
}

export function fatStatfs(source: Source): FilesystemStats {
  const geo = fatGeometry(source);
  if (!geo) throw new IntrospectError({ file: source.name, structure: 'FAT boot sector', offset: 0, reason: 'not a FAT boot sector' });
  let free = 0;
  forEachFatEntry(source, geo, (_cluster, value) => {
    if (value === 0) free++;
  });
  return { blockSize: geo.sectorSize * geo.secPerClus, blocks: geo.totalClusters, bfree: free, bavail: free, files: 0, ffree: 0 };
}

/** The volume-label directory entry of the root directory (blkid's LABEL; the boot-sector copy is LABEL_FATBOOT). */
function rootDirectoryLabel(source: Source, geo: FatGeometry): string | undefined {
  const scan = (bytes: Uint8Array): string | undefined | null => {
    for (let i = 0; i + 32 <= bytes.length; i += 32) {
      const first = bytes[i];
      if (first === 0x00) return null;
      const attr = bytes[i + 11];
      if (first === 0xe5 || attr === 0x0f) continue;
      if ((attr & (0x08 | 0x10)) === 0x08) {
        const name = bytes.slice(i, i + 11);
        if (name[0] === 0x05) name[0] = 0xe5;
        return new TextDecoder('latin1').decode(name).replace(/ +$/, '');
      }
    }
    return undefined;
  };
  if (geo.fatBits !== 32) {
    const offset = geo.rootDirStart * geo.sectorSize;
    const length = geo.rootEntries * 32;
    if (length === 0 || offset + length > source.size) return undefined;
    return scan(source.read(offset, length, 'FAT root directory')) ?? undefined;
  }
  // FAT32: follow the root directory's cluster chain, at most 1024 clusters (as blkid bounds it).
  const clusterBytes = geo.sectorSize * geo.secPerClus;
  let cluster = geo.rootCluster;
  for (let hops = 0; hops < 1024 && cluster >= 2 && cluster < geo.totalClusters + 2; hops++) {
    const offset = (geo.dataStart + (cluster - 2) * geo.secPerClus) * geo.sectorSize;
    if (offset + clusterBytes > source.size) return undefined;
    const found = scan(source.read(offset, clusterBytes, 'FAT32 root directory'));
    if (found !== undefined) return found ?? undefined;
    const entryOffset = geo.fatStart * geo.sectorSize + cluster * 4;
    if (entryOffset + 4 > source.size) return undefined;
    const e = source.read(entryOffset, 4, 'FAT32 entry');
    cluster = (e[0] | (e[1] << 8) | (e[2] << 16) | (e[3] << 24)) & 0x0fffffff;
  }
  return undefined;
}

export function detectVfat(source: Source): Content | undefined {
  const geo = fatGeometry(source);
  if (!geo) return undefined;
  const label = rootDirectoryLabel(source, geo);
  return {
    type: 'vfat',
    plugin: 'fs-signatures',
    role: 'filesystem',
    label: label === '' || label === 'NO NAME' ? undefined : label,
    uuid: fatSerialText(geo.serial),
  };
}
