// Writes BTF blobs (linux include/uapi/linux/btf.h) with the bit-syntax patterns of format.ts, for
// tests and synthetic images. Ids are handed out in order from 1, as pahole does.

import { BTF_BE, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_KIND, BTF_LE, makeInfo, type BtfPatterns } from './format.js';

export interface MemberSpec {
  name: string;
  type: number;
  /** Bit offset from the start of the struct. */
  bitOffset: number;
  /** Bit-field width (needs kindFlag on the struct). */
  bitfieldSize?: number;
}

export class BtfBuilder {
  private readonly p: BtfPatterns;
  private readonly records: Uint8Array[] = [];
  private readonly strs: number[] = [0];
  private readonly strIndex = new Map<string, number>([['', 0]]);
  private nextId = 1;

  constructor(readonly littleEndian = true) {
    this.p = littleEndian ? BTF_LE : BTF_BE;
  }

  str(s: string): number {
    let off = this.strIndex.get(s);
    if (off === undefined) {
      off = this.strs.length;
      for (const c of s) this.strs.push(c.charCodeAt(0));
      this.strs.push(0);
      this.strIndex.set(s, off);
    }
    return off;
  }

  private type(name: string, kind: number, vlen: number, sizeOrType: number, kindFlag = false, ...trailer: Uint8Array[]): number {
    this.records.push(this.p.btf_type.build({ name_off: this.str(name), info: makeInfo(kind, vlen, kindFlag), size_or_type: sizeOrType }), ...trailer);
    return this.nextId++;
  }

  int(name: string, size: number, o: { signed?: boolean; char?: boolean; bool?: boolean; offset?: number; bits?: number } = {}): number {
    const encoding = (o.signed ? BTF_INT_SIGNED : 0) | (o.char ? BTF_INT_CHAR : 0) | (o.bool ? BTF_INT_BOOL : 0);
    const data = ((encoding << 24) | ((o.offset ?? 0) << 16) | (o.bits ?? size * 8)) >>> 0;
    return this.type(name, BTF_KIND.INT, 0, size, false, this.p.btf_int.build({ int_data: data }));
  }
  ptr(type: number): number {
    return this.type('', BTF_KIND.PTR, 0, type);
  }
  array(type: number, indexType: number, nelems: number): number {
    return this.type('', BTF_KIND.ARRAY, 0, 0, false, this.p.btf_array.build({ type, index_type: indexType, nelems }));
  }
  private composite(kind: number, name: string, size: number, members: readonly MemberSpec[], kindFlag: boolean): number {
    const trailer = members.map((m) =>
      this.p.btf_member.build({ name_off: this.str(m.name), type: m.type, offset: kindFlag ? (((m.bitfieldSize ?? 0) << 24) | m.bitOffset) >>> 0 : m.bitOffset }),
    );
    return this.type(name, kind, members.length, size, kindFlag, ...trailer);
  }
  struct(name: string, size: number, members: readonly MemberSpec[], kindFlag = false): number {
    return this.composite(BTF_KIND.STRUCT, name, size, members, kindFlag);
  }
  union(name: string, size: number, members: readonly MemberSpec[], kindFlag = false): number {
    return this.composite(BTF_KIND.UNION, name, size, members, kindFlag);
  }
  enum(name: string, size: number, values: readonly [string, number][], signed = false): number {
    return this.type(name, BTF_KIND.ENUM, values.length, size, signed, ...values.map(([n, v]) => this.p.btf_enum.build({ name_off: this.str(n), val: v })));
  }
  enum64(name: string, values: readonly [string, bigint][], signed = false): number {
    const trailer = values.map(([n, v]) => {
      const u = BigInt.asUintN(64, v);
      return this.p.btf_enum64.build({ name_off: this.str(n), val_lo32: Number(u & 0xffffffffn), val_hi32: Number(u >> 32n) });
    });
    return this.type(name, BTF_KIND.ENUM64, values.length, 8, signed, ...trailer);
  }
  fwd(name: string, union = false): number {
    return this.type(name, BTF_KIND.FWD, 0, 0, union);
  }
  typedef(name: string, type: number): number {
    return this.type(name, BTF_KIND.TYPEDEF, 0, type);
  }
  volatile(type: number): number {
    return this.type('', BTF_KIND.VOLATILE, 0, type);
  }
  const(type: number): number {
    return this.type('', BTF_KIND.CONST, 0, type);
  }
  restrict(type: number): number {
    return this.type('', BTF_KIND.RESTRICT, 0, type);
  }
  typeTag(name: string, type: number): number {
    return this.type(name, BTF_KIND.TYPE_TAG, 0, type);
  }
  func(name: string, proto: number, linkage = 1): number {
    return this.type(name, BTF_KIND.FUNC, linkage, proto);
  }
  funcProto(ret: number, params: readonly [string, number][]): number {
    return this.type('', BTF_KIND.FUNC_PROTO, params.length, ret, false, ...params.map(([n, t]) => this.p.btf_param.build({ name_off: this.str(n), type: t })));
  }
  variable(name: string, type: number, linkage = 1): number {
    return this.type(name, BTF_KIND.VAR, 0, type, false, this.p.btf_var.build({ linkage }));
  }
  datasec(name: string, size: number, vars: readonly { type: number; offset: number; size: number }[]): number {
    return this.type(name, BTF_KIND.DATASEC, vars.length, size, false, ...vars.map((v) => this.p.btf_var_secinfo.build(v)));
  }
  float(name: string, size: number): number {
    return this.type(name, BTF_KIND.FLOAT, 0, size);
  }
  declTag(name: string, type: number, componentIdx = -1): number {
    return this.type(name, BTF_KIND.DECL_TAG, 0, type, false, this.p.btf_decl_tag.build({ component_idx: componentIdx }));
  }

  build(): Uint8Array {
    const typeLen = this.records.reduce((n, r) => n + r.length, 0);
    const header = this.p.btf_header.build({ magic: 0xeb9f, version: 1, flags: 0, hdr_len: 24, type_off: 0, type_len: typeLen, str_off: typeLen, str_len: this.strs.length });
    const out = new Uint8Array(24 + typeLen + this.strs.length);
    out.set(header, 0);
    let pos = 24;
    for (const r of this.records) {
      out.set(r, pos);
      pos += r.length;
    }
    out.set(this.strs, pos);
    return out;
  }
}
