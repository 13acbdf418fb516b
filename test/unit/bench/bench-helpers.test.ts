import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeWithBuilders } from '../../../bench/disk-list.bench.js';
import { median, printTable } from '../../../bench/table.js';
import { builtinPlugins } from '../../../core/builtin-plugins.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { readStats } from '../../../core/source/source.js';
import { listDocument } from '../../../core/views/list.js';

describe('bench tables', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('prints Markdown with numeric columns right-aligned', () => {
    let out = '';
    printTable([['name', 'ms'], ['a', '1.5'], ['bbb', '10.25']], (t) => (out += t));
    expect(out).toBe('| name |    ms |\n|------|------:|\n| a    |   1.5 |\n| bbb  | 10.25 |\n');
  });
});

describe('disk-list bench image without lvm2 tools', () => {
  const dir = mkdtempSync(join(tmpdir(), 'introspect-bench-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a GPT disk whose LVM partition holds VG benchvg with LVs root and data, read in the same bytes at 1 and 10 GiB', () => {
    const bytes: number[] = [];
    for (const size of [1024 ** 3, 10 * 1024 ** 3]) {
      const path = makeWithBuilders(dir, size);
      readStats.reset();
      const doc = listDocument(new Introspector().use(...builtinPlugins()).inspectGuest([{ path }]));
      bytes.push(readStats.bytesRead);
      expect(doc.partitions.map((p) => p.name)).toEqual(['EFI', 'lvm']);
      expect(doc.volumeGroups.map((vg) => vg.name)).toEqual(['benchvg']);
      const lvs = doc.logicalVolumes.map((lv) => [lv.name, lv.size]);
      const part = doc.partitions[1]!;
      // data = every whole 4 MiB extent after pe_start (1 MiB) minus root's 256 MiB.
      const extents = Math.floor((part.size - 1024 ** 2) / (4 * 1024 ** 2));
      expect(lvs).toEqual([['root', 256 * 1024 ** 2], ['data', (extents - 64) * 4 * 1024 ** 2]]);
      rmSync(path);
    }
    // The metadata text grows by a digit or so with the extent count; nothing else may.
    expect(Math.abs(bytes[1]! - bytes[0]!)).toBeLessThan(16);
  });
});
