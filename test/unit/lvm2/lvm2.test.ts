import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Introspector } from '../../../core/pipeline/introspector.js';
import type { Guest, StorageNode } from '../../../core/pipeline/model.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { lvm2Plugin } from '../../../plugins/lvm2/index.js';
import { findPvLabel, formatLvmUuid, PvHeaderError, readMdaHeader, readMetadataText } from '../../../plugins/lvm2/ondisk.js';
import { buildPv, lvmCrcBitwise, noise, vgText, type VgSpec } from './pv-image.js';

const dir = mkdtempSync(join(tmpdir(), 'introspect-lvm2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function writeImage(bytes: Uint8Array): string {
  const path = join(dir, `pv${fileCounter++}.img`);
  writeFileSync(path, bytes);
  return path;
}

function inspect(...images: Uint8Array[]): Guest {
  return new Introspector().use(lvm2Plugin).inspectGuest(images.map((img) => ({ path: writeImage(img) })));
}

function node(guest: Guest, device: string): StorageNode {
  const n = guest.nodes.find((x) => x.device === device);
  if (!n) throw new Error(`no node ${device}; have ${guest.nodes.map((x) => x.device).join(', ')}`);
  return n;
}

function readAll(n: StorageNode): Uint8Array {
  return n.source.read(0, n.source.size);
}

/** First differing byte, or -1: keeps failures readable on megabyte buffers. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const UUID_A = 'AAAAAAbbbbCCCCddddEEEEffffGGGGGG';
const UUID_B = 'BBBBBBccccDDDDeeeeFFFFggggHHHHHH';
const UUID_C = 'CCCCCCddddEEEEffffGGGGhhhhIIIIII';
const E = 128 * 512; // extent size: 128 sectors
const PE_START = 65536; // 128 sectors
const PE_COUNT = 16;
const PV_SIZE = PE_START + PE_COUNT * E;

function pv(uuid: string, metadata: string | undefined, seed: number, extra: Partial<Parameters<typeof buildPv>[0]> = {}): Uint8Array {
  return buildPv({ uuid, size: PV_SIZE, dataOffset: PE_START, metadata, data: noise(PV_SIZE - PE_START, seed), ...extra });
}

function extents(img: Uint8Array, le: number, count: number): Uint8Array {
  return img.subarray(PE_START + le * E, PE_START + (le + count) * E);
}

const pvs = [
  { key: 'pv0', id: formatLvmUuid(UUID_A), peStart: 128, peCount: PE_COUNT },
  { key: 'pv1', id: formatLvmUuid(UUID_B), peStart: 128, peCount: PE_COUNT },
];

const bigVg: VgSpec = {
  name: 'vgtest',
  id: 'Vg0000-1111-2222-3333-4444-5555-666666',
  seqno: 3,
  extentSize: 128,
  pvs: [...pvs, { key: 'pv2', id: formatLvmUuid(UUID_C), peStart: 128, peCount: PE_COUNT }],
  lvs: [
    { name: 'root', id: 'root00-0000-0000-0000-0000-0000-000001', segments: [
      { start: 0, count: 2, stripes: ['pv0', 0] },
      { start: 2, count: 3, stripes: ['pv0', 5] },
    ] },
    { name: 'data', id: 'data00-0000-0000-0000-0000-0000-000002', segments: [
      { start: 0, count: 4, stripes: ['pv0', 8, 'pv1', 0], stripeSize: 16 },
    ] },
    { name: 'lonely', id: 'lonely-0000-0000-0000-0000-0000-000003', segments: [{ start: 0, count: 1, stripes: ['pv2', 0] }] },
    { name: 'mirrored', id: 'mirror-0000-0000-0000-0000-0000-000004', segments: [
      { start: 0, count: 2, type: 'raid1', raids: ['mirrored_rmeta_0', 'mirrored_rimage_0', 'mirrored_rmeta_1', 'mirrored_rimage_1'] },
    ] },
    { name: 'mirrored_rimage_0', id: 'rimg00-0000-0000-0000-0000-0000-000005', visible: false, segments: [{ start: 0, count: 2, stripes: ['pv1', 4] }] },
    { name: 'mirrored_rimage_1', id: 'rimg01-0000-0000-0000-0000-0000-000006', visible: false, segments: [{ start: 0, count: 2, stripes: ['pv0', 12] }] },
    { name: 'mirrored_rmeta_0', id: 'rmet00-0000-0000-0000-0000-0000-000007', visible: false, segments: [{ start: 0, count: 1, stripes: ['pv1', 6] }] },
    { name: 'mirrored_rmeta_1', id: 'rmet01-0000-0000-0000-0000-0000-000008', visible: false, segments: [{ start: 0, count: 1, stripes: ['pv0', 14] }] },
    { name: 'mlv', id: 'mlv000-0000-0000-0000-0000-0000-000009', segments: [
      { start: 0, count: 1, type: 'mirror', mirrors: ['mlv_mimage_0', 0, 'mlv_mimage_1', 0], extra: 'mirror_log = "mlv_mlog"\nregion_size = 1024' },
    ] },
    { name: 'mlv_mimage_0', id: 'mimg00-0000-0000-0000-0000-0000-000010', visible: false, segments: [{ start: 0, count: 1, stripes: ['pv1', 7] }] },
    { name: 'mlv_mimage_1', id: 'mimg01-0000-0000-0000-0000-0000-000011', visible: false, segments: [{ start: 0, count: 1, stripes: ['pv0', 15] }] },
    { name: 'thinvol', id: 'thin00-0000-0000-0000-0000-0000-000012', segments: [
      { start: 0, count: 4, type: 'thin', extra: 'thin_pool = "pool"\ntransaction_id = 1\ndevice_id = 1' },
    ] },
    { name: 'snap', id: 'snap00-0000-0000-0000-0000-0000-000013', segments: [{ start: 0, count: 1, stripes: ['pv1', 8] }] },
    { name: 'snapshot0', id: 'snap01-0000-0000-0000-0000-0000-000014', visible: false, segments: [
      { start: 0, count: 5, type: 'snapshot', extra: 'chunk_size = 8\norigin = "root"\ncow_store = "snap"' },
    ] },
  ],
};

describe('LVM2 assembly from in-memory PVs', () => {
  const text = vgText(bigVg);
  const pv0 = pv(UUID_A, text, 1);
  const pv1 = pv(UUID_B, text, 2);
  const guest = inspect(pv0, pv1);

  it('recognises each PV by its label, uuid as lvm prints it', () => {
    expect(node(guest, '/dev/sda').content).toEqual({ type: 'LVM2_member', plugin: 'lvm2', role: 'volume-member', uuid: 'AAAAAA-bbbb-CCCC-dddd-EEEE-ffff-GGGGGG' });
    expect(node(guest, '/dev/sdb').content?.uuid).toBe('BBBBBB-cccc-DDDD-eeee-FFFF-gggg-HHHHHH');
  });

  it('fills volumeGroups once, with bytes for extent size and pe_start, and names the missing PV', () => {
    expect(guest.volumeGroups).toEqual([{
      name: 'vgtest',
      uuid: bigVg.id,
      extentSize: E,
      seqno: 3,
      pvs: [
        { device: '/dev/sda', uuid: pvs[0].id, peStart: PE_START, peCount: PE_COUNT },
        { device: '/dev/sdb', uuid: pvs[1].id, peStart: PE_START, peCount: PE_COUNT },
        { device: '[unknown]', uuid: formatLvmUuid(UUID_C), peStart: PE_START, peCount: PE_COUNT },
      ],
    }]);
    expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.reason])).toEqual([
      ['warning', '/dev/sda', `PV ${formatLvmUuid(UUID_C)} (pv2, last seen as /dev/loop2) is missing: LVs using it cannot be read`],
    ]);
  });

  it('lists every LV with segments in extents and bytes, hidden ones invisible, unreadable ones with a note', () => {
    const byName = new Map(guest.logicalVolumes.map((lv) => [lv.name, lv]));
    expect([...byName.keys()]).toEqual(bigVg.lvs.map((lv) => lv.name));
    expect(byName.get('root')).toEqual({
      device: '/dev/vgtest/root', vg: 'vgtest', name: 'root', uuid: 'root00-0000-0000-0000-0000-0000-000001', size: 5 * E, visible: true,
      segments: [
        { startExtent: 0, extentCount: 2, type: 'linear', stripeSize: 0, stripes: [{ pv: '/dev/sda', startExtent: 0 }] },
        { startExtent: 2, extentCount: 3, type: 'linear', stripeSize: 0, stripes: [{ pv: '/dev/sda', startExtent: 5 }] },
      ],
    });
    expect(byName.get('data')!.segments).toEqual([
      { startExtent: 0, extentCount: 4, type: 'striped', stripeSize: 8192, stripes: [{ pv: '/dev/sda', startExtent: 8 }, { pv: '/dev/sdb', startExtent: 0 }] },
    ]);
    // As lvs --segments -o devices shows raid: the data images, not the _rmeta_ LVs.
    expect(byName.get('mirrored')!.segments).toEqual([
      { startExtent: 0, extentCount: 2, type: 'raid1', stripeSize: 0, stripes: [{ pv: 'mirrored_rimage_0', startExtent: 0 }, { pv: 'mirrored_rimage_1', startExtent: 0 }] },
    ]);
    expect(byName.get('mlv')!.segments[0].stripes).toEqual([{ pv: 'mlv_mimage_0', startExtent: 0 }, { pv: 'mlv_mimage_1', startExtent: 0 }]);
    const notes = Object.fromEntries(guest.logicalVolumes.map((lv) => [lv.name, [lv.visible, lv.note]]));
    expect(notes).toEqual({
      root: [true, undefined],
      data: [true, undefined],
      lonely: [true, `missing PV ${formatLvmUuid(UUID_C)}`],
      mirrored: [true, undefined],
      mirrored_rimage_0: [false, undefined],
      mirrored_rimage_1: [false, undefined],
      mirrored_rmeta_0: [false, undefined],
      mirrored_rmeta_1: [false, undefined],
      mlv: [true, undefined],
      mlv_mimage_0: [false, undefined],
      mlv_mimage_1: [false, undefined],
      thinvol: [true, 'not readable: thin'],
      snap: [true, 'not readable: snapshot'],
      snapshot0: [false, 'not readable: snapshot'],
    });
  });

  it('adds exactly the visible readable LVs as nodes, each once', () => {
    const lvNodes = guest.nodes.filter((n) => n.kind === 'logical-volume').map((n) => n.device);
    expect(lvNodes).toEqual(['/dev/vgtest/root', '/dev/vgtest/data', '/dev/vgtest/mirrored', '/dev/vgtest/mlv']);
    expect(node(guest, '/dev/vgtest/root').logicalVolume?.name).toBe('root');
    expect(node(guest, '/dev/vgtest/root').depth).toBe(1);
  });

  it('maps a multi-segment linear LV byte by byte', () => {
    const expected = concat(extents(pv0, 0, 2), extents(pv0, 5, 3));
    expect(firstDifference(readAll(node(guest, '/dev/vgtest/root')), expected)).toBe(-1);
  });

  it('maps a striped LV with the dm-stripe rule, byte by byte and across chunk boundaries', () => {
    const S = 16 * 512;
    const areas = [{ img: pv0, le: 8 }, { img: pv1, le: 0 }];
    const expected = new Uint8Array(4 * E);
    for (let c = 0; c < (4 * E) / S; c++) {
      const a = areas[c % 2];
      const from = PE_START + a.le * E + Math.floor(c / 2) * S;
      expected.set(a.img.subarray(from, from + S), c * S);
    }
    const lv = node(guest, '/dev/vgtest/data');
    expect(lv.source.size).toBe(4 * E);
    expect(firstDifference(readAll(lv), expected)).toBe(-1);
    // A read straddling chunks 0|1 (pv0 | pv1) and one inside the second row.
    expect(Buffer.from(lv.source.read(S - 3, 6))).toEqual(Buffer.concat([pv0.subarray(PE_START + 8 * E + S - 3, PE_START + 8 * E + S), pv1.subarray(PE_START, PE_START + 3)]));
    expect(Buffer.from(lv.source.read(2 * S + 5, 4))).toEqual(Buffer.from(pv0.subarray(PE_START + 8 * E + S + 5, PE_START + 8 * E + S + 9)));
  });

  it('reads raid1 through rimage_0 and a mirror through mimage_0', () => {
    expect(firstDifference(readAll(node(guest, '/dev/vgtest/mirrored')), extents(pv1, 4, 2))).toBe(-1);
    expect(firstDifference(readAll(node(guest, '/dev/vgtest/mlv')), extents(pv1, 7, 1))).toBe(-1);
  });
});

describe('LVM2 metadata selection and damage', () => {
  const small: VgSpec = { name: 'vgs', id: 'VgSmal-1111-2222-3333-4444-5555-666666', seqno: 3, extentSize: 128, pvs, lvs: [
    { name: 'old', id: 'old000-0000-0000-0000-0000-0000-000001', segments: [{ start: 0, count: 1, stripes: ['pv0', 0] }] },
  ] };
  const newer: VgSpec = { ...small, seqno: 4, lvs: [
    { name: 'new', id: 'new000-0000-0000-0000-0000-0000-000002', segments: [{ start: 0, count: 2, stripes: ['pv1', 3] }] },
  ] };

  it('takes the highest seqno among the PVs and warns about the older copy', () => {
    const pv1 = pv(UUID_B, vgText(newer), 4);
    const guest = inspect(pv(UUID_A, vgText(small), 3), pv1);
    expect(guest.volumeGroups.map((v) => [v.name, v.seqno])).toEqual([['vgs', 4]]);
    expect(guest.logicalVolumes.map((lv) => lv.name)).toEqual(['new']);
    expect(firstDifference(readAll(node(guest, '/dev/vgs/new')), extents(pv1, 3, 2))).toBe(-1);
    expect(guest.diagnostics).toHaveLength(1);
    expect(guest.diagnostics[0]).toMatchObject({ level: 'warning', device: '/dev/sda' });
    expect(guest.diagnostics[0].error.reason).toContain('seqno 3 is older than seqno 4 on /dev/sdb');
  });

  it('assembles a VG once although the assemble hook runs once per discovery round', () => {
    const introspector = new Introspector().use(lvm2Plugin);
    let rounds = 0;
    introspector.hooks.assemble.tap('count-rounds', () => {
      rounds++;
    });
    const guest = introspector.inspectGuest([{ path: writeImage(pv(UUID_A, vgText(small), 3)) }, { path: writeImage(pv(UUID_B, vgText(small), 4)) }]);
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(guest.volumeGroups).toHaveLength(1);
    expect(guest.logicalVolumes.map((lv) => lv.device)).toEqual(['/dev/vgs/old']);
    expect(guest.nodes.filter((n) => n.kind === 'logical-volume')).toHaveLength(1);
    expect(guest.diagnostics.map((d) => d.error.message)).toEqual([]);
  });

  it('uses a PV seen twice (the same image given twice) once, with a warning', () => {
    const img = pv(UUID_A, vgText(small), 3);
    const guest = inspect(img, img, pv(UUID_B, vgText(small), 4));
    expect(guest.volumeGroups.map((v) => v.pvs.map((p) => p.device))).toEqual([['/dev/sda', '/dev/sdc']]);
    expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.reason])).toEqual([
      ['warning', '/dev/sdb', 'PV AAAAAA-bbbb-CCCC-dddd-EEEE-ffff-GGGGGG also appears on /dev/sda; using /dev/sda'],
    ]);
  });

  it('reads metadata text that wraps around the end of the metadata area', () => {
    const text = vgText(newer);
    const mdaSize = 8192;
    const textOffset = mdaSize - 300; // 300 bytes at the end, the rest after the header
    const img = buildPv({ uuid: UUID_B, size: PV_SIZE, mdaSize, dataOffset: PE_START, metadata: text, textOffset, data: noise(PV_SIZE - PE_START, 9) });
    const source = new BytesSource('wrapped.img', img);
    const label = findPvLabel(source)!;
    expect(label).toEqual({ sector: 1, pv_uuid: UUID_B, device_size: PV_SIZE, dataAreas: [{ offset: PE_START, size: 0 }], metadataAreas: [{ offset: 4096, size: mdaSize }] });
    const mda = readMdaHeader(source, label.metadataAreas[0], 0);
    expect(mda.raw_locns).toEqual([{ offset: textOffset, size: Buffer.byteLength(text) + 1, checksum: lvmCrcBitwise(new Uint8Array([...Buffer.from(text), 0])), flags: 0 }]);
    expect(Buffer.from(readMetadataText(source, mda, mda.raw_locns[0], 0)).toString('utf8')).toBe(text + '\0');
    // The bytes really are split: the start of the text sits at the end of the area.
    expect(Buffer.from(img.subarray(4096 + textOffset, 4096 + textOffset + 4)).toString()).toBe(text.slice(0, 4));

    const guest = inspect(pv(UUID_A, undefined, 3), img);
    expect(guest.volumeGroups.map((v) => v.name)).toEqual(['vgs']);
    expect(firstDifference(readAll(node(guest, '/dev/vgs/new')), extents(img, 3, 2))).toBe(-1);
  });

  it('rejects a metadata area whose header checksum is wrong, names the PV, and assembles nothing', () => {
    const guest = inspect(pv(UUID_A, vgText(small), 3, { corruptMdaChecksum: true }));
    expect(guest.volumeGroups).toEqual([]);
    expect(guest.logicalVolumes).toEqual([]);
    expect(guest.nodes.map((n) => n.device)).toEqual(['/dev/sda']);
    expect(guest.nodes[0].content).toMatchObject({ type: 'LVM2_member', note: 'damaged: no valid copy of the VG metadata (VG vgs)' });
    expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.structure, d.error.offset])).toEqual([
      ['error', '/dev/sda', 'LVM2 mda_header (metadata area 1)', 4096],
      ['error', '/dev/sda', 'LVM2 physical volume', 4096],
    ]);
    expect(guest.diagnostics[0].error.reason).toMatch(/^checksum mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/);
    expect(guest.diagnostics[1].error.reason).toContain('VG vgs (seqno 3 in the unchecked copy) cannot be assembled');
  });

  it('assembles from the good PV when another PV of the VG has a damaged metadata area', () => {
    const pv0 = pv(UUID_A, vgText(small), 3);
    const guest = inspect(pv0, pv(UUID_B, vgText(small), 4, { corruptMdaChecksum: true }));
    expect(guest.volumeGroups.map((v) => v.pvs.map((p) => p.device))).toEqual([['/dev/sda', '/dev/sdb']]);
    expect(firstDifference(readAll(node(guest, '/dev/vgs/old')), extents(pv0, 0, 1))).toBe(-1);
    expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.structure])).toEqual([['error', '/dev/sdb', 'LVM2 mda_header (metadata area 1)']]);
  });

  it('rejects metadata text whose checksum does not match its raw_locn', () => {
    const guest = inspect(pv(UUID_A, vgText(small), 3, { corruptTextChecksum: true }));
    expect(guest.nodes[0].content?.note).toBe('damaged: no valid copy of the VG metadata');
    expect(guest.volumeGroups).toEqual([]);
    expect(guest.diagnostics[0].error).toMatchObject({ structure: 'LVM2 metadata text (metadata area 1)', offset: 4096 + 512 });
    expect(guest.diagnostics[0].error.reason).toContain('checksum mismatch: raw_locn says');
  });

  it('reports metadata with bad syntax with its line and column', () => {
    const guest = inspect(pv(UUID_A, 'vgs {\nid = "x"\nseqno = = 3\n}\n', 3));
    expect(guest.diagnostics[0].error.reason).toBe(`syntax error at line 3, column 9: expected a value, found "="`);
  });

  it('reports metadata missing a required field, with its path', () => {
    const guest = inspect(pv(UUID_A, vgText(small).replace('extent_size = 128', 'extent_size = "big"'), 3));
    expect(guest.diagnostics[0].error.structure).toBe('LVM2 metadata vgs');
    expect(guest.diagnostics[0].error.reason).toMatch(/^"extent_size" must be a number \(line 7, column 15\)$/);
  });
});

describe('LVM2 label', () => {
  const img = (sector: number, extra: Partial<Parameters<typeof buildPv>[0]> = {}): BytesSource =>
    new BytesSource('label.img', buildPv({ uuid: UUID_A, size: 16384, labelSector: sector, mdaSize: 4096, dataOffset: 8192, ...extra }));

  it('is found in any of sectors 0..3', () => {
    for (const sector of [0, 1, 2, 3]) expect(findPvLabel(img(sector))?.sector).toBe(sector);
  });

  it('is ignored when its crc is wrong, as lvm2 does', () => {
    expect(findPvLabel(img(1, { corruptLabelCrc: true }))).toBeUndefined();
  });

  it('is ignored when sector_xl does not name the sector it is in', () => {
    const bytes = buildPv({ uuid: UUID_A, size: 16384, labelSector: 1, mdaSize: 4096, dataOffset: 8192 });
    const moved = new Uint8Array(bytes.length);
    moved.set(bytes.subarray(512, 1024), 1024); // a copy of the sector-1 label in sector 2
    expect(findPvLabel(new BytesSource('moved.img', moved))).toBeUndefined();
  });

  it('refuses a disk_locn list that runs off the label sector', () => {
    const bytes = buildPv({ uuid: UUID_A, size: 16384, labelSector: 1, mdaSize: 4096, dataOffset: 8192 });
    const view = new DataView(bytes.buffer);
    for (let at = 512 + 32 + 40; at + 16 <= 1024; at += 16) view.setBigUint64(at, 4096n, true); // no terminator
    view.setUint32(512 + 16, lvmCrcBitwise(bytes.subarray(512 + 20, 1024)), true);
    expect(() => findPvLabel(new BytesSource('runaway.img', bytes))).toThrow(PvHeaderError);
    expect(() => findPvLabel(new BytesSource('runaway.img', bytes))).toThrow(/not terminated within the label sector/);
    const guest = inspect(bytes);
    expect(guest.nodes[0].content).toEqual({ type: 'LVM2_member', plugin: 'lvm2', role: 'volume-member', note: 'damaged: bad PV header' });
    expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.structure, d.error.offset])).toEqual([['error', '/dev/sda', 'LVM2 pv_header', 1016]]);
  });

  it('is not found on a short or blank device', () => {
    expect(findPvLabel(new BytesSource('tiny', new Uint8Array(100)))).toBeUndefined();
    expect(findPvLabel(new BytesSource('blank', new Uint8Array(4096)))).toBeUndefined();
  });
});
