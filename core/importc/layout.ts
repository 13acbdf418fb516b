/**
 * Structure and union layout as gcc computes it on the System V psABIs and AAPCS64
 * (gcc/stor-layout.cc place_field / update_alignment_for_field with PCC_BITFIELD_TYPE_MATTERS):
 * - an ordinary member goes to the next multiple of its alignment (1 when packed, at most the
 *   #pragma pack value, at least its aligned(N));
 * - a bit-field is placed at the next free bit unless it would span more units of its type's
 *   alignment than its type has (then it moves to the next unit); packed or #pragma pack bit-fields
 *   never move; `type : 0` moves to the next unit of the type;
 * - named bit-fields give the record their type's alignment, unnamed ones only on AAPCS64
 *   ("without exception for zero-sized or anonymous bit-fields");
 * - the size is rounded up to the record's alignment.
 */
import type { Target } from './targets.js';
import { alignOf, LayoutError, sizeOf, type Member, type PlacedMember, type RecordDef, type RecordLayout } from './ctypes.js';

const roundUp = (x: number, a: number): number => Math.ceil(x / a) * a;

function checkBitField(m: Member, width: number): number {
  const t = m.type;
  if (t.k !== 'int') throw new LayoutError(m.line, `bit-field ${m.name ?? '(unnamed)'} has type ${t.spelling}, not an integer type`);
  if (width < 0 || width > t.size * 8) throw new LayoutError(m.line, `bit-field ${m.name ?? '(unnamed)'} is ${width} bits wide, more than its type ${t.spelling}`);
  return t.size;
}

export function layoutRecord(rec: RecordDef, target: Target): RecordLayout {
  const placed: PlacedMember[] = [];
  let bitpos = 0;
  let maxBits = 0;
  let recordAlign = 1;
  const pack = rec.pack;
  for (const m of rec.members) {
    const packed = rec.packed || m.packed;
    const typeAlign = alignOf(m.type, m.line);
    const at = (bits: number): number => (rec.kind === 'union' ? 0 : bits);
    if (m.bitWidth !== undefined) {
      const w = m.bitWidth;
      const size = checkBitField(m, w);
      if (w === 0) {
        if (m.name) throw new LayoutError(m.line, `zero-width bit-field ${m.name} must be unnamed`);
        // neither packed nor aligned(N) affect it; #pragma pack does
        const a = pack ? Math.min(typeAlign, pack) : typeAlign;
        if (rec.kind === 'struct') bitpos = roundUp(bitpos, a * 8);
        if (target.alignAnonBitfield) recordAlign = Math.max(recordAlign, a);
        continue;
      }
      let pos = bitpos;
      if (m.aligned) pos = roundUp(pos, m.aligned * 8);
      if (!packed && !pack && rec.kind === 'struct') {
        const unit = typeAlign * 8;
        const inUnit = pos % unit;
        if (Math.ceil((inUnit + w) / unit) > Math.floor((size * 8) / unit)) pos = roundUp(pos, unit);
      }
      placed.push({ member: m, bitOffset: at(pos), bits: w });
      if (m.name || target.alignAnonBitfield) {
        const a = packed ? 1 : pack ? Math.min(typeAlign, pack) : typeAlign;
        recordAlign = Math.max(recordAlign, a, m.aligned ?? 1);
      }
      if (rec.kind === 'struct') bitpos = pos + w;
      maxBits = Math.max(maxBits, at(pos) + w);
      continue;
    }
    let a = packed ? 1 : typeAlign;
    if (pack) a = Math.min(a, pack);
    if (m.aligned) a = Math.max(a, m.aligned);
    const size = sizeOf(m.type, m.line);
    const pos = rec.kind === 'union' ? 0 : roundUp(bitpos, a * 8);
    placed.push({ member: m, bitOffset: pos, bits: size * 8 });
    recordAlign = Math.max(recordAlign, a);
    if (rec.kind === 'struct') bitpos = pos + size * 8;
    maxBits = Math.max(maxBits, pos + size * 8);
  }
  if (rec.aligned) recordAlign = Math.max(recordAlign, rec.aligned);
  const size = roundUp(Math.ceil(Math.max(bitpos, maxBits) / 8), recordAlign);
  return { size, align: recordAlign, members: placed };
}
