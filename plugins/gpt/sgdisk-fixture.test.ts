// A GPT with 4096-byte sectors written by sgdisk (fixtures/make-fixtures.sh), against what sfdisk reports.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BytesSource } from '../../core/source/derived-sources.js';
import { readGptTable } from './gpt.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const disk = gunzipSync(readFileSync(new URL('gpt-4k.img.gz', fixtures)));
const sfdisk = JSON.parse(readFileSync(new URL('gpt-4k.sfdisk.json', fixtures), 'utf8')).partitiontable as {
  id: string;
  sectorsize: number;
  partitions: Array<{ node: string; start: number; size: number; type: string; uuid: string; name: string }>;
};
const expected = sfdisk.partitions.map((p) => ({ number: Number(p.node.replace(/^.*p/, '')), start: p.start, size: p.size, type: p.type, uuid: p.uuid, name: p.name }));

function ours(bytes: Uint8Array) {
  const t = readGptTable(new BytesSource('gpt-4k.img', bytes));
  if (!t.header) throw new Error(t.problems.map((p) => p.reason).join('; '));
  return { table: t, partitions: t.partitions.map((p) => ({ number: p.number, start: p.starting_lba, size: p.ending_lba - p.starting_lba + 1, type: p.type, uuid: p.uuid, name: p.name })) };
}

describe('sgdisk GPT with 4096-byte sectors', () => {
  it('reads what sfdisk reads', () => {
    const { table, partitions } = ours(disk);
    expect(table.sectorSize).toBe(sfdisk.sectorsize);
    expect(table.header.disk_guid).toBe(sfdisk.id);
    expect(table.problems).toEqual([]);
    expect(partitions).toEqual(expected);
  });

  it('falls back to the backup when the primary header is damaged', () => {
    const damaged = Uint8Array.from(disk);
    damaged[4096 + 24] ^= 0xff; // my_lba, covered by the header CRC
    const { table, partitions } = ours(damaged);
    expect(table.usedBackup).toBe(true);
    expect(table.problems.map((p) => p.level)).toEqual(['warning']);
    expect(partitions).toEqual(expected);
  });
});
