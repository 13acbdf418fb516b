/**
 * LVM2 on-disk structures: the label header and pv_header in one of the first four sectors, the
 * mda_header at the start of each metadata area, and the circular metadata text it points to.
 *
 * Primary sources: lvm2 lib/label/label.h (struct label_header), lib/label/label.c
 * (_find_lvm_header), lib/format_text/layout.h (struct pv_header, disk_locn, mda_header, raw_locn),
 * lib/format_text/text_label.c (the two zero-terminated disk_locn lists), lib/format_text/format-text.c
 * (raw_parse_mda_header, _vg_read_raw_area: bounds and wrap-around), lib/misc/crc.c (checksum).
 */
import { bitmatch } from '../../core/bitsyntax/index.js';
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { lvmCrc } from './crc.js';

export const SECTOR_SIZE = 512;
/** LABEL_SCAN_SECTORS: the label lives in one of sectors 0..3. */
export const LABEL_SCAN_SECTORS = 4;
export const LABEL_ID = 'LABELONE';
export const LVM2_LABEL = 'LVM2 001';
/** FMTT_MAGIC */
export const FMTT_MAGIC = ' LVM2 x[5A%r0N*>';
export const FMTT_VERSION = 1;
export const MDA_HEADER_SIZE = 512;
/** RAW_LOCN_IGNORED: this copy of the metadata is deliberately not kept up to date. */
export const RAW_LOCN_IGNORED = 0x1;
/** We refuse metadata text larger than this, whatever the mda says (real VGs use a few KiB). */
export const MAX_METADATA_SIZE = 64 * 1024 * 1024;

/** struct label_header (32 bytes, all little-endian). */
const label_header = bitmatch(`
  "LABELONE" : 64 : string,
  sector_xl : 64 : littleendian,
  crc_xl : 32 : littleendian,
  offset_xl : 32 : littleendian,
  type : 64 : string
`);

/** struct pv_header, fixed part; the disk_locn lists follow. */
const pv_header = bitmatch(`
  pv_uuid : 256 : string,
  device_size_xl : 64 : littleendian
`);

/** struct disk_locn */
const disk_locn = bitmatch(`
  offset : 64 : littleendian,
  size : 64 : littleendian
`);

/** struct mda_header, fixed part; the raw_locn list follows at byte 40. */
const mda_header = bitmatch(`
  checksum_xl : 32 : littleendian,
  magic : 128 : string,
  version : 32 : littleendian,
  start : 64 : littleendian,
  size : 64 : littleendian
`);

/** struct raw_locn */
const raw_locn = bitmatch(`
  offset : 64 : littleendian,
  size : 64 : littleendian,
  checksum : 32 : littleendian,
  flags : 32 : littleendian
`);

const PV_HEADER_FIXED = 40;
const DISK_LOCN_SIZE = 16;
const MDA_HEADER_FIXED = 40;
const RAW_LOCN_SIZE = 24;

export interface DiskLocn {
  /** Bytes from the start of the PV device. */
  offset: number;
  /** Bytes; 0 for a data area means "to the end of the device". */
  size: number;
}

export interface PvLabel {
  /** Sector (0..3) holding the label. */
  sector: number;
  /** The 32-character PV uuid as stored (no dashes). */
  pv_uuid: string;
  device_size: number;
  dataAreas: DiskLocn[];
  metadataAreas: DiskLocn[];
}

export interface RawLocn {
  offset: number;
  size: number;
  checksum: number;
  flags: number;
}

export interface MdaHeader {
  checksum_xl: number;
  magic: string;
  version: number;
  /** Absolute byte offset of this header on the PV. */
  start: number;
  /** Size of the whole metadata area, header included. */
  size: number;
  raw_locns: RawLocn[];
}

/** A label whose checksum is right but whose pv_header cannot be used: the device is an LVM member, damaged. */
export class PvHeaderError extends IntrospectError {}

/** A guest-controlled 64-bit value as a JS number, refusing what cannot be an offset or size. */
export function safeNumber(value: number | bigint, file: string, structure: string, offset: number, field: string): number {
  const n = typeof value === 'bigint' ? (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Infinity) : value;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new IntrospectError({ file, structure, offset, reason: `${field} ${value} is out of range` });
  }
  return n;
}

/** lvm2 lib/uuid/uuid.c id_write_format: 32 characters grouped 6-4-4-4-4-4-6 with dashes. */
export function formatLvmUuid(raw: string): string {
  const groups = [6, 4, 4, 4, 4, 4, 6];
  const parts: string[] = [];
  let at = 0;
  for (const g of groups) {
    parts.push(raw.slice(at, at + g));
    at += g;
  }
  return parts.join('-');
}

/** The uuid without dashes, for matching metadata ids against labels. */
export function stripUuid(uuid: string): string {
  return uuid.replace(/-/g, '');
}

/**
 * Find the LVM2 label in sectors 0..3 (lvm2 label.c _find_lvm_header): "LABELONE", sector_xl equal to
 * the sector it was found in, crc_xl over bytes 20..511 of the sector, type "LVM2 001". A label that
 * fails one of these is ignored, as lvm2 does. Returns undefined when there is no valid label;
 * throws PvHeaderError when a valid label holds a malformed pv_header (and IntrospectError when the
 * device cannot be read).
 */
export function findPvLabel(source: Source): PvLabel | undefined {
  const sectors = Math.min(LABEL_SCAN_SECTORS, Math.floor(source.size / SECTOR_SIZE));
  if (sectors <= 0) return undefined;
  const head = source.read(0, sectors * SECTOR_SIZE, 'LVM2 label sectors');
  for (let sector = 0; sector < sectors; sector++) {
    const base = sector * SECTOR_SIZE;
    const lh = label_header.match(head, base);
    if (!lh) continue;
    if (lh.sector_xl !== BigInt(sector)) continue;
    const block = head.subarray(base, base + SECTOR_SIZE);
    if (lvmCrc(block, 20, SECTOR_SIZE) !== lh.crc_xl) continue;
    if (lh.type !== LVM2_LABEL) continue;
    return parsePvHeader(source, block, sector, lh.offset_xl);
  }
  return undefined;
}

/** pv_header at offset_xl of the label sector, with its two zero-terminated disk_locn lists. */
function parsePvHeader(source: Source, block: Uint8Array, sector: number, offset_xl: number): PvLabel {
  const structure = 'LVM2 pv_header';
  const sectorOffset = sector * SECTOR_SIZE;
  if (offset_xl < 32 || offset_xl + PV_HEADER_FIXED + DISK_LOCN_SIZE > SECTOR_SIZE) {
    throw new PvHeaderError({ file: source.name, structure: 'LVM2 label_header', offset: sectorOffset + 20, reason: `offset_xl ${offset_xl} puts the pv_header outside the label sector` });
  }
  const ph = pv_header.parse(block, offset_xl);
  const safe = (value: bigint, at: number, field: string): number => {
    try {
      return safeNumber(value, source.name, structure, at, field);
    } catch (error) {
      throw new PvHeaderError(error as IntrospectError);
    }
  };
  const device_size = safe(ph.device_size_xl, sectorOffset + offset_xl + 32, 'device_size_xl');
  let at = offset_xl + PV_HEADER_FIXED;
  const readList = (what: string): DiskLocn[] => {
    const list: DiskLocn[] = [];
    for (;;) {
      if (at + DISK_LOCN_SIZE > SECTOR_SIZE) {
        throw new PvHeaderError({ file: source.name, structure, offset: sectorOffset + at, reason: `the ${what} list is not terminated within the label sector` });
      }
      const dl = disk_locn.parse(block, at);
      const offset = safe(dl.offset, sectorOffset + at, `${what} offset`);
      const size = safe(dl.size, sectorOffset + at + 8, `${what} size`);
      at += DISK_LOCN_SIZE;
      // text_label.c stops each list at the first entry whose offset is 0.
      if (offset === 0) return list;
      list.push({ offset, size });
    }
  };
  const dataAreas = readList('data area');
  const metadataAreas = readList('metadata area');
  return { sector, pv_uuid: ph.pv_uuid, device_size, dataAreas, metadataAreas };
}

/**
 * Read and check an mda_header (format-text.c raw_parse_mda_header): checksum over bytes 4..511,
 * magic, version 1, start equal to where it was found, size at least one header and inside the PV.
 * `ignoreChecksum` is only for naming the VG of a damaged PV in messages (lvm2 pvck does the same);
 * nothing read that way is used to assemble anything.
 */
export function readMdaHeader(source: Source, area: DiskLocn, index: number, options: { ignoreChecksum?: boolean } = {}): MdaHeader {
  const structure = `LVM2 mda_header (metadata area ${index + 1})`;
  const fail = (reason: string, at = area.offset): never => {
    throw new IntrospectError({ file: source.name, structure, offset: at, reason });
  };
  if (area.offset + MDA_HEADER_SIZE > source.size) fail(`the metadata area lies past the end of the ${source.size}-byte device`);
  const bytes = source.read(area.offset, MDA_HEADER_SIZE, structure);
  const h = mda_header.parse(bytes, 0);
  const computed = lvmCrc(bytes, 4, MDA_HEADER_SIZE);
  if (computed !== h.checksum_xl && !options.ignoreChecksum) {
    fail(`checksum mismatch: stored 0x${hex(h.checksum_xl)}, computed 0x${hex(computed)}; this copy of the metadata is not used`);
  }
  if (h.magic !== FMTT_MAGIC) fail('bad magic (not an LVM2 text metadata area)', area.offset + 4);
  if (h.version !== FMTT_VERSION) fail(`unsupported version ${h.version}`, area.offset + 20);
  const start = safeNumber(h.start, source.name, structure, area.offset + 24, 'start');
  const size = safeNumber(h.size, source.name, structure, area.offset + 32, 'size');
  if (start !== area.offset) fail(`start ${start} does not match the metadata area offset ${area.offset}`, area.offset + 24);
  if (size < MDA_HEADER_SIZE) fail(`metadata area size ${size} is smaller than its header`, area.offset + 32);
  if (start + size > source.size) fail(`metadata area of ${size} bytes runs past the end of the ${source.size}-byte device`, area.offset + 32);

  const raw_locns: RawLocn[] = [];
  for (let at = MDA_HEADER_FIXED; ; at += RAW_LOCN_SIZE) {
    if (at + RAW_LOCN_SIZE > MDA_HEADER_SIZE) break; // a full header ends the list too
    const rl = raw_locn.parse(bytes, at);
    const offset = safeNumber(rl.offset, source.name, structure, area.offset + at, 'raw_locn offset');
    if (offset === 0) break;
    raw_locns.push({ offset, size: safeNumber(rl.size, source.name, structure, area.offset + at + 8, 'raw_locn size'), checksum: rl.checksum, flags: rl.flags });
  }
  return { checksum_xl: h.checksum_xl, magic: h.magic, version: h.version, start, size, raw_locns };
}

/**
 * The metadata text a raw_locn points to (format-text.c _vg_read_raw_area): at start + offset; when
 * offset + size passes the end of the area the rest continues at start + MDA_HEADER_SIZE. The
 * checksum covers both parts in order.
 */
export function readMetadataText(source: Source, mda: MdaHeader, locn: RawLocn, index: number): Uint8Array {
  const structure = `LVM2 metadata text (metadata area ${index + 1})`;
  const fail = (reason: string): never => {
    throw new IntrospectError({ file: source.name, structure, offset: mda.start + locn.offset, reason });
  };
  if (locn.offset < MDA_HEADER_SIZE || locn.offset >= mda.size) fail(`raw_locn offset ${locn.offset} is outside the ${mda.size}-byte metadata area`);
  if (locn.size > mda.size - MDA_HEADER_SIZE) fail(`raw_locn size ${locn.size} is larger than the metadata area`);
  if (locn.size > MAX_METADATA_SIZE) fail(`raw_locn size ${locn.size} exceeds the ${MAX_METADATA_SIZE}-byte limit`);
  if (locn.size === 0) fail('raw_locn size is 0');
  const wrap = locn.offset + locn.size > mda.size ? locn.offset + locn.size - mda.size : 0;
  const text = new Uint8Array(locn.size);
  text.set(source.read(mda.start + locn.offset, locn.size - wrap, structure), 0);
  if (wrap > 0) text.set(source.read(mda.start + MDA_HEADER_SIZE, wrap, structure), locn.size - wrap);
  const computed = lvmCrc(text);
  if (computed !== locn.checksum) fail(`checksum mismatch: raw_locn says 0x${hex(locn.checksum)}, text gives 0x${hex(computed)}`);
  return text;
}

export function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
