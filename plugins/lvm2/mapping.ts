/**
 * LV byte -> PV byte, the way device-mapper tables built by lvm2 map it (lvm2 lib/activate/dev_manager.c
 * emits one target per segment; linux drivers/md/dm-linear.c, dm-stripe.c stripe_map_sector; mirror and
 * raid1 legs hold identical data, so the first readable image is read: lib/mirror/mirrored.c, lib/raid/raid.c).
 *
 *   linear (one area):  pv byte = pe_start*512 + (area_le + floor(o/E))*E + o mod E
 *   striped, N areas, chunk S: c = floor(o/S), i = c mod N,
 *                        pv byte = pe_start_i*512 + area_le_i*E + floor(c/N)*S + o mod S
 * with E the extent size in bytes and o the offset within the segment.
 */
import type { ExtentMapper } from '../../core/source/derived-sources.js';
import type { Source } from '../../core/source/source.js';
import type { LvMetadata, SegmentArea, SegmentMetadata, VgMetadata } from './vg-metadata.js';

/** An LV built on LVs built on LVs... deeper than this is refused. */
export const MAX_LV_NESTING = 8;

/**
 * Segment types laid out as dm-stripe lays out chunks: striped/linear, and raid0 over its data
 * images (md raid0 with equal members is the same round-robin of chunks: linux drivers/md/raid0.c).
 */
const STRIPE_TYPES = new Set(['striped', 'linear', 'raid0', 'raid0_meta']);

/** Segment types whose images / legs all hold the same data: read through one of them. */
const IMAGE_TYPES = new Set(['mirror', 'raid1']);

export interface PvBinding {
  /** Guest device holding the PV (/dev/sda, /dev/sdb1). */
  device: string;
  source: Source;
}

export type LvPlan =
  | { readable: true; size: number; mapper: ExtentMapper; pvDevices: string[] }
  | { readable: false; size: number; note: string };

interface Verdict {
  note?: string;
  /** 1 for an LV on PVs only, 1 + the highest sub-LV otherwise. */
  height: number;
  /** PV devices the LV reads from. */
  devices: Set<string>;
}

type Piece = { source: Source; offset: number; length: number } | { zero: true; length: number };

export class VgLayout {
  /** Bytes per extent. */
  readonly extentBytes: number;
  private readonly lvs = new Map<string, LvMetadata>();
  private readonly pvMeta = new Map<string, VgMetadata['pvs'][number]>();
  /** LVs holding a snapshot's exception store: their bytes are not the snapshot's contents. */
  private readonly cowStores = new Set<string>();
  /** Origins of snapshots being merged into them. */
  private readonly mergingOrigins = new Set<string>();
  private readonly verdicts = new Map<string, Verdict>();
  /** For mirror/raid1 segments: the image the verdict found readable. */
  private readonly chosenImage = new Map<SegmentMetadata, SegmentArea>();

  constructor(readonly vg: VgMetadata, private readonly pvs: ReadonlyMap<string, PvBinding>) {
    this.extentBytes = vg.extent_size * 512;
    for (const lv of vg.lvs) this.lvs.set(lv.name, lv);
    for (const pv of vg.pvs) this.pvMeta.set(pv.key, pv);
    for (const lv of vg.lvs) {
      for (const seg of lv.segments) {
        if (seg.type !== 'snapshot') continue;
        if (seg.cow_store) this.cowStores.add(seg.cow_store);
        // Mid-merge, the origin's true contents need dm-snapshot-merge: its own extents are stale.
        if (seg.merging_store && seg.origin) this.mergingOrigins.add(seg.origin);
      }
    }
  }

  lvSize(lv: LvMetadata): number {
    return lv.segments.reduce((n, s) => n + s.extent_count, 0) * this.extentBytes;
  }

  /** Can this LV be read, and if so, its mapper; otherwise a note saying why not. */
  plan(lv: LvMetadata): LvPlan {
    const size = this.lvSize(lv);
    if (!Number.isSafeInteger(size)) return { readable: false, size, note: 'not readable: size out of range' };
    const v = this.verdict(lv, new Set());
    if (v.note !== undefined) return { readable: false, size, note: v.note };
    return { readable: true, size, mapper: (offset) => this.resolve(lv, offset), pvDevices: [...v.devices] };
  }

  /**
   * Readability of an LV, memoized per LV so that LVs sharing sub-LVs are checked once (a hostile
   * metadata text cannot make this exponential). `height` counts LV-on-LV levels.
   */
  private verdict(lv: LvMetadata, stack: Set<string>): Verdict {
    const known = this.verdicts.get(lv.name);
    if (known) return known;
    if (stack.has(lv.name)) return { note: `not readable: LV ${lv.name} refers to itself`, height: 0, devices: new Set() };
    stack.add(lv.name);
    const v = this.computeVerdict(lv, stack);
    stack.delete(lv.name);
    if (v.note === undefined && v.height > MAX_LV_NESTING) v.note = `not readable: LVs nested deeper than ${MAX_LV_NESTING} levels`;
    this.verdicts.set(lv.name, v);
    return v;
  }

  private computeVerdict(lv: LvMetadata, stack: Set<string>): Verdict {
    const v: Verdict = { height: 1, devices: new Set() };
    if (lv.problem) v.note = `not readable: ${lv.problem}`;
    else if (this.cowStores.has(lv.name)) v.note = 'not readable: snapshot';
    else if (this.mergingOrigins.has(lv.name)) v.note = 'not readable: snapshot merge in progress';
    else if (lv.segments.length === 0) v.note = 'not readable: no segments';
    for (const seg of lv.segments) {
      if (v.note !== undefined) break;
      v.note = this.segmentUnreadable(seg, stack, v);
    }
    return v;
  }

  private segmentUnreadable(seg: SegmentMetadata, stack: Set<string>, v: Verdict): string | undefined {
    if (seg.extent_count === 0) return `not readable: ${seg.key} has no extents`;
    if (STRIPE_TYPES.has(seg.type)) {
      if (seg.data_offset) return `not readable: ${seg.type} with data_offset (reshape)`;
      const n = seg.areas.length;
      if (n === 0) return `not readable: ${seg.key} has no stripes`;
      if (seg.extent_count % n !== 0) return `not readable: ${seg.key}: ${seg.extent_count} extents do not divide into ${n} stripes`;
      const perArea = seg.extent_count / n;
      if (n > 1) {
        const chunk = (seg.stripe_size ?? 0) * 512;
        if (chunk <= 0) return `not readable: ${seg.key}: striped without stripe_size`;
        if ((perArea * this.extentBytes) % chunk !== 0) return `not readable: ${seg.key}: stripe length is not a multiple of stripe_size`;
      }
      for (const area of seg.areas) {
        const note = this.areaUnreadable(area, perArea, stack, v);
        if (note !== undefined) return note;
      }
      return undefined;
    }
    if (IMAGE_TYPES.has(seg.type)) {
      // The first image that can be read (a degraded raid1 still reads through the survivors).
      const images = this.images(seg);
      if (images.length === 0) return `not readable: ${seg.type} segment ${seg.key} lists no image`;
      const extra = seg.type === 'raid1' ? Math.ceil(((seg.data_offset ?? 0) * 512) / this.extentBytes) : 0;
      let firstNote: string | undefined;
      for (const image of images) {
        const trial: Verdict = { height: 1, devices: new Set() };
        const note = this.areaUnreadable(image, seg.extent_count + extra, stack, trial);
        if (note === undefined) {
          this.chosenImage.set(seg, image);
          v.height = Math.max(v.height, trial.height);
          for (const d of trial.devices) v.devices.add(d);
          return undefined;
        }
        firstNote ??= note;
      }
      return firstNote;
    }
    if (seg.type === 'zero') return undefined;
    return `not readable: ${seg.type}`;
  }

  /** mirror: the legs of ["lv_mimage_0", le, ...]; raid1: the images of ["lv_rmeta_0", "lv_rimage_0", ...]. */
  private images(seg: SegmentMetadata): SegmentArea[] {
    return seg.areas;
  }

  private areaUnreadable(area: SegmentArea, extents: number, stack: Set<string>, v: Verdict): string | undefined {
    const end = area.startExtent + extents;
    if (area.kind === 'pv') {
      const meta = this.pvMeta.get(area.pv);
      if (!meta) return `not readable: unknown PV ${area.pv}`;
      const binding = this.pvs.get(area.pv);
      if (!binding) return `missing PV ${meta.id}`;
      if (end > meta.pe_count) return `not readable: extents ${area.startExtent}..${end - 1} are past pe_count ${meta.pe_count} of PV ${binding.device}`;
      const lastByte = meta.pe_start * 512 + end * this.extentBytes;
      if (lastByte > binding.source.size) return `not readable: PV ${binding.device} is ${binding.source.size} bytes, its extents reach ${lastByte}`;
      v.devices.add(binding.device);
      return undefined;
    }
    const sub = this.lvs.get(area.lv);
    if (!sub) return `not readable: segment refers to unknown LV ${area.lv}`;
    const subExtents = sub.segments.reduce((n, s) => n + s.extent_count, 0);
    if (end > subExtents) return `not readable: extents past the end of ${area.lv}`;
    const subVerdict = this.verdict(sub, stack);
    if (subVerdict.note !== undefined) return subVerdict.note;
    v.height = Math.max(v.height, subVerdict.height + 1);
    for (const d of subVerdict.devices) v.devices.add(d);
    return undefined;
  }

  /** Where LV byte `offset` lives, and how many bytes stay contiguous from there. */
  private resolve(lv: LvMetadata, offset: number): Piece {
    const E = this.extentBytes;
    const seg = findSegment(lv.segments, Math.floor(offset / E));
    const segEnd = (seg.start_extent + seg.extent_count) * E;
    const o = offset - seg.start_extent * E;
    if (seg.type === 'zero') return { zero: true, length: segEnd - offset };
    if (IMAGE_TYPES.has(seg.type)) {
      const image = this.chosenImage.get(seg)!;
      const dataOffset = seg.type === 'raid1' ? (seg.data_offset ?? 0) * 512 : 0;
      return this.resolveArea(image, image.startExtent * E + dataOffset + o, segEnd - offset);
    }
    const n = seg.areas.length;
    if (n === 1) {
      const area = seg.areas[0];
      return this.resolveArea(area, area.startExtent * E + o, segEnd - offset);
    }
    // dm-stripe: chunk c of the segment is in area c mod N at chunk floor(c/N) of that area.
    const S = seg.stripe_size! * 512;
    const c = Math.floor(o / S);
    const within = o - c * S;
    const area = seg.areas[c % n];
    return this.resolveArea(area, area.startExtent * E + Math.floor(c / n) * S + within, S - within);
  }

  private resolveArea(area: SegmentArea, areaOffset: number, length: number): Piece {
    if (area.kind === 'pv') {
      const meta = this.pvMeta.get(area.pv)!;
      return { source: this.pvs.get(area.pv)!.source, offset: meta.pe_start * 512 + areaOffset, length };
    }
    const piece = this.resolve(this.lvs.get(area.lv)!, areaOffset);
    return { ...piece, length: Math.min(piece.length, length) };
  }
}

/** Binary search of the segment holding logical extent `le` (segments are contiguous from 0). */
function findSegment(segments: readonly SegmentMetadata[], le: number): SegmentMetadata {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].start_extent <= le) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo];
}
