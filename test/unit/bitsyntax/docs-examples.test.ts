// The examples of docs/bit-syntax.md, run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { BitMatchError, Bitstring, bitmatch, definePattern } from '../../../core/bitsyntax/index.js';
import { aotMain } from '../../../core/bitsyntax/aot-cli.js';
import { BytesSource } from '../../../core/source/derived-sources.js';

const mbrPartitionEntry = definePattern('mbr_partition_entry', `
  boot_indicator : 8,
  _ : 24,                               // CHS start, unused
  sys_ind : 8,
  _ : 24,                               // CHS end, unused
  start_sect : 32 : littleendian,
  nr_sects : 32 : littleendian
`);

declare module '../../../core/bitsyntax/types.js' {
  interface NamedPatterns {
    mbr_partition_entry: typeof mbrPartitionEntry;
  }
}

const ext3SuperBlock = definePattern('ext3_super_block', `
  s_inodes_count : 32 : littleendian, s_blocks_count : 32 : littleendian, s_r_blocks_count : 32 : littleendian,
  s_free_blocks_count : 32 : littleendian, s_free_inodes_count : 32 : littleendian, s_first_data_block : 32 : littleendian,
  s_log_block_size : 32 : littleendian, s_log_frag_size : 32 : littleendian : signed, s_blocks_per_group : 32 : littleendian,
  s_frags_per_group : 32 : littleendian, s_inodes_per_group : 32 : littleendian, s_mtime : 32 : littleendian,
  s_wtime : 32 : littleendian, s_mnt_count : 16 : littleendian, s_max_mnt_count : 16 : littleendian : signed,
  0xEF53 : 16 : littleendian,                // s_magic: matched in place, no key
  s_state : 16 : littleendian, s_errors : 16 : littleendian, s_minor_rev_level : 16 : littleendian,
  s_lastcheck : 32 : littleendian, s_checkinterval : 32 : littleendian, s_creator_os : 32 : littleendian,
  s_rev_level : 32 : littleendian, s_def_resuid : 16 : littleendian, s_def_resgid : 16 : littleendian,
  s_first_ino : 32 : littleendian, s_inode_size : 16 : littleendian, s_block_group_nr : 16 : littleendian,
  s_feature_compat : 32 : littleendian, s_feature_incompat : 32 : littleendian, s_feature_ro_compat : 32 : littleendian,
  s_uuid : 128 : bitstring, s_volume_name : 128 : string, s_last_mounted : 512 : string,
  s_algorithm_usage_bitmap : 32 : littleendian, s_prealloc_blocks : 8, s_prealloc_dir_blocks : 8,
  s_reserved_gdt_blocks : 16 : littleendian, s_journal_uuid : 128 : bitstring, s_journal_inum : 32 : littleendian,
  s_journal_dev : 32 : littleendian, s_last_orphan : 32 : littleendian, s_hash_seed[4] : 32 : littleendian,
  s_def_hash_version : 8, _ : 24, s_default_mount_opts : 32 : littleendian, s_first_meta_bg : 32 : littleendian
`);

describe('docs examples', () => {
  it('ext3 superblock: offsets as in ext2_fs.h, magic in place, error names file and offset', () => {
    const image = new Uint8Array(4096);
    image.set([0x53, 0xef], 1024 + 0x38);
    image.set([2], 1024 + 0x18); // s_log_block_size
    image.set([0x72, 0x6f, 0x6f, 0x74], 1024 + 0x78); // s_volume_name "root"
    image.set([7], 1024 + 0xec); // s_hash_seed[0]
    image.set([9], 1024 + 0x100); // s_default_mount_opts
    image.set([5], 1024 + 0x104); // s_first_meta_bg
    const partition = new BytesSource('disk.img', image);
    const sb = ext3SuperBlock.parse(Bitstring.fromSource(partition, 1024, 1024));
    expect(1024 << sb.s_log_block_size).toBe(4096);
    expect(sb.s_volume_name).toBe('root');
    expect(sb.s_hash_seed).toEqual([7, 0, 0, 0]);
    expect(sb.s_default_mount_opts).toBe(9);
    expect(sb.s_first_meta_bg).toBe(5);
    image[1024 + 0x38] = 0;
    expect(() => ext3SuperBlock.parse(Bitstring.fromSource(partition, 1024, 1024))).toThrow(
      'disk.img: ext3_super_block field 0xEF53 : 16 : littleendian at offset 1080 (0x438): expected 0xef53, got 0xef00 (bit offset 448)',
    );
    expect(ext3SuperBlock.staticBitLength).toBe(264 * 8);
    image[1024 + 0x38] = 0x53;
    expect(ext3SuperBlock.parseFrom(partition, 1024).s_first_meta_bg).toBe(5);
    const spliced = bitmatch('{ :ext3_super_block }, s_extra : 32');
    expect(spliced.fields.length).toBe(ext3SuperBlock.fields.length + 1);
  });

  it('MBR via NamedPatterns declaration merging', () => {
    const mbr = bitmatch(`
      _ : 3568,
      parts[4] : { :mbr_partition_entry },
      0x55AA : 16
    `);
    const sector0 = new Uint8Array(512);
    sector0.set([0x80, 0, 0, 0, 0x83, 0, 0, 0, 0, 8, 0, 0, 0, 0x10, 0, 0], 446);
    sector0.set([0x55, 0xaa], 510);
    const r = mbr.parse(sector0);
    expectTypeOf(r.parts[0]!.start_sect).toEqualTypeOf<number>();
    expect(r.parts[0]).toEqual({ boot_indicator: 0x80, sys_ind: 0x83, start_sect: 2048, nr_sects: 4096 });
    sector0[511] = 0;
    expect(mbr.match(sector0)).toBeUndefined();
    expect(() => mbr.parse(sector0)).toThrow(BitMatchError);
  });

  it('the AOT command line writes a module from a patterns module', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitsyntax-cli-'));
    try {
      const lib = pathToFileURL(resolve('core/bitsyntax/index.ts')).href;
      writeFileSync(join(dir, 'patterns.ts'), `import { bitmatch } from ${JSON.stringify(lib)};\nexport const hdr = bitmatch('a : 8, b : 16 : littleendian');\nexport const other = 3;\n`);
      const out = join(dir, 'out.ts');
      const stdout = process.stdout.write;
      process.stdout.write = (() => true) as typeof process.stdout.write;
      let code: number;
      try {
        code = await aotMain([join(dir, 'patterns.ts'), out, '--import', lib]);
      } finally {
        process.stdout.write = stdout;
      }
      expect(code).toBe(0);
      const text = readFileSync(out, 'utf8');
      expect(text).toContain('export const hdr = fromCompiled<{ a: number; b: number }');
      expect(text).not.toContain('other');
      const mod = (await import(out)) as { hdr: { parse(b: Uint8Array): unknown } };
      expect(mod.hdr.parse(new Uint8Array([1, 2, 3]))).toEqual({ a: 1, b: 0x302 });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
