// The decoded BTF type graph (linux include/uapi/linux/btf.h). Type ids start at 1; id 0 is void.

export interface BtfMember {
  /** Empty for anonymous struct/union members and unnamed bit-field padding. */
  name: string;
  type: number;
  /** Offset of the member from the start of its struct, in bits. */
  bitOffset: number;
  /** Bit-field width (0 when the member is not a bit-field). */
  bitfieldSize: number;
}

export interface BtfEnumValue<V> {
  name: string;
  value: V;
}

export interface BtfParam {
  name: string;
  type: number;
}

export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}

interface Base {
  id: number;
  name: string;
}

export type BtfType =
  | (Base & { kind: 'void' })
  | (Base & { kind: 'int'; size: number; signed: boolean; char: boolean; bool: boolean; offset: number; bits: number })
  | (Base & { kind: 'ptr'; type: number })
  | (Base & { kind: 'array'; type: number; indexType: number; nelems: number })
  | (Base & { kind: 'struct' | 'union'; size: number; members: BtfMember[] })
  | (Base & { kind: 'enum'; size: number; signed: boolean; values: BtfEnumValue<number>[] })
  | (Base & { kind: 'enum64'; size: number; signed: boolean; values: BtfEnumValue<bigint>[] })
  | (Base & { kind: 'fwd'; union: boolean })
  | (Base & { kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag'; type: number })
  | (Base & { kind: 'func'; type: number; linkage: number })
  | (Base & { kind: 'func_proto'; type: number; params: BtfParam[] })
  | (Base & { kind: 'var'; type: number; linkage: number })
  | (Base & { kind: 'datasec'; size: number; vars: BtfVarSecinfo[] })
  | (Base & { kind: 'float'; size: number })
  | (Base & { kind: 'decl_tag'; type: number; componentIdx: number });

export type BtfKind = BtfType['kind'];

/** A field of a struct as callers use it: anonymous members flattened into their parent. */
export interface BtfField {
  name: string;
  /** Byte offset (for bit-fields: the byte holding the first bit). */
  offset: number;
  /** Offset from the start of the struct in bits. */
  bitOffset: number;
  /** Bit-field width; undefined for ordinary members. */
  bitSize?: number;
  /** Size in bytes of the member's type (the storage unit for bit-fields). */
  size: number | undefined;
  type: number;
  /** C spelling of the member's type, e.g. "struct list_head", "char[16]", "pid_t". */
  typeName: string;
  /** Names of the anonymous struct/union members this field was reached through (0 = direct member). */
  depth: number;
}

export interface BtfStruct {
  id: number;
  name: string;
  kind: 'struct' | 'union';
  size: number;
  /** Fields in declaration order, anonymous members flattened. */
  fields: BtfField[];
  field(name: string): BtfField | undefined;
}
