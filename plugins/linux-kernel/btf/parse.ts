// Parses a BTF blob (linux include/uapi/linux/btf.h) into a type graph, with the checks of
// kernel/bpf/btf.c: header (btf_parse_hdr), section bounds and order (btf_check_sec_info), string
// section starting and ending with NUL (btf_parse_str_sec), known kinds, trailers within the type
// section and type ids in range (btf_check_all_metas / btf_resolve).

import { IntrospectError } from '../../../core/errors.js';
import { BTF_BE, BTF_HEADER_SIZE, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND, BTF_LE, btfInfo, trailerSize } from './format.js';
import type { BtfType } from './types.js';
import { Btf } from './btf.js';

export interface ParseBtfOptions {
  /** Name used in error messages (file, or "image [BTF at 0x...]"). */
  name?: string;
  /** Pointer size of the kernel; default: the size of BTF's "long unsigned int", else 8. */
  pointerSize?: 4 | 8;
}

/** Most types a BTF blob may declare (kernel/bpf/btf.c BTF_MAX_TYPE). */
export const BTF_MAX_TYPE = 0xfffff;

export interface BtfHeader {
  littleEndian: boolean;
  flags: number;
  hdr_len: number;
  type_off: number;
  type_len: number;
  str_off: number;
  str_len: number;
  /** hdr_len + the larger section end: the blob's size. */
  totalSize: number;
}

/** Reads and checks the header; undefined when `bytes` does not start with a plausible BTF header. */
export function readBtfHeader(bytes: Uint8Array, offset = 0): BtfHeader | undefined {
  for (const [le, p] of [[true, BTF_LE], [false, BTF_BE]] as const) {
    const h = p.btf_header.match(bytes, offset);
    if (!h) continue;
    if (h.hdr_len < BTF_HEADER_SIZE || h.hdr_len > 256 || h.type_off % 4 !== 0) return undefined;
    if (h.type_off + h.type_len > h.str_off && h.str_off + h.str_len > h.type_off) return undefined; // overlap
    if (h.str_len === 0 || h.str_len > 1 << 30 || h.type_len > 1 << 30) return undefined;
    const totalSize = h.hdr_len + Math.max(h.type_off + h.type_len, h.str_off + h.str_len);
    return { littleEndian: le, flags: h.flags, hdr_len: h.hdr_len, type_off: h.type_off, type_len: h.type_len, str_off: h.str_off, str_len: h.str_len, totalSize };
  }
  return undefined;
}

export function parseBtf(bytes: Uint8Array, options: ParseBtfOptions = {}): Btf {
  const file = options.name ?? 'BTF';
  const fail = (structure: string, offset: number, reason: string): never => {
    throw new IntrospectError({ file, structure, offset, reason });
  };
  const header = readBtfHeader(bytes) ?? fail('BTF header', 0, 'no BTF header (magic 0xEB9F, version 1, hdr_len >= 24, sections in bounds)');
  if (header.totalSize > bytes.length) fail('BTF header', 0, `sections end at ${header.totalSize}, past the ${bytes.length}-byte blob`);
  const p = header.littleEndian ? BTF_LE : BTF_BE;
  const strStart = header.hdr_len + header.str_off;
  const strings = bytes.subarray(strStart, strStart + header.str_len);
  if (strings[0] !== 0 || strings[strings.length - 1] !== 0) fail('BTF string section', strStart, 'does not start and end with NUL');
  // One latin1 decode of the whole section; names are then slices up to the next NUL.
  const text = Buffer.from(strings.buffer, strings.byteOffset, strings.byteLength).toString('latin1');
  const str = (off: number, at: number): string => {
    if (off === 0) return '';
    if (off >= text.length) fail('BTF string offset', at, `name_off ${off} is past the ${text.length}-byte string section`);
    return text.slice(off, text.indexOf('\0', off));
  };

  const types: BtfType[] = [{ id: 0, kind: 'void', name: 'void' }];
  const offsets: number[] = [0];
  const typeStart = header.hdr_len + header.type_off;
  const typeEnd = typeStart + header.type_len;
  let pos = typeStart;
  while (pos < typeEnd) {
    const id = types.length;
    if (id > BTF_MAX_TYPE) fail('BTF type section', pos, `more than ${BTF_MAX_TYPE} types`);
    if (pos + 12 > typeEnd) fail(`BTF type ${id}`, pos, 'btf_type runs past the type section');
    const t = p.btf_type.parse(bytes, pos);
    const { kind, vlen, kindFlag } = btfInfo(t.info);
    const trailer = trailerSize(kind, vlen);
    if (trailer === undefined) fail(`BTF type ${id}`, pos, `unknown kind ${kind}`);
    const at = pos;
    pos += 12;
    if (pos + trailer! > typeEnd) fail(`BTF type ${id}`, at, `${trailer} bytes of kind ${kind} data run past the type section`);
    const name = str(t.name_off, at);
    const size = t.size_or_type;
    let type: BtfType;
    switch (kind) {
      case BTF_KIND.INT: {
        const d = p.btf_int.parse(bytes, pos).int_data;
        const encoding = (d >>> 24) & 0x0f;
        type = { id, kind: 'int', name, size, signed: (encoding & BTF_INT_SIGNED) !== 0, char: (encoding & BTF_INT_CHAR) !== 0, bool: (encoding & BTF_INT_BOOL) !== 0, offset: (d >>> 16) & 0xff, bits: d & 0xff };
        break;
      }
      case BTF_KIND.PTR:
        type = { id, kind: 'ptr', name, type: size };
        break;
      case BTF_KIND.ARRAY: {
        const a = p.btf_array.parse(bytes, pos);
        type = { id, kind: 'array', name, type: a.type, indexType: a.index_type, nelems: a.nelems };
        break;
      }
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        const members = [];
        for (let i = 0; i < vlen; i++) {
          const m = p.btf_member.parse(bytes, pos + 12 * i);
          // kind_flag: offset holds bitfield_size << 24 | bit_offset (BTF_MEMBER_BITFIELD_SIZE/BIT_OFFSET).
          members.push({
            name: str(m.name_off, pos + 12 * i),
            type: m.type,
            bitOffset: kindFlag ? m.offset & 0xffffff : m.offset,
            bitfieldSize: kindFlag ? m.offset >>> 24 : 0,
          });
        }
        type = { id, kind: kind === BTF_KIND.STRUCT ? 'struct' : 'union', name, size, members };
        break;
      }
      case BTF_KIND.ENUM: {
        const values = [];
        for (let i = 0; i < vlen; i++) {
          const e = p.btf_enum.parse(bytes, pos + 8 * i);
          values.push({ name: str(e.name_off, pos + 8 * i), value: kindFlag ? e.val : e.val >>> 0 });
        }
        type = { id, kind: 'enum', name, size, signed: kindFlag, values };
        break;
      }
      case BTF_KIND.ENUM64: {
        const values = [];
        for (let i = 0; i < vlen; i++) {
          const e = p.btf_enum64.parse(bytes, pos + 12 * i);
          const u = (BigInt(e.val_hi32) << 32n) | BigInt(e.val_lo32);
          values.push({ name: str(e.name_off, pos + 12 * i), value: kindFlag ? BigInt.asIntN(64, u) : u });
        }
        type = { id, kind: 'enum64', name, size, signed: kindFlag, values };
        break;
      }
      case BTF_KIND.FWD:
        type = { id, kind: 'fwd', name, union: kindFlag };
        break;
      case BTF_KIND.TYPEDEF:
        type = { id, kind: 'typedef', name, type: size };
        break;
      case BTF_KIND.VOLATILE:
        type = { id, kind: 'volatile', name, type: size };
        break;
      case BTF_KIND.CONST:
        type = { id, kind: 'const', name, type: size };
        break;
      case BTF_KIND.RESTRICT:
        type = { id, kind: 'restrict', name, type: size };
        break;
      case BTF_KIND.TYPE_TAG:
        type = { id, kind: 'type_tag', name, type: size };
        break;
      case BTF_KIND.FUNC:
        type = { id, kind: 'func', name, type: size, linkage: vlen };
        break;
      case BTF_KIND.FUNC_PROTO: {
        const params = [];
        for (let i = 0; i < vlen; i++) {
          const q = p.btf_param.parse(bytes, pos + 8 * i);
          params.push({ name: str(q.name_off, pos + 8 * i), type: q.type });
        }
        type = { id, kind: 'func_proto', name, type: size, params };
        break;
      }
      case BTF_KIND.VAR:
        type = { id, kind: 'var', name, type: size, linkage: p.btf_var.parse(bytes, pos).linkage };
        break;
      case BTF_KIND.DATASEC: {
        const vars = [];
        for (let i = 0; i < vlen; i++) vars.push(p.btf_var_secinfo.parse(bytes, pos + 12 * i));
        type = { id, kind: 'datasec', name, size, vars };
        break;
      }
      case BTF_KIND.FLOAT:
        type = { id, kind: 'float', name, size };
        break;
      case BTF_KIND.DECL_TAG:
        type = { id, kind: 'decl_tag', name, type: size, componentIdx: p.btf_decl_tag.parse(bytes, pos).component_idx };
        break;
      default:
        return fail(`BTF type ${id}`, at, `unknown kind ${kind}`);
    }
    types.push(type);
    offsets.push(at);
    pos += trailer!;
  }
  // Every referenced id must exist (kernel/bpf/btf.c btf_type_id_size / resolve).
  const count = types.length;
  const check = (ref: number, id: number): void => {
    if (ref >= count) fail(`BTF type ${id}`, offsets[id], `refers to type ${ref}, but only ${count - 1} types exist`);
  };
  for (const t of types) {
    switch (t.kind) {
      case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'func': case 'var': case 'decl_tag':
        check(t.type, t.id);
        break;
      case 'array':
        check(t.type, t.id);
        check(t.indexType, t.id);
        break;
      case 'struct': case 'union':
        for (const m of t.members) check(m.type, t.id);
        break;
      case 'func_proto':
        check(t.type, t.id);
        for (const q of t.params) check(q.type, t.id);
        break;
      case 'datasec':
        for (const v of t.vars) check(v.type, t.id);
        break;
      default:
        break;
    }
  }
  return new Btf(types, header, { name: file, pointerSize: options.pointerSize });
}
