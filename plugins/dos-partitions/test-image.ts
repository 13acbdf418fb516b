// Builds MBR/EBR sectors in memory for the tests (linux block/partitions/msdos.c layout). Not used at run time.
import { msdosPartition, PARTITION_TABLE_OFFSET, SECTOR_SIZE } from './mbr.js';

export interface TestEntry {
  sys_ind: number;
  start_sect: number;
  nr_sects: number;
  boot_ind?: number;
}

/** Write an MBR or EBR at `sector`: up to four entries (undefined = empty slot), 0x55AA. */
export function writeMsdosSector(disk: Uint8Array, sector: number, entries: ReadonlyArray<TestEntry | undefined>, disk_signature = 0): void {
  const at = sector * SECTOR_SIZE;
  new DataView(disk.buffer, disk.byteOffset).setUint32(at + 0x1b8, disk_signature, true);
  entries.forEach((e, i) => {
    if (!e) return;
    const bytes = msdosPartition.build({
      boot_ind: e.boot_ind ?? 0,
      head: 0xfe,
      sector: 0xff,
      cyl: 0xff,
      sys_ind: e.sys_ind,
      end_head: 0xfe,
      end_sector: 0xff,
      end_cyl: 0xff,
      start_sect: e.start_sect,
      nr_sects: e.nr_sects,
    });
    disk.set(bytes, at + PARTITION_TABLE_OFFSET + 16 * i);
  });
  disk[at + 510] = 0x55;
  disk[at + 511] = 0xaa;
}

/**
 * The layout of the corpus' mbr-mixed disk, scaled down: primaries 1 (83) and 2 (7), extended 3
 * holding logicals 5 (83) and 6 (7). Returns the disk (sectors given in 512-byte units).
 */
export function buildMixedMbr(sizeSectors = 16384): Uint8Array {
  const disk = new Uint8Array(sizeSectors * SECTOR_SIZE);
  writeMsdosSector(
    disk,
    0,
    [
      { sys_ind: 0x83, start_sect: 2048, nr_sects: 2048, boot_ind: 0x80 },
      { sys_ind: 0x07, start_sect: 4096, nr_sects: 2048 },
      { sys_ind: 0x05, start_sect: 6144, nr_sects: 8192 },
    ],
    0xc0e30002,
  );
  // First EBR at the extended start: logical 5 relative to this EBR, link relative to the extended start.
  writeMsdosSector(disk, 6144, [
    { sys_ind: 0x83, start_sect: 2048, nr_sects: 2048 },
    { sys_ind: 0x05, start_sect: 4096, nr_sects: 4096 },
  ]);
  writeMsdosSector(disk, 6144 + 4096, [{ sys_ind: 0x07, start_sect: 2048, nr_sects: 2048 }]);
  return disk;
}
