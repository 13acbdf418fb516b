import { describe, expect, it } from 'vitest';
import { BytesSource, MappedSource } from '../../../core/source/derived-sources.js';
import { parseConfigText } from '../../../plugins/lvm2/config-text.js';
import { MAX_LV_NESTING, VgLayout, type PvBinding } from '../../../plugins/lvm2/mapping.js';
import { readVgMetadata, type VgMetadata } from '../../../plugins/lvm2/vg-metadata.js';
import { noise, vgText, type LvSpec } from './pv-image.js';

const E = 8 * 512; // extents of 8 sectors keep these PVs tiny
const PE_START_SECTORS = 8;
const PE_COUNT = 64;
const pvBytes = noise(PE_START_SECTORS * 512 + PE_COUNT * E, 77);
const pvs = new Map<string, PvBinding>([['pv0', { device: '/dev/sda', source: new BytesSource('pv0.img', pvBytes) }]]);

function vgOf(lvs: LvSpec[]): VgMetadata {
  const text = vgText({ name: 'vg', id: 'vgid00-0000-0000-0000-0000-0000-000000', seqno: 1, extentSize: 8, pvs: [
    { key: 'pv0', id: 'pv0000-0000-0000-0000-0000-0000-000000', peStart: PE_START_SECTORS, peCount: PE_COUNT },
    { key: 'pv1', id: 'pv1111-0000-0000-0000-0000-0000-000000', peStart: PE_START_SECTORS, peCount: PE_COUNT }, // never bound: missing
  ], lvs });
  return readVgMetadata(parseConfigText(text), { file: 'test', offset: 0 });
}

function plan(lvs: LvSpec[], name: string) {
  const vg = vgOf(lvs);
  return new VgLayout(vg, pvs).plan(vg.lvs.find((lv) => lv.name === name)!);
}

function read(lvs: LvSpec[], name: string): Uint8Array {
  const p = plan(lvs, name);
  if (!p.readable) throw new Error(p.note);
  return new MappedSource(name, p.size, p.mapper).read(0, p.size);
}

const ext = (le: number, n: number): Uint8Array => pvBytes.subarray(PE_START_SECTORS * 512 + le * E, PE_START_SECTORS * 512 + (le + n) * E);
const lv = (name: string, segments: LvSpec['segments'], visible = true): LvSpec => ({ name, id: `${name.padEnd(6, '0').slice(0, 6)}-0000-0000-0000-0000-0000-000000`, visible, segments });

describe('LVM2 LV mapping', () => {
  it('reads an LV built on another LV (e.g. a cache origin _corig) with the sub-LV offset applied', () => {
    const lvs = [lv('top', [{ start: 0, count: 2, stripes: ['base', 1] }]), lv('base', [{ start: 0, count: 1, stripes: ['pv0', 10] }, { start: 1, count: 3, stripes: ['pv0', 20] }], false)];
    expect(Buffer.from(read(lvs, 'top')).equals(Buffer.from(ext(20, 2)))).toBe(true);
  });

  it('reads a degraded raid1 or mirror through the first image whose PVs are present', () => {
    const raid = [
      lv('r', [{ start: 0, count: 2, type: 'raid1', raids: ['r_rmeta_0', 'r_rimage_0', 'r_rmeta_1', 'r_rimage_1'] }]),
      lv('r_rimage_0', [{ start: 0, count: 2, stripes: ['pv1', 0] }], false),
      lv('r_rimage_1', [{ start: 0, count: 2, stripes: ['pv0', 30] }], false),
      lv('r_rmeta_0', [{ start: 0, count: 1, stripes: ['pv1', 2] }], false),
      lv('r_rmeta_1', [{ start: 0, count: 1, stripes: ['pv0', 32] }], false),
    ];
    expect(Buffer.from(read(raid, 'r')).equals(Buffer.from(ext(30, 2)))).toBe(true);
    // raid1 without metadata LVs lists the images alone.
    const bare = [lv('r', [{ start: 0, count: 2, type: 'raid1', raids: ['r_rimage_0', 'r_rimage_1'] }]), raid[1], raid[2]];
    expect(Buffer.from(read(bare, 'r')).equals(Buffer.from(ext(30, 2)))).toBe(true);
    const mirror = [
      lv('m', [{ start: 0, count: 1, type: 'mirror', mirrors: ['m_mimage_0', 0, 'm_mimage_1', 0] }]),
      lv('m_mimage_0', [{ start: 0, count: 1, stripes: ['pv1', 0] }], false),
      lv('m_mimage_1', [{ start: 0, count: 1, stripes: ['pv0', 40] }], false),
    ];
    expect(Buffer.from(read(mirror, 'm')).equals(Buffer.from(ext(40, 1)))).toBe(true);
    const lost = [mirror[0], mirror[1], lv('m_mimage_1', [{ start: 0, count: 1, stripes: ['pv1', 1] }], false)];
    expect(plan(lost, 'm')).toMatchObject({ readable: false, note: 'missing PV pv1111-0000-0000-0000-0000-0000-000000' });
  });

  it('lists snapshots (cow store and hidden snapshotN) as unreadable, the origin as readable, unless a merge is under way', () => {
    const lvs = (store: string): LvSpec[] => [
      lv('origin', [{ start: 0, count: 2, stripes: ['pv0', 0] }]),
      lv('snap', [{ start: 0, count: 1, stripes: ['pv0', 2] }]),
      lv('snapshot0', [{ start: 0, count: 2, type: 'snapshot', extra: `chunk_size = 8\norigin = "origin"\n${store} = "snap"` }], false),
    ];
    expect(['origin', 'snap', 'snapshot0'].map((n) => plan(lvs('cow_store'), n)).map((p) => (p.readable ? 'readable' : p.note))).toEqual(['readable', 'not readable: snapshot', 'not readable: snapshot']);
    expect(plan(lvs('merging_store'), 'origin')).toMatchObject({ readable: false, note: 'not readable: snapshot merge in progress' });
  });

  it('reads raid0 over its images with the same chunk rule as striped', () => {
    const lvs = (type: string): LvSpec[] => [
      lv('r0', [{ start: 0, count: 4, type, raids: type === 'raid0' ? ['r0_rimage_0', 'r0_rimage_1'] : ['r0_rmeta_0', 'r0_rimage_0', 'r0_rmeta_1', 'r0_rimage_1'], extra: 'stripe_size = 2' }]),
      lv('r0_rimage_0', [{ start: 0, count: 2, stripes: ['pv0', 50] }], false),
      lv('r0_rimage_1', [{ start: 0, count: 2, stripes: ['pv0', 44] }], false),
      lv('r0_rmeta_0', [{ start: 0, count: 1, stripes: ['pv0', 60] }], false),
      lv('r0_rmeta_1', [{ start: 0, count: 1, stripes: ['pv0', 61] }], false),
    ];
    const S = 2 * 512;
    const expected = new Uint8Array(4 * E);
    for (let c = 0; c < (4 * E) / S; c++) {
      const from = PE_START_SECTORS * 512 + (c % 2 === 0 ? 50 : 44) * E + Math.floor(c / 2) * S;
      expected.set(pvBytes.subarray(from, from + S), c * S);
    }
    // vgText writes raid0_meta's list as "raids"; lvm2 writes plain raid0 as "raid0_lvs" - both are read.
    const raid0 = lvs('raid0').map((l) => ({ ...l, segments: l.segments.map((s) => (s.raids && s.type === 'raid0' ? { ...s, raids: undefined, extra: `${s.extra}\nraid0_lvs = ["r0_rimage_0", "r0_rimage_1"]` } : s)) }));
    expect(Buffer.from(read(raid0, 'r0')).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(read(lvs('raid0_meta'), 'r0')).equals(Buffer.from(expected))).toBe(true);
    expect(plan(lvs('raid5'), 'r0')).toMatchObject({ readable: false, note: 'not readable: raid5' });
  });

  it('reads a "zero" segment as zeros', () => {
    const lvs = [lv('z', [{ start: 0, count: 1, stripes: ['pv0', 3] }, { start: 1, count: 1, type: 'zero' }])];
    const bytes = read(lvs, 'z');
    expect(Buffer.from(bytes.subarray(0, E)).equals(Buffer.from(ext(3, 1)))).toBe(true);
    expect(bytes.subarray(E).every((b) => b === 0)).toBe(true);
  });

  it('refuses LVs that refer to themselves, directly or through another LV', () => {
    expect(plan([lv('a', [{ start: 0, count: 1, stripes: ['a', 0] }])], 'a')).toMatchObject({ readable: false, note: 'not readable: LV a refers to itself' });
    const loop = [lv('a', [{ start: 0, count: 1, stripes: ['b', 0] }]), lv('b', [{ start: 0, count: 1, stripes: ['a', 0] }])];
    expect(plan(loop, 'a')).toMatchObject({ readable: false });
  });

  it('refuses LV-on-LV chains deeper than the bound, and accepts one at the bound', () => {
    const chain = (levels: number): LvSpec[] => {
      const out: LvSpec[] = [];
      for (let i = 0; i < levels - 1; i++) out.push(lv(`l${i}`, [{ start: 0, count: 1, stripes: [`l${i + 1}`, 0] }]));
      out.push(lv(`l${levels - 1}`, [{ start: 0, count: 1, stripes: ['pv0', 5] }]));
      return out;
    };
    expect(Buffer.from(read(chain(MAX_LV_NESTING), 'l0')).equals(Buffer.from(ext(5, 1)))).toBe(true);
    expect(plan(chain(MAX_LV_NESTING + 1), 'l0')).toMatchObject({ readable: false, note: `not readable: LVs nested deeper than ${MAX_LV_NESTING} levels` });
  });

  it('checks a fan-out of shared sub-LVs once each (no exponential walk)', () => {
    // 40 levels, each striped over the next level twice: 2^40 paths, 40 LVs.
    const lvs: LvSpec[] = [];
    for (let i = 0; i < 40; i++) lvs.push(lv(`f${i}`, [{ start: 0, count: 2, stripes: [`f${i + 1}`, 0, `f${i + 1}`, 0], stripeSize: 8 }]));
    lvs.push(lv('f40', [{ start: 0, count: 1, stripes: ['pv0', 0] }]));
    expect(plan(lvs, 'f0')).toMatchObject({ readable: false, note: `not readable: LVs nested deeper than ${MAX_LV_NESTING} levels` });
  });

  it('explains inconsistent segments instead of mapping them', () => {
    expect(plan([lv('s', [{ start: 0, count: 3, stripes: ['pv0', 0, 'pv0', 8], stripeSize: 8 }])], 's')).toMatchObject({ note: 'not readable: segment1: 3 extents do not divide into 2 stripes' });
    expect(plan([lv('s', [{ start: 0, count: 2, stripes: ['pv0', 0, 'pv0', 8] }])], 's')).toMatchObject({ note: 'not readable: segment1: striped without stripe_size' });
    expect(plan([lv('p', [{ start: 0, count: 4, stripes: ['pv0', PE_COUNT - 2] }])], 'p')).toMatchObject({ note: `not readable: extents ${PE_COUNT - 2}..${PE_COUNT + 1} are past pe_count ${PE_COUNT} of PV /dev/sda` });
    expect(plan([lv('g', [{ start: 0, count: 1, stripes: ['pv0', 0] }, { start: 2, count: 1, stripes: ['pv0', 1] }])], 'g')).toMatchObject({ note: 'not readable: segment2 starts at extent 2, expected 1' });
    expect(plan([lv('u', [{ start: 0, count: 1, stripes: ['nosuch', 0] }])], 'u')).toMatchObject({ note: 'not readable: segment refers to unknown LV nosuch' });
    expect(plan([lv('h', [{ start: 0, count: 2 ** 43, stripes: ['pv0', 0] }])], 'h')).toMatchObject({ readable: false, note: 'not readable: size out of range' });
    expect(plan([lv('c', [{ start: 0, count: 1, type: 'cache', extra: 'cache_pool = "pool"\norigin = "c_corig"' }])], 'c')).toMatchObject({ note: 'not readable: cache' });
  });

  it('refuses a PV that is shorter than the extents the metadata gives it', () => {
    const short = new Map<string, PvBinding>([['pv0', { device: '/dev/sda', source: new BytesSource('short.img', pvBytes.subarray(0, PE_START_SECTORS * 512 + 4 * E)) }]]);
    const vg = vgOf([lv('x', [{ start: 0, count: 2, stripes: ['pv0', 3] }])]);
    expect(new VgLayout(vg, short).plan(vg.lvs[0])).toMatchObject({ readable: false, note: `not readable: PV /dev/sda is ${PE_START_SECTORS * 512 + 4 * E} bytes, its extents reach ${PE_START_SECTORS * 512 + 5 * E}` });
  });
});
