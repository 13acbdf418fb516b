// Linux swap areas, as util-linux libblkid/src/superblocks/swap.c probes them: the signature sits in
// the last 10 bytes of the first page ("SWAP-SPACE" v0, "SWAPSPACE2" v1) for page sizes 4 KiB..64 KiB;
// v1 keeps struct swap_header_v1_2 (linux include/linux/swap.h) at byte 1024.
import { bitmatch } from '../../core/bitsyntax/index.js';
import type { Content } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { cString, uuidText } from './text.js';

const swapSignature = bitmatch(`signature : 80 : string`);

export const swapHeaderV1 = bitmatch(`
  version : 32 : littleendian,
  last_page : 32 : littleendian,
  nr_badpages : 32 : littleendian,
  sws_uuid : 128 : bitstring,
  sws_volume : 128 : bitstring
`);

const PAGE_SIZES = [4096, 8192, 16384, 32768, 65536];

export function detectSwap(source: Source): Content | undefined {
  for (const pageSize of PAGE_SIZES) {
    if (source.size < pageSize) break;
    const { signature } = swapSignature.parse(source.read(pageSize - 10, 10, 'swap signature'));
    if (signature === 'SWAP-SPACE') return { type: 'swap', plugin: 'fs-signatures', role: 'other', note: 'swap (version 0): not a filesystem' };
    if (signature !== 'SWAPSPACE2') continue;
    const header = swapHeaderV1.parse(source.read(1024, 44, 'swap header'));
    // The header may be in the other byte order (swap made on a big-endian machine): blkid accepts both.
    if (header.version !== 1 && header.version !== 0x01000000) return undefined;
    return {
      type: 'swap',
      plugin: 'fs-signatures',
      role: 'other',
      label: cString(header.sws_volume.toUint8Array()),
      uuid: uuidText(header.sws_uuid.toUint8Array()),
      note: 'swap: not a filesystem',
    };
  }
  return undefined;
}
