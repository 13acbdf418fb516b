/**
 * Reflected (LSB-first) CRC-32, as used by GPT (UEFI spec; linux lib/crc32.c via efi_crc32 in
 * block/partitions/efi.c) and by LVM2 (lvm2 lib/misc/crc.c, with its own initial value and no final xor).
 */

/** The IEEE 802.3 polynomial in reflected form. */
export const CRC32_POLYNOMIAL_REFLECTED = 0xedb88320;

const tables = new Map<number, Uint32Array>();

/** The 256-entry lookup table of a reflected CRC-32 with the given (reflected) polynomial. */
export function crc32Table(polynomial: number = CRC32_POLYNOMIAL_REFLECTED): Uint32Array {
  const key = polynomial >>> 0;
  let table = tables.get(key);
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (key ^ (c >>> 1)) >>> 0 : c >>> 1;
      table[n] = c >>> 0;
    }
    tables.set(key, table);
  }
  return table;
}

export interface Crc32Options {
  /** Register value before the first byte (0xFFFFFFFF for IEEE/GPT, 0xF597A6CF for LVM2). */
  init: number;
  /** Value xored into the register at the end (0xFFFFFFFF for IEEE/GPT, 0 for LVM2). */
  xorOut: number;
  polynomial?: number;
}

/** A CRC function over bytes[start, end). */
export type Crc32Function = (bytes: Uint8Array, start?: number, end?: number) => number;

/** Make a reflected CRC-32 with the given initial value and final xor. */
export function makeCrc32(options: Crc32Options): Crc32Function {
  const table = crc32Table(options.polynomial);
  const init = options.init >>> 0;
  const xorOut = options.xorOut >>> 0;
  return (bytes, start = 0, end = bytes.length) => {
    let crc = init;
    for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ xorOut) >>> 0;
  };
}

/** Standard CRC-32 (zlib, GPT): init 0xFFFFFFFF, final xor 0xFFFFFFFF. crc32("123456789") = 0xCBF43926. */
export const crc32: Crc32Function = makeCrc32({ init: 0xffffffff, xorOut: 0xffffffff });
