// Poor man's df: free blocks of an ext2/3/4 filesystem, read with the superblock pattern imported from
// e2fsprogs' ext2_fs.h (examples/ext2-super-block.ts). Usage: poor-mans-df IMAGE [PARTITION_OFFSET_BYTES]
import { Bitstring } from '../core/bitsyntax/index.js';
import { ext2_super_block } from './ext2-super-block.js';

const [image = '', offset = '0'] = process.argv.slice(2);
const sb = ext2_super_block.parse(Bitstring.fromFile(image, Number(offset) + 1024, 1024));
if (sb.s_magic !== 0xef53) throw new Error(`${image}: no ext2/3/4 superblock at byte ${Number(offset) + 1024}`);
const free = sb.s_free_blocks_count + (sb.s_feature_incompat & 0x80 ? sb.s_free_blocks_hi * 2 ** 32 : 0); // INCOMPAT_64BIT
// s_free_blocks_count is the superblock's lazily written counter, not statfs's f_bfree (docs/import-c.md)
console.log(`${free} free blocks of ${1024 << sb.s_log_block_size} bytes`);
