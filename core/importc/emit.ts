/**
 * Bit-syntax pattern text for laid-out C records (grammar: docs/bit-syntax.md). Every member is
 * placed at its compiler offset: gaps become `_ : N` skips; members that overlap what came before
 * (union alternatives, bit-fields read through their bytes) get `offset(N)`.
 */
import { sizeOf, type CType, type IntType, type RecordDef } from './ctypes.js';

interface Leaf {
  /** First bit in the stream (MSB-first), from the start of the record. */
  start: number;
  bits: number;
  text: string;
  comment: string;
  bitfield: boolean;
}

export interface EmitNames {
  /** The pattern name a record is emitted under, or undefined to write it inline. */
  nameOf(rec: RecordDef): string | undefined;
}

const hex = (bits: number): string => `0x${Math.floor(bits / 8).toString(16)}`;

function endianQual(t: { size: number; endian?: IntType['endian'] }): string {
  if (t.size === 1) return '';
  return t.endian === 'big' ? ' : bigendian' : ' : littleendian';
}

function intSpec(t: IntType): string {
  if (t.size > 8) return `${t.size * 8} : bitstring`;
  return `${t.size * 8}${endianQual(t)}${t.signed ? ' : signed' : ''}`;
}

/** The `size : qualifiers` part for one element of type t (not an array). */
function elementSpec(t: CType, names: EmitNames, indent: string): string {
  switch (t.k) {
    case 'int':
      return intSpec(t);
    case 'float':
      return t.size === 4 || t.size === 8 ? `${t.size * 8} : float : littleendian` : `${t.size * 8} : bitstring`;
    case 'ptr':
      return `${t.size * 8} : littleendian`;
    case 'record': {
      const n = names.nameOf(t.rec);
      return n ? `{ :${n} }` : `{\n${patternLines(t.rec, names, indent + '  ').join('\n')}\n${indent}}`;
    }
    default:
      throw new Error(`no element spec for ${t.spelling}`);
  }
}

function valueLeaf(name: string, type: CType, start: number, names: EmitNames, indent: string, line: number): Leaf | undefined {
  const bits = sizeOf(type, line) * 8;
  const comment = `${hex(start)} ${type.spelling}`;
  if (type.k !== 'array') return { start, bits, text: `${name} : ${elementSpec(type, names, indent)}`, comment, bitfield: false };
  const dims: number[] = [];
  let elem: CType = type;
  while (elem.k === 'array') {
    dims.push(elem.count ?? 0);
    elem = elem.of;
  }
  if (bits === 0) return undefined;
  if (elem.k === 'int' && elem.size === 1) {
    const inner = dims.pop()!;
    const outer = dims.reduce((a, b) => a * b, 1);
    const kind = elem.plainChar ? 'string' : 'bitstring';
    return { start, bits, text: `${name}${dims.length ? `[${outer}]` : ''} : ${inner * 8} : ${kind}`, comment, bitfield: false };
  }
  const total = dims.reduce((a, b) => a * b, 1);
  return { start, bits, text: `${name}[${total}] : ${elementSpec(elem, names, indent)}`, comment, bitfield: false };
}

/** A bit-field in little-endian storage: bit n of the record is bit n % 8 (LSB = 0) of byte n / 8. */
function bitFieldLeaf(name: string, t: IntType, lo: number, w: number): Leaf {
  const comment = `${hex(lo)} bits ${lo % 8}..${(lo % 8) + w - 1} of ${t.spelling} : ${w}`;
  const sign = t.signed ? ' : signed' : '';
  if ((lo % 8) + w <= 8) {
    return { start: Math.floor(lo / 8) * 8 + (8 - (lo % 8) - w), bits: w, text: `${name} : ${w}${sign}`, comment, bitfield: true };
  }
  if (lo % 8 === 0 && w % 8 === 0) {
    return { start: lo, bits: w, text: `${name} : ${w}${w > 8 ? ' : littleendian' : ''}${sign}`, comment, bitfield: true };
  }
  // Not contiguous in stream order: read its bytes as a little-endian integer and take the bits out.
  const b0 = Math.floor(lo / 8);
  const b1 = Math.floor((lo + w - 1) / 8);
  const bits = (b1 - b0 + 1) * 8;
  const shift = lo % 8;
  let expr: string;
  if (bits <= 53) {
    const v = shift ? `${name} / ${2 ** shift} % ${2 ** w}` : `${name} % ${2 ** w}`;
    expr = t.signed ? `${v} >= ${2 ** (w - 1)} ? ${v} - ${2 ** w} : ${v}` : v;
  } else {
    const v = shift ? `${name} / ${1n << BigInt(shift)}n % ${1n << BigInt(w)}n` : `${name} % ${1n << BigInt(w)}n`;
    const s = t.signed ? `(${v} >= ${1n << BigInt(w - 1)}n ? ${v} - ${1n << BigInt(w)}n : ${v})` : `(${v})`;
    expr = w <= 53 ? `Number${s}` : s.slice(1, -1);
  }
  return { start: b0 * 8, bits, text: `${name} : ${bits} : littleendian : bind(${expr})`, comment: `${comment} (read through bytes ${b0}..${b1})`, bitfield: true };
}

function collectLeaves(rec: RecordDef, base: number, names: EmitNames, indent: string, out: Leaf[], notes: string[]): void {
  for (const p of rec.layout!.members) {
    const m = p.member;
    const off = base + p.bitOffset;
    if (m.bitWidth !== undefined) {
      if (m.name && m.bitWidth > 0) out.push(bitFieldLeaf(m.name, m.type as IntType, off, m.bitWidth));
      continue;
    }
    if (!m.name) {
      if (m.type.k === 'record') collectLeaves(m.type.rec, off, names, indent, out, notes);
      continue;
    }
    const leaf = valueLeaf(m.name, m.type, off, names, indent, m.line);
    if (leaf) out.push(leaf);
    else notes.push(`${m.name} (${m.type.spelling}, at ${hex(off)}) has no size: not in the pattern`);
  }
}

/** The fields of a record's pattern, one per line (indented), with explicit skips and offsets. */
export function patternLines(rec: RecordDef, names: EmitNames, indent = '  '): string[] {
  const leaves: Leaf[] = [];
  const notes: string[] = [];
  collectLeaves(rec, 0, names, indent, leaves, notes);
  // bit-fields sharing bytes are written in stream order (LSB-first allocation reverses them)
  for (let i = 0; i < leaves.length; ) {
    if (!leaves[i]!.bitfield) {
      i++;
      continue;
    }
    let j = i;
    while (j < leaves.length && leaves[j]!.bitfield) j++;
    const run = leaves.slice(i, j).sort((a, b) => a.start - b.start);
    leaves.splice(i, run.length, ...run);
    i = j;
  }
  const lines: string[] = notes.map((n) => `${indent}// ${n}`);
  let cursor = 0;
  const total = rec.layout!.size * 8;
  for (const leaf of leaves) {
    const text = leaf.text;
    if (leaf.start > cursor) lines.push(`${indent}_ : ${leaf.start - cursor},`);
    // back to an earlier bit: an empty skip carries the offset (a record-typed field keeps its plain form)
    else if (leaf.start < cursor) lines.push(`${indent}_ : 0 : offset(${leaf.start}),`);
    lines.push(`${indent}${text},${' '.repeat(Math.max(1, 44 - text.length))}// ${leaf.comment}`);
    cursor = leaf.start + leaf.bits;
  }
  if (cursor < total) lines.push(`${indent}_ : ${total - cursor},`);
  return lines;
}
