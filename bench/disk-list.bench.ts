/**
 * `introspect list` on sparse disks of 1, 10 and 100 GiB (issue 4): bytes read, reads and time
 * (median of 7 after a warm-up, in-process). Bytes read must not grow with the disk size.
 *
 * 1. GPT + LVM2 + ext4, made with the real tools where the machine has them: truncate, sgdisk (EFI
 *    partition + LVM partition), pvcreate/vgcreate/lvcreate on a loop device over the LVM partition
 *    (`--driverloaded n -an --zero n`: lvcreate writes the metadata without device-mapper, which
 *    containers usually lack), mke2fs -E offset=N into each LV (root 256 MiB, data = the rest, so the
 *    data filesystem grows with the disk), and qemu-img convert for the qcow2 form. Without those
 *    tools (or without a usable loop device), the GPT and the LVM label and metadata are written by
 *    the project's own test builders instead (no ext4), and the table says so.
 * 2. GPT only, made by our builders (no tools needed), raw and qcow2 with only the GPT clusters
 *    allocated: the baseline that runs anywhere.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins } from '../core/builtin-plugins.js';
import { Introspector } from '../core/pipeline/introspector.js';
import { readStats } from '../core/source/source.js';
import { listDocument } from '../core/views/list.js';
import { buildGptRegions } from '../plugins/gpt/test-image.js';
import { buildQcow2, type TestCluster } from '../plugins/qcow2/test-image.js';
import { buildPv, lvmCrcBitwise, vgText } from '../test/unit/lvm2/pv-image.js';
import { median, printTable } from './table.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CS = 65536;
const ROUNDS = 7;
const SIZES = [GiB, 10 * GiB, 100 * GiB];
const EFI_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const LVM_TYPE = 'E6D6D379-F507-44C2-A23C-238F2A3DF928';

interface Measured {
  bytes: number;
  reads: number;
  ms: number;
  summary: string;
}

function measureList(paths: string[]): Measured {
  const times: number[] = [];
  let bytes = 0;
  let reads = 0;
  let summary = '';
  // Round 0 warms up the JIT and the host page cache; it is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    readStats.reset();
    const t0 = process.hrtime.bigint();
    const guest = new Introspector().use(...builtinPlugins()).inspectGuest(paths.map((path) => ({ path })));
    const doc = listDocument(guest);
    if (round > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    bytes = readStats.bytesRead;
    reads = readStats.reads;
    const fs = doc.contents.filter((c) => c.type !== 'unknown' && c.type !== 'LVM2_member').length;
    summary = `${doc.partitions.length} parts, ${doc.volumeGroups.length} VG, ${doc.logicalVolumes.length} LVs, ${fs} fs`;
  }
  return { bytes, reads, ms: median(times), summary };
}

// --- 1. GPT + LVM2 (+ ext4) --------------------------------------------------------------------

function sh(command: string, args: string[], input?: string): string {
  const r = spawnSync(command, args, { encoding: 'utf8', input, env: { ...process.env, LVM_SUPPRESS_FD_WARNINGS: '1' } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

/** lvm2 restricted to loop devices, no udev, no /etc/lvm backup or archive files. */
const LVM_CONFIG =
  'devices { filter=["a|^/dev/loop|","r|.*|"] obtain_device_list_from_udev=0 } ' +
  'activation { udev_sync=0 udev_rules=0 } backup { backup=0 archive=0 }';

function lvm(command: string, ...args: string[]): string {
  return sh(command, ['--config', LVM_CONFIG, '--driverloaded', 'n', ...args]);
}

function lvmToolsUsable(): string | undefined {
  for (const tool of ['sgdisk', 'losetup', 'pvcreate', 'vgcreate', 'lvcreate', 'mke2fs']) {
    if (!have(tool)) return `${tool} not found`;
  }
  if (process.getuid?.() !== 0) return 'not root (loop devices)';
  return undefined;
}

/** First and last sector of GPT partition `n`, as sgdisk reports them. */
function sgdiskRange(path: string, n: number): { first: number; last: number } {
  const info = sh('sgdisk', ['-i', String(n), path]);
  const first = /First sector: (\d+)/.exec(info);
  const last = /Last sector: (\d+)/.exec(info);
  if (!first || !last) throw new Error(`sgdisk -i ${n}: no sector range`);
  return { first: Number(first[1]), last: Number(last[1]) };
}

function makeWithTools(dir: string, size: number): string {
  const vg = `benchvg${size / GiB}g${process.pid}`;
  const path = join(dir, `gpt-lvm-${size / GiB}G.raw`);
  sh('truncate', ['-s', String(size), path]);
  sh('sgdisk', ['-n', '1:2048:+100M', '-t', '1:EF00', '-c', '1:EFI', '-n', '2:0:0', '-t', '2:8E00', '-c', '2:lvm', path]);
  const part = sgdiskRange(path, 2);
  const partStart = part.first * 512;
  const loop = sh('losetup', ['-f', '--show', '-o', String(partStart), '--sizelimit', String((part.last - part.first + 1) * 512), path]).trim();
  let lvs: string;
  let peStart: number;
  let extentSize: number;
  try {
    lvm('pvcreate', '-q', loop);
    lvm('vgcreate', '-q', vg, loop);
    lvm('lvcreate', '-q', '-an', '--zero', 'n', '-L', '256M', '-n', 'root', vg);
    lvm('lvcreate', '-q', '-an', '--zero', 'n', '-l', '100%FREE', '-n', 'data', vg);
    lvs = lvm('lvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,seg_pe_ranges', vg);
    peStart = Number(lvm('pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', loop).trim());
    extentSize = Number(lvm('vgs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'vg_extent_size', vg).trim());
  } finally {
    spawnSync('losetup', ['-d', loop]);
  }
  // Each LV is one linear segment here: "/dev/loopN:FIRST-LAST".
  for (const line of lvs.trim().split('\n')) {
    const [name, lvSize, ranges] = line.trim().split(/\s+/);
    const first = /:(\d+)-\d+$/.exec(ranges ?? '');
    if (!name || !lvSize || !first) throw new Error(`lvs: cannot read "${line}"`);
    const offset = partStart + peStart + Number(first[1]) * extentSize;
    sh('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', name, '-E', `offset=${offset},nodiscard,lazy_itable_init=1,lazy_journal_init=1`, path, `${Number(lvSize) / 1024}k`]);
  }
  return path;
}

/** The same layout without tools: GPT from our builder, PV label and metadata from the lvm2 test builders. */
export function makeWithBuilders(dir: string, size: number): string {
  const path = join(dir, `gpt-lvm-${size / GiB}G.raw`);
  const sectors = size / 512;
  const partFirst = 2048 + (100 * MiB) / 512;
  const partLast = sectors - 34;
  const partSize = (partLast - partFirst + 1) * 512;
  const regions = buildGptRegions({
    sectorSize: 512,
    sectors,
    diskGuid: '11111111-2222-3333-4444-555555555555',
    partitions: [
      { slot: 1, type: EFI_TYPE, uuid: '11111111-0000-0000-0000-000000000001', first: 2048, last: partFirst - 1, name: 'EFI' },
      { slot: 2, type: LVM_TYPE, uuid: '11111111-0000-0000-0000-000000000002', first: partFirst, last: partLast, name: 'lvm' },
    ],
  });
  const extentSectors = 8192; // 4 MiB, lvm2's default
  const peStartSectors = 2048;
  const peCount = Math.floor((partSize - peStartSectors * 512) / (extentSectors * 512));
  const rootExtents = (256 * MiB) / (extentSectors * 512);
  const metadata = vgText({
    name: 'benchvg',
    id: 'aaaaaa-bbbb-cccc-dddd-eeee-ffff-000000',
    seqno: 3,
    extentSize: extentSectors,
    pvs: [{ key: 'pv0', id: 'bbbbbb-cccc-dddd-eeee-ffff-0000-111111', peStart: peStartSectors, peCount }],
    lvs: [
      { name: 'root', id: 'cccccc-dddd-eeee-ffff-0000-1111-222222', segments: [{ start: 0, count: rootExtents, stripes: ['pv0', 0] }] },
      { name: 'data', id: 'dddddd-eeee-ffff-0000-1111-2222-333333', segments: [{ start: 0, count: peCount - rootExtents, stripes: ['pv0', rootExtents] }] },
    ],
  });
  // Built over the first MiB only (the builder allocates the whole device), then pv_header's
  // device_size is set to the partition size and the label CRC recomputed.
  const head = buildPv({ uuid: 'bbbbbbccccddddeeeeffff0000111111', size: MiB, dataOffset: peStartSectors * 512, metadata });
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  view.setBigUint64(512 + 32 + 32, BigInt(partSize), true);
  view.setUint32(512 + 16, lvmCrcBitwise(head.subarray(512 + 20, 1024)), true);
  regions.push({ offset: partFirst * 512, bytes: head });

  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const r of regions) writeSync(fd, r.bytes, 0, r.bytes.length, r.offset);
  } finally {
    closeSync(fd);
  }
  return path;
}

function benchGptLvm(dir: string): void {
  const missing = lvmToolsUsable();
  const qcow2 = have('qemu-img');
  const notes: string[] = [];
  const rows: string[][] = [['image', 'virtual size', 'allocated', 'made with', 'bytes read', 'reads', 'median ms', 'found']];
  for (const size of SIZES) {
    let raw: string;
    let made = missing ? 'builders' : 'tools';
    try {
      raw = missing ? makeWithBuilders(dir, size) : makeWithTools(dir, size);
    } catch (error) {
      // A loop device can be unusable even as root (no /dev/loop*, seccomp): fall back, and say so.
      if (missing) throw error;
      made = 'builders';
      notes.push(`${size / GiB} GiB: the tools failed (${(error as Error).message.split('\n').filter((l) => !/WARNING/.test(l)).join(' ').slice(0, 300)}), made with our builders`);
      raw = makeWithBuilders(dir, size);
    }
    const forms: Array<[string, string]> = [['raw', raw]];
    if (qcow2) {
      const q = raw.replace(/\.raw$/, '.qcow2');
      sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, q]);
      forms.push(['qcow2', q]);
    }
    for (const [kind, path] of forms) {
      const m = measureList([path]);
      const allocated = spawnSync('du', ['-k', path], { encoding: 'utf8' }).stdout.split('\t')[0] ?? '?';
      rows.push([kind, `${size / GiB} GiB`, `${(Number(allocated) / 1024).toFixed(1)} MiB`, made, String(m.bytes), String(m.reads), m.ms.toFixed(2), m.summary]);
    }
    for (const [, path] of forms) rmSync(path, { force: true });
  }
  process.stdout.write('GPT (EFI 100 MiB + LVM partition), LVM2 VG with LVs root (256 MiB) and data (the rest), ext4 in each LV.\n');
  process.stdout.write(`made with: ${missing ? `our builders, no ext4 (${missing})` : 'tools = truncate + sgdisk + pvcreate/vgcreate/lvcreate (loop device, no device-mapper) + mke2fs -E offset'}; qcow2 = ${qcow2 ? 'qemu-img convert of the raw image' : 'not made (no qemu-img)'}\n\n`);
  printTable(rows);
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
}

// --- 2. GPT only, our builders -----------------------------------------------------------------

function gptRegions(size: number) {
  const sectors = size / 512;
  return buildGptRegions({
    sectorSize: 512,
    sectors,
    diskGuid: '11111111-2222-3333-4444-555555555555',
    partitions: [
      { slot: 1, type: EFI_TYPE, uuid: '11111111-0000-0000-0000-000000000001', first: 2048, last: 2048 + 1048575, name: 'EFI' },
      { slot: 2, type: LVM_TYPE, uuid: '11111111-0000-0000-0000-000000000002', first: 2048 + 1048576, last: sectors - 34, name: 'lvm' },
    ],
  });
}

function makeGptRaw(dir: string, size: number): string {
  const path = join(dir, `gpt-${size / GiB}G.raw`);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const r of gptRegions(size)) writeSync(fd, r.bytes, 0, r.bytes.length, r.offset);
  } finally {
    closeSync(fd);
  }
  return path;
}

function makeGptQcow2(dir: string, size: number): string {
  const clusters = new Map<number, TestCluster>();
  for (const r of gptRegions(size)) {
    for (let at = 0; at < r.bytes.length; ) {
      const offset = r.offset + at;
      const index = Math.floor(offset / CS);
      const data = (clusters.get(index) as { data: Uint8Array } | undefined)?.data ?? new Uint8Array(CS);
      const n = Math.min(r.bytes.length - at, (index + 1) * CS - offset);
      data.set(r.bytes.subarray(at, at + n), offset - index * CS);
      clusters.set(index, { kind: 'data', data });
      at += n;
    }
  }
  const path = join(dir, `gpt-${size / GiB}G.qcow2`);
  writeFileSync(path, buildQcow2({ size, clusters }));
  return path;
}

function benchGptOnly(dir: string): void {
  const rows: string[][] = [['image', 'virtual size', 'bytes read', 'reads', 'median ms']];
  for (const [kind, make] of [['raw', makeGptRaw], ['qcow2', makeGptQcow2]] as const) {
    for (const size of SIZES) {
      const path = make(dir, size);
      const m = measureList([path]);
      rows.push([kind, `${size / GiB} GiB`, String(m.bytes), String(m.reads), m.ms.toFixed(2)]);
      rmSync(path, { force: true });
    }
  }
  process.stdout.write('\nGPT only (two partitions, nothing inside), made with our builders\n\n');
  printTable(rows);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'introspect-bench-'));
  try {
    benchGptLvm(dir);
    benchGptOnly(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
