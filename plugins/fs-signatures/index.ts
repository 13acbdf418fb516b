// Signatures of contents that are named but not (or only partly) measured: swap, LUKS, xfs, btrfs,
// vfat, iso9660. Tapped at a late stage so partition tables, LVM and the main filesystem plugins
// (ext, NTFS) decide first; blkid's own probing order among these is kept.
import type { Plugin } from '../../core/pipeline/plugin.js';
import { detectBtrfs } from './btrfs.js';
import { detectIso9660, iso9660Statfs } from './iso9660.js';
import { detectLuks } from './luks.js';
import { detectSwap } from './swap.js';
import { detectVfat, fatStatfs } from './vfat.js';
import { detectXfs, xfsStatfs } from './xfs.js';

export const FS_SIGNATURES_STAGE = 100;

const probes = [detectLuks, detectXfs, detectBtrfs, detectVfat, detectIso9660, detectSwap];

export const fsSignaturesPlugin: Plugin = {
  name: 'fs-signatures',
  apply(introspector) {
    introspector.hooks.detect.tap({ name: 'fs-signatures', stage: FS_SIGNATURES_STAGE }, (node) => {
      for (const probe of probes) {
        const content = probe(node.source);
        if (content) return content;
      }
      return undefined;
    });
    introspector.hooks.statfs.tap({ name: 'fs-signatures', stage: FS_SIGNATURES_STAGE }, (node) => {
      if (node.content?.plugin !== 'fs-signatures') return undefined;
      if (node.content.type === 'vfat') return fatStatfs(node.source);
      if (node.content.type === 'xfs') return xfsStatfs(node.source);
      if (node.content.type === 'iso9660') return iso9660Statfs(node.source);
      return undefined;
    });
  },
};

export default fsSignaturesPlugin;
export { detectBtrfs, detectIso9660, detectLuks, detectSwap, detectVfat, detectXfs, fatStatfs, xfsStatfs, iso9660Statfs };
