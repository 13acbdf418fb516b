import { describe, expect, expectTypeOf, it } from 'vitest';
import { bitmatch, Bitstring } from '../../../core/bitsyntax/index.js';

const ext3 = bitmatch(`
  s_inodes_count : 32 : littleendian,        // Inodes count
  s_blocks_count : 32 : littleendian,        // Blocks count
  s_r_blocks_count : 32 : littleendian,      // Reserved blocks count
  s_free_blocks_count : 32 : littleendian,   // Free blocks count
  s_free_inodes_count : 32 : littleendian,   // Free inodes count
  s_first_data_block : 32 : littleendian,    // First Data Block
  s_log_block_size : 32 : littleendian,      // Block size
  s_log_frag_size : 32 : littleendian : signed, // Fragment size
  s_blocks_per_group : 32 : littleendian,    // # Blocks per group
  s_frags_per_group : 32 : littleendian,     // # Fragments per group
  s_inodes_per_group : 32 : littleendian,    // # Inodes per group
  s_mtime : 32 : littleendian,               // Mount time
  s_wtime : 32 : littleendian,               // Write time
  s_mnt_count : 16 : littleendian,           // Mount count
  s_max_mnt_count : 16 : littleendian, signed, // Maximal mount count
  0xEF53 : 16 : littleendian,                // Magic signature
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
  s_volume_name : 128 : string,              // volume name
  s_last_mounted : 512 : string,             // directory where last mounted
  s_algorithm_usage_bitmap : 32 : littleendian, // For compression
  s_prealloc_blocks : 8,                     // Nr of blocks to try to preallocate
  s_prealloc_dir_blocks : 8,                 // Nr to preallocate for dirs
  _ : 16,                                    // s_padding1
  s_journal_uuid : 128 : bitstring,          // uuid of journal superblock
  s_journal_inum : 32 : littleendian,        // inode number of journal file
  s_journal_dev : 32 : littleendian,         // device number of journal file
  s_last_orphan : 32 : littleendian,         // start of list of inodes to delete
  s_hash_seed[4] : 32 : littleendian,        // HTREE hash seed
  s_def_hash_version : 8,                    // Default hash version to use
  _ : 24,                                    // padding
  s_default_mount_opts : 32 : littleendian,
  s_first_meta_bg : 32 : littleendian,       // First metablock block group
  s_mkfs_time : 32 : littleendian,
  s_jnl_blocks[17] : 32 : littleendian,
  s_blocks_count_hi : 32 : littleendian,
  s_kbytes_written : 64 : littleendian,
  s_tiny : 3 : check(s_tiny < 7),
  s_dyn : s_tiny * 8 : bitstring,
  _ : 5 : save_offset_to(s_tail_off),
  s_code : utf8,
  s_scaled : 8 : bind(s_scaled * 2)
`);

describe('type inference', () => {
  it('infers a 50+ field pattern', () => {
    type R = NonNullable<ReturnType<typeof ext3.match>>;
    expectTypeOf<R['s_inodes_count']>().toEqualTypeOf<number>();
    expectTypeOf<R['s_log_frag_size']>().toEqualTypeOf<number>();
    expectTypeOf<R['s_uuid']>().toEqualTypeOf<Bitstring>();
    expectTypeOf<R['s_volume_name']>().toEqualTypeOf<string>();
    expectTypeOf<R['s_hash_seed']>().toEqualTypeOf<number[]>();
    expectTypeOf<R['s_kbytes_written']>().toEqualTypeOf<bigint>();
    expectTypeOf<R['s_dyn']>().toEqualTypeOf<Bitstring>();
    expectTypeOf<R['s_tail_off']>().toEqualTypeOf<number>();
    expectTypeOf<R['s_code']>().toEqualTypeOf<number>();
    expectTypeOf<R['s_scaled']>().toEqualTypeOf<number | bigint | string | boolean>();
    expectTypeOf<keyof R>().not.toEqualTypeOf<string>();
    // @ts-expect-error constants and _ produce no key
    type _NoMagic = R['0xEF53'];
    expect(Object.keys(ext3.fields).length).toBeGreaterThan(50);
  });
});

describe('type inference corners', () => {
  it('types qualifiers, arrays, records, env patterns and derived keys', () => {
    const entry = bitmatch('lba : 64 : littleendian, name : 576 : string(utf16le)');
    const p = bitmatch(
      `
      "EFI PART" : 64 : string,            // constant: no key
      (1|2) : 8,
      flags : 8 : check(min(flags, 3) < 3 && flags != 2),
      f : 32 : float : littleendian,
      d : 64 : float,
      cp : utf16 : littleendian,
      n : 8,
      dyn : n * 8,
      rest_int : -1,
      parts[n] : { :entry },
      inline : { a : 4, b : 60 },
      words[] : 16,
      sv : 8 : save_offset_to(sv_at),
      s : 24 : string, "a,b:c" : 40 : string
    `,
      { entry },
    );
    type R = NonNullable<ReturnType<typeof p.match>>;
    expectTypeOf<R>().toEqualTypeOf<{
      flags: number;
      f: number;
      d: number;
      cp: number;
      n: number;
      dyn: number | bigint;
      rest_int: number | bigint;
      parts: { lba: bigint; name: string }[];
      inline: { a: number; b: bigint };
      words: number[];
      sv: number;
      s: string;
      sv_at: number;
    }>();
    type I = Parameters<typeof p.build>[0];
    expectTypeOf<I['sv_at']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<I['parts']>().toEqualTypeOf<readonly { lba: number | bigint; name: string }[]>();
  });

  it('gives a generic record for run-time text and tagged templates', () => {
    const text: string = 'a : 8';
    const p = bitmatch(text);
    const q = bitmatch`a : ${8}`;
    expectTypeOf(p.parse(new Uint8Array(1))).toEqualTypeOf<{ readonly [key: string]: import('../../../core/bitsyntax/index.js').FieldValue }>();
    expectTypeOf(q.parse(new Uint8Array(1))['a']).toEqualTypeOf<import('../../../core/bitsyntax/index.js').FieldValue>();
    const stated = bitmatch<{ a: number }>`a : ${8}`;
    expectTypeOf(stated.parse(new Uint8Array(1)).a).toEqualTypeOf<number>();
    expect(stated.parse(new Uint8Array([7])).a).toBe(7);
  });
});
