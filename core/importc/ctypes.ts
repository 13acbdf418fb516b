/** C types as import-c models them, with the sizes and alignments of one target. */
import type { Target } from './targets.js';

export type Endian = 'native' | 'little' | 'big';

interface TypeBase {
  /** The type as written (typedef name, `unsigned int`, `struct foo`...), for comments. */
  spelling: string;
  /** An alignment set by `aligned(N)` on a typedef (wins over the natural one). */
  userAlign?: number;
}

export interface IntType extends TypeBase {
  k: 'int';
  size: number;
  align: number;
  signed: boolean;
  endian: Endian;
  /** Plain `char` (arrays of it become strings). */
  plainChar?: boolean;
  bool?: boolean;
}
export interface FloatType extends TypeBase {
  k: 'float';
  size: number;
  align: number;
}
export interface PointerType extends TypeBase {
  k: 'ptr';
  size: number;
}
export interface ArrayType extends TypeBase {
  k: 'array';
  of: CType;
  /** null: a flexible array member `x[]`. */
  count: number | null;
}
export interface RecordType extends TypeBase {
  k: 'record';
  rec: RecordDef;
}
export interface OtherType extends TypeBase {
  k: 'void' | 'func';
}
export type CType = IntType | FloatType | PointerType | ArrayType | RecordType | OtherType;

export interface Member {
  /** undefined: an anonymous struct/union member, or an unnamed bit-field. */
  name?: string;
  type: CType;
  bitWidth?: number;
  packed: boolean;
  aligned?: number;
  line: number;
}

export interface PlacedMember {
  member: Member;
  /** Offset from the start of the record, in bits. */
  bitOffset: number;
  /** Width in bits (the bit-field width, or the size times 8). */
  bits: number;
}

export interface RecordLayout {
  size: number;
  align: number;
  members: PlacedMember[];
}

export interface RecordDef {
  kind: 'struct' | 'union';
  tag?: string;
  typedefName?: string;
  line: number;
  /** The #include'd file it is defined in; undefined for the main header. */
  file?: string;
  members: Member[];
  complete: boolean;
  packed: boolean;
  aligned?: number;
  /** #pragma pack in force at the definition (0: none). */
  pack: number;
  layout?: RecordLayout;
  /** Why this record cannot be imported (line and what was not understood). */
  error?: { line: number; message: string };
}

export function recordName(rec: RecordDef): string | undefined {
  return rec.tag ?? rec.typedefName;
}

export function intType(spelling: string, size: number, signed: boolean, target: Target, endian: Endian = 'native'): IntType {
  const align = size === 8 ? target.longLongFieldAlign : size;
  return { k: 'int', spelling, size, align, signed, endian };
}

/** The built-in typedefs: fixed-width and kernel types, so headers need not be followed into #include. */
export function builtinTypedefs(target: Target): Map<string, CType> {
  const m = new Map<string, CType>();
  const widths = [8, 16, 32, 64];
  for (const w of widths) {
    const n = w / 8;
    for (const [u, s] of [[`__u${w}`, `__s${w}`], [`u${w}`, `s${w}`], [`uint${w}_t`, `int${w}_t`], [`u_int${w}_t`, ''], [`__uint${w}_t`, `__int${w}_t`]] as const) {
      m.set(u, intType(u, n, false, target));
      if (s) m.set(s, intType(s, n, true, target));
    }
    if (w > 8) {
      m.set(`__le${w}`, intType(`__le${w}`, n, false, target, 'little'));
      m.set(`__be${w}`, intType(`__be${w}`, n, false, target, 'big'));
    }
  }
  m.set('__sum16', intType('__sum16', 2, false, target));
  m.set('__wsum', intType('__wsum', 4, false, target));
  for (const [name, endian] of [['__aligned_u64', 'native'], ['aligned_u64', 'native'], ['__aligned_le64', 'little'], ['__aligned_be64', 'big']] as const) {
    m.set(name, { ...intType(name, 8, false, target, endian), userAlign: 8 });
  }
  m.set('aligned_be64', { ...intType('aligned_be64', 8, false, target, 'big'), userAlign: 8 });
  m.set('aligned_le64', { ...intType('aligned_le64', 8, false, target, 'little'), userAlign: 8 });
  const L = target.long;
  for (const n of ['size_t', 'uintptr_t', '__kernel_size_t', '__kernel_ulong_t', 'ulong']) m.set(n, intType(n, L, false, target));
  for (const n of ['ssize_t', 'ptrdiff_t', 'intptr_t', '__kernel_ssize_t', '__kernel_long_t', 'off_t', 'time_t', '__kernel_off_t', '__kernel_time_t']) m.set(n, intType(n, L, true, target));
  m.set('bool', { ...intType('bool', 1, false, target), bool: true });
  m.set('loff_t', intType('loff_t', 8, true, target));
  m.set('__kernel_loff_t', intType('__kernel_loff_t', 8, true, target));
  for (const n of ['uint', 'u_int', 'unsigned']) m.set(n, intType(n, 4, false, target));
  m.set('u_char', intType('u_char', 1, false, target));
  m.set('u_short', intType('u_short', 2, false, target));
  m.set('ushort', intType('ushort', 2, false, target));
  m.set('u_long', intType('u_long', L, false, target));
  return m;
}

export class LayoutError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** Larger objects are refused: patterns count bits in numbers. */
const MAX_OBJECT_BYTES = 2 ** 31;

export function sizeOf(t: CType, line: number): number {
  switch (t.k) {
    case 'int':
    case 'float':
    case 'ptr':
      return t.size;
    case 'array': {
      if (t.count === null) return 0;
      const size = t.count * sizeOf(t.of, line);
      if (size > MAX_OBJECT_BYTES) throw new LayoutError(line, `${t.spelling} is ${size} bytes, more than import-c handles (${MAX_OBJECT_BYTES})`);
      return size;
    }
    case 'record':
      if (!t.rec.layout) throw new LayoutError(line, `${t.spelling} is ${t.rec.error ? `not understood (line ${t.rec.error.line}: ${t.rec.error.message})` : 'incomplete (declared but not defined here)'}`);
      return t.rec.layout.size;
    default:
      throw new LayoutError(line, `${t.spelling} has no size`);
  }
}

/** Alignment as a structure member (i386: long long and double 4). */
export function alignOf(t: CType, line: number): number {
  if (t.userAlign) return t.userAlign;
  switch (t.k) {
    case 'int':
    case 'float':
      return t.align;
    case 'ptr':
      return t.size;
    case 'array':
      return alignOf(t.of, line);
    case 'record':
      sizeOf(t, line);
      return t.rec.layout!.align;
    default:
      throw new LayoutError(line, `${t.spelling} has no alignment`);
  }
}
