// Seeds without the corpus: small images built with the other helpers' test builders, so the
// deterministic slice in `npm test` runs anywhere. One guest per format.
import { buildMixedMbr } from '../plugins/dos-partitions/test-image.js';
import { buildExt, ext4OneKSpec, type ExtImageSpec } from '../plugins/ext3/testing/build-ext.js';
import { buildGpt } from '../plugins/gpt/test-image.js';
import { formatLvmUuid } from '../plugins/lvm2/ondisk.js';
import { elf64Header, elf64Phdr } from '../core/formats/elf.js';
import { limeHeader } from '../plugins/memory-containers/structures.js';
import { buildQcow2, type TestCluster } from '../plugins/qcow2/test-image.js';
import { AT_BITMAP, AT_DATA, AT_VOLUME_NAME } from '../plugins/ntfs/layout.js';
import { buildBootSector, buildMftRecord, nonResidentAttribute, residentAttribute } from '../plugins/ntfs/synthetic.js';
import { buildPv, vgText } from '../test/unit/lvm2/pv-image.js';
import { x86_64Kernel } from '../test/unit/memory/kernels.js';
import { latin1, note } from '../test/unit/memory/synthetic.js';
import { BytesSource } from '../core/source/derived-sources.js';
import type { Seed } from './run-case.js';

const ext4: ExtImageSpec = { ...ext4OneKSpec, label: 'fuzz-ext4' };

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function lvmGuest(): Uint8Array {
  const E = 128 * 512;
  const peStart = 65536;
  const fs = buildExt(ext4);
  const peCount = fs.length / E + 2;
  const size = peStart + peCount * E;
  const uuid = 'AAAAAAbbbbCCCCddddEEEEffffGGGGGG';
  const metadata = vgText({
    name: 'vgfuzz',
    id: 'Vg0000-1111-2222-3333-4444-5555-666666',
    seqno: 1,
    extentSize: 128,
    pvs: [{ key: 'pv0', id: formatLvmUuid(uuid), peStart: 128, peCount }],
    lvs: [
      { name: 'root', id: 'root00-0000-0000-0000-0000-0000-000001', segments: [{ start: 0, count: fs.length / E, stripes: ['pv0', 0] }] },
      { name: 'spare', id: 'spare0-0000-0000-0000-0000-0000-000002', segments: [{ start: 0, count: 2, stripes: ['pv0', fs.length / E] }] },
    ],
  });
  return buildPv({ uuid, size, dataOffset: peStart, metadata, data: fs });
}

function qcow2Guest(): Uint8Array {
  const disk = buildMixedMbr();
  const CS = 65536;
  const clusters = new Map<number, TestCluster>();
  for (let c = 0; c * CS < disk.length; c++) {
    const data = disk.subarray(c * CS, (c + 1) * CS);
    if (data.some((b) => b !== 0)) clusters.set(c, { kind: 'data', data });
  }
  return buildQcow2({ size: disk.length, cluster_bits: 16, clusters });
}

function elfCore(ram: Uint8Array, vmcoreinfo: string): Uint8Array {
  const notes = note('VMCOREINFO', 0, latin1(vmcoreinfo));
  const dataOffset = 64 + 2 * 56 + notes.length;
  const phdrs = [
    elf64Phdr.build({ p_type: 4, p_flags: 0, p_offset: 176n, p_vaddr: 0n, p_paddr: 0n, p_filesz: BigInt(notes.length), p_memsz: BigInt(notes.length), p_align: 0n }),
    elf64Phdr.build({ p_type: 1, p_flags: 7, p_offset: BigInt(dataOffset), p_vaddr: 0n, p_paddr: 0n, p_filesz: BigInt(ram.length), p_memsz: BigInt(ram.length), p_align: 0n }),
  ];
  const header = elf64Header.build({
    ei_class: 2, ei_data: 1, ei_version: 1, e_type: 4, e_machine: 62, e_version: 1, e_entry: 0n,
    e_phoff: 64n, e_shoff: 0n, e_flags: 0, e_ehsize: 64, e_phentsize: 56, e_phnum: 2, e_shentsize: 64, e_shnum: 0, e_shstrndx: 0,
  });
  return concat([header, ...phdrs, notes, ram]);
}

/** A 127-cluster NTFS volume (1 KiB clusters and records): $MFT at LCN 16, $Bitmap data at 101, $MFT/$BITMAP at 102. */
function ntfsVolume(): Uint8Array {
  const CS = 1024;
  const image = new Uint8Array(128 * CS);
  image.set(buildBootSector({ sectors_per_cluster: 2, number_of_sectors: 255n, mft_lcn: 16n, mftmirr_lcn: 64n, volume_serial_number: 0xc0e3000900000001n }), 0);
  const record = (n: number, attributes: Uint8Array[]) => image.set(buildMftRecord(n, attributes), (16 + n) * CS);
  image.set([0xff, 0xff], 102 * CS);
  record(0, [
    nonResidentAttribute(AT_DATA, [{ lcn: 16, length: 16 }], { allocated_size: 16 * CS, data_size: 16 * CS }),
    nonResidentAttribute(AT_BITMAP, [{ lcn: 102, length: 1 }], { allocated_size: CS, data_size: 8 }),
  ]);
  record(3, [residentAttribute(AT_VOLUME_NAME, new Uint8Array(Buffer.from('FUZZ', 'utf16le')))]);
  for (const c of [...Array(33).keys(), 64, 101, 102, 127]) image[101 * CS + (c >> 3)] |= 1 << (c & 7);
  record(6, [nonResidentAttribute(AT_DATA, [{ lcn: 101, length: 1 }], { allocated_size: CS, data_size: 16 })]);
  return image;
}

/** Built once per process: each is a few MiB. */
let cached: Seed[] | undefined;

export function syntheticSeeds(): Seed[] {
  if (cached) return cached;
  const image = (path: string, bytes: Uint8Array) => {
    const source = new BytesSource(path, bytes);
    return { path, open: () => source };
  };
  const disk = (format: string, name: string, bytes: Uint8Array): Seed => ({ format, name, kind: 'disk', images: [image(`/synthetic/${name}`, bytes)] });
  const kernel = x86_64Kernel(false, true);
  const ram = kernel.ram.bytes;
  const memory = (format: string, name: string, bytes: Uint8Array): Seed => ({ format, name, kind: 'memory', images: [image(`/synthetic/${name}`, bytes)] });
  cached = [
    disk('mbr', 'mbr.img', buildMixedMbr()),
    disk('gpt', 'gpt.img', buildGpt({
      sectorSize: 512,
      sectors: 8192,
      diskGuid: 'C0E30003-0000-4000-8000-0000000000D0',
      partitions: [
        { slot: 1, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', uuid: 'C0E30003-0001-4000-8000-000000000001', first: 2048, last: 4095, name: 'root' },
        { slot: 2, type: 'E6D6D379-F507-44C2-A23C-238F2A3DF928', uuid: 'C0E30003-0001-4000-8000-000000000002', first: 4096, last: 8000, name: 'lvm' },
      ],
    })),
    disk('lvm', 'lvm.img', lvmGuest()),
    disk('ext', 'ext4.img', buildExt(ext4)),
    disk('ntfs', 'ntfs.img', ntfsVolume()),
    disk('qcow2', 'mbr.qcow2', qcow2Guest()),
    memory('raw-mem', 'mem.raw', ram),
    memory('elf', 'mem.elf', elfCore(ram, kernel.vmcoreinfo)),
    memory('lime', 'mem.lime', concat([limeHeader.build({ version: 1, s_addr: 0n, e_addr: BigInt(ram.length - 1) }), ram])),
  ];
  return cached;
}
