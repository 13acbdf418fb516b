// BTF on-disk format: linux include/uapi/linux/btf.h (struct btf_header, struct btf_type and the
// per-kind trailing records), validated as kernel/bpf/btf.c (btf_parse_hdr, btf_check_sec_info,
// btf_check_meta) does. BTF is in the byte order of the kernel that made it; magic 0xEB9F tells which.

import { bitmatch } from '../../../core/bitsyntax/index.js';

export const BTF_MAGIC = 0xeb9f;

export const BTF_KIND = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export const BTF_KIND_NAMES = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const',
  'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
] as const;
export type BtfKindName = (typeof BTF_KIND_NAMES)[number];

/** BTF_INT_ENCODING bits (btf.h). */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

/** btf_type.info: vlen bits 0-15, kind bits 24-28, kind_flag bit 31 (BTF_INFO_KIND/VLEN/KFLAG). */
export function btfInfo(info: number): { kind: number; vlen: number; kindFlag: boolean } {
  return { kind: (info >>> 24) & 0x1f, vlen: info & 0xffff, kindFlag: info >>> 31 === 1 };
}

export function makeInfo(kind: number, vlen: number, kindFlag = false): number {
  return ((kindFlag ? 1 : 0) << 31 | (kind << 24) | (vlen & 0xffff)) >>> 0;
}

type Endian = 'little' | 'big';

/** The record patterns of one byte order. */
export function btfPatterns(E: Endian) {
  return {
    /** struct btf_header (24 bytes with hdr_len 24; later versions may append fields). */
    btf_header: bitmatch(
      `magic : 16 : endian(E) : check(magic == 0xEB9F),
       version : 8 : check(version == 1),
       flags : 8,
       hdr_len : 32 : endian(E),
       type_off : 32 : endian(E),
       type_len : 32 : endian(E),
       str_off : 32 : endian(E),
       str_len : 32 : endian(E)`,
      { E },
    ),
    /** struct btf_type: name_off, info, then size (INT, ENUM, STRUCT, UNION, DATASEC, FLOAT, ENUM64) or type. */
    btf_type: bitmatch(`name_off : 32 : endian(E), info : 32 : endian(E), size_or_type : 32 : endian(E)`, { E }),
    /** INT trailer: encoding bits 24-27, offset bits 16-23, bits 0-7 (BTF_INT_ENCODING/OFFSET/BITS). */
    btf_int: bitmatch(`int_data : 32 : endian(E)`, { E }),
    btf_array: bitmatch(`type : 32 : endian(E), index_type : 32 : endian(E), nelems : 32 : endian(E)`, { E }),
    btf_member: bitmatch(`name_off : 32 : endian(E), type : 32 : endian(E), offset : 32 : endian(E)`, { E }),
    btf_enum: bitmatch(`name_off : 32 : endian(E), val : 32 : endian(E) : signed`, { E }),
    btf_enum64: bitmatch(`name_off : 32 : endian(E), val_lo32 : 32 : endian(E), val_hi32 : 32 : endian(E)`, { E }),
    btf_param: bitmatch(`name_off : 32 : endian(E), type : 32 : endian(E)`, { E }),
    btf_var: bitmatch(`linkage : 32 : endian(E)`, { E }),
    btf_var_secinfo: bitmatch(`type : 32 : endian(E), offset : 32 : endian(E), size : 32 : endian(E)`, { E }),
    btf_decl_tag: bitmatch(`component_idx : 32 : endian(E) : signed`, { E }),
  };
}

export type BtfPatterns = ReturnType<typeof btfPatterns>;

export const BTF_LE = btfPatterns('little');
export const BTF_BE = btfPatterns('big');

export const BTF_HEADER_SIZE = 24;
/** Byte size of each kind's trailer: fixed part, plus per-vlen entry size. */
export function trailerSize(kind: number, vlen: number): number | undefined {
  switch (kind) {
    case BTF_KIND.INT:
    case BTF_KIND.VAR:
    case BTF_KIND.DECL_TAG:
      return 4;
    case BTF_KIND.ARRAY:
      return 12;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.ENUM64:
    case BTF_KIND.DATASEC:
      return 12 * vlen;
    case BTF_KIND.ENUM:
    case BTF_KIND.FUNC_PROTO:
      return 8 * vlen;
    case BTF_KIND.PTR:
    case BTF_KIND.FWD:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.FUNC:
    case BTF_KIND.FLOAT:
    case BTF_KIND.TYPE_TAG:
      return 0;
    default:
      return undefined;
  }
}
