// btrfs superblock at 64 KiB (linux fs/btrfs/accessors.h / include/uapi/linux/btrfs_tree.h
// struct btrfs_super_block, little-endian; util-linux libblkid/src/superblocks/btrfs.c).
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { Content } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { cString, uuidText } from './text.js';

export const BTRFS_SUPER_OFFSET = 0x10000;

export const btrfsSuperBlock = bitmatch(`
  csum : 256 : bitstring,
  fsid : 128 : bitstring,
  bytenr : 64 : littleendian,
  flags : 64 : littleendian,
  "_BHRfS_M" : 64 : string,
  generation : 64 : littleendian,
  root : 64 : littleendian,
  chunk_root : 64 : littleendian,
  log_root : 64 : littleendian,
  log_root_transid : 64 : littleendian,
  total_bytes : 64 : littleendian,
  bytes_used : 64 : littleendian,
  root_dir_objectid : 64 : littleendian,
  num_devices : 64 : littleendian,
  sectorsize : 32 : littleendian,
  nodesize : 32 : littleendian,
  _ : 32,
  stripesize : 32 : littleendian,
  _ : 328,
  dev_item_devid : 64 : littleendian,
  _ : 464,
  dev_item_uuid : 128 : bitstring,
  dev_item_fsid : 128 : bitstring,
  label : 2048 : bitstring
`);

export function detectBtrfs(source: Source): Content | undefined {
  if (source.size < BTRFS_SUPER_OFFSET + 0x22b) return undefined;
  const sb = btrfsSuperBlock.match(source.read(BTRFS_SUPER_OFFSET, 0x22b, 'btrfs superblock'));
  if (!sb) return undefined;
  return {
    type: 'btrfs',
    plugin: 'fs-signatures',
    role: 'filesystem',
    label: cString(sb.label.toUint8Array()),
    uuid: uuidText(sb.fsid.toUint8Array()),
    note: 'btrfs: figures unavailable (exact free space needs the chunk and extent trees; not read)',
  };
}
