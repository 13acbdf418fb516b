// The head of an on-disk inode (e2fsprogs lib/ext2fs/ext2_fs.h struct ext2_inode): enough for i_size,
// whose high word (i_size_high) sits at 0x6C; i_block holds block pointers or an extent tree alike.
import { bitmatch } from '../../core/bitsyntax/index.js';

export const inodeHead = bitmatch(`
  i_mode : 16 : littleendian,
  i_uid : 16 : littleendian,
  i_size_lo : 32 : littleendian,
  i_atime : 32 : littleendian,
  i_ctime : 32 : littleendian,
  i_mtime : 32 : littleendian,
  i_dtime : 32 : littleendian,
  i_gid : 16 : littleendian,
  i_links_count : 16 : littleendian,
  i_blocks_lo : 32 : littleendian,
  i_flags : 32 : littleendian,
  i_osd1 : 32 : littleendian,
  _ : 480,
  i_generation : 32 : littleendian,
  i_file_acl_lo : 32 : littleendian,
  i_size_high : 32 : littleendian
`);

export const INODE_HEAD_SIZE = 0x70;
