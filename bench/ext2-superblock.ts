/**
 * The ext2 superblock (linux fs/ext2/ext2.h, struct ext2_super_block), used by the bit-syntax
 * benchmark and tests. BENCH_FIELDS is the benchmark workload: 31 integers, the uuid as a
 * zero-copy view and the NUL-padded volume name (the first 136 bytes).
 */
export const EXT2_SUPERBLOCK_HEAD = `
  s_inodes_count : 32 : littleendian,        // Inodes count
  s_blocks_count : 32 : littleendian,        // Blocks count
  s_r_blocks_count : 32 : littleendian,      // Reserved blocks count
  s_free_blocks_count : 32 : littleendian,   // Free blocks count
  s_free_inodes_count : 32 : littleendian,   // Free inodes count
  s_first_data_block : 32 : littleendian,    // First Data Block
  s_log_block_size : 32 : littleendian,      // Block size
  s_log_frag_size : 32 : littleendian,       // Fragment size
  s_blocks_per_group : 32 : littleendian,    // # Blocks per group
  s_frags_per_group : 32 : littleendian,     // # Fragments per group
  s_inodes_per_group : 32 : littleendian,    // # Inodes per group
  s_mtime : 32 : littleendian,               // Mount time
  s_wtime : 32 : littleendian,               // Write time
  s_mnt_count : 16 : littleendian,           // Mount count
  s_max_mnt_count : 16 : littleendian,       // Maximal mount count
  s_magic : 16 : littleendian,               // Magic signature (0xEF53)
  s_state : 16 : littleendian,               // File system state
  s_errors : 16 : littleendian,              // Behaviour when detecting errors
  s_minor_rev_level : 16 : littleendian,     // minor revision level
  s_lastcheck : 32 : littleendian,           // time of last check
  s_checkinterval : 32 : littleendian,       // max. time between checks
  s_creator_os : 32 : littleendian,          // OS
  s_rev_level : 32 : littleendian,           // Revision level
  s_def_resuid : 16 : littleendian,          // Default uid for reserved blocks
  s_def_resgid : 16 : littleendian,          // Default gid for reserved blocks
  s_first_ino : 32 : littleendian,           // First non-reserved inode
  s_inode_size : 16 : littleendian,          // size of inode structure
  s_block_group_nr : 16 : littleendian,      // block group # of this superblock
  s_feature_compat : 32 : littleendian,      // compatible feature set
  s_feature_incompat : 32 : littleendian,    // incompatible feature set
  s_feature_ro_compat : 32 : littleendian,   // readonly-compatible feature set
  s_uuid : 128 : bitstring,                  // 128-bit uuid for volume
  s_volume_name : 128 : string               // volume name
`;
