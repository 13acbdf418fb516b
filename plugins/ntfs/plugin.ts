// The NTFS plugin: `detect` recognises an NTFS boot sector (label and UUID as blkid reports them,
// util-linux libblkid/src/superblocks/ntfs.c) and `statfs` answers with ntfs-3g's statvfs figures.
import { IntrospectError } from '../../core/errors.js';
import type { Content, FilesystemStats, StorageNode } from '../../core/pipeline/model.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import type { Introspector } from '../../core/pipeline/introspector.js';
import type { Source } from '../../core/source/source.js';
import { isNtfsBootSector, ntfsUuid } from './boot-sector.js';
import { ntfsStatvfs, type NtfsStatvfs } from './statvfs.js';
import { NtfsVolume } from './volume.js';

const volumes = new WeakMap<Source, NtfsVolume>();

/** The volume of a source, opened once and kept for later hooks (detect, then statfs). */
export function openNtfsVolume(source: Source): NtfsVolume {
  let volume = volumes.get(source);
  if (!volume) {
    volume = NtfsVolume.open(source);
    volumes.set(source, volume);
  }
  return volume;
}

/** Open a volume and compute its statvfs figures (throws IntrospectError on corruption). */
export function ntfsStatfs(source: Source): NtfsStatvfs {
  const volume = openNtfsVolume(source);
  return ntfsStatvfs(volume.geometry, volume.clusterBitmap(), volume.mftBitmap());
}

/**
 * What blkid would say: undefined if the source does not start with an NTFS boot sector; otherwise
 * type, UUID (from the boot sector) and label ($Volume), with `error` set when part of it is damaged.
 */
export function detectNtfs(source: Source): (Content & { error?: IntrospectError }) | undefined {
  if (source.size < 512) return undefined;
  const sector = source.read(0, 512, 'NTFS boot sector');
  if (!isNtfsBootSector(sector)) return undefined;
  const content: Content & { error?: IntrospectError } = { type: 'ntfs', plugin: 'ntfs', role: 'filesystem', uuid: ntfsUuid(sector) };
  try {
    const label = openNtfsVolume(source).volumeName();
    if (label !== undefined) content.label = label;
  } catch (error) {
    if (!(error instanceof IntrospectError)) throw error;
    // Recognised as NTFS, but its metadata is damaged: say so instead of dropping it.
    content.note = `metadata unreadable: ${error.reason}`;
    content.error = error;
  }
  return content;
}

export const ntfsPlugin: Plugin = {
  name: 'ntfs',
  apply(introspector: Introspector): void {
    // Before partition-table detectors: an NTFS boot sector also ends in 0x55AA, like an MBR.
    // A damaged volume is still named (with the reason in `note`); its statfs call then throws the
    // error, so views report it once, where the figures were asked for.
    introspector.hooks.detect.tap({ name: 'ntfs', stage: -10 }, (node: StorageNode) => {
      const found = detectNtfs(node.source);
      if (!found) return undefined;
      const { error: _error, ...content } = found;
      return content;
    });
    introspector.hooks.statfs.tap('ntfs', (node: StorageNode): FilesystemStats | undefined => {
      if (node.content?.type !== 'ntfs') return undefined;
      const s = ntfsStatfs(node.source);
      return { blockSize: s.blockSize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
    });
  },
};

export default ntfsPlugin;
