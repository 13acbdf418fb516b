// NTFS against the corpus: every NTFS filesystem named by any disk truth file, compared EXACTLY with
// the truth (statfs from ntfs-3g, label and UUID from blkid), plus the damaged images' expectations.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../core/builtin-plugins.js';
import { IntrospectError } from '../../core/errors.js';
import { Introspector, type InspectSession } from '../../core/pipeline/introspector.js';
import type { Guest } from '../../core/pipeline/model.js';
import { MappedSource, SliceSource } from '../../core/source/derived-sources.js';
import type { Source } from '../../core/source/source.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from '../../test/corpus/corpus.js';
import { detectNtfs, ntfsStatfs } from './plugin.js';
import { readNtfsGeometry } from './boot-sector.js';

interface Area { image: string; image_offset_bytes: number; length_bytes: number }
interface Location {
  kind: 'whole-disk' | 'partition' | 'lvm-lv';
  image?: string;
  offset_bytes?: number;
  size_bytes: number;
  segments?: { lv_start_bytes: number; size_bytes: number; stripes: number; areas: Area[] }[];
}
interface TruthFs {
  virt_df_device: string;
  type: string;
  label: string;
  uuid: string;
  location: Location;
  statfs: { f_bsize: number; f_blocks: number; f_bfree: number; f_bavail: number; f_files: number; f_ffree: number };
}
interface Truth {
  image: string;
  images: string[];
  kind: 'good' | 'bad';
  filesystems: TruthFs[];
  bad_input?: { reference_before_corruption?: { filesystems: TruthFs[] }; careful_tool_should?: { damaged_record?: number; partitions_truncated?: string[] } };
}

const skipAll = !corpusAvailable() && !corpusRequired();
const truthFiles = skipAll ? [] : readdirSync(corpusFile('disk')).filter((f) => f.endsWith('.truth.json')).sort();
const truths = truthFiles.map((f) => readTruth<Truth>(`disk/${f}`));

function introspector(): Introspector {
  return new Introspector().use(...builtinPlugins()); // ntfs must be registered there
}

/** The bytes of an image file as the guest sees them (qcow2 unwrapped when a plugin can), or undefined. */
function openDisk(image: string): Source | undefined {
  const source = introspector().openImage(corpusFile(`disk/${image}`));
  const magic = source.read(0, 4);
  if (magic[0] === 0x51 && magic[1] === 0x46 && magic[2] === 0x49 && magic[3] === 0xfb) return undefined; // qcow2, no plugin yet
  return source;
}

/** The filesystem's device, built straight from the truth's location (independent of partition/LVM plugins). */
function sourceAt(loc: Location): Source | undefined {
  if (loc.kind === 'whole-disk' || loc.kind === 'partition') {
    const disk = openDisk(loc.image!);
    if (!disk) return undefined;
    return loc.kind === 'whole-disk' ? disk : new SliceSource(`${loc.image} @${loc.offset_bytes}`, disk, loc.offset_bytes!, loc.size_bytes);
  }
  const pieces: { start: number; size: number; disk: Source; offset: number }[] = [];
  for (const seg of loc.segments ?? []) {
    if (seg.stripes !== 1 || seg.areas.length !== 1) throw new Error('test handles linear LV segments only');
    const disk = openDisk(seg.areas[0].image);
    if (!disk) return undefined;
    pieces.push({ start: seg.lv_start_bytes, size: seg.size_bytes, disk, offset: seg.areas[0].image_offset_bytes });
  }
  return new MappedSource('lv', loc.size_bytes, (offset) => {
    const p = pieces.find((x) => offset >= x.start && offset < x.start + x.size)!;
    return { source: p.disk, offset: p.offset + offset - p.start, length: p.start + p.size - offset };
  });
}

function expectStatfsEqual(actual: { blockSize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number } | undefined, fs: TruthFs): void {
  expect(actual && { f_bsize: actual.blockSize, f_blocks: actual.blocks, f_bfree: actual.bfree, f_bavail: actual.bavail, f_files: actual.files, f_ffree: actual.ffree }).toEqual({
    f_bsize: fs.statfs.f_bsize,
    f_blocks: fs.statfs.f_blocks,
    f_bfree: fs.statfs.f_bfree,
    f_bavail: fs.statfs.f_bavail,
    f_files: fs.statfs.f_files,
    f_ffree: fs.statfs.f_ffree,
  });
}

const goodNtfs = truths.flatMap((t) => (t.kind === 'good' ? t.filesystems.filter((f) => f.type === 'ntfs').map((fs) => ({ t, fs })) : []));
const damagedNtfs = truths.flatMap((t) =>
  t.kind === 'bad' && t.bad_input?.careful_tool_should?.damaged_record !== undefined
    ? (t.bad_input.reference_before_corruption?.filesystems ?? []).filter((f) => f.type === 'ntfs').map((fs) => ({ t, fs }))
    : [],
);
const otherFilesystems = truths.flatMap((t) => t.filesystems.filter((f) => f.type !== 'ntfs').map((fs) => ({ t, fs })));

/** Test-name arguments: image, device, index into the list. */
function cases(list: { t: Truth; fs: TruthFs }[]): [string, string, number][] {
  return list.map(({ t, fs }, i) => [t.image, `${fs.virt_df_device} (${fs.type})`, i]);
}

describe.skipIf(skipAll)('NTFS corpus: at the truth location', () => {
  it('the corpus names NTFS filesystems', () => {
    expect(goodNtfs.length).toBeGreaterThan(0);
    expect(damagedNtfs.length).toBeGreaterThan(0);
  });

  it.for(cases(goodNtfs))('%s %s: type, label, UUID, statfs', ([, , i], ctx) => {
    const { t, fs } = goodNtfs[i];
    const source = sourceAt(fs.location);
    if (!source) return ctx.skip(`${t.image}: no qcow2 plugin registered yet`);
    expect(detectNtfs(source)).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', label: fs.label, uuid: fs.uuid });
    expectStatfsEqual(ntfsStatfs(source), fs);
  });

  it.for(cases(damagedNtfs))('%s %s: still named, figures refused', ([, , i]) => {
    const { t, fs } = damagedNtfs[i];
    const source = sourceAt(fs.location)!;
    expect(detectNtfs(source)).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', label: fs.label, uuid: fs.uuid });
    const record = t.bad_input!.careful_tool_should!.damaged_record!;
    let error: unknown;
    try {
      ntfsStatfs(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntrospectError);
    expect((error as IntrospectError).structure).toMatch(new RegExp(`^NTFS MFT record ${record}\\b`));
    expect((error as IntrospectError).reason).toMatch(/update sequence fixup mismatch/);
  });

  it.for(cases(otherFilesystems))('%s %s: not claimed as NTFS', ([, , i], ctx) => {
    const { fs } = otherFilesystems[i];
    if (fs.location.kind === 'lvm-lv' && fs.location.segments?.some((s) => s.stripes !== 1 || s.areas.length !== 1)) return ctx.skip('striped LV');
    const source = sourceAt(fs.location);
    if (!source) return ctx.skip('no qcow2 plugin registered yet');
    expect(detectNtfs(source)).toBeUndefined();
  });
});

describe.skipIf(skipAll)('NTFS corpus: through the whole pipeline (inspectGuest + statfs hook)', () => {
  const guests = new Map<string, Guest>();
  const inspect = (t: Truth): { guest: Guest; session: InspectSession; intro: Introspector } => {
    const intro = introspector();
    const key = t.images.join('+');
    let guest = guests.get(key);
    if (!guest) {
      guest = intro.inspectGuest(t.images.map((i) => ({ path: corpusFile(`disk/${i}`) })));
      guests.set(key, guest);
    }
    const session: InspectSession = { guest, introspector: intro, addNode: () => guest!.disks[0], report: () => undefined };
    return { guest, session, intro };
  };
  const needed: Record<Location['kind'], 'disk' | 'partition' | 'logical-volume'> = { 'whole-disk': 'disk', partition: 'partition', 'lvm-lv': 'logical-volume' };

  it.for(cases(goodNtfs))('%s %s', ([, , i], ctx) => {
    const { t, fs } = goodNtfs[i];
    const { guest, session, intro } = inspect(t);
    const node = guest.nodes.find((n) => n.device === fs.virt_df_device);
    // Only when the stack that produces this kind of device is registered at all (partition tables,
    // LVM, qcow2 are other plugins): if it found other devices of the kind, it must find this one.
    if (!node && !guest.nodes.some((n) => n.kind === needed[fs.location.kind] && n.content?.type !== 'unknown' && n.content !== undefined)) {
      return ctx.skip(`no plugin produced ${needed[fs.location.kind]} devices for ${t.image} yet`);
    }
    expect(node, `${fs.virt_df_device} in ${guest.nodes.map((n) => n.device).join(', ')}`).toBeDefined();
    expect(node!.content).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', label: fs.label, uuid: fs.uuid });
    expectStatfsEqual(intro.statfs(node!, session), fs);
  });

  it.for(cases(damagedNtfs))('%s %s: damage reported once at detect, naming the damaged record; no figures', ([, , i]) => {
    const { t, fs } = damagedNtfs[i];
    const { guest, session, intro } = inspect(t);
    const node = guest.nodes.find((n) => n.device === fs.virt_df_device)!;
    expect(node.content).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', label: fs.label, uuid: fs.uuid, note: "figures unavailable: the volume's metadata is damaged" });
    const errors = guest.diagnostics.filter((d) => d.device === fs.virt_df_device);
    expect(errors.map((d) => d.level)).toEqual(['error']);
    expect(errors[0].error.message).toMatch(new RegExp(`NTFS MFT record ${t.bad_input!.careful_tool_should!.damaged_record}\\b.*stride`));
    expect(intro.statfs(node, session)).toBeUndefined();
  });

  const truncated = truths.flatMap((t) => (t.bad_input?.careful_tool_should?.partitions_truncated ?? []).map((device) => ({ t, device })));
  it.for(truncated.map(({ t, device }, i) => [t.image, device, i] as const))('%s %s (truncated): never reported as healthy NTFS', ([, , i], ctx) => {
    const { t, device } = truncated[i];
    const { guest, session, intro } = inspect(t);
    const node = guest.nodes.find((n) => n.device === device);
    if (!node) return ctx.skip(`no partition plugin produced ${device}`);
    if (node.content?.type !== 'ntfs') return ctx.skip(`${device} is not NTFS`);
    expect(node.content.note).toMatch(/extends past the end/);
    // Reported once, as an error of the device, at detect; statfs then has no figures for it.
    expect(guest.diagnostics.filter((d) => d.device === device && d.error.structure === 'NTFS boot sector').map((d) => d.level)).toEqual(['error']);
    expect(intro.statfs(node, session)).toBeUndefined();
  });
});

describe.skipIf(skipAll)('NTFS corpus: mutated metadata of real volumes', () => {
  it.for(cases(goodNtfs).filter(([image]) => !image.endsWith('.qcow2')))('%s %s: only IntrospectError escapes', ([, , i]) => {
    const base = sourceAt(goodNtfs[i].fs.location)!;
    const g = readNtfsGeometry(base);
    const mft = g.mft_lcn * g.cluster_size;
    // Boot sector, and the part in use of records 0 ($MFT), 3 ($Volume), 6 ($Bitmap).
    const regions = [[0, 512], ...[0, 3, 6].map((n) => [mft + n * g.mft_record_size, 0x200])];
    let seed = 777 + i;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let refused = 0;
    for (let round = 0; round < 200; round++) {
      const patches = new Map<number, number>();
      for (let k = 1 + random(3); k > 0; k--) {
        const [start, length] = regions[random(regions.length)];
        patches.set(start + random(length), random(256));
      }
      const mutated: Source = {
        name: `${base.name} (mutated)`,
        size: base.size,
        read(offset, length, structure) {
          const bytes = base.read(offset, length, structure).slice();
          for (const [at, value] of patches) if (at >= offset && at < offset + length) bytes[at - offset] = value;
          return bytes;
        },
      };
      try {
        detectNtfs(mutated);
        ntfsStatfs(mutated);
      } catch (error) {
        if (!(error instanceof IntrospectError)) throw new Error(`round ${round}: escaped as ${String(error)}`, { cause: error });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
  });
});
