// NTFS boot sector: recognition as ntfs-3g libntfs-3g/bootsect.c ntfs_boot_sector_is_ntfs() does,
// then the derived geometry of ntfs_boot_sector_parse().
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { NTFS_BOOT_SECTOR, NTFS_MAX_CLUSTER_SIZE, asInt8 } from './layout.js';

export interface NtfsGeometry {
  bytes_per_sector: number;
  /** Decoded (values > 128 in the boot sector mean 2^(256-v)). */
  sectors_per_cluster: number;
  cluster_size: number;
  cluster_size_bits: number;
  number_of_sectors: number;
  /** number_of_sectors >> log2(sectors_per_cluster), as ntfs-3g computes vol->nr_clusters. */
  nr_clusters: number;
  mft_lcn: number;
  mftmirr_lcn: number;
  mft_record_size: number;
  mft_record_size_bits: number;
  indx_record_size: number;
  hidden_sectors: number;
  /** The 64-bit volume serial number. */
  volume_serial_number: bigint;
  /** blkid's UUID for NTFS: the serial as 16 upper-case hex digits (libblkid superblocks/ntfs.c). */
  uuid: string;
}

function isPowerOfTwo(v: number): boolean {
  return v > 0 && (v & (v - 1)) === 0;
}

function log2(v: number): number {
  return 31 - Math.clz32(v);
}

/** The clusters_per_mft_record / clusters_per_index_record encodings accepted by bootsect.c. */
function validClustersPer(raw: number): boolean {
  if (raw >= 0xe1 && raw <= 0xf7) return true; // negative: 2^-v bytes, 2^9 .. 2^31
  return [1, 2, 4, 8, 0x10, 0x20, 0x40].includes(raw);
}

/** Why ntfs_boot_sector_is_ntfs() would refuse these 512 bytes, or undefined if it accepts them. */
export function bootSectorRejection(sector: Uint8Array): string | undefined {
  const b = NTFS_BOOT_SECTOR.match(sector);
  if (!b) return 'no "NTFS    " OEM id';
  if (b.bytes_per_sector < 256 || b.bytes_per_sector > 4096) return `unexpected bytes per sector ${b.bytes_per_sector}`;
  const spc = b.sectors_per_cluster;
  if (!(isPowerOfTwo(spc) && spc <= 128) && (spc < 240 || spc > 253)) return `unexpected sectors per cluster code 0x${spc.toString(16)}`;
  const sectorsPerCluster = spc > 128 ? 2 ** (256 - spc) : spc;
  if (b.bytes_per_sector * sectorsPerCluster > NTFS_MAX_CLUSTER_SIZE) {
    return `cluster size ${b.bytes_per_sector * sectorsPerCluster} above ${NTFS_MAX_CLUSTER_SIZE}`;
  }
  if (b.reserved_sectors || b.root_entries || b.sectors || b.sectors_per_fat || b.large_sectors || b.fats) {
    return 'BPB fields that NTFS keeps zero are not zero (a FAT boot sector?)';
  }
  if (!validClustersPer(b.clusters_per_mft_record)) return `unexpected clusters per mft record 0x${b.clusters_per_mft_record.toString(16)}`;
  if (!validClustersPer(b.clusters_per_index_record)) return `unexpected clusters per index record 0x${b.clusters_per_index_record.toString(16)}`;
  const mft_lcn = BigInt.asIntN(64, b.mft_lcn);
  const mftmirr_lcn = BigInt.asIntN(64, b.mftmirr_lcn);
  if (mft_lcn <= 0n || mftmirr_lcn <= 0n || mft_lcn === mftmirr_lcn) return 'invalid location of $MFT or $MFTMirr';
  return undefined;
}

/** True when the sector is an NTFS boot sector by ntfs-3g's rules (end marker not required, as there). */
export function isNtfsBootSector(sector: Uint8Array): boolean {
  return bootSectorRejection(sector) === undefined;
}

/** blkid's NTFS UUID: the 64-bit volume serial as 16 upper-case hex digits (libblkid superblocks/ntfs.c "%016" PRIX64). */
export function ntfsUuid(sector: Uint8Array): string {
  return formatSerial(NTFS_BOOT_SECTOR.parse(sector).volume_serial_number);
}

function formatSerial(serial: bigint): string {
  return serial.toString(16).toUpperCase().padStart(16, '0');
}

/**
 * Parse and validate the boot sector at offset 0 of `source` (ntfs_boot_sector_parse()), including
 * that the volume fits in the device. Throws IntrospectError naming the bad field.
 */
export function readNtfsGeometry(source: Source): NtfsGeometry {
  const fail = (reason: string, offset = 0): never => {
    throw new IntrospectError({ file: source.name, structure: 'NTFS boot sector', offset, reason });
  };
  if (source.size < 512) fail(`device of ${source.size} bytes is smaller than a boot sector`);
  const sector = source.read(0, 512, 'NTFS boot sector');
  const rejection = bootSectorRejection(sector);
  if (rejection) fail(`not an NTFS boot sector: ${rejection}`);
  const b = NTFS_BOOT_SECTOR.parse(sector);

  const bytes_per_sector = b.bytes_per_sector;
  if (!isPowerOfTwo(bytes_per_sector)) fail(`bytes_per_sector ${bytes_per_sector} is not a power of 2`, 0x0b);
  const sectors_per_cluster = b.sectors_per_cluster > 128 ? 2 ** (256 - b.sectors_per_cluster) : b.sectors_per_cluster;
  const cluster_size = sectors_per_cluster * bytes_per_sector;
  const cluster_size_bits = log2(cluster_size);

  const sectors = BigInt.asIntN(64, b.number_of_sectors);
  if (sectors <= 0n) fail(`number_of_sectors ${sectors} (volume size zero or negative)`, 0x28);
  // ntfs-3g seeks to the last sector; we require the whole volume inside the device.
  if (sectors * BigInt(bytes_per_sector) > BigInt(source.size)) {
    fail(`volume of ${sectors} sectors of ${bytes_per_sector} bytes extends past the end of the ${source.size}-byte device (partition too small or image truncated)`, 0x28);
  }
  const number_of_sectors = Number(sectors);
  const nr_clusters = Math.floor(number_of_sectors / sectors_per_cluster);

  const mft_lcn = BigInt.asIntN(64, b.mft_lcn);
  const mftmirr_lcn = BigInt.asIntN(64, b.mftmirr_lcn);
  if (mft_lcn > BigInt(nr_clusters) || mftmirr_lcn > BigInt(nr_clusters)) {
    fail(`$MFT LCN ${mft_lcn} or $MFTMirr LCN ${mftmirr_lcn} is beyond the ${nr_clusters} clusters of the volume`, 0x30);
  }

  const c = asInt8(b.clusters_per_mft_record);
  const mft_record_size = c < 0 ? 2 ** -c : c * cluster_size;
  if (!isPowerOfTwo(mft_record_size) || mft_record_size < 512 || mft_record_size > 65536) {
    fail(`mft record size ${mft_record_size} is not a power of 2 between 512 and 65536`, 0x40);
  }
  const ci = asInt8(b.clusters_per_index_record);
  const indx_record_size = ci < 0 ? 2 ** -ci : ci * cluster_size;

  const volume_serial_number = b.volume_serial_number;
  return {
    bytes_per_sector,
    sectors_per_cluster,
    cluster_size,
    cluster_size_bits,
    number_of_sectors,
    nr_clusters,
    mft_lcn: Number(mft_lcn),
    mftmirr_lcn: Number(mftmirr_lcn),
    mft_record_size,
    mft_record_size_bits: log2(mft_record_size),
    indx_record_size,
    hidden_sectors: b.hidden_sectors,
    volume_serial_number,
    uuid: formatSerial(volume_serial_number),
  };
}
