/** The committed examples/ext2-super-block.ts (made by import-c from e2fsprogs' ext2_fs.h): typed, and reading a superblock. */
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { Bitstring } from '../../../core/bitsyntax/index.js';
import { ext2_super_block } from '../../../examples/ext2-super-block.js';

describe('examples/ext2-super-block.ts', () => {
  test('result types are inferred from the pattern text; values come from the right offsets', () => {
    const bytes = new Uint8Array(1024);
    const v = new DataView(bytes.buffer);
    v.setUint32(0x0c, 40852, true); // s_free_blocks_count
    v.setUint16(0x38, 0xef53, true); // s_magic
    v.setUint32(0x18, 0, true); // s_log_block_size
    v.setBigUint64(0x178, 123456789012345n, true); // s_kbytes_written
    bytes.set([1, 2, 3, 4], 0x68); // s_uuid
    v.setUint32(0x3fc, 0xcafef00d, true); // s_checksum, the last field
    const sb = ext2_super_block.parse(bytes);
    expectTypeOf(sb.s_free_blocks_count).toEqualTypeOf<number>();
    expectTypeOf(sb.s_kbytes_written).toEqualTypeOf<bigint>();
    expectTypeOf(sb.s_uuid).toEqualTypeOf<Bitstring>();
    expectTypeOf(sb.s_hash_seed).toEqualTypeOf<number[]>();
    expect([sb.s_free_blocks_count, sb.s_magic, sb.s_kbytes_written, sb.s_checksum]).toEqual([40852, 0xef53, 123456789012345n, 0xcafef00d]);
    expect([...sb.s_uuid.toUint8Array().subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(sb.s_reserved).toHaveLength(94);
    expect(ext2_super_block.match(bytes.subarray(0, 1023))).toBeUndefined();
  });
});
