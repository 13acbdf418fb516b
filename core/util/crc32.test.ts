import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table, makeCrc32 } from './crc32.js';

describe('crc32', () => {
  it('gives the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
  it('agrees with zlib on arbitrary data and sub-ranges', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) & 0xff);
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(data, 100, 900)).toBe(zlibCrc32(data.subarray(100, 900)));
  });
  it('makes variants with another initial value and no final xor (LVM2 style)', () => {
    const lvm = makeCrc32({ init: 0xf597a6cf, xorOut: 0 });
    // With the register primed to ~init and a final xor, the same engine gives zlib's continuation.
    const data = Buffer.from('LVM2 metadata');
    const manual = (() => {
      const t = crc32Table();
      let c = 0xf597a6cf;
      for (const b of data) c = t[(c ^ b) & 0xff] ^ (c >>> 8);
      return c >>> 0;
    })();
    expect(lvm(data)).toBe(manual);
    expect(lvm(new Uint8Array(0))).toBe(0xf597a6cf);
    expect(crc32Table()[1]).toBe(0x77073096);
  });
});
