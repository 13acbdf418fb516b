import type { IntrospectError } from '../errors.js';
import type { Source } from '../source/source.js';

/** What a source holds, as decided by the first detection hook that recognises it. */
export interface Content {
  /** blkid-style type: dos, gpt, LVM2_member, ext2, ext3, ext4, ntfs, swap, crypto_LUKS, xfs, btrfs, vfat, iso9660, unknown. */
  type: string;
  /** Name of the plugin that recognised it. */
  plugin: string;
  role: 'partition-table' | 'volume-member' | 'filesystem' | 'other';
  label?: string;
  uuid?: string;
  /** A remark for users, e.g. "not mountable: swap", "figures unavailable: encrypted". */
  note?: string;
}

export interface PartitionInfo {
  /** 1..4 primary/extended, 5.. logical (MBR); 1.. for GPT. */
  number: number;
  /** Offset and size in bytes within the parent disk. */
  start: number;
  size: number;
  /** MBR type byte in hex as sfdisk prints it ("83", "5", "8e"), or the GPT type GUID (upper-case text form). */
  type: string;
  kind: 'primary' | 'extended' | 'logical' | 'gpt';
  /** GPT partition name. */
  name?: string;
  /** GPT unique partition GUID. */
  uuid?: string;
}

export interface PhysicalVolumeInfo {
  device: string;
  uuid: string;
  /** Bytes from the start of the PV device to the first extent. */
  peStart: number;
  peCount: number;
}

export interface StripeInfo {
  /** PV device name (e.g. /dev/sda2) or, for raid/mirror images, the sub-LV name. */
  pv: string;
  startExtent: number;
}

export interface SegmentInfo {
  startExtent: number;
  extentCount: number;
  type: string;
  /** Bytes; 0 for linear segments. */
  stripeSize: number;
  stripes: StripeInfo[];
}

export interface VolumeGroupInfo {
  name: string;
  uuid: string;
  /** Bytes per extent. */
  extentSize: number;
  seqno: number;
  pvs: PhysicalVolumeInfo[];
}

export interface LogicalVolumeInfo {
  device: string;
  vg: string;
  name: string;
  uuid: string;
  size: number;
  segments: SegmentInfo[];
  /** Set when the LV cannot be read (thin, cache, snapshot...): "not readable: thin". */
  note?: string;
  /** Hidden sub-LVs (raid images, mirror legs) are not listed as devices. */
  visible: boolean;
}

export type NodeKind = 'disk' | 'partition' | 'logical-volume';

/** A block device of the guest: a disk, a partition, a logical volume. */
export interface StorageNode {
  device: string;
  kind: NodeKind;
  source: Source;
  parent?: StorageNode;
  /** Nesting depth (disk = 0); bounded to stop partition-in-LV-in-partition loops. */
  depth: number;
  content?: Content;
  partition?: PartitionInfo;
  logicalVolume?: LogicalVolumeInfo;
}

export interface Diagnostic {
  level: 'warning' | 'error';
  /** Device the problem belongs to, when there is one. */
  device?: string;
  error: IntrospectError;
}

/** Filesystem figures exactly as statfs(2) inside the guest would report them. */
export interface FilesystemStats {
  blockSize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** One guest: the disks given together (virt-df's -a ... -a ...) and all that was found on them. */
export interface Guest {
  /** virt-df's name: basename of the first disk plus one "+" per extra disk. */
  name: string;
  /** Image files in -a order. */
  images: string[];
  disks: StorageNode[];
  /** Every node found, in discovery order (disks, partitions, LVs). */
  nodes: StorageNode[];
  volumeGroups: VolumeGroupInfo[];
  logicalVolumes: LogicalVolumeInfo[];
  diagnostics: Diagnostic[];
}
