// XFS superblock (linux fs/xfs/libxfs/xfs_format.h struct xfs_dsb, big-endian; util-linux
// libblkid/src/superblocks/xfs.c): detection with label and UUID; statfs as linux fs/xfs/xfs_super.c
// xfs_fs_statfs() reports it on a read-only mount (no per-AG reservations, AGFs not read, so only the
// allocation set-aside, xfs_alloc_set_aside() = 8 blocks per AG, is withheld), from the superblock's
// counters (exact after a clean unmount; a dirty log is not replayed here).
import { bitmatch } from '../../core/bitsyntax/index.js';
import { IntrospectError } from '../../core/errors.js';
import type { Content, FilesystemStats } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { cString, uuidText } from './text.js';

export const xfsDsb = bitmatch(`
  0x58465342 : 32,
  sb_blocksize : 32,
  sb_dblocks : 64,
  sb_rblocks : 64,
  sb_rextents : 64,
  sb_uuid : 128 : bitstring,
  sb_logstart : 64,
  sb_rootino : 64,
  sb_rbmino : 64,
  sb_rsumino : 64,
  sb_rextsize : 32,
  sb_agblocks : 32,
  sb_agcount : 32,
  sb_rbmblocks : 32,
  sb_logblocks : 32,
  sb_versionnum : 16,
  sb_sectsize : 16,
  sb_inodesize : 16,
  sb_inopblock : 16,
  sb_fname : 96 : bitstring,
  sb_blocklog : 8,
  sb_sectlog : 8,
  sb_inodelog : 8,
  sb_inopblog : 8,
  sb_agblklog : 8,
  sb_rextslog : 8,
  sb_inprogress : 8,
  sb_imax_pct : 8,
  sb_icount : 64,
  sb_ifree : 64,
  sb_fdblocks : 64,
  sb_frextents : 64
`);

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

function readXfsSuperBlock(source: Source) {
  if (source.size < 512) return undefined;
  return xfsDsb.match(source.read(0, 160, 'xfs superblock'));
}

export function detectXfs(source: Source): Content | undefined {
  const sb = readXfsSuperBlock(source);
  if (!sb) return undefined;
  // A subset of xfs_verify_sb() as blkid applies it: refuse obviously impossible geometry.
  const version = sb.sb_versionnum & 0x000f;
  if (version < 1 || version > 5) return undefined;
  if (!isPowerOfTwo(sb.sb_blocksize) || sb.sb_blocksize < 512 || sb.sb_blocksize > 65536) return undefined;
  if (!isPowerOfTwo(sb.sb_sectsize) || sb.sb_sectsize < 512 || sb.sb_agcount === 0) return undefined;
  if (sb.sb_inprogress !== 0) return undefined;
  return {
    type: 'xfs',
    plugin: 'fs-signatures',
    role: 'filesystem',
    label: cString(sb.sb_fname.toUint8Array()),
    uuid: uuidText(sb.sb_uuid.toUint8Array()),
  };
}

const XFS_INODES_PER_CHUNK = 64;
const XFS_MAXINUMBER = 2n ** 56n - 1n;

export function xfsStatfs(source: Source): FilesystemStats {
  const sb = readXfsSuperBlock(source);
  if (!sb) throw new IntrospectError({ file: source.name, structure: 'xfs superblock', offset: 0, reason: 'bad magic (not XFSB)' });
  const dblocks = BigInt(sb.sb_dblocks);
  if (dblocks * BigInt(sb.sb_blocksize) > BigInt(source.size)) {
    throw new IntrospectError({ file: source.name, structure: 'xfs superblock sb_dblocks', offset: 8, reason: `${dblocks} blocks of ${sb.sb_blocksize} bytes exceed the size of the device (${source.size} bytes): filesystem truncated` });
  }
  const logBlocks = BigInt(sb.sb_logstart) !== 0n ? BigInt(sb.sb_logblocks) : 0n;
  const blocks = dblocks - logBlocks;
  const setAside = BigInt(sb.sb_agcount) * 8n;
  const fdblocks = BigInt(sb.sb_fdblocks);
  const bfree = fdblocks > setAside ? fdblocks - setAside : 0n;
  const icount = BigInt(sb.sb_icount);
  const ifree = BigInt(sb.sb_ifree);
  // xfs_ialloc_setup_geometry(): maxicount from imax_pct, in whole inode-allocation units.
  const inopblog = BigInt(sb.sb_inopblog);
  const iallocInos = BigInt(Math.max(XFS_INODES_PER_CHUNK, sb.sb_inopblock));
  const iallocBlks = iallocInos >> inopblog;
  let maxicount = 0n;
  if (sb.sb_imax_pct !== 0 && iallocBlks !== 0n) maxicount = (((dblocks * BigInt(sb.sb_imax_pct)) / 100n / iallocBlks) * iallocBlks) << inopblog;
  let files = icount + (bfree << inopblog);
  if (files > XFS_MAXINUMBER) files = XFS_MAXINUMBER;
  if (maxicount !== 0n && files > maxicount) files = maxicount;
  if (files < icount) files = icount;
  const ffree = files - (icount - ifree);
  return {
    blockSize: sb.sb_blocksize,
    blocks: Number(blocks),
    bfree: Number(bfree),
    bavail: Number(bfree),
    files: Number(files),
    ffree: Number(ffree > 0n ? ffree : 0n),
  };
}
