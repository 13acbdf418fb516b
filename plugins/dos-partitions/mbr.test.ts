import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Introspector } from '../../core/pipeline/introspector.js';
import { BytesSource } from '../../core/source/derived-sources.js';
import { dosPartitionsPlugin } from './index.js';
import { isMsdosLabel, readDosTable, SECTOR_SIZE } from './mbr.js';
import { buildMixedMbr, writeMsdosSector } from './test-image.js';

const work = mkdtempSync(join(tmpdir(), 'introspect-mbr-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const summary = (disk: Uint8Array) =>
  readDosTable(new BytesSource('disk.img', disk)).partitions.map((p) => [p.number, p.kind, p.sys_ind.toString(16), p.startSector, p.sizeSectors]);

describe('DOS partition table', () => {
  it('reads primaries, the extended container and logicals numbered from 5', () => {
    expect(summary(buildMixedMbr())).toEqual([
      [1, 'primary', '83', 2048, 2048],
      [2, 'primary', '7', 4096, 2048],
      [3, 'extended', '5', 6144, 8192],
      [5, 'logical', '83', 8192, 2048],
      [6, 'logical', '7', 12288, 2048],
    ]);
    expect(readDosTable(new BytesSource('disk.img', buildMixedMbr())).problems).toEqual([]);
  });

  it('stops an EBR chain that loops back and reports it once', () => {
    const disk = buildMixedMbr();
    // The last EBR links to itself (as in the corpus' mbr-loop image).
    writeMsdosSector(disk, 6144 + 4096, [
      { sys_ind: 0x07, start_sect: 2048, nr_sects: 2048 },
      { sys_ind: 0x05, start_sect: 4096, nr_sects: 4096 },
    ]);
    const table = readDosTable(new BytesSource('loop.img', disk));
    expect(table.partitions.map((p) => p.number)).toEqual([1, 2, 3, 5, 6]);
    expect(table.problems).toHaveLength(1);
    expect(table.problems[0]).toMatchObject({ level: 'error', structure: 'EBR at sector 10240' });
    expect(table.problems[0].reason).toMatch(/loops/);
  });

  it('stops a long chain of links without data partitions (kernel limit 100)', () => {
    const disk = new Uint8Array(4096 * SECTOR_SIZE);
    writeMsdosSector(disk, 0, [{ sys_ind: 0x0f, start_sect: 1, nr_sects: 4000 }]);
    // 200 EBRs, each only linking to the next.
    for (let i = 0; i < 200; i++) writeMsdosSector(disk, 1 + i, [undefined, { sys_ind: 0x05, start_sect: i + 1, nr_sects: 1 }]);
    const table = readDosTable(new BytesSource('chain.img', disk));
    expect(table.problems.map((p) => p.reason).join()).toMatch(/100 links without a logical partition/);
  });

  it('truncates a partition running past the disk end and drops one starting past it', () => {
    const disk = new Uint8Array(8192 * SECTOR_SIZE);
    writeMsdosSector(disk, 0, [
      { sys_ind: 0x83, start_sect: 2048, nr_sects: 2048 },
      { sys_ind: 0x83, start_sect: 4096, nr_sects: 16384 },
      { sys_ind: 0x05, start_sect: 20480, nr_sects: 4096 },
    ]);
    const table = readDosTable(new BytesSource('short.img', disk));
    expect(table.partitions.map((p) => [p.number, p.sizeSectors, p.readableBytes])).toEqual([
      [1, 2048, 2048 * 512],
      [2, 16384, 4096 * 512],
    ]);
    expect(table.problems.map((p) => [p.partition, p.level])).toEqual([
      [2, 'error'],
      [3, 'error'],
    ]);
    expect(table.problems[0].reason).toMatch(/past the end of the disk .*truncated/);
    expect(table.problems[1].reason).toMatch(/starts at sector 20480, past the end.*missing; the logical partitions inside it cannot be read/);
  });

  it('reports overlapping partitions', () => {
    const disk = new Uint8Array(8192 * SECTOR_SIZE);
    writeMsdosSector(disk, 0, [
      { sys_ind: 0x83, start_sect: 2048, nr_sects: 2048 },
      { sys_ind: 0x83, start_sect: 3000, nr_sects: 2048 },
    ]);
    const table = readDosTable(new BytesSource('ov.img', disk));
    expect(table.problems).toHaveLength(1);
    expect(table.problems[0].reason).toBe('partitions 1 and 2 overlap (sectors 3000-4095)');
  });

  it('leaves protective MBRs, FAT/NTFS boot sectors and blank disks alone', () => {
    const gpt = new Uint8Array(512);
    writeMsdosSector(gpt, 0, [{ sys_ind: 0xee, start_sect: 1, nr_sects: 0xffffffff }]);
    expect(isMsdosLabel(gpt)).toBe(false);
    const ntfs = new Uint8Array(512);
    ntfs.set(Buffer.from('\xebR\x90NTFS    ', 'latin1'));
    ntfs[510] = 0x55;
    ntfs[511] = 0xaa;
    expect(isMsdosLabel(ntfs)).toBe(false);
    const fat = new Uint8Array(512);
    fat.set([0xeb, 0x3c, 0x90], 0);
    fat.set([0x00, 0x02, 0x04, 0x01, 0x00, 0x02], 11); // 512 B/sector, 4 sectors/cluster, 1 reserved, 2 FATs
    fat[21] = 0xf8;
    fat[510] = 0x55;
    fat[511] = 0xaa;
    expect(isMsdosLabel(fat)).toBe(false);
    expect(isMsdosLabel(new Uint8Array(512))).toBe(false);
    const badBoot = buildMixedMbr().slice(0, 512);
    badBoot[0x1be] = 0x12;
    expect(isMsdosLabel(badBoot)).toBe(false);
    expect(isMsdosLabel(buildMixedMbr().slice(0, 512))).toBe(true);
  });

  it('adds partition nodes named as libguestfs does; the extended one is a container', () => {
    const path = join(work, 'mixed.img');
    writeFileSync(path, buildMixedMbr());
    const guest = new Introspector().use(dosPartitionsPlugin).inspectGuest([{ path }]);
    expect(guest.diagnostics).toEqual([]);
    expect(guest.disks[0].content).toMatchObject({ type: 'dos', role: 'partition-table', uuid: 'c0e30002' });
    const parts = guest.nodes.filter((n) => n.kind === 'partition');
    expect(parts.map((n) => [n.device, n.partition!.type, n.partition!.start, n.partition!.size, n.source.size])).toEqual([
      ['/dev/sda1', '83', 2048 * 512, 2048 * 512, 2048 * 512],
      ['/dev/sda2', '7', 4096 * 512, 2048 * 512, 2048 * 512],
      ['/dev/sda3', '5', 6144 * 512, 8192 * 512, 8192 * 512],
      ['/dev/sda5', '83', 8192 * 512, 2048 * 512, 2048 * 512],
      ['/dev/sda6', '7', 12288 * 512, 2048 * 512, 2048 * 512],
    ]);
    expect(parts[2].content).toMatchObject({ type: 'extended', role: 'partition-table' });
    expect(parts[0].content?.type).toBe('unknown');
  });
});
