// The disk stack reads only what it needs: listing a sparse 100 GiB disk costs what a 1 GiB one does.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Introspector } from '../../core/pipeline/introspector.js';
import { readStats } from '../../core/source/source.js';
import { listDocument } from '../../core/views/list.js';
import { dosPartitionsPlugin } from '../dos-partitions/index.js';
import { gptPlugin } from '../gpt/index.js';
import { buildGptRegions } from '../gpt/test-image.js';
import { rawPlugin } from '../raw/index.js';
import { qcow2Plugin } from './index.js';
import { buildQcow2, type TestCluster } from './test-image.js';

const work = mkdtempSync(join(tmpdir(), 'introspect-sparse-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const GiB = 1024 ** 3;
const CS = 65536;

function gpt(size: number) {
  const sectors = size / 512;
  return buildGptRegions({
    sectorSize: 512,
    sectors,
    diskGuid: '11111111-2222-3333-4444-555555555555',
    partitions: [
      { slot: 1, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', uuid: '11111111-0000-0000-0000-000000000001', first: 2048, last: 2048 + 1048575, name: 'boot' },
      { slot: 2, type: 'E6D6D379-F507-44C2-A23C-238F2A3DF928', uuid: '11111111-0000-0000-0000-000000000002', first: 2048 + 1048576, last: sectors - 34, name: 'lvm' },
    ],
  });
}

function sparseRaw(size: number): string {
  const path = join(work, `disk-${size}.raw`);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  for (const r of gpt(size)) writeSync(fd, r.bytes, 0, r.bytes.length, r.offset);
  closeSync(fd);
  return path;
}

function sparseQcow2(size: number): string {
  const clusters = new Map<number, TestCluster>();
  for (const r of gpt(size)) {
    for (let at = 0; at < r.bytes.length; ) {
      const offset = r.offset + at;
      const index = Math.floor(offset / CS);
      const cluster = clusters.get(index) ?? { kind: 'data' as const, data: new Uint8Array(CS) };
      const n = Math.min(r.bytes.length - at, (index + 1) * CS - offset);
      if (cluster.kind === 'data') cluster.data.set(r.bytes.subarray(at, at + n), offset - index * CS);
      clusters.set(index, cluster);
      at += n;
    }
  }
  const path = join(work, `disk-${size}.qcow2`);
  writeFileSync(path, buildQcow2({ size, clusters }));
  return path;
}

function bytesToList(path: string): { bytes: number; partitions: number } {
  readStats.reset();
  const guest = new Introspector().use(qcow2Plugin, rawPlugin, gptPlugin, dosPartitionsPlugin).inspectGuest([{ path }]);
  const doc = listDocument(guest);
  expect(guest.diagnostics).toEqual([]);
  return { bytes: readStats.bytesRead, partitions: doc.partitions.length };
}

describe('listing a sparse disk', () => {
  for (const [name, make] of [['raw', sparseRaw], ['qcow2', sparseQcow2]] as const) {
    it(`reads the same bytes for 1 GiB and 100 GiB (${name})`, () => {
      const small = bytesToList(make(GiB));
      const large = bytesToList(make(100 * GiB));
      expect(small.partitions).toBe(2);
      expect(large.partitions).toBe(2);
      expect(large.bytes).toBe(small.bytes);
      expect(large.bytes).toBeLessThan(1024 * 1024);
    });
  }
});
