// XFS superblock (linux fs/xfs/libxfs/xfs_format.h struct xfs_dsb, big-endian; util-linux
// libblkid/src/superblocks/xfs.c): detection with label and UUID.
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { Content } from '../../core/pipeline/model.js';
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

export function detectXfs(source: Source): Content | undefined {
  if (source.size < 512) return undefined;
  const sb = xfsDsb.match(source.read(0, 160, 'xfs superblock'));
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
    note: 'xfs: figures unavailable (free-space counters need the AG headers; not read)',
  };
}
