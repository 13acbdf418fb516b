/**
 * `introspect list` on sparse GPT disks of 1, 10 and 100 GiB, raw and qcow2 (issue 4): bytes read,
 * reads and time (median of 5). The disks are made here (ftruncate + our GPT builder; qcow2 with
 * only the GPT clusters allocated), so the bench needs no sgdisk or qemu-img. Bytes read must not
 * grow with the disk size. LVM on top is the lvm2 bench's business.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins } from '../core/builtin-plugins.js';
import { Introspector } from '../core/pipeline/introspector.js';
import { readStats } from '../core/source/source.js';
import { listDocument } from '../core/views/list.js';
import { buildGptRegions } from '../plugins/gpt/test-image.js';
import { buildQcow2, type TestCluster } from '../plugins/qcow2/test-image.js';

const GiB = 1024 ** 3;
const CS = 65536;
const ROUNDS = 5;

function regions(size: number) {
  const sectors = size / 512;
  return buildGptRegions({
    sectorSize: 512,
    sectors,
    diskGuid: '11111111-2222-3333-4444-555555555555',
    partitions: [
      { slot: 1, type: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', uuid: '11111111-0000-0000-0000-000000000001', first: 2048, last: 2048 + 1048575, name: 'EFI' },
      { slot: 2, type: 'E6D6D379-F507-44C2-A23C-238F2A3DF928', uuid: '11111111-0000-0000-0000-000000000002', first: 2048 + 1048576, last: sectors - 34, name: 'lvm' },
    ],
  });
}

function makeRaw(dir: string, size: number): string {
  const path = join(dir, `gpt-${size / GiB}G.raw`);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (const r of regions(size)) writeSync(fd, r.bytes, 0, r.bytes.length, r.offset);
  closeSync(fd);
  return path;
}

function makeQcow2(dir: string, size: number): string {
  const clusters = new Map<number, TestCluster>();
  for (const r of regions(size)) {
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

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'introspect-bench-'));
  try {
    const rows: string[][] = [['image', 'virtual size', 'bytes read', 'reads', 'median ms']];
    for (const [kind, make] of [['raw', makeRaw], ['qcow2', makeQcow2]] as const) {
      for (const size of [GiB, 10 * GiB, 100 * GiB]) {
        const path = make(dir, size);
        const times: number[] = [];
        let bytes = 0;
        let reads = 0;
        for (let round = 0; round < ROUNDS; round++) {
          readStats.reset();
          const t0 = process.hrtime.bigint();
          const guest = new Introspector().use(...builtinPlugins()).inspectGuest([{ path }]);
          listDocument(guest);
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          bytes = readStats.bytesRead;
          reads = readStats.reads;
        }
        times.sort((a, b) => a - b);
        rows.push([kind, `${size / GiB} GiB`, String(bytes), String(reads), times[Math.floor(ROUNDS / 2)].toFixed(2)]);
      }
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const r of rows) process.stdout.write(r.map((c, i) => c.padStart(widths[i])).join('  ') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
