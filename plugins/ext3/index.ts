// ext2/ext3/ext4 plugin: blkid-style detection and the kernel's statfs figures.
// Sources: e2fsprogs lib/ext2fs/ext2_fs.h, linux fs/ext4/super.c (ext4_statfs, ext4_calculate_overhead),
// util-linux libblkid/src/superblocks/ext.c.
import type { Plugin } from '../../core/pipeline/plugin.js';
import { detectExt } from './detect.js';
import { mountStateWarnings } from './mount-state.js';
import { extStatfs } from './statfs.js';
import { readSuperBlock } from './superblock.js';

export const EXT_TYPES: readonly string[] = ['ext2', 'ext3', 'ext4', 'ext4dev'];

export const ext3Plugin: Plugin = {
  name: 'ext3',
  apply(introspector) {
    introspector.hooks.detect.tap('ext3', (node, session) => {
      const { content, problem } = detectExt(node.source);
      if (problem) session.report(problem.level, problem.error, node.device);
      return content;
    });
    introspector.hooks.statfs.tap('ext3', (node, session) => {
      if (node.content?.plugin !== 'ext3' || !EXT_TYPES.includes(node.content.type)) return undefined;
      const stats = extStatfs(node.source);
      const found = readSuperBlock(node.source);
      if (found) for (const warning of mountStateWarnings(found.sb, node.source)) session.report('warning', warning, node.device);
      return stats;
    });
  },
};

export default ext3Plugin;
export { extStatfs } from './statfs.js';
export { detectExt, extTypeOf } from './detect.js';
