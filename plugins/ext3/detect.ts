// ext2 / ext3 / ext4 / ext4dev / jbd decided as util-linux libblkid/src/superblocks/ext.c does
// (probe_ext4dev, probe_ext4, probe_ext3, probe_ext2, probe_jbd), including its superblock checksum test.
import { IntrospectError } from '../../core/errors.js';
import type { Content } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { crc32cRaw } from './crc32c.js';
import {
  COMPAT_HAS_JOURNAL,
  decodeLabel,
  extSuperBlock,
  FLAGS_TEST_FILESYS,
  formatUuid,
  hasFeature,
  INCOMPAT_FILETYPE,
  INCOMPAT_JOURNAL_DEV,
  INCOMPAT_META_BG,
  INCOMPAT_RECOVER,
  readSuperBlock,
  RO_COMPAT_BTREE_DIR,
  RO_COMPAT_LARGE_FILE,
  RO_COMPAT_METADATA_CSUM,
  RO_COMPAT_SPARSE_SUPER,
  SUPERBLOCK_OFFSET,
  SUPERBLOCK_SIZE,
  type ExtSuperBlock,
} from './superblock.js';

const EXT2_RO_COMPAT_SUPP = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_BTREE_DIR;
const EXT2_INCOMPAT_SUPP = INCOMPAT_FILETYPE | INCOMPAT_META_BG;
const EXT3_RO_COMPAT_SUPP = EXT2_RO_COMPAT_SUPP;
const EXT3_INCOMPAT_SUPP = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG;

export type ExtType = 'ext2' | 'ext3' | 'ext4' | 'ext4dev' | 'jbd';

/** blkid's decision, in its probing order; undefined when no ext prober accepts the feature set. */
export function extTypeOf(sb: ExtSuperBlock): ExtType | undefined {
  const fc = sb.s_feature_compat;
  const fi = sb.s_feature_incompat;
  const frc = sb.s_feature_ro_compat;
  const journalDev = hasFeature(fi, INCOMPAT_JOURNAL_DEV);
  const testFs = hasFeature(sb.s_flags, FLAGS_TEST_FILESYS);
  const ext3Unsupported = (frc & ~EXT3_RO_COMPAT_SUPP) !== 0 || (fi & ~EXT3_INCOMPAT_SUPP) !== 0;
  const ext2Unsupported = (frc & ~EXT2_RO_COMPAT_SUPP) !== 0 || (fi & ~EXT2_INCOMPAT_SUPP) !== 0;
  if (!journalDev && testFs) return 'ext4dev';
  if (!journalDev && ext3Unsupported) return 'ext4';
  if (hasFeature(fc, COMPAT_HAS_JOURNAL) && !ext3Unsupported) return 'ext3';
  if (!hasFeature(fc, COMPAT_HAS_JOURNAL) && !ext2Unsupported) return 'ext2';
  if (journalDev) return 'jbd';
  return undefined;
}

/** With metadata_csum, s_checksum must be crc32c of the first 0x3FC bytes (blkid and the kernel both refuse otherwise). */
export function superBlockChecksumOk(sb: ExtSuperBlock, raw: Uint8Array): boolean {
  if (!hasFeature(sb.s_feature_ro_compat, RO_COMPAT_METADATA_CSUM)) return true;
  return crc32cRaw(0xffffffff, raw.subarray(0, 0x3fc)) === sb.s_checksum;
}

export interface ExtDetection {
  content?: Content;
  problem?: { level: 'warning' | 'error'; error: IntrospectError };
}

export function detectExt(source: Source): ExtDetection {
  const found = readSuperBlock(source);
  if (!found) return { problem: backupSuperBlockHint(source) };
  const { sb, raw } = found;
  if (!superBlockChecksumOk(sb, raw)) {
    return {
      problem: {
        level: 'error',
        error: new IntrospectError({
          file: source.name,
          structure: 'ext superblock s_checksum',
          offset: SUPERBLOCK_OFFSET + 0x3fc,
          reason: 'superblock checksum mismatch (metadata_csum): the superblock is damaged, refusing to use it',
        }),
      },
    };
  }
  const type = extTypeOf(sb);
  if (!type) {
    return {
      problem: {
        level: 'warning',
        error: new IntrospectError({
          file: source.name,
          structure: 'ext superblock features',
          offset: SUPERBLOCK_OFFSET + 0x5c,
          reason: `feature set compat 0x${sb.s_feature_compat.toString(16)} incompat 0x${sb.s_feature_incompat.toString(16)} ro_compat 0x${sb.s_feature_ro_compat.toString(16)} fits neither ext2, ext3 nor ext4`,
        }),
      },
    };
  }
  const content: Content = {
    type,
    plugin: 'ext3',
    role: type === 'jbd' ? 'other' : 'filesystem',
    label: decodeLabel(sb.s_volume_name.toUint8Array()),
    uuid: formatUuid(sb.s_uuid.toUint8Array()),
  };
  if (type === 'jbd') content.note = 'external ext3/ext4 journal device';
  return { content };
}

/**
 * The primary superblock has no magic, yet the first backup (group 1) of a filesystem with the same
 * UUID is intact: say so, without using it (its free counts are stale; the kernel updates only the primary).
 */
function backupSuperBlockHint(source: Source): ExtDetection['problem'] {
  if (source.size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) return undefined;
  const primary = source.read(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, 'ext superblock');
  const primaryUuid = primary.subarray(0x68, 0x78);
  if (primaryUuid.every((b) => b === 0)) return undefined;
  for (let log = 0; log <= 6; log++) {
    const blockSize = 1024 << log;
    const block = blockSize * 8 + (blockSize === 1024 ? 1 : 0);
    const offset = block * blockSize;
    if (offset + SUPERBLOCK_SIZE > source.size) break;
    const backup = extSuperBlock.match(source.read(offset, SUPERBLOCK_SIZE, 'ext backup superblock'));
    if (!backup || backup.s_log_block_size !== log || backup.s_block_group_nr !== 1) continue;
    const backupUuid = backup.s_uuid.toUint8Array();
    if (!backupUuid.every((b, i) => b === primaryUuid[i])) continue;
    const magic = primary[0x38] | (primary[0x39] << 8);
    return {
      level: 'error',
      error: new IntrospectError({
        file: source.name,
        structure: 'ext superblock s_magic',
        offset: SUPERBLOCK_OFFSET + 0x38,
        reason: `bad magic 0x${magic.toString(16).padStart(4, '0')} (expected 0xef53): no filesystem recognised; a backup superblock of the same filesystem exists at block ${block} (${blockSize}-byte blocks) but its free counts are stale, so no figures are reported (e2fsck -b ${block} -B ${blockSize} can repair it)`,
      }),
    };
  }
  return undefined;
}
