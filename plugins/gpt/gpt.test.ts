import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Introspector } from '../../core/pipeline/introspector.js';
import { BytesSource } from '../../core/source/derived-sources.js';
import { dosPartitionsPlugin } from '../dos-partitions/index.js';
import { readGptTable, type GptTable } from './gpt.js';
import { guidFromString, guidToString } from './guid.js';
import { gptPlugin } from './index.js';
import { buildGpt, type TestGptOptions } from './test-image.js';

const work = mkdtempSync(join(tmpdir(), 'introspect-gpt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const BASIC = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
const LVM = 'E6D6D379-F507-44C2-A23C-238F2A3DF928';

function options(sectorSize: 512 | 4096): TestGptOptions {
  const scale = sectorSize === 512 ? 1 : 8;
  const end = (lastSector512: number): number => Math.floor((lastSector512 + 1) / scale) - 1;
  return {
    sectorSize,
    sectors: 16384 / scale,
    diskGuid: 'C0E30003-0000-4000-8000-0000000000D0',
    partitions: [
      { slot: 1, type: LINUX, uuid: 'C0E30003-0001-4000-8000-000000000001', first: 2048 / scale, last: end(6143), name: 'gpt-ext4' },
      { slot: 2, type: BASIC, uuid: 'C0E30003-0002-4000-8000-000000000002', first: 6144 / scale, last: end(10239), name: 'Basic data partition' },
      { slot: 4, type: LVM, uuid: 'C0E30003-0004-4000-8000-000000000004', first: 10240 / scale, last: end(16000), name: 'LVM – ünïcode' },
    ],
  };
}

const table = (disk: Uint8Array): GptTable => {
  const t = readGptTable(new BytesSource('gpt.img', disk));
  if (!t.header) throw new Error(t.problems[0].reason);
  return t;
};

describe('GUID text form', () => {
  it('puts the first three fields in little-endian order', () => {
    const bytes = Uint8Array.from([0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47, 0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4]);
    expect(guidToString(bytes)).toBe(LINUX);
    expect(Buffer.from(guidFromString(LINUX)).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('GPT', () => {
  for (const sectorSize of [512, 4096] as const) {
    it(`reads partitions, types, GUIDs and UTF-16 names with ${sectorSize}-byte sectors`, () => {
      const t = table(buildGpt(options(sectorSize)));
      expect(t.sectorSize).toBe(sectorSize);
      expect(t.usedBackup).toBe(false);
      expect(t.problems).toEqual([]);
      expect(t.header.disk_guid).toBe('C0E30003-0000-4000-8000-0000000000D0');
      expect(t.partitions.map((p) => [p.number, p.type, p.uuid, p.name])).toEqual([
        [1, LINUX, 'C0E30003-0001-4000-8000-000000000001', 'gpt-ext4'],
        [2, BASIC, 'C0E30003-0002-4000-8000-000000000002', 'Basic data partition'],
        [4, LVM, 'C0E30003-0004-4000-8000-000000000004', 'LVM – ünïcode'],
      ]);
    });
  }

  it('uses the backup header when the primary header CRC is bad, and says so', () => {
    const disk = buildGpt(options(512));
    disk[512 + 40] ^= 1; // first_usable_lba changed: the header CRC no longer matches
    const t = table(disk);
    expect(t.usedBackup).toBe(true);
    expect(t.partitions.map((p) => p.number)).toEqual([1, 2, 4]);
    expect(t.problems).toHaveLength(1);
    expect(t.problems[0]).toMatchObject({ level: 'warning', structure: 'GPT primary header' });
    expect(t.problems[0].reason).toMatch(/header CRC32 .* does not match.*using the backup header at LBA 16383/);
  });

  it('uses the backup when the primary entry array CRC is bad', () => {
    const disk = buildGpt(options(4096));
    disk[2 * 4096 + 60] ^= 0xff; // a name byte of entry 1 in the primary array
    const t = table(disk);
    expect(t.usedBackup).toBe(true);
    expect(t.partitions[0].name).toBe('gpt-ext4');
    expect(t.problems[0].reason).toMatch(/partition entry array CRC32/);
  });

  it('warns when only the backup is bad', () => {
    const disk = buildGpt(options(512));
    disk[disk.length - 512 + 30] ^= 1;
    const t = table(disk);
    expect(t.usedBackup).toBe(false);
    expect(t.problems.map((p) => p.structure)).toEqual(['GPT backup header']);
  });

  it('reports an error when both headers are bad', () => {
    const disk = buildGpt(options(512));
    disk[512 + 40] ^= 1;
    disk[disk.length - 512 + 40] ^= 1;
    const t = readGptTable(new BytesSource('gpt.img', disk));
    expect(t.header).toBeUndefined();
    expect(t.problems[0].level).toBe('error');
    expect(t.problems[0].reason).toMatch(/no valid GPT header/);
  });

  it('falls back to the backup when the primary claims a huge entry array', () => {
    const disk = buildGpt(options(512));
    const view = new DataView(disk.buffer);
    view.setUint32(512 + 80, 0x10000000, true); // num_partition_entries
    const t = readGptTable(new BytesSource('gpt.img', disk));
    expect(t.header !== undefined && t.usedBackup).toBe(true);
  });

  it('adds /dev/sdaN nodes numbered by entry slot; the DOS plugin leaves the protective MBR alone', () => {
    const path = join(work, 'gpt.img');
    writeFileSync(path, buildGpt(options(512)));
    const guest = new Introspector().use(dosPartitionsPlugin, gptPlugin).inspectGuest([{ path }]);
    expect(guest.diagnostics).toEqual([]);
    expect(guest.disks[0].content).toMatchObject({ type: 'gpt', plugin: 'gpt', uuid: 'C0E30003-0000-4000-8000-0000000000D0' });
    const parts = guest.nodes.filter((n) => n.kind === 'partition');
    expect(parts.map((n) => [n.device, n.partition!.start, n.partition!.size, n.partition!.kind])).toEqual([
      ['/dev/sda1', 2048 * 512, 4096 * 512, 'gpt'],
      ['/dev/sda2', 6144 * 512, 4096 * 512, 'gpt'],
      ['/dev/sda4', 10240 * 512, 5761 * 512, 'gpt'],
    ]);
  });

  it('reports a bad primary as a warning diagnostic on the disk', () => {
    const disk = buildGpt(options(512));
    disk[512 + 40] ^= 1;
    const path = join(work, 'gpt-bad.img');
    writeFileSync(path, disk);
    const guest = new Introspector().use(gptPlugin).inspectGuest([{ path }]);
    expect(guest.diagnostics.map((d) => [d.level, d.device])).toEqual([['warning', '/dev/sda']]);
    expect(guest.nodes.filter((n) => n.kind === 'partition')).toHaveLength(3);
  });
});
