/**
 * LVM2 against the corpus: VGs, PVs and LV segments equal what pvs/vgs/lvs reported, and the bytes
 * read through our LV mapping hold the filesystems the truth describes (superblock magic, UUID, label
 * read directly from the LV). The bad image is handled as its truth's bad_input says.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../core/builtin-plugins.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import type { Guest, StorageNode } from '../../core/pipeline/model.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from './corpus.js';

interface TruthPv {
  pv_name: string;
  pv_uuid: string;
  pe_start: string;
  pv_pe_count: string;
  virt_df_device: string;
}

interface TruthSegment {
  lv_name: string;
  lv_uuid: string;
  lv_size: string;
  segtype: string;
  seg_start_pe: string;
  seg_size_pe: string;
  stripes: string;
  stripe_size: string;
  devices: string;
}

interface TruthLayoutSegment {
  lv_start_bytes: number;
  size_bytes: number;
  stripes: number;
  stripe_size_bytes: number;
  areas: { image: string; image_offset_bytes: number; length_bytes: number }[];
}

interface TruthLvm {
  device_map_at_build: Record<string, { virt_df_device: string }>;
  layout: { lvs: Record<string, { virt_df_device: string; size_bytes: number; segments: TruthLayoutSegment[] }> };
  vg: { vg_name: string; vg_uuid: string; vg_extent_size: string; vg_seqno: string; pv_count: string; lv_count: string };
  pvs: TruthPv[];
  lv_segments: TruthSegment[];
}

interface TruthFilesystem {
  virt_df_device: string;
  type: string;
  label: string;
  uuid: string;
}

interface Truth {
  images: string[];
  kind: string;
  lvm?: TruthLvm;
  filesystems: TruthFilesystem[];
  bad_input?: {
    corruption: { mda_header_byte_offset: number; checksum_before: string; checksum_after: string };
    reference_before_corruption: { lvm: { vg: { vg_name: string; vg_seqno: string } } };
    careful_tool_should: { filesystems: unknown[] };
  };
}

const skip = !corpusAvailable() && !corpusRequired();

function inspect(truth: Truth): Guest {
  // The built-in set: partitions (dos, gpt), lvm2 and filesystems, as the CLI uses them.
  const introspector = new Introspector().use(...builtinPlugins());
  return introspector.inspectGuest(truth.images.map((image) => ({ path: corpusFile(`disk/${image}`) })));
}

function hexBytes(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** ext superblock at byte 1024 of the LV: magic @0x38, uuid @0x68, volume name @0x78 (e2fsprogs ext2_fs.h). */
function extIdentity(node: StorageNode): { magic: number; uuid: string; label: string } {
  const sb = node.source.read(1024, 1024);
  const u = hexBytes(sb.subarray(0x68, 0x78));
  const name = sb.subarray(0x78, 0x88);
  const end = name.indexOf(0);
  return {
    magic: sb[0x38] | (sb[0x39] << 8),
    uuid: `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20)}`,
    label: Buffer.from(end < 0 ? name : name.subarray(0, end)).toString('utf8'),
  };
}

/** NTFS boot sector of the LV: "NTFS    " @3, volume serial u64le @0x48 (blkid prints it as 16 hex digits). */
function ntfsIdentity(node: StorageNode): { oem: string; uuid: string } {
  const boot = node.source.read(0, 512);
  return {
    oem: Buffer.from(boot.subarray(3, 11)).toString('latin1'),
    uuid: hexBytes(boot.subarray(0x48, 0x50).slice().reverse()).toUpperCase(),
  };
}

/** "/dev/loop0(16),/dev/loop1(0)" -> [{pv: '/dev/sda', startExtent: 16}, ...] through the build-time device map. */
function expectedStripes(devices: string, map: TruthLvm['device_map_at_build']): { pv: string; startExtent: number }[] {
  return devices.split(',').map((d) => {
    const m = /^(.+)\((\d+)\)$/.exec(d)!;
    return { pv: map[m[1]].virt_df_device, startExtent: Number(m[2]) };
  });
}

function readImage(image: string, offset: number, length: number): Uint8Array {
  const fd = openSync(corpusFile(`disk/${image}`), 'r');
  try {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) done += readSync(fd, out, done, length - done, offset + done);
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * The LV's bytes as the truth's layout places them (the builder wrote the filesystem there): linear
 * areas in order; striped: chunk c of stripe_size bytes in area c % stripes at (c // stripes) * stripe_size.
 */
function bytesFromTruthLayout(segments: TruthLayoutSegment[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (const seg of segments) {
    if (seg.stripes === 1) {
      out.set(readImage(seg.areas[0].image, seg.areas[0].image_offset_bytes, seg.size_bytes), seg.lv_start_bytes);
      continue;
    }
    const S = seg.stripe_size_bytes;
    for (let c = 0; c * S < seg.size_bytes; c++) {
      const area = seg.areas[c % seg.stripes];
      out.set(readImage(area.image, area.image_offset_bytes + Math.floor(c / seg.stripes) * S, S), seg.lv_start_bytes + c * S);
    }
  }
  return out;
}

function checkGoodLvmGuest(truthFile: string): void {
  // Loaded in beforeAll so that a skipped suite never touches the (missing) corpus.
  let truth: Truth;
  let lvm: TruthLvm;
  let guest: Guest;
  beforeAll(() => {
    truth = readTruth<Truth>(truthFile);
    lvm = truth.lvm!;
    guest = inspect(truth);
  });

  it('assembles the VG as vgs reported it', () => {
    expect(guest.volumeGroups.map((vg) => ({ name: vg.name, uuid: vg.uuid, extentSize: vg.extentSize, seqno: vg.seqno, pvCount: vg.pvs.length }))).toEqual([{
      name: lvm.vg.vg_name,
      uuid: lvm.vg.vg_uuid,
      extentSize: Number(lvm.vg.vg_extent_size),
      seqno: Number(lvm.vg.vg_seqno),
      pvCount: Number(lvm.vg.pv_count),
    }]);
    expect(guest.logicalVolumes.filter((lv) => lv.visible).length).toBe(Number(lvm.vg.lv_count));
  });

  it('finds every PV on its guest device, as pvs reported it', () => {
    const pvs = guest.volumeGroups[0]?.pvs ?? [];
    expect(pvs).toEqual(lvm.pvs.map((pv) => ({ device: pv.virt_df_device, uuid: pv.pv_uuid, peStart: Number(pv.pe_start), peCount: Number(pv.pv_pe_count) })));
    for (const pv of lvm.pvs) {
      expect(guest.nodes.find((n) => n.device === pv.virt_df_device)?.content).toMatchObject({ type: 'LVM2_member', uuid: pv.pv_uuid });
    }
  });

  it('gives each LV the segments lvs --segments reported', () => {
    const names = [...new Set(lvm.lv_segments.map((s) => s.lv_name))].sort();
    expect(guest.logicalVolumes.map((lv) => lv.name).sort()).toEqual(names);
    for (const name of names) {
      const truthSegs = lvm.lv_segments.filter((s) => s.lv_name === name).sort((a, b) => Number(a.seg_start_pe) - Number(b.seg_start_pe));
      const lv = guest.logicalVolumes.find((l) => l.name === name)!;
      expect({ device: lv.device, uuid: lv.uuid, size: lv.size, note: lv.note }).toEqual({
        device: `/dev/${lvm.vg.vg_name}/${name}`,
        uuid: truthSegs[0].lv_uuid,
        size: Number(truthSegs[0].lv_size),
        note: undefined,
      });
      expect(lv.segments).toEqual(truthSegs.map((s) => ({
        startExtent: Number(s.seg_start_pe),
        extentCount: Number(s.seg_size_pe),
        type: s.segtype,
        stripeSize: Number(s.stripe_size),
        stripes: expectedStripes(s.devices, lvm.device_map_at_build),
      })));
      expect(lv.segments.every((s) => s.stripes.length === Number(truthSegs.find((t) => Number(t.seg_start_pe) === s.startExtent)!.stripes))).toBe(true);
    }
  });

  it('reads each LV filesystem through the mapping: superblock, UUID and label equal the truth', () => {
    const lvFilesystems = truth.filesystems.filter((fs) => fs.virt_df_device.startsWith(`/dev/${lvm.vg.vg_name}/`));
    expect(lvFilesystems.length).toBeGreaterThan(0);
    for (const fs of lvFilesystems) {
      const node = guest.nodes.find((n) => n.device === fs.virt_df_device);
      expect(node, fs.virt_df_device).toBeDefined();
      if (fs.type === 'ntfs') {
        expect(ntfsIdentity(node!)).toEqual({ oem: 'NTFS    ', uuid: fs.uuid });
      } else {
        expect(extIdentity(node!)).toEqual({ magic: 0xef53, uuid: fs.uuid, label: fs.label });
      }
    }
  });

  it('maps every byte of every LV where the truth layout says the builder wrote it', () => {
    for (const layout of Object.values(lvm.layout.lvs)) {
      const node = guest.nodes.find((n) => n.device === layout.virt_df_device);
      expect(node?.source.size, layout.virt_df_device).toBe(layout.size_bytes);
      const ours = Buffer.from(node!.source.read(0, layout.size_bytes));
      expect(ours.equals(Buffer.from(bytesFromTruthLayout(layout.segments, layout.size_bytes))), layout.virt_df_device).toBe(true);
    }
  });

  it('reports no problems', () => {
    expect(guest.diagnostics.map((d) => d.error.message)).toEqual([]);
  });
}

describe.skipIf(skip)('LVM2 corpus: lvm-disk1.img + lvm-disk2.img (whole-disk PV + PV in an MBR partition)', () => {
  checkGoodLvmGuest('disk/lvm-disk1.img.truth.json');

  it('has the same LVM truth in both disk files', () => {
    expect(readTruth<Truth>('disk/lvm-disk2.img.truth.json').lvm).toEqual(readTruth<Truth>('disk/lvm-disk1.img.truth.json').lvm);
  });
});

describe.skipIf(skip)('LVM2 corpus: gpt-mixed.img (PV in a GPT partition)', () => {
  checkGoodLvmGuest('disk/gpt-mixed.img.truth.json');
});

describe.skipIf(skip)('LVM2 corpus: lvm-badcrc.img (mda_header checksum inverted)', () => {
  let truth: Truth;
  let guest: Guest;
  let corruption: NonNullable<Truth['bad_input']>['corruption'];
  let lostVg: { vg_name: string; vg_seqno: string };
  beforeAll(() => {
    truth = readTruth<Truth>('disk/lvm-badcrc.img.truth.json');
    guest = inspect(truth);
    corruption = truth.bad_input!.corruption;
    lostVg = truth.bad_input!.reference_before_corruption.lvm.vg;
  });

  it('finds the PV label but rejects the metadata area, naming device, structure, offset and both checksums', () => {
    expect(guest.nodes[0].content).toMatchObject({ type: 'LVM2_member', note: `damaged: no valid copy of the VG metadata (VG ${lostVg.vg_name})` });
    const mda = guest.diagnostics.find((d) => d.error.structure === 'LVM2 mda_header (metadata area 1)');
    expect(mda).toMatchObject({ level: 'error', device: '/dev/sda' });
    expect(mda!.error.offset).toBe(corruption.mda_header_byte_offset);
    expect(mda!.error.reason).toContain(`stored ${corruption.checksum_after}, computed ${corruption.checksum_before}`);
    // The VG is named from the unchecked copy (as pvck does), but nothing from it is used.
    const lost = `VG ${lostVg.vg_name} (seqno ${lostVg.vg_seqno} in the unchecked copy) cannot be assembled`;
    expect(guest.diagnostics.filter((d) => d.level === 'error' && d.device === '/dev/sda' && d.error.reason.endsWith(lost))).toHaveLength(1);
    expect(guest.diagnostics).toHaveLength(2);
  });

  it('assembles no VG and lists no LV filesystem', () => {
    expect(guest.volumeGroups).toEqual([]);
    expect(guest.logicalVolumes).toEqual([]);
    expect(guest.nodes.filter((n) => n.kind === 'logical-volume').map((n) => n.device)).toEqual(truth.bad_input!.careful_tool_should.filesystems);
  });
});
