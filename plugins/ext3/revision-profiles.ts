// Superblock revisions as semver-ranged filesystem profiles (profiles/filesystem/ext-rev*.json, loaded
// and validated by core/profiles): s_rev_level.s_minor_rev_level.0 selects the profile, whose
// `constants` replace superblock fields the revision does not define (rev 0 has no s_inode_size and no
// s_first_ino: linux fs/ext4/super.c uses EXT4_GOOD_OLD_INODE_SIZE and EXT4_GOOD_OLD_FIRST_INO).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfileFile, profileFiles, selectProfile, shippedProfilesDir } from '../../core/profiles/index.js';
import type { Profile } from '../../core/profiles/types.js';

let cached: Profile[] | undefined;

/** The shipped ext revision profiles (only these files are read, not the whole profile folder). */
export function extRevisionProfiles(): Profile[] {
  if (cached) return cached;
  const root = shippedProfilesDir();
  const dir = root ? join(root, 'filesystem') : undefined;
  cached = dir && existsSync(dir) ? profileFiles(dir).filter((f) => /\/ext-rev[^/]*\.json$/.test(f)).map(loadProfileFile) : [];
  return cached;
}

export interface RevisionConstants {
  s_first_ino?: number;
  s_inode_size?: number;
}

/** The constants of the profile whose range holds this revision; rev 0 falls back to the kernel's own. */
export function revisionConstants(revLevel: number, minorRevLevel: number): RevisionConstants {
  const { profile } = selectProfile(extRevisionProfiles(), { kind: 'filesystem', imagePath: 'ext superblock', release: `${revLevel}.${minorRevLevel}.0`, arch: 'any' });
  if (profile) return (profile.data.constants ?? {}) as RevisionConstants;
  return revLevel === 0 ? { s_first_ino: 11, s_inode_size: 128 } : {};
}
