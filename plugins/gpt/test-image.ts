// Builds GPT disks in memory for the tests (linux block/partitions/efi.h layout). Not used at run time.
import { crc32 } from '../../core/util/crc32.js';
import { gptEntry, gptHeader, pmbrRecord } from './gpt.js';
import { guidFromString } from './guid.js';

export interface TestGptPartition {
  slot: number;
  type: string;
  uuid: string;
  first: number;
  last: number;
  name: string;
}

export interface TestGptOptions {
  sectorSize: 512 | 4096;
  sectors: number;
  diskGuid: string;
  partitions: TestGptPartition[];
  entries?: number;
}

function utf16Name(name: string): Uint8Array {
  const out = new Uint8Array(72);
  out.set(Buffer.from(name, 'utf16le').subarray(0, 72));
  return out;
}

function header(o: TestGptOptions, my: number, alternate: number, entryLba: number, entriesCrc: number, numEntries: number): Uint8Array {
  const fields = {
    signature: 'EFI PART',
    revision: 0x00010000,
    header_size: 92,
    header_crc32: 0,
    reserved1: 0,
    my_lba: BigInt(my),
    alternate_lba: BigInt(alternate),
    first_usable_lba: BigInt(o.sectorSize === 512 ? 34 : 6),
    last_usable_lba: BigInt(o.sectors - (o.sectorSize === 512 ? 34 : 6)),
    disk_guid: guidFromString(o.diskGuid),
    partition_entry_lba: BigInt(entryLba),
    num_partition_entries: numEntries,
    sizeof_partition_entry: 128,
    partition_entry_array_crc32: entriesCrc,
  };
  const bytes = gptHeader.build(fields);
  const crc = crc32(bytes, 0, 92);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(16, crc, true);
  return bytes;
}

/** The bytes a GPT disk holds, as (offset, bytes) regions: protective MBR + primary, backup. */
export function buildGptRegions(o: TestGptOptions): Array<{ offset: number; bytes: Uint8Array }> {
  const ss = o.sectorSize;
  const numEntries = o.entries ?? 128;
  const entries = new Uint8Array(numEntries * 128);
  for (const p of o.partitions) {
    entries.set(
      gptEntry.build({
        partition_type_guid: guidFromString(p.type),
        unique_partition_guid: guidFromString(p.uuid),
        starting_lba: BigInt(p.first),
        ending_lba: BigInt(p.last),
        attributes: 0n,
        partition_name: utf16Name(p.name),
      }),
      (p.slot - 1) * 128,
    );
  }
  const entriesCrc = crc32(entries);
  const entrySectors = Math.ceil(entries.length / ss);
  const last = o.sectors - 1;

  const head = new Uint8Array((2 + entrySectors) * ss);
  head.set(pmbrRecord.build({ boot_indicator: 0, os_type: 0xee, starting_lba: 1, size_in_lba: Math.min(o.sectors - 1, 0xffffffff) }), 0x1be);
  head[510] = 0x55;
  head[511] = 0xaa;
  head.set(header(o, 1, last, 2, entriesCrc, numEntries), ss);
  head.set(entries, 2 * ss);

  const tail = new Uint8Array((entrySectors + 1) * ss);
  tail.set(entries, 0);
  tail.set(header(o, last, 1, last - entrySectors, entriesCrc, numEntries), entrySectors * ss);
  return [
    { offset: 0, bytes: head },
    { offset: (last - entrySectors) * ss, bytes: tail },
  ];
}

export function buildGpt(o: TestGptOptions): Uint8Array {
  const disk = new Uint8Array(o.sectors * o.sectorSize);
  for (const r of buildGptRegions(o)) disk.set(r.bytes, r.offset);
  return disk;
}
