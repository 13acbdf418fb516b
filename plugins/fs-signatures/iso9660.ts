// ISO 9660 primary volume descriptor at sector 16 (ECMA-119 8.4; util-linux
// libblkid/src/superblocks/iso9660.c): label from the volume identifier (the Joliet UTF-16 label is not
// read), UUID from the modification or creation date. statfs as linux fs/isofs/inode.c isofs_statfs():
// the block size is the logical block (zone) size, f_blocks the volume space size, nothing free, no inodes.
import { bitmatch } from '../../core/bitsyntax/index.js';
import { IntrospectError } from '../../core/errors.js';
import type { Content, FilesystemStats } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';

export const ISO_PVD_OFFSET = 0x8000;

export const isoPrimaryVolumeDescriptor = bitmatch(`
  1 : 8,
  "CD001" : 40 : string,
  vd_version : 8,
  _ : 8,
  system_id : 256 : string,
  volume_id : 256 : string,
  _ : 64,
  volume_space_size : 32 : littleendian,
  _ : 32,
  _ : 256,
  volume_set_size : 16 : littleendian,
  _ : 16,
  volume_sequence_number : 16 : littleendian,
  _ : 16,
  logical_block_size : 16 : littleendian,
  _ : 16,
  _ : 5448,
  creation_date : 128 : string,
  creation_offset : 8,
  modification_date : 128 : string,
  modification_offset : 8
`);

function readPvd(source: Source) {
  if (source.size < ISO_PVD_OFFSET + 2048) return undefined;
  return isoPrimaryVolumeDescriptor.match(source.read(ISO_PVD_OFFSET, 847, 'iso9660 primary volume descriptor'));
}

export function detectIso9660(source: Source): Content | undefined {
  const pvd = readPvd(source);
  if (!pvd) return undefined;
  const label = pvd.volume_id.replace(/ +$/, '');
  // blkid: the modification date, else the creation date, as "YYYY-MM-DD-HH-MM-SS-cc" (unset when all '0').
  const uuid = dateUuid(pvd.modification_date, pvd.modification_offset) ?? dateUuid(pvd.creation_date, pvd.creation_offset);
  return {
    type: 'iso9660',
    plugin: 'fs-signatures',
    role: 'filesystem',
    label: label === '' ? undefined : label,
    uuid,
  };
}

export function iso9660Statfs(source: Source): FilesystemStats {
  const pvd = readPvd(source);
  if (!pvd) throw new IntrospectError({ file: source.name, structure: 'iso9660 primary volume descriptor', offset: ISO_PVD_OFFSET, reason: 'not found' });
  // isofs_fill_super() accepts logical zones of 512, 1024 and 2048 bytes only.
  if (![512, 1024, 2048].includes(pvd.logical_block_size)) {
    throw new IntrospectError({ file: source.name, structure: 'iso9660 logical_block_size', offset: ISO_PVD_OFFSET + 128, reason: `bad logical zone size ${pvd.logical_block_size}` });
  }
  return { blockSize: pvd.logical_block_size, blocks: pvd.volume_space_size, bfree: 0, bavail: 0, files: 0, ffree: 0 };
}

function dateUuid(d: string, offset: number): string | undefined {
  if (!/^\d{16}$/.test(d) || (/^0{16}$/.test(d) && offset === 0)) return undefined;
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}-${d.slice(8, 10)}-${d.slice(10, 12)}-${d.slice(12, 14)}-${d.slice(14, 16)}`;
}
