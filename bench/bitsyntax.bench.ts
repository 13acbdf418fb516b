/**
 * ext2 superblock workload (issue 3): 1,000,000 parses of the first 136 bytes of a superblock
 * (31 integers, a 16-byte uuid view, a NUL-padded 16-byte name) by our compiled pattern, hand-written
 * DataView code, hand-written Uint8Array byte arithmetic and binary-parser.
 *
 * The build machine is shared, so load changes during a run. Each round runs every implementation
 * 1,000,000 times in slices of 100,000, interleaved, so a load change hits all of them alike; the
 * table shows the median of the rounds.
 */
import { Parser } from 'binary-parser/dist/binary_parser.js';
import { bitmatch } from '../core/bitsyntax/index.js';
import { EXT2_SUPERBLOCK_HEAD } from './ext2-superblock.js';

const N = 1_000_000;
const SLICE = 100_000;
const ROUNDS = 3;

const pattern = bitmatch(EXT2_SUPERBLOCK_HEAD);

function sampleSuperblock(): Uint8Array {
  const head = pattern.build({
    s_inodes_count: 65536, s_blocks_count: 262144, s_r_blocks_count: 13107, s_free_blocks_count: 249189, s_free_inodes_count: 65525,
    s_first_data_block: 0, s_log_block_size: 2, s_log_frag_size: 2, s_blocks_per_group: 32768, s_frags_per_group: 32768,
    s_inodes_per_group: 8192, s_mtime: 1700000000, s_wtime: 1700000100, s_mnt_count: 3, s_max_mnt_count: 0xffff, s_magic: 0xef53,
    s_state: 1, s_errors: 1, s_minor_rev_level: 0, s_lastcheck: 1700000000, s_checkinterval: 0, s_creator_os: 0, s_rev_level: 1,
    s_def_resuid: 0, s_def_resgid: 0, s_first_ino: 11, s_inode_size: 256, s_block_group_nr: 0, s_feature_compat: 0x3c,
    s_feature_incompat: 0x2, s_feature_ro_compat: 0x3,
    s_uuid: new Uint8Array([0x5c, 0x1f, 0x3a, 0x22, 0x9b, 0x61, 0x4e, 0x3d, 0x8c, 0x0f, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]),
    s_volume_name: 'rootfs',
  });
  const sb = new Uint8Array(1024);
  sb.set(head);
  return sb;
}

interface Ext2Head {
  s_inodes_count: number; s_blocks_count: number; s_r_blocks_count: number; s_free_blocks_count: number; s_free_inodes_count: number;
  s_first_data_block: number; s_log_block_size: number; s_log_frag_size: number; s_blocks_per_group: number; s_frags_per_group: number;
  s_inodes_per_group: number; s_mtime: number; s_wtime: number; s_mnt_count: number; s_max_mnt_count: number; s_magic: number;
  s_state: number; s_errors: number; s_minor_rev_level: number; s_lastcheck: number; s_checkinterval: number; s_creator_os: number;
  s_rev_level: number; s_def_resuid: number; s_def_resgid: number; s_first_ino: number; s_inode_size: number; s_block_group_nr: number;
  s_feature_compat: number; s_feature_incompat: number; s_feature_ro_compat: number; s_uuid: Uint8Array; s_volume_name: string;
}

const decoder = new TextDecoder('latin1');

/** What a careful hand-written DataView parser looks like (a DataView per buffer, cached decoder). */
function parseDataView(b: Uint8Array): Ext2Head {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let end = 120;
  while (end < 136 && b[end] !== 0) end++;
  return {
    s_inodes_count: v.getUint32(0, true), s_blocks_count: v.getUint32(4, true), s_r_blocks_count: v.getUint32(8, true),
    s_free_blocks_count: v.getUint32(12, true), s_free_inodes_count: v.getUint32(16, true), s_first_data_block: v.getUint32(20, true),
    s_log_block_size: v.getUint32(24, true), s_log_frag_size: v.getUint32(28, true), s_blocks_per_group: v.getUint32(32, true),
    s_frags_per_group: v.getUint32(36, true), s_inodes_per_group: v.getUint32(40, true), s_mtime: v.getUint32(44, true),
    s_wtime: v.getUint32(48, true), s_mnt_count: v.getUint16(52, true), s_max_mnt_count: v.getUint16(54, true),
    s_magic: v.getUint16(56, true), s_state: v.getUint16(58, true), s_errors: v.getUint16(60, true), s_minor_rev_level: v.getUint16(62, true),
    s_lastcheck: v.getUint32(64, true), s_checkinterval: v.getUint32(68, true), s_creator_os: v.getUint32(72, true),
    s_rev_level: v.getUint32(76, true), s_def_resuid: v.getUint16(80, true), s_def_resgid: v.getUint16(82, true),
    s_first_ino: v.getUint32(84, true), s_inode_size: v.getUint16(88, true), s_block_group_nr: v.getUint16(90, true),
    s_feature_compat: v.getUint32(92, true), s_feature_incompat: v.getUint32(96, true), s_feature_ro_compat: v.getUint32(100, true),
    s_uuid: b.subarray(104, 120), s_volume_name: decoder.decode(b.subarray(120, end)),
  };
}

const u32 = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const u16 = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8);

/** Hand-written Uint8Array shifts and String.fromCharCode: the reference speed. */
function parseBytes(b: Uint8Array): Ext2Head {
  let name = '';
  for (let i = 120; i < 136; i++) {
    const c = b[i]!;
    if (c === 0) break;
    name += String.fromCharCode(c);
  }
  return {
    s_inodes_count: u32(b, 0), s_blocks_count: u32(b, 4), s_r_blocks_count: u32(b, 8), s_free_blocks_count: u32(b, 12),
    s_free_inodes_count: u32(b, 16), s_first_data_block: u32(b, 20), s_log_block_size: u32(b, 24), s_log_frag_size: u32(b, 28),
    s_blocks_per_group: u32(b, 32), s_frags_per_group: u32(b, 36), s_inodes_per_group: u32(b, 40), s_mtime: u32(b, 44),
    s_wtime: u32(b, 48), s_mnt_count: u16(b, 52), s_max_mnt_count: u16(b, 54), s_magic: u16(b, 56), s_state: u16(b, 58),
    s_errors: u16(b, 60), s_minor_rev_level: u16(b, 62), s_lastcheck: u32(b, 64), s_checkinterval: u32(b, 68),
    s_creator_os: u32(b, 72), s_rev_level: u32(b, 76), s_def_resuid: u16(b, 80), s_def_resgid: u16(b, 82), s_first_ino: u32(b, 84),
    s_inode_size: u16(b, 88), s_block_group_nr: u16(b, 90), s_feature_compat: u32(b, 92), s_feature_incompat: u32(b, 96),
    s_feature_ro_compat: u32(b, 100), s_uuid: b.subarray(104, 120), s_volume_name: name,
  };
}

const binaryParser = new Parser()
  .endianness('little')
  .uint32('s_inodes_count').uint32('s_blocks_count').uint32('s_r_blocks_count').uint32('s_free_blocks_count')
  .uint32('s_free_inodes_count').uint32('s_first_data_block').uint32('s_log_block_size').uint32('s_log_frag_size')
  .uint32('s_blocks_per_group').uint32('s_frags_per_group').uint32('s_inodes_per_group').uint32('s_mtime').uint32('s_wtime')
  .uint16('s_mnt_count').uint16('s_max_mnt_count').uint16('s_magic').uint16('s_state').uint16('s_errors').uint16('s_minor_rev_level')
  .uint32('s_lastcheck').uint32('s_checkinterval').uint32('s_creator_os').uint32('s_rev_level').uint16('s_def_resuid')
  .uint16('s_def_resgid').uint32('s_first_ino').uint16('s_inode_size').uint16('s_block_group_nr').uint32('s_feature_compat')
  .uint32('s_feature_incompat').uint32('s_feature_ro_compat')
  .buffer('s_uuid', { length: 16 })
  .string('s_volume_name', { length: 16, encoding: 'latin1', stripNull: true });

interface Impl {
  name: string;
  parse(b: Uint8Array): { s_inodes_count: number; s_magic: number; s_volume_name: string };
}

let sink = 0;

/** Nanoseconds for `n` parses. */
function time(impl: Impl, b: Uint8Array, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = impl.parse(b);
    sink += r.s_inodes_count + r.s_magic + r.s_volume_name.length;
  }
  return Number(process.hrtime.bigint() - t0);
}

/** One round: N parses per implementation, interleaved in slices; returns ops/s per implementation. */
function round(impls: readonly Impl[], b: Uint8Array): number[] {
  const ns = impls.map(() => 0);
  for (let done = 0; done < N; done += SLICE) {
    impls.forEach((impl, i) => (ns[i]! += time(impl, b, SLICE)));
  }
  return ns.map((t) => (N / t) * 1e9);
}

export async function run(): Promise<void> {
  const sb = sampleSuperblock();
  const impls: Impl[] = [
    { name: 'bitsyntax (compiled pattern)', parse: (b) => pattern.parse(b) },
    { name: 'hand-written DataView', parse: parseDataView },
    { name: 'hand-written Uint8Array bytes', parse: parseBytes },
    { name: 'binary-parser', parse: (b) => binaryParser.parse(b) as Ext2Head },
  ];
  // Same answers from everyone before timing anything.
  const want = parseBytes(sb);
  for (const impl of impls) {
    const got = impl.parse(sb) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) {
      const g = got[k];
      const same = v instanceof Uint8Array ? g !== null && typeof g === 'object' && String([...((g as { toUint8Array?: () => Uint8Array }).toUint8Array?.() ?? (g as Uint8Array))]) === String([...v]) : g === v;
      if (!same) throw new Error(`${impl.name}: ${k} = ${String(g)}, expected ${String(v)}`);
    }
  }
  for (const impl of impls) time(impl, sb, SLICE); // warm up
  const results = new Map<string, number[]>(impls.map((i) => [i.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    round(impls, sb).forEach((ops, i) => results.get(impls[i]!.name)!.push(ops));
  }
  if (sink === 42) process.stdout.write('');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ref = median(results.get('hand-written Uint8Array bytes')!);
  process.stdout.write(`ext2 superblock head, ${N.toLocaleString('en-US')} parses per implementation x ${ROUNDS} rounds (interleaved slices of ${SLICE.toLocaleString('en-US')}; median), node ${process.version}\n\n`);
  process.stdout.write('| implementation | ops/s | vs Uint8Array bytes |\n|---|---:|---:|\n');
  for (const impl of impls) {
    const ops = median(results.get(impl.name)!);
    process.stdout.write(`| ${impl.name} | ${(ops / 1e6).toFixed(2)} M | ${(ops / ref).toFixed(2)}x |\n`);
  }
}
