// Superblock states in which a mount would change the figures before statfs sees them
// (linux fs/ext4/super.c: journal replay for needs_recovery, ext4_orphan_cleanup for s_last_orphan),
// or which the kernel reports at mount (EXT2_ERROR_FS). Figures are still computed; these are warnings.
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { hasFeature, INCOMPAT_RECOVER, SUPERBLOCK_OFFSET, type ExtSuperBlock } from './superblock.js';

const EXT2_ERROR_FS = 0x0002;

export function mountStateWarnings(sb: ExtSuperBlock, source: Source): IntrospectError[] {
  const warnings: IntrospectError[] = [];
  const warn = (field: string, offset: number, reason: string): void => {
    warnings.push(new IntrospectError({ file: source.name, structure: `ext superblock ${field}`, offset: SUPERBLOCK_OFFSET + offset, reason }));
  };
  if (hasFeature(sb.s_feature_incompat, INCOMPAT_RECOVER)) {
    warn('s_feature_incompat', 0x60, 'the journal needs recovery (not cleanly unmounted): a mount would replay it first, so the guest may see other figures');
  }
  if (sb.s_last_orphan !== 0) {
    warn('s_last_orphan', 0xe8, `orphan inodes are pending (first ${sb.s_last_orphan}): a mount would free them first, so the guest may see more free space`);
  }
  if ((sb.s_state & EXT2_ERROR_FS) !== 0) {
    warn('s_state', 0x3a, 'the filesystem is marked as having errors (run e2fsck)');
  }
  return warnings;
}
