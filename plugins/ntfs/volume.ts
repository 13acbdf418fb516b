// An NTFS volume opened read-only: the $MFT located from the boot sector and its own $DATA runlist
// (following an $ATTRIBUTE_LIST when $MFT is fragmented into extent records), as ntfs-3g
// libntfs-3g/volume.c ntfs_mft_load() does; then $Volume's name, $Bitmap and $MFT/$BITMAP.
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { deviceOffsetOf, readValue, streamValue, type AttributeContext, type AttributeValue } from './attribute.js';
import { readNtfsGeometry, type NtfsGeometry } from './boot-sector.js';
import {
  ATTR_LIST_ENTRY,
  AT_ATTRIBUTE_LIST,
  AT_BITMAP,
  AT_DATA,
  AT_VOLUME_NAME,
  FILE_Bitmap,
  FILE_MFT,
  FILE_Volume,
  MFT_RECORD_IN_USE,
} from './layout.js';
import { applyFixups, mftRecordError, parseMftRecord, recordStructure, utf16le, type AttrRecord, type MftRecord, type RecordLocation } from './mft-record.js';
import { countZeroBits } from './popcount.js';
import { RunlistError, decodeRunlist, runlistEnd, type Run } from './runlist.js';

/** ntfs-3g refuses a $MFT attribute list longer than this (volume.c ntfs_mft_load). */
const MAX_ATTRIBUTE_LIST = 0x40000;
/** Longest $VOLUME_NAME value accepted (128 UTF-16 units, as Windows allows). */
const MAX_VOLUME_NAME = 256;

const MREF_MASK = 0xffffffffffffn;

interface AttrListEntry {
  type: number;
  name: string;
  lowest_vcn: number;
  recordNumber: number;
}

/** Zero bits of a bitmap attribute, counted as ntfs-3g ntfs_attr_get_free_bits() does: over all data_size bytes. */
export interface BitmapCount {
  allocated_size: number;
  data_size: number;
  /** Zero bits over all data_size bytes (ntfs-3g's count). */
  zeroBits: number;
  /** Of those, the zero bits past the clusters/records the bitmap describes (normally 0: mkntfs sets them). */
  zeroBitsBeyond: number;
}

export class NtfsVolume {
  /** $MFT/$DATA: runs and sizes (runs grow while extent records are being loaded). */
  private mftValue: Extract<AttributeValue, { kind: 'non-resident' }>;
  private readonly recordCache = new Map<number, MftRecord>();

  private constructor(
    readonly source: Source,
    readonly geometry: NtfsGeometry,
  ) {
    // Bootstrap: until record 0 is parsed, the MFT is assumed to start contiguously at mft_lcn.
    const clusters = Math.max(1, Math.ceil(geometry.mft_record_size / geometry.cluster_size));
    this.mftValue = {
      kind: 'non-resident',
      flags: 0,
      runs: [{ vcn: 0, lcn: geometry.mft_lcn, length: clusters }],
      allocated_size: clusters * geometry.cluster_size,
      data_size: geometry.mft_record_size,
      initialized_size: geometry.mft_record_size,
    };
  }

  /** Read the boot sector and load $MFT's own runlist. Throws IntrospectError on corruption. */
  static open(source: Source): NtfsVolume {
    const volume = new NtfsVolume(source, readNtfsGeometry(source));
    volume.loadMft();
    return volume;
  }

  /** Number of records $MFT/$DATA holds. */
  get mftRecordCount(): number {
    return Math.floor(this.mftValue.data_size / this.geometry.mft_record_size);
  }

  /** $MFT/$DATA runs (for tests and diagnostics). */
  get mftRuns(): readonly Run[] {
    return this.mftValue.runs;
  }

  private context(structure: string): AttributeContext {
    return { source: this.source, cluster_size: this.geometry.cluster_size, structure };
  }

  /** Read, fix up and parse MFT record `n`, located through $MFT's runlist. */
  readRecord(n: number): MftRecord {
    const cached = this.recordCache.get(n);
    if (cached) return cached;
    const size = this.geometry.mft_record_size;
    const structure = recordStructure(n);
    if (!Number.isSafeInteger(n) || n < 0 || (n + 1) * size > this.mftValue.initialized_size) {
      throw new IntrospectError({
        file: this.source.name,
        structure,
        reason: `record lies beyond the ${this.mftValue.initialized_size} initialized bytes of $MFT (${this.mftRecordCount} records)`,
      });
    }
    const start = n * size;
    const runs = this.mftValue.runs;
    const cs = this.geometry.cluster_size;
    const location: RecordLocation = {
      file: this.source.name,
      recordNumber: n,
      sourceOffset: (i) => deviceOffsetOf(runs, cs, start + i) ?? -1,
    };
    if (location.sourceOffset(0) < 0) {
      throw new IntrospectError({ file: this.source.name, structure, reason: 'record lies in a part of $MFT its runlist does not map' });
    }
    const bytes = readValue(this.mftValue, this.context(structure), start, size); // a fresh copy: fixups write into it
    applyFixups(bytes, location);
    const record = parseMftRecord(bytes, size, location);
    this.recordCache.set(n, record);
    return record;
  }

  /** readRecord() that also requires the in-use flag (ntfs-3g refuses to open a free record as an inode). */
  readInUseRecord(n: number): MftRecord {
    const record = this.readRecord(n);
    if (!(record.flags & MFT_RECORD_IN_USE)) throw mftRecordError(record, 0x16, 'record is not in use');
    return record;
  }

  private decodeRuns(record: MftRecord, attr: AttrRecord): Run[] {
    const nr = attr.nonResident!;
    try {
      return decodeRunlist(record.bytes, attr.offset + nr.mapping_pairs_offset, attr.offset + attr.length, nr.lowest_vcn, this.geometry.nr_clusters);
    } catch (error) {
      if (error instanceof RunlistError) throw mftRecordError(record, error.at, `runlist of attribute 0x${attr.type.toString(16)}: ${error.reason}`);
      throw error;
    }
  }

  /** Entries of a base record's $ATTRIBUTE_LIST, or undefined when it has none. */
  private attributeList(base: MftRecord): AttrListEntry[] | undefined {
    const attr = base.attributes.find((a) => a.type === AT_ATTRIBUTE_LIST);
    if (!attr) return undefined;
    const structure = `${recordStructure(base.recordNumber)} $ATTRIBUTE_LIST`;
    const value = this.valueOf(base, [attr], structure);
    if (value.data_size <= 0 || value.data_size > MAX_ATTRIBUTE_LIST) {
      throw mftRecordError(base, attr.offset, `$ATTRIBUTE_LIST of invalid length ${value.data_size}`);
    }
    const bytes = value.kind === 'resident' ? value.value : readValue(value, this.context(structure), 0, value.data_size);
    const entries: AttrListEntry[] = [];
    let at = 0;
    while (at + 0x1a <= bytes.length) {
      const e = ATTR_LIST_ENTRY.parse(bytes, at);
      if (e.length < 0x1a || at + e.length > bytes.length || e.name_offset + e.name_length * 2 > e.length) {
        throw mftRecordError(base, attr.offset, `$ATTRIBUTE_LIST entry at byte ${at} has corrupt length ${e.length}`);
      }
      entries.push({
        type: e.type,
        name: utf16le(bytes.subarray(at + e.name_offset, at + e.name_offset + e.name_length * 2)),
        lowest_vcn: Number(BigInt.asIntN(64, e.lowest_vcn)),
        recordNumber: Number(e.mft_reference & MREF_MASK),
      });
      at += e.length;
    }
    return entries;
  }

  /**
   * Every extent (ATTR_RECORD and the record holding it) of attribute (type, name) of a base record,
   * in lowest_vcn order. With an $ATTRIBUTE_LIST, extents may live in other (extent) records.
   * `onExtent` runs after each extent is found, before the next record is read ($MFT bootstraps its
   * own runlist this way).
   */
  private extents(base: MftRecord, type: number, name: string, onExtent?: (record: MftRecord, attr: AttrRecord) => void): { record: MftRecord; attr: AttrRecord }[] {
    const list = this.attributeList(base);
    const found: { record: MftRecord; attr: AttrRecord }[] = [];
    if (!list) {
      for (const attr of base.attributes) {
        if (attr.type === type && attr.name === name) {
          found.push({ record: base, attr });
          onExtent?.(base, attr);
        }
      }
      return found;
    }
    const wanted = list.filter((e) => e.type === type && e.name === name).sort((a, b) => a.lowest_vcn - b.lowest_vcn);
    for (const entry of wanted) {
      const record = entry.recordNumber === base.recordNumber ? base : this.readInUseRecord(entry.recordNumber);
      if (record !== base && Number(record.base_mft_record & MREF_MASK) !== base.recordNumber) {
        throw mftRecordError(record, 0x20, `extent record does not belong to base record ${base.recordNumber}`);
      }
      const attr = record.attributes.find(
        (a) => a.type === type && a.name === name && (a.nonResident ? a.nonResident.lowest_vcn === entry.lowest_vcn : entry.lowest_vcn === 0),
      );
      if (!attr) throw mftRecordError(record, 0, `attribute 0x${type.toString(16)} named in the $ATTRIBUTE_LIST of record ${base.recordNumber} is missing`);
      found.push({ record, attr });
      onExtent?.(record, attr);
    }
    return found;
  }

  /** Combine the extents of one attribute into a value (sizes from the lowest_vcn = 0 extent). */
  private valueOf(base: MftRecord, attrs: readonly AttrRecord[], structure: string, records?: readonly MftRecord[]): AttributeValue {
    const first = attrs[0];
    if (!first.nonResident) {
      const n = first.value!.length;
      return { kind: 'resident', flags: first.flags, value: first.value!, allocated_size: (n + 7) & ~7, data_size: n, initialized_size: n };
    }
    const runs: Run[] = [];
    attrs.forEach((attr, i) => this.appendExtent(runs, records?.[i] ?? base, attr));
    return this.finishValue(base, first, runs, structure);
  }

  private appendExtent(runs: Run[], record: MftRecord, attr: AttrRecord): void {
    if (!attr.nonResident) throw mftRecordError(record, attr.offset, 'resident extent in a non-resident attribute');
    const expected = runlistEnd(runs, 0);
    if (attr.nonResident.lowest_vcn !== expected) {
      throw mftRecordError(record, attr.offset + 0x10, `attribute extent starts at VCN ${attr.nonResident.lowest_vcn}, expected ${expected}`);
    }
    for (const run of this.decodeRuns(record, attr)) runs.push(run);
  }

  private finishValue(base: MftRecord, first: AttrRecord, runs: Run[], structure: string): Extract<AttributeValue, { kind: 'non-resident' }> {
    const nr = first.nonResident!;
    if (nr.lowest_vcn !== 0) throw mftRecordError(base, first.offset + 0x10, `${structure}: first extent starts at VCN ${nr.lowest_vcn}`);
    const mapped = runlistEnd(runs, 0) * this.geometry.cluster_size;
    if (nr.allocated_size > mapped) {
      throw mftRecordError(base, first.offset + 0x28, `${structure}: allocated_size ${nr.allocated_size} exceeds the ${mapped} bytes its runlist maps`);
    }
    return { kind: 'non-resident', flags: first.flags, runs, allocated_size: nr.allocated_size, data_size: nr.data_size, initialized_size: nr.initialized_size };
  }

  /** Value of attribute (type, name) of base record `n`, or undefined when it has none. */
  attributeValue(n: number, type: number, name = ''): AttributeValue | undefined {
    const base = this.readInUseRecord(n);
    const found = this.extents(base, type, name);
    if (found.length === 0) return undefined;
    return this.valueOf(base, found.map((f) => f.attr), `${recordStructure(n)} attribute 0x${type.toString(16)}`, found.map((f) => f.record));
  }

  /** ntfs_mft_load(): $MFT/$DATA, extent by extent, each one making the next extent record readable. */
  private loadMft(): void {
    const base = this.readRecord(FILE_MFT);
    if (!(base.flags & MFT_RECORD_IN_USE)) throw mftRecordError(base, 0x16, 'record is not in use');
    const runs: Run[] = [];
    let first: AttrRecord | undefined;
    const found = this.extents(base, AT_DATA, '', (record, attr) => {
      if (!attr.nonResident) throw mftRecordError(record, attr.offset, '$MFT/$DATA must be non-resident');
      if (!first) first = attr;
      this.appendExtent(runs, record, attr);
      if (runs.length > 0 && runs[0].lcn !== this.geometry.mft_lcn) {
        throw mftRecordError(record, attr.offset, `$MFT/$DATA starts at LCN ${runs[0].lcn}, not at mft_lcn ${this.geometry.mft_lcn}: the MFT is not self-contained`);
      }
      // Let the next extent record be located through what is known so far.
      const nr = first.nonResident!;
      this.mftValue = {
        kind: 'non-resident',
        flags: first.flags,
        runs: runs.slice(),
        allocated_size: nr.allocated_size,
        data_size: nr.data_size,
        initialized_size: Math.min(nr.initialized_size, runlistEnd(runs, 0) * this.geometry.cluster_size),
      };
      this.recordCache.clear();
    });
    if (found.length === 0 || !first) throw mftRecordError(base, 0, '$MFT/$DATA attribute not found');
    this.mftValue = this.finishValue(base, first, runs, '$MFT/$DATA');
    const lastVcn = Math.ceil(this.mftValue.allocated_size / this.geometry.cluster_size);
    if (runlistEnd(runs, 0) !== lastVcn) {
      throw mftRecordError(base, first.offset, `runlist of $MFT/$DATA ends at VCN ${runlistEnd(runs, 0)}, allocated_size says ${lastVcn}`);
    }
    if (this.mftValue.data_size < 16 * this.geometry.mft_record_size) {
      throw mftRecordError(base, first.offset + 0x30, `$MFT/$DATA holds only ${this.mftValue.data_size} bytes, fewer than the 16 system records`);
    }
    this.recordCache.clear();
  }

  /** The volume label: $Volume's $VOLUME_NAME (UTF-16LE), or undefined when the volume has none. */
  volumeName(): string | undefined {
    const value = this.attributeValue(FILE_Volume, AT_VOLUME_NAME);
    if (!value) return undefined;
    if (value.kind !== 'resident' || value.data_size > MAX_VOLUME_NAME || value.data_size % 2 !== 0) {
      throw new IntrospectError({ file: this.source.name, structure: '$Volume $VOLUME_NAME', reason: `volume name of ${value.data_size} bytes is not a resident UTF-16 string of at most ${MAX_VOLUME_NAME} bytes` });
    }
    return utf16le(value.value);
  }

  /**
   * Zero bits over all data_size bytes of a bitmap attribute, streamed in chunks and popcounted by
   * 32-bit words. `validBits` (the number of clusters or records the bitmap describes) splits off the
   * zero bits past it, which ntfs-3g still counts as free.
   */
  countBitmap(value: AttributeValue, structure: string, validBits = value.data_size * 8): BitmapCount {
    let zeroBits = 0;
    let zeroBitsBeyond = 0;
    let pos = 0; // bit position of the current piece
    streamValue(value, this.context(structure), 0, value.data_size, (piece) => {
      const bits = 'bytes' in piece ? piece.bytes.length * 8 : piece.zeroBytes * 8;
      const inside = Math.max(0, Math.min(bits, validBits - pos));
      if ('bytes' in piece) {
        const all = countZeroBits(piece.bytes);
        zeroBits += all;
        if (inside < bits) zeroBitsBeyond += all - countZeroBits(piece.bytes, inside);
      } else {
        zeroBits += bits;
        zeroBitsBeyond += bits - inside;
      }
      pos += bits;
    });
    return { allocated_size: value.allocated_size, data_size: value.data_size, zeroBits, zeroBitsBeyond };
  }

  /** $Bitmap (record 6, unnamed $DATA): one bit per cluster. */
  clusterBitmap(): BitmapCount {
    const value = this.attributeValue(FILE_Bitmap, AT_DATA);
    const structure = `${recordStructure(FILE_Bitmap)} $DATA`;
    if (!value) throw new IntrospectError({ file: this.source.name, structure, reason: 'no unnamed $DATA attribute' });
    if (value.data_size > value.allocated_size) {
      throw new IntrospectError({ file: this.source.name, structure, reason: `corrupt cluster map size (${value.data_size} > ${value.allocated_size})` });
    }
    if (value.data_size * 8 < this.geometry.nr_clusters) {
      throw new IntrospectError({ file: this.source.name, structure, reason: `cluster bitmap of ${value.data_size} bytes is too small for ${this.geometry.nr_clusters} clusters` });
    }
    return this.countBitmap(value, structure, this.geometry.nr_clusters);
  }

  /** $MFT/$BITMAP: one bit per MFT record. */
  mftBitmap(): BitmapCount {
    const value = this.attributeValue(FILE_MFT, AT_BITMAP);
    const structure = `${recordStructure(FILE_MFT)} $BITMAP`;
    if (!value) throw new IntrospectError({ file: this.source.name, structure, reason: 'no unnamed $BITMAP attribute' });
    if (value.data_size > value.allocated_size) {
      throw new IntrospectError({ file: this.source.name, structure, reason: `corrupt MFT bitmap size (${value.data_size} > ${value.allocated_size})` });
    }
    return this.countBitmap(value, structure, this.mftRecordCount);
  }
}
