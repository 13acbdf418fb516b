// Free-bit counting for NTFS bitmaps ($Bitmap, $MFT/$BITMAP).
// ntfs-3g libntfs-3g/attrib.c ntfs_attr_get_free_bits counts zero bits over the whole attribute
// value a 32-bit word at a time (through a byte lookup table); we do the same with the SWAR
// bit-trick popcount, so a 1 TiB volume's 32 MiB $Bitmap costs ~8 M word operations, not 268 M bit tests.

/** Number of set bits in a 32-bit word (SWAR popcount, Hacker's Delight 5-2). */
export function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

const BYTE_POPCOUNT = (() => {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) table[i] = popcount32(i);
  return table;
})();

/**
 * Number of zero bits in the first `bitLength` bits of `bytes` (bit i = byte i>>3, bit i&7, as NTFS
 * bitmaps are laid out). Whole 32-bit words are counted with popcount32; only the unaligned head and
 * the tail bytes are counted byte by byte.
 */
export function countZeroBits(bytes: Uint8Array, bitLength: number = bytes.length * 8): number {
  if (!Number.isSafeInteger(bitLength) || bitLength < 0 || bitLength > bytes.length * 8) {
    throw new RangeError(`bit length ${bitLength} outside the ${bytes.length}-byte buffer`);
  }
  const fullBytes = Math.floor(bitLength / 8);
  let ones = 0;
  let i = 0;
  // Head: bytes until the view is 4-byte aligned, so a Uint32Array can alias the buffer.
  const misalign = (bytes.byteOffset & 3) === 0 ? 0 : 4 - (bytes.byteOffset & 3);
  const head = Math.min(misalign, fullBytes);
  for (; i < head; i++) ones += BYTE_POPCOUNT[bytes[i]];
  const words = Math.floor((fullBytes - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) ones += popcount32(view[w]);
    i += words * 4;
  }
  for (; i < fullBytes; i++) ones += BYTE_POPCOUNT[bytes[i]];
  const restBits = bitLength - fullBytes * 8;
  if (restBits > 0) ones += BYTE_POPCOUNT[bytes[fullBytes] & ((1 << restBits) - 1)];
  return bitLength - ones;
}
