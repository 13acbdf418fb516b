// statvfs figures exactly as ntfs-3g reports them: src/ntfs-3g.c ntfs_fuse_statfs(), with
// vol->free_clusters and vol->free_mft_records from libntfs-3g/volume.c ntfs_volume_get_free_space().
import type { FilesystemStats } from '../../core/pipeline/model.js';
import type { NtfsGeometry } from './boot-sector.js';
import type { BitmapCount } from './volume.js';

export interface NtfsStatvfs extends FilesystemStats {
  /** vol->free_clusters: zero bits of $Bitmap over its data_size. */
  free_clusters: number;
  /** vol->free_mft_records: zero bits of $MFT/$BITMAP plus its allocated-but-unused bytes * 8. */
  free_mft_records: number;
}

export function ntfsStatvfs(geometry: NtfsGeometry, clusterBitmap: BitmapCount, mftBitmap: BitmapCount): NtfsStatvfs {
  const free_clusters = clusterBitmap.zeroBits;
  const free_mft_records = mftBitmap.zeroBits + (mftBitmap.allocated_size - mftBitmap.data_size) * 8;
  const bfree = Math.max(free_clusters, 0);
  // Free space converted to the MFT records it could hold.
  const delta_bits = geometry.cluster_size_bits - geometry.mft_record_size_bits;
  const size = delta_bits >= 0 ? bfree * 2 ** delta_bits : Math.floor(bfree / 2 ** -delta_bits);
  return {
    blockSize: geometry.cluster_size,
    blocks: geometry.nr_clusters,
    bfree,
    bavail: bfree,
    files: mftBitmap.allocated_size * 8 + size,
    ffree: Math.max(size + free_mft_records, 0),
    free_clusters,
    free_mft_records,
  };
}
