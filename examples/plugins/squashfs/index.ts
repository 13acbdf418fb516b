// Example third-party plugin (see docs/foundation.md, "Writing a plugin"): recognises SquashFS 4.0
// filesystems and reports their statfs figures the way the kernel does.
// Primary sources: linux fs/squashfs/squashfs_fs.h (struct squashfs_super_block, SQUASHFS_MAGIC),
// fs/squashfs/super.c (squashfs_fill_super's checks, squashfs_statfs).
//
// A published plugin imports from the package: `from 'introspect'`. Inside this repository the same
// public API is reached by its path.
import { bitmatch, IntrospectError, type Content, type FilesystemStats, type Plugin, type Source } from '../../../core/index.js';

export const PLUGIN_NAME = 'example-squashfs';

/** struct squashfs_super_block, first 64 of its 96 bytes; all fields little-endian. */
export const squashfsSuperBlock = bitmatch(`
  0x73717368 : 32 : littleendian,
  inodes : 32 : littleendian,
  mkfs_time : 32 : littleendian,
  block_size : 32 : littleendian,
  fragments : 32 : littleendian,
  compression : 16 : littleendian,
  block_log : 16 : littleendian,
  flags : 16 : littleendian,
  no_ids : 16 : littleendian,
  s_major : 16 : littleendian,
  s_minor : 16 : littleendian,
  root_inode : 64 : littleendian,
  bytes_used : 64 : littleendian
`);

const SUPER_BLOCK_SIZE = 64;
const SQUASHFS_MAJOR = 4;
/** SQUASHFS_FILE_MAX_LOG: blocks are at most 1 MiB. */
const SQUASHFS_FILE_MAX_LOG = 20;
const COMPRESSORS: Record<number, string> = { 1: 'gzip', 2: 'lzma', 3: 'lzo', 4: 'xz', 5: 'lz4', 6: 'zstd' };

/** Options a configuration can pass: `"plugins": [["./squashfs/index.js", { "label": "..." }]]`. */
export interface SquashfsPluginOptions {
  /** SquashFS has no label field; this one is shown instead (default: none). */
  label?: string;
}

function readSuperBlock(source: Source) {
  if (source.size < SUPER_BLOCK_SIZE) return undefined;
  return squashfsSuperBlock.match(source.read(0, SUPER_BLOCK_SIZE, 'squashfs super block'));
}

export function detectSquashfs(source: Source, options: SquashfsPluginOptions = {}): Content | undefined {
  const sb = readSuperBlock(source);
  if (!sb) return undefined;
  // Squashfs 1.x-3.x (and big-endian images) share the magic; the kernel mounts only 4.x.
  if (sb.s_major !== SQUASHFS_MAJOR) {
    return { type: 'squashfs', plugin: PLUGIN_NAME, role: 'other', note: `squashfs ${sb.s_major}.${sb.s_minor}: not mountable by Linux` };
  }
  const compression = COMPRESSORS[sb.compression] ?? `compressor ${sb.compression}`;
  return { type: 'squashfs', plugin: PLUGIN_NAME, role: 'filesystem', label: options.label, note: `read-only, ${compression}` };
}

/** squashfs_statfs: blocks = ((bytes_used - 1) >> block_log) + 1, nothing free, files = inodes. */
export function squashfsStatfs(source: Source): FilesystemStats {
  const sb = readSuperBlock(source);
  const fail = (offset: number, reason: string): never => {
    throw new IntrospectError({ file: source.name, structure: 'squashfs super block', offset, reason });
  };
  if (!sb) return fail(0, 'no squashfs super block');
  // The checks squashfs_fill_super makes before it mounts.
  if (sb.block_log > SQUASHFS_FILE_MAX_LOG) fail(22, `block_log ${sb.block_log} is larger than ${SQUASHFS_FILE_MAX_LOG}`);
  if (sb.block_size !== 2 ** sb.block_log) fail(12, `block_size ${sb.block_size} does not match block_log ${sb.block_log}`);
  const bytesUsed = BigInt(sb.bytes_used);
  if (bytesUsed <= 0n || bytesUsed > BigInt(source.size)) fail(40, `bytes_used ${bytesUsed} is outside the device (${source.size} bytes)`);
  const blocks = Number(((bytesUsed - 1n) >> BigInt(sb.block_log)) + 1n);
  return { blockSize: sb.block_size, blocks, bfree: 0, bavail: 0, files: sb.inodes, ffree: 0 };
}

/** Default export: a factory, so a configuration can pass options. */
export default function squashfsPlugin(options: SquashfsPluginOptions = {}): Plugin {
  return {
    name: PLUGIN_NAME,
    apply(introspector) {
      introspector.hooks.detect.tap(PLUGIN_NAME, (node) => detectSquashfs(node.source, options));
      introspector.hooks.statfs.tap(PLUGIN_NAME, (node) => (node.content?.plugin === PLUGIN_NAME && node.content.role === 'filesystem' ? squashfsStatfs(node.source) : undefined));
    },
  };
}
