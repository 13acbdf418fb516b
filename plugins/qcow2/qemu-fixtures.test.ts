// Images written by qemu itself (fixtures/make-fixtures.sh): the guest disk we read must hash like
// qemu-img's own raw conversion.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Introspector } from '../../core/pipeline/introspector.js';
import { rawPlugin } from '../raw/index.js';
import { qcow2Plugin, type Qcow2Source } from './index.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const truth = JSON.parse(readFileSync(new URL('truth.json', fixtures), 'utf8')) as Record<string, { virtual_size: number; sha256: string }>;
const work = mkdtempSync(join(tmpdir(), 'introspect-qemu-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
for (const gz of readdirSync(fixtures).filter((f) => f.endsWith('.gz'))) {
  writeFileSync(join(work, gz.slice(0, -3)), gunzipSync(readFileSync(new URL(gz, fixtures))));
}

const expectedHeader: Record<string, Partial<Qcow2Source['header']>> = {
  'zstd.qcow2': { version: 3, compression_type: 'zstd', cluster_size: 16384 },
  'v2-deflate.qcow2': { version: 2, compression_type: 'deflate' },
  'extl2-overlay.qcow2': { version: 3, extended_l2: true, backing_file: 'extl2-base.raw', backing_format: 'raw' },
};

describe('qcow2 images made by qemu', () => {
  for (const [name, want] of Object.entries(truth)) {
    it(`${name} reads as qemu-img converts it`, () => {
      const source = new Introspector().use(qcow2Plugin, rawPlugin).openImage(join(work, name)) as Qcow2Source;
      expect(source.header).toMatchObject(expectedHeader[name]);
      expect(source.size).toBe(want.virtual_size);
      const hash = createHash('sha256');
      // Odd-sized reads cross cluster and subcluster boundaries.
      for (let at = 0; at < source.size; at += 77777) hash.update(source.read(at, Math.min(77777, source.size - at)));
      expect(hash.digest('hex')).toBe(want.sha256);
    });
  }
});
