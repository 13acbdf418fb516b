/**
 * Builds LVM2 physical volumes in memory for tests, written field by field at the offsets of
 * lvm2 lib/label/label.h and lib/format_text/layout.h (independently of the plugin's patterns, so a
 * wrong offset in either shows up), with a bitwise CRC (lib/misc/crc.c: init 0xF597A6CF, no final xor).
 */

export function lvmCrcBitwise(bytes: Uint8Array, init = 0xf597a6cf): number {
  let crc = init >>> 0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return crc >>> 0;
}

export interface PvImageSpec {
  /** 32 characters, no dashes. */
  uuid: string;
  /** Bytes of the whole device. */
  size: number;
  labelSector?: number;
  mdaOffset?: number;
  mdaSize?: number;
  /** pe_start in bytes (the data area offset). */
  dataOffset?: number;
  /** Metadata text (a NUL is appended, as lvm2 writes it). */
  metadata?: string;
  /** raw_locn.offset within the metadata area (default 512: right after the header). */
  textOffset?: number;
  corruptMdaChecksum?: boolean;
  corruptTextChecksum?: boolean;
  corruptLabelCrc?: boolean;
  /** Bytes to fill the data area with (from dataOffset). */
  data?: Uint8Array;
}

export const FMTT_MAGIC = ' LVM2 x[5A%r0N*>';

export function buildPv(spec: PvImageSpec): Uint8Array {
  const img = new Uint8Array(spec.size);
  const view = new DataView(img.buffer);
  const labelSector = spec.labelSector ?? 1;
  const mdaOffset = spec.mdaOffset ?? 4096;
  const mdaSize = spec.mdaSize ?? 61440;
  const dataOffset = spec.dataOffset ?? mdaOffset + mdaSize;
  const latin1 = (s: string, at: number): void => img.set(Buffer.from(s, 'latin1'), at);

  // label_header
  const l = labelSector * 512;
  latin1('LABELONE', l);
  view.setBigUint64(l + 8, BigInt(labelSector), true);
  view.setUint32(l + 20, 32, true);
  latin1('LVM2 001', l + 24);
  // pv_header at offset 32
  const p = l + 32;
  latin1(spec.uuid, p);
  view.setBigUint64(p + 32, BigInt(spec.size), true);
  view.setBigUint64(p + 40, BigInt(dataOffset), true); // data area, size 0 = to the end
  // p + 56: terminator (zeros)
  view.setBigUint64(p + 72, BigInt(mdaOffset), true);
  view.setBigUint64(p + 80, BigInt(mdaSize), true);
  let crc = lvmCrcBitwise(img.subarray(l + 20, l + 512));
  if (spec.corruptLabelCrc) crc ^= 1;
  view.setUint32(l + 16, crc, true);

  // mda_header
  const m = mdaOffset;
  latin1(FMTT_MAGIC, m + 4);
  view.setUint32(m + 20, 1, true);
  view.setBigUint64(m + 24, BigInt(mdaOffset), true);
  view.setBigUint64(m + 32, BigInt(mdaSize), true);
  if (spec.metadata !== undefined) {
    const text = new Uint8Array([...Buffer.from(spec.metadata, 'utf8'), 0]);
    const textOffset = spec.textOffset ?? 512;
    // Circular buffer: what does not fit before the end continues right after the header.
    const first = Math.min(text.length, mdaSize - textOffset);
    img.set(text.subarray(0, first), mdaOffset + textOffset);
    img.set(text.subarray(first), mdaOffset + 512);
    let textCrc = lvmCrcBitwise(text);
    if (spec.corruptTextChecksum) textCrc ^= 0x80;
    view.setBigUint64(m + 40, BigInt(textOffset), true);
    view.setBigUint64(m + 48, BigInt(text.length), true);
    view.setUint32(m + 56, textCrc, true);
    view.setUint32(m + 60, 0, true);
  }
  let mdaCrc = lvmCrcBitwise(img.subarray(m + 4, m + 512));
  if (spec.corruptMdaChecksum) mdaCrc = ~mdaCrc >>> 0;
  view.setUint32(m, mdaCrc, true);

  if (spec.data) img.set(spec.data.subarray(0, spec.size - dataOffset), dataOffset);
  return img;
}

/** Deterministic pseudo-random bytes (xorshift32), so every byte of a PV is distinguishable. */
export function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface SegmentSpec {
  start: number;
  count: number;
  type?: string;
  /** For striped/linear: [pvKey, le, pvKey, le...]; for mirror: [lv, le, ...]. */
  stripes?: (string | number)[];
  stripeSize?: number;
  mirrors?: (string | number)[];
  raids?: string[];
  extra?: string;
}

export interface LvSpec {
  name: string;
  id: string;
  visible?: boolean;
  segments: SegmentSpec[];
}

export interface VgSpec {
  name: string;
  id: string;
  seqno: number;
  /** Sectors. */
  extentSize: number;
  pvs: { key: string; id: string; peStart: number; peCount: number }[];
  lvs: LvSpec[];
}

const q = (s: string): string => JSON.stringify(s);
const list = (items: (string | number)[]): string => `[${items.map((i) => (typeof i === 'string' ? q(i) : String(i))).join(', ')}]`;

/** Metadata text in the layout lvm2's export.c writes. */
export function vgText(vg: VgSpec): string {
  const out: string[] = [];
  out.push(`${vg.name} {`, `id = ${q(vg.id)}`, `seqno = ${vg.seqno}`, 'format = "lvm2"\t\t\t# informational');
  out.push('status = ["RESIZEABLE", "READ", "WRITE"]', 'flags = []', `extent_size = ${vg.extentSize}\t\t# 64 Kilobytes`, 'max_lv = 0', 'max_pv = 0', 'metadata_copies = 0', '');
  out.push('physical_volumes {', '');
  for (const pv of vg.pvs) {
    out.push(`${pv.key} {`, `id = ${q(pv.id)}`, `device = "/dev/loop${pv.key.slice(2)}"\t# Hint only`, '', 'status = ["ALLOCATABLE"]', 'flags = []', `dev_size = 4096`, `pe_start = ${pv.peStart}`, `pe_count = ${pv.peCount}\t# 1 Megabytes`, '}', '');
  }
  out.push('}', '');
  if (vg.lvs.length > 0) {
    out.push('logical_volumes {', '');
    for (const lv of vg.lvs) {
      const status = lv.visible === false ? '["READ", "WRITE"]' : '["READ", "WRITE", "VISIBLE"]';
      out.push(`${lv.name} {`, `id = ${q(lv.id)}`, `status = ${status}`, 'flags = []', 'creation_time = 1700000000\t# 2023-11-14 22:13:20 +0000', 'creation_host = "test"', `segment_count = ${lv.segments.length}`, '');
      lv.segments.forEach((s, i) => {
        out.push(`segment${i + 1} {`, `start_extent = ${s.start}`, `extent_count = ${s.count}\t# 64 Kilobytes`, '', `type = ${q(s.type ?? 'striped')}`);
        if (s.stripes) {
          out.push(`stripe_count = ${s.stripes.length / 2}\t# linear`);
          if (s.stripeSize) out.push(`stripe_size = ${s.stripeSize}\t# 8 Kilobytes`);
          out.push('', 'stripes = [');
          for (let k = 0; k < s.stripes.length; k += 2) out.push(`${q(String(s.stripes[k]))}, ${s.stripes[k + 1]}${k + 2 < s.stripes.length ? ',' : ''}`);
          out.push(']');
        }
        if (s.mirrors) out.push(`mirror_count = ${s.mirrors.length / 2}`, `mirrors = ${list(s.mirrors)}`);
        if (s.raids) out.push(`device_count = ${s.raids.length / 2}`, 'region_size = 1024', `raids = ${list(s.raids)}`);
        if (s.extra) out.push(s.extra);
        out.push('}');
      });
      out.push('}', '');
    }
    out.push('}', '');
  }
  out.push('}', '# Generated by LVM2 version 2.03.16(2) (2022-05-18): Tue Nov 14 22:13:20 2023', '', 'contents = "Text Format Volume Group"', 'version = 1', '', 'description = "Created *after* executing \'vgcreate \\"x\\"\'"', '', 'creation_host = "test"\t# Linux test', 'creation_time = 1700000000\t# Tue Nov 14 22:13:20 2023', '');
  return out.join('\n');
}
