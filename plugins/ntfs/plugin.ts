// The NTFS plugin: `detect` recognises an NTFS boot sector (label and UUID as blkid reports them,
// util-linux libblkid/src/superblocks/ntfs.c) and `statfs` answers with ntfs-3g's statvfs figures.
import { IntrospectError } from '../../core/errors.js';
import type { Content, FilesystemStats, StorageNode } from '../../core/pipeline/model.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import type { InspectSession, Introspector } from '../../core/pipeline/introspector.js';
import { AT_BITMAP, AT_DATA, FILE_Bitmap, FILE_MFT } from './layout.js';
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

/**
 * The system records statfs needs ($Bitmap's $DATA, $MFT's $BITMAP), read, fixed up and their
 * runlists decoded without reading the bitmaps themselves: two MFT records, so `list` can say a
 * volume is damaged (issue #9) without paying for the free-space count. Throws IntrospectError.
 */
export function checkNtfsMetadata(source: Source): void {
  const volume = openNtfsVolume(source);
  volume.attributeValue(FILE_Bitmap, AT_DATA);
  volume.attributeValue(FILE_MFT, AT_BITMAP);
}

/** Sources whose damage detect already reported: statfs leaves them to that report. */
const reported = new WeakSet<Source>();

export const ntfsPlugin: Plugin = {
  name: 'ntfs',
  apply(introspector: Introspector): void {
    // Before partition-table detectors: an NTFS boot sector also ends in 0x55AA, like an MBR.
    // A damaged volume is still named (with the reason in `note`) and its damage reported once, here,
    // as an error of the device: every view (list, df, inspect) shows it and exits 1; statfs then
    // has no figures for it rather than throwing the same error a second time.
    introspector.hooks.detect.tap({ name: 'ntfs', stage: -10 }, (node: StorageNode, session: InspectSession) => {
      const found = detectNtfs(node.source);
      if (!found) return undefined;
      const { error, ...content } = found;
      let damage = error;
      if (!damage) {
        try {
          checkNtfsMetadata(node.source);
        } catch (e) {
          if (!(e instanceof IntrospectError)) throw e;
          damage = e;
          content.note = 'figures unavailable: the volume\'s metadata is damaged';
        }
      }
      if (damage) {
        session.report('error', damage, node.device);
        reported.add(node.source);
      }
      return content;
    });
    introspector.hooks.statfs.tap('ntfs', (node: StorageNode): FilesystemStats | undefined => {
      if (node.content?.type !== 'ntfs' || reported.has(node.source)) return undefined;
      const s = ntfsStatfs(node.source);
      return { blockSize: s.blockSize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree };
    });
  },
};

export default ntfsPlugin;
