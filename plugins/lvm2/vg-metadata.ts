/**
 * The typed volume group model built from the parsed metadata tree, following what lvm2 reads in
 * lib/format_text/import_vsn1.c (_read_vg, _read_pv, _read_lvnames, _read_segment) and the segment
 * types' text_import (lib/striped/striped.c "stripes", lib/mirror/mirrored.c "mirrors",
 * lib/raid/raid.c "raids"/"raid0_lvs", lib/snapshot/snapshot.c "origin"/"cow_store").
 * Sizes stay in the units of the metadata (512-byte sectors, extents); the assembler converts.
 */
import { IntrospectError } from '../../core/errors.js';
import {
  childSections,
  findSection,
  findValue,
  type ConfigList,
  type ConfigScalar,
  type ConfigSection,
  type ConfigValue,
} from './config-text.js';

export interface PvMetadata {
  /** The section name ("pv0"), which segments use to name their areas. */
  key: string;
  /** PV uuid with dashes, as in the metadata. */
  id: string;
  /** Device path when the metadata was written (a hint only). */
  device?: string;
  /** Sectors. */
  dev_size?: number;
  /** Sectors from the start of the PV to the first extent. */
  pe_start: number;
  pe_count: number;
  status: string[];
}

export type SegmentArea =
  | { kind: 'pv'; pv: string; startExtent: number }
  | { kind: 'lv'; lv: string; startExtent: number };

export interface SegmentMetadata {
  key: string;
  start_extent: number;
  extent_count: number;
  /** Segment type as written: striped, mirror, raid1, thin, thin-pool, cache, snapshot... */
  type: string;
  stripe_count?: number;
  /** Sectors. */
  stripe_size?: number;
  /** Areas of striped/linear (stripes), mirror (mirrors) and raid (the data images of raids), in order. */
  areas: SegmentArea[];
  /** raid: the metadata sub-LVs (_rmeta_N) listed in raids. */
  meta_lvs?: string[];
  /** raid data_offset in sectors (set while reshaping). */
  data_offset?: number;
  /** snapshot segments: the origin LV and the LV holding the exception store. */
  origin?: string;
  cow_store?: string;
  /** Set while the snapshot is merged back into its origin (lvconvert --merge). */
  merging_store?: string;
}

export interface LvMetadata {
  name: string;
  id: string;
  status: string[];
  /** lvm2 shows only LVs with the VISIBLE status flag; raid images, mirror legs, pools' parts lack it. */
  visible: boolean;
  segments: SegmentMetadata[];
  /** Why the LV's own description is unusable (bad segments), when it is. */
  problem?: string;
}

export interface VgMetadata {
  name: string;
  id: string;
  seqno: number;
  /** Sectors per extent. */
  extent_size: number;
  status: string[];
  pvs: PvMetadata[];
  lvs: LvMetadata[];
}

/** Where the text came from, for error messages. */
export interface MetadataOrigin {
  file: string;
  /** Byte offset of the metadata text on its device. */
  offset: number;
}

/** extent_size * 512 must stay an exact JS number for every byte offset we compute. */
const MAX_SECTORS = Math.floor(Number.MAX_SAFE_INTEGER / 512);

class MetadataReader {
  constructor(private readonly origin: MetadataOrigin) {}

  fail(path: string, reason: string, at?: { line: number; column: number }): never {
    const where = at ? ` (line ${at.line}, column ${at.column})` : '';
    throw new IntrospectError({ file: this.origin.file, structure: `LVM2 metadata ${path}`, offset: this.origin.offset, reason: reason + where });
  }

  value(section: ConfigSection, path: string, key: string): ConfigValue {
    const v = findValue(section, key);
    if (!v) this.fail(path, `missing "${key}"`, section.at);
    return v;
  }

  int(section: ConfigSection, path: string, key: string, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.value(section, path, key);
    return this.checkInt(v, path, key, max);
  }

  optionalInt(section: ConfigSection, path: string, key: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = findValue(section, key);
    return v ? this.checkInt(v, path, key, max) : undefined;
  }

  private checkInt(v: ConfigValue, path: string, key: string, max: number): number {
    if (v.kind !== 'int') this.fail(path, `"${key}" must be a number`, v.at);
    if (v.value < 0 || v.value > max) this.fail(path, `"${key}" = ${v.value} is out of range`, v.at);
    return v.value;
  }

  string(section: ConfigSection, path: string, key: string): string {
    const v = this.value(section, path, key);
    if (v.kind !== 'string') this.fail(path, `"${key}" must be a string`, v.at);
    return v.value;
  }

  optionalString(section: ConfigSection, path: string, key: string): string | undefined {
    const v = findValue(section, key);
    if (!v) return undefined;
    if (v.kind !== 'string') this.fail(path, `"${key}" must be a string`, v.at);
    return v.value;
  }

  stringList(section: ConfigSection, path: string, key: string): string[] {
    const v = findValue(section, key);
    if (!v) return [];
    const items = v.kind === 'list' ? v.items : [v];
    return items.map((item) => {
      if (item.kind !== 'string') this.fail(path, `"${key}" must list strings`, item.at);
      return item.value;
    });
  }

  list(section: ConfigSection, path: string, key: string): ConfigList {
    const v = this.value(section, path, key);
    if (v.kind !== 'list') this.fail(path, `"${key}" must be a list`, v.at);
    return v;
  }
}

/** text_import_areas: ["name", first_extent, "name", first_extent, ...]. */
function pairedAreas(r: MetadataReader, items: ConfigScalar[], path: string, key: string, pvKeys: Set<string>): SegmentArea[] {
  if (items.length % 2 !== 0) r.fail(path, `"${key}" must hold name, extent pairs`);
  const areas: SegmentArea[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const name = items[i];
    const le = items[i + 1];
    if (name.kind !== 'string') r.fail(path, `"${key}" item ${i + 1} must be a PV or LV name`, name.at);
    if (le.kind !== 'int' || le.value < 0 || le.value > MAX_SECTORS) r.fail(path, `"${key}" item ${i + 2} must be an extent number`, le.at);
    areas.push(pvKeys.has(name.value) ? { kind: 'pv', pv: name.value, startExtent: le.value } : { kind: 'lv', lv: name.value, startExtent: le.value });
  }
  return areas;
}

function readSegment(r: MetadataReader, s: ConfigSection, path: string, pvKeys: Set<string>): SegmentMetadata {
  const seg: SegmentMetadata = {
    key: s.key,
    start_extent: r.int(s, path, 'start_extent', MAX_SECTORS),
    extent_count: r.int(s, path, 'extent_count', MAX_SECTORS),
    type: r.string(s, path, 'type'),
    areas: [],
  };
  const type = seg.type;
  if (type === 'striped' || type === 'linear') {
    seg.stripe_count = r.int(s, path, 'stripe_count', MAX_SECTORS);
    seg.stripe_size = r.optionalInt(s, path, 'stripe_size', MAX_SECTORS);
    seg.areas = pairedAreas(r, r.list(s, path, 'stripes').items, path, 'stripes', pvKeys);
    if (seg.areas.length !== seg.stripe_count) r.fail(path, `stripe_count ${seg.stripe_count} but ${seg.areas.length} stripes listed`);
  } else if (type === 'mirror') {
    seg.areas = pairedAreas(r, r.list(s, path, 'mirrors').items, path, 'mirrors', pvKeys);
  } else if (type.startsWith('raid')) {
    // raid.c _raid_text_import_areas: an "_rmeta_" LV comes first and pairs with the image after it.
    const key = findValue(s, 'raid0_lvs') ? 'raid0_lvs' : 'raids';
    const items = r.list(s, path, key).items;
    seg.meta_lvs = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.kind !== 'string') r.fail(path, `"${key}" must list LV names`, item.at);
      if (item.value.includes('_rmeta_')) {
        seg.meta_lvs.push(item.value);
        const image = items[i + 1];
        if (!image || image.kind !== 'string') r.fail(path, `"${key}": ${item.value} is not followed by its data LV`, item.at);
        continue;
      }
      seg.areas.push({ kind: 'lv', lv: item.value, startExtent: 0 });
    }
    seg.stripe_size = r.optionalInt(s, path, 'stripe_size', MAX_SECTORS);
    seg.data_offset = r.optionalInt(s, path, 'data_offset', MAX_SECTORS);
  } else if (type === 'snapshot') {
    seg.origin = r.optionalString(s, path, 'origin');
    // snapshot.c _snap_text_import: a snapshot being merged into its origin names "merging_store".
    seg.merging_store = r.optionalString(s, path, 'merging_store');
    seg.cow_store = r.optionalString(s, path, 'cow_store') ?? seg.merging_store;
  }
  return seg;
}

function readLv(r: MetadataReader, s: ConfigSection, path: string, pvKeys: Set<string>): LvMetadata {
  const status = r.stringList(s, path, 'status');
  const lv: LvMetadata = {
    name: s.key,
    id: r.string(s, path, 'id'),
    status,
    visible: status.includes('VISIBLE'),
    segments: [],
  };
  for (const child of childSections(s)) {
    if (!/^segment[0-9]+$/.test(child.key)) continue;
    lv.segments.push(readSegment(r, child, `${path}/${child.key}`, pvKeys));
  }
  lv.segments.sort((a, b) => a.start_extent - b.start_extent);
  const segment_count = r.optionalInt(s, path, 'segment_count');
  if (segment_count !== undefined && segment_count !== lv.segments.length) {
    lv.problem = `segment_count is ${segment_count} but ${lv.segments.length} segments are described`;
  }
  // lvm2 metadata/merge.c check_lv_segments: segments follow each other from extent 0.
  let next = 0;
  for (const seg of lv.segments) {
    if (seg.start_extent !== next) {
      lv.problem ??= `${seg.key} starts at extent ${seg.start_extent}, expected ${next}`;
      break;
    }
    next += seg.extent_count;
  }
  return lv;
}

/**
 * The VG described by one metadata text: the first section of the file (import_vsn1.c), checked
 * for the header fields lvm2 requires.
 */
export function readVgMetadata(root: ConfigSection, origin: MetadataOrigin): VgMetadata {
  const r: MetadataReader = new MetadataReader(origin);
  const contents = findValue(root, 'contents');
  if (contents && (contents.kind !== 'string' || contents.value !== 'Text Format Volume Group')) {
    r.fail('contents', 'not LVM2 volume group metadata', contents.at);
  }
  const version = findValue(root, 'version');
  if (version && (version.kind !== 'int' || version.value !== 1)) r.fail('version', 'unsupported metadata version', version.at);
  const vgSection = childSections(root)[0];
  if (!vgSection) r.fail('', 'no volume group section');
  const path = vgSection.key;
  const extent_size = r.int(vgSection, path, 'extent_size', MAX_SECTORS);
  if (extent_size === 0) r.fail(path, 'extent_size is 0');
  const vg: VgMetadata = {
    name: vgSection.key,
    id: r.string(vgSection, path, 'id'),
    seqno: r.int(vgSection, path, 'seqno'),
    extent_size,
    status: r.stringList(vgSection, path, 'status'),
    pvs: [],
    lvs: [],
  };
  const pvSection = findSection(vgSection, 'physical_volumes');
  if (!pvSection) r.fail(path, 'missing "physical_volumes"', vgSection.at);
  for (const s of childSections(pvSection)) {
    const p = `${path}/physical_volumes/${s.key}`;
    vg.pvs.push({
      key: s.key,
      id: r.string(s, p, 'id'),
      device: r.optionalString(s, p, 'device'),
      dev_size: r.optionalInt(s, p, 'dev_size'),
      pe_start: r.int(s, p, 'pe_start', MAX_SECTORS),
      pe_count: r.int(s, p, 'pe_count', MAX_SECTORS),
      status: r.stringList(s, p, 'status'),
    });
  }
  const pvKeys = new Set(vg.pvs.map((pv) => pv.key));
  const lvSection = findSection(vgSection, 'logical_volumes');
  if (lvSection) {
    for (const s of childSections(lvSection)) vg.lvs.push(readLv(r, s, `${path}/logical_volumes/${s.key}`, pvKeys));
  }
  return vg;
}
