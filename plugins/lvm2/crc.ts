import { makeCrc32 } from '../../core/util/crc32.js';

/**
 * The LVM2 checksum (lvm2 lib/misc/crc.c calc_crc, lib/misc/crc.h INITIAL_CRC): reflected CRC-32,
 * polynomial 0xEDB88320, initial value 0xF597A6CF, no final xor. It guards the label header
 * (bytes 20..511 of the label sector), the mda_header (bytes 4..511) and the metadata text.
 */
export const INITIAL_CRC = 0xf597a6cf;

export const lvmCrc = makeCrc32({ init: INITIAL_CRC, xorOut: 0 });
