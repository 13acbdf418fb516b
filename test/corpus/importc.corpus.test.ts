/**
 * import-c on the real e2fsprogs header (Debian libext2fs-dev: /usr/include/ext2fs/ext2_fs.h):
 * ext2_super_block, ext2_group_desc and ext4_group_desc, every member checked against gcc's
 * offsetof/sizeof on the same header; the committed examples/ext2-super-block.ts is what import-c
 * makes of it today; and examples/poor-mans-df.ts, compiled and run, prints each corpus ext
 * filesystem's s_free_blocks_count (read here independently with a DataView).
 * Under CI a missing header or gcc fails these tests instead of skipping them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { importC } from '../../core/importc/index.js';
import { gccCompiles, gccLayouts, gccPath, i386Compiler, importedLayouts } from '../unit/importc/gcc.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from './corpus.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HEADER = '/usr/include/ext2fs/ext2_fs.h';
const STRUCTS = ['ext2_super_block', 'ext2_group_desc', 'ext4_group_desc'];
const required = process.env.CI === 'true';
const haveHeader = existsSync(HEADER);
const haveGcc = gccPath() !== undefined;

describe('import-c on e2fsprogs ext2_fs.h', () => {
  // without the header or gcc: a failure under CI (the lead installs libext2fs-dev and gcc), a skip elsewhere
  const run = required || (haveHeader && haveGcc);
  test.skipIf(!run)(`prerequisites: ${HEADER} (Debian libext2fs-dev) and gcc`, () => {
    expect(haveHeader, `${HEADER} missing: apt-get install libext2fs-dev`).toBe(true);
    expect(haveGcc, 'gcc missing').toBe(true);
  });

  test.skipIf(!run)('x86_64: every member of ext2_super_block, ext2_group_desc, ext4_group_desc at gcc offsetof/sizeof', () => {
    const result = importC(readFileSync(HEADER, 'utf8'), { structs: STRUCTS, fileName: 'ext2_fs.h' });
    expect(result.warnings).toEqual([]);
    expect(result.records.map((r) => [r.name, r.size])).toEqual([['ext2_super_block', 1024], ['ext2_group_desc', 32], ['ext4_group_desc', 64]]);
    const sb = result.records[0]!;
    expect(sb.fields.find((f) => f.path === 's_free_blocks_count')).toMatchObject({ offset: 12, size: 4 });
    expect(sb.fields.find((f) => f.path === 's_magic')).toMatchObject({ offset: 0x38, size: 2 });
    expect(sb.fields.length).toBeGreaterThan(90);
    const gcc = gccLayouts(HEADER, result.records, ['-m64']);
    for (const [name, layout] of importedLayouts(result.records)) expect({ name, ...layout }).toEqual({ name, ...gcc.get(name)! });
  });

  const i386 = i386Compiler();
  const m32 = haveHeader && gccPath(i386.compiler) !== undefined && gccCompiles(i386.flags, `"${HEADER}"`, i386.compiler);
  test.skipIf(!m32 && !required)(`i386: every record of the header at ${i386.compiler ?? 'gcc -m32'}'s offsets${m32 ? '' : ' (skipped: needs Debian gcc-i686-linux-gnu, or gcc-multilib)'}`, () => {
    const result = importC(readFileSync(HEADER, 'utf8'), { target: 'i386', fileName: 'ext2_fs.h' });
    expect(result.warnings).toEqual([]);
    expect(result.records.find((r) => r.name === 'ext2_super_block')).toMatchObject({ size: 1024, align: 4 });
    const gcc = gccLayouts(HEADER, result.records, i386.flags, i386.compiler);
    for (const [name, layout] of importedLayouts(result.records)) expect({ name, ...layout }).toEqual({ name, ...gcc.get(name)! });
  });

  const arm = haveHeader && gccPath('aarch64-linux-gnu-gcc') !== undefined && gccCompiles([], `"${HEADER}"`, 'aarch64-linux-gnu-gcc');
  test.skipIf(!arm && !required)(`arm64: every record of the header at aarch64-linux-gnu-gcc's offsets${arm ? '' : ' (skipped: needs Debian gcc-aarch64-linux-gnu)'}`, () => {
    const result = importC(readFileSync(HEADER, 'utf8'), { target: 'arm64', fileName: 'ext2_fs.h' });
    expect(result.warnings).toEqual([]);
    const gcc = gccLayouts(HEADER, result.records, [], 'aarch64-linux-gnu-gcc');
    for (const [name, layout] of importedLayouts(result.records)) expect({ name, ...layout }).toEqual({ name, ...gcc.get(name)! });
  });

  test.skipIf(!run)('the whole header imports without warnings, and every record matches gcc', () => {
    const result = importC(readFileSync(HEADER, 'utf8'), { fileName: 'ext2_fs.h' });
    expect(result.warnings).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.records.map((r) => r.name)).toContain('ext2_inode');
    const gcc = gccLayouts(HEADER, result.records, ['-m64']);
    for (const [name, layout] of importedLayouts(result.records)) expect({ name, ...layout }).toEqual({ name, ...gcc.get(name)! });
  });

  test.skipIf(!run)('examples/ext2-super-block.ts is what import-c makes of the header today', () => {
    const committed = readFileSync(join(repo, 'examples/ext2-super-block.ts'), 'utf8');
    const made = importC(readFileSync(HEADER, 'utf8'), {
      structs: ['ext2_super_block'],
      fileName: 'ext2_fs.h',
      importFrom: '../core/bitsyntax/index.js',
      generatedBy: `Made with: introspect import-c ${HEADER} --struct ext2_super_block --import ../core/bitsyntax/index.js -o examples/ext2-super-block.ts`,
    });
    expect(committed).toBe(made.module);
  });
});

interface Truth {
  images: string[];
  disks: { image: string; virt_df_device: string; partition_table: { partitions: { virt_df_device: string; start_bytes: number }[] } | null }[];
  filesystems?: { virt_df_device: string; type: string }[];
}

/** s_free_blocks_count (+ s_free_blocks_hi << 32 with INCOMPAT_64BIT), read without the bit-syntax library. */
function superblockFreeBlocks(image: string, offset: number): { magic: number; free: number } {
  const fd = openSync(image, 'r');
  try {
    const b = new Uint8Array(1024);
    readSync(fd, b, 0, 1024, offset + 1024);
    const v = new DataView(b.buffer);
    const hi = v.getUint32(0x60, true) & 0x80 ? v.getUint32(0x158, true) : 0;
    return { magic: v.getUint16(0x38, true), free: v.getUint32(0x0c, true) + hi * 2 ** 32 };
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!corpusAvailable() && !corpusRequired())("poor man's df (examples/poor-mans-df.ts) on corpus ext filesystems", () => {
  let out = '';
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'poor-mans-df-'));
    const tsc = join(repo, 'node_modules/.bin/tsc');
    execFileSync(tsc, ['--ignoreConfig', '--outDir', out, '--rootDir', repo, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--strict', '--skipLibCheck', join(repo, 'examples/poor-mans-df.ts')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const df = (image: string, offset: number): ReturnType<typeof spawnSync> => spawnSync('node', [join(out, 'examples/poor-mans-df.js'), image, String(offset)], { encoding: 'utf8' });

  test('mbr-ext3.img: the partition offset from the truth, the superblock free blocks count printed', () => {
    const truth = readTruth<Truth>('disk/mbr-ext3.img.truth.json');
    const fs = truth.filesystems!.find((f) => f.type === 'ext3')!;
    const part = truth.disks[0]!.partition_table!.partitions.find((p) => p.virt_df_device === fs.virt_df_device)!;
    const image = corpusFile('disk/mbr-ext3.img');
    const expected = superblockFreeBlocks(image, part.start_bytes);
    expect(expected.magic).toBe(0xef53);
    const r = df(image, part.start_bytes);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${expected.free} free blocks of 1024 bytes\n`);
  });

  test('every ext filesystem on a partition or whole disk of a raw corpus image', () => {
    const cases: string[] = [];
    for (const name of readdirSync(corpusFile('disk')).filter((n) => n.endsWith('.img.truth.json'))) {
      const truth = readTruth<Truth>(`disk/${name}`);
      for (const fs of truth.filesystems ?? []) {
        if (!/^ext[234]$/.test(fs.type)) continue;
        for (const disk of truth.disks) {
          const part = disk.partition_table?.partitions.find((p) => p.virt_df_device === fs.virt_df_device);
          const offset = part ? part.start_bytes : disk.virt_df_device === fs.virt_df_device && !disk.partition_table ? 0 : undefined;
          if (offset === undefined) continue;
          const image = corpusFile(`disk/${disk.image}`);
          const expected = superblockFreeBlocks(image, offset);
          const r = df(image, offset);
          if (expected.magic !== 0xef53) expect(r.status, `${disk.image} ${fs.virt_df_device}`).not.toBe(0);
          else expect(`${disk.image} ${fs.virt_df_device}: ${r.stdout}`).toMatch(new RegExp(`^${disk.image} ${fs.virt_df_device}: ${expected.free} free blocks of \\d+ bytes\\n$`));
          cases.push(`${disk.image} ${fs.virt_df_device}`);
        }
      }
    }
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });
});
