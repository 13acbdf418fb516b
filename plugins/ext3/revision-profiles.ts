// Superblock revisions as semver-ranged filesystem profiles (profiles/filesystem/ext-rev*.json):
// s_rev_level.s_minor_rev_level.0 selects the profile; its `constants` replace superblock fields
// that the revision does not define (rev 0 has no s_inode_size, no s_first_ino).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import type { Profile } from '../../core/profiles/types.js';

function profileDir(): string | undefined {
  // plugins/ext3 in the source tree, dist/plugins/ext3 once built: profiles/ sits at the package root.
  for (const up of ['../../profiles/filesystem', '../../../profiles/filesystem']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

let cached: Profile[] | undefined;

export function extRevisionProfiles(): Profile[] {
  if (cached) return cached;
  const dir = profileDir();
  const profiles: Profile[] = [];
  if (dir) {
    for (const file of readdirSync(dir).filter((f) => /^ext-rev.*\.json$/.test(f)).sort()) {
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
      profiles.push({ ...profile, origin: join(dir, file) });
    }
  }
  cached = profiles;
  return profiles;
}

export interface RevisionConstants {
  s_first_ino?: number;
  s_inode_size?: number;
}

/** The constants of the profile whose range holds this revision; rev 0 falls back to the kernel's defaults. */
export function revisionConstants(revLevel: number, minorRevLevel: number): RevisionConstants {
  const version = `${revLevel}.${minorRevLevel}.0`;
  const profile = extRevisionProfiles().find((p) => semver.satisfies(version, p.versions));
  if (profile) return (profile.data.constants ?? {}) as RevisionConstants;
  // EXT2_GOOD_OLD_REV without shipped profiles: ext4_fill_super's own constants.
  return revLevel === 0 ? { s_first_ino: 11, s_inode_size: 128 } : {};
}
