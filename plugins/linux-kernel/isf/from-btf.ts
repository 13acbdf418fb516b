// BTF -> ISF: every struct, union, enum and base type of a kernel's BTF (linux
// include/uapi/linux/btf.h) as Volatility 3 type descriptors (volatility3 schemas/schema-6.2.0.json),
// typedefs and qualifiers resolved as dwarf2json does; symbols from System.map or kallsyms.
import type { Btf } from '../btf/btf.js';
import type { BtfType } from '../btf/types.js';
import { ISF_FORMAT, type IsfBaseType, type IsfDocument, type IsfTypeDescriptor, type IsfUserType } from './types.js';

export interface IsfFromBtfOptions {
  /** Link-time symbol addresses. */
  symbols?: ReadonlyMap<string, bigint> | Readonly<Record<string, bigint>>;
  /** linux_banner text (without "\n"): stored as the symbol's constant_data, which Volatility matches in memory. */
  banner?: string;
  littleEndian?: boolean;
  producer?: { name: string; version: string };
  /** Only these structs and the types they reach (default: every type). */
  roots?: readonly string[];
}

/** Types of well-known kernel variables (their declarations in include/linux/*.h), which BTF does not record. */
export const KNOWN_SYMBOL_TYPES: Readonly<Record<string, IsfTypeDescriptor>> = {
  init_task: { kind: 'struct', name: 'task_struct' },
  init_files: { kind: 'struct', name: 'files_struct' },
  init_net: { kind: 'struct', name: 'net' },
  init_uts_ns: { kind: 'struct', name: 'uts_namespace' },
  init_nsproxy: { kind: 'struct', name: 'nsproxy' },
  init_mm: { kind: 'struct', name: 'mm_struct' },
  net_namespace_list: { kind: 'struct', name: 'list_head' },
  prb: { kind: 'pointer', subtype: { kind: 'struct', name: 'printk_ringbuffer' } },
  printk_rb_static: { kind: 'struct', name: 'printk_ringbuffer' },
  log_buf: { kind: 'pointer', subtype: { kind: 'base', name: 'char' } },
  log_buf_len: { kind: 'base', name: 'unsigned int' },
  log_first_idx: { kind: 'base', name: 'unsigned int' },
  log_next_idx: { kind: 'base', name: 'unsigned int' },
  log_first_seq: { kind: 'base', name: 'long long unsigned int' },
  log_next_seq: { kind: 'base', name: 'long long unsigned int' },
};

export function isfFromBtf(btf: Btf, options: IsfFromBtfOptions = {}): IsfDocument {
  const endian = options.littleEndian === false ? 'big' : 'little';
  const doc: IsfDocument = {
    metadata: { format: ISF_FORMAT, producer: options.producer ?? { name: 'introspect', version: '0.1.0' } },
    base_types: {
      void: { size: 0, signed: false, kind: 'void', endian },
      pointer: { size: btf.pointerSize, signed: false, kind: 'int', endian },
    },
    user_types: {},
    enums: {},
    symbols: {},
  };
  const names = new Map<number, string>();
  const nameOf = (t: BtfType & { name: string }): string => {
    let n = names.get(t.id);
    if (!n) {
      n = t.name || `__anon_${t.kind}_${t.id}`;
      names.set(t.id, n);
    }
    return n;
  };
  // "typedef struct { ... } possible_net_t;": the anonymous struct takes the typedef's name (as C code names it).
  for (const t of btf.types) {
    if (t.kind !== 'typedef') continue;
    const target = btf.types[t.type];
    if (target && (target.kind === 'struct' || target.kind === 'union') && !target.name && !names.has(target.id) && btf.idsNamed(t.name).every((id) => btf.types[id].kind === 'typedef')) names.set(target.id, t.name);
  }
  const pending: number[] = [];
  const emitted = new Set<number>();
  const want = (id: number): void => {
    if (!emitted.has(id)) pending.push(id);
  };

  const baseType = (t: Extract<BtfType, { kind: 'int' | 'float' }>): string => {
    if (!doc.base_types[t.name]) {
      const kind: IsfBaseType['kind'] = t.kind === 'float' ? 'float' : t.kind === 'int' && t.bool ? 'bool' : t.kind === 'int' && (t.char || /char$/.test(t.name)) ? 'char' : 'int';
      doc.base_types[t.name] = { size: t.size, signed: t.kind === 'int' ? t.signed || t.name === 'char' : true, kind, endian };
    }
    return t.name;
  };

  const descriptor = (id: number): IsfTypeDescriptor => {
    const t = btf.resolve(id);
    switch (t.kind) {
      case 'void': return { kind: 'base', name: 'void' };
      case 'int': case 'float': return { kind: 'base', name: baseType(t) };
      case 'ptr': return { kind: 'pointer', subtype: descriptor(t.type) };
      case 'array': return { kind: 'array', count: t.nelems, subtype: descriptor(t.type) };
      case 'struct': case 'union':
        want(t.id);
        return { kind: t.kind, name: nameOf(t) };
      case 'enum': case 'enum64':
        want(t.id);
        return { kind: 'enum', name: nameOf(t) };
      case 'fwd': {
        // A declaration only: point at the complete type of that name when the BTF has one.
        const full = btf.find(`${t.union ? 'union' : 'struct'} ${t.name}`);
        if (full && (full.kind === 'struct' || full.kind === 'union')) return descriptor(full.id);
        const name = t.name;
        if (!doc.user_types[name]) doc.user_types[name] = { kind: t.union ? 'union' : 'struct', size: 0, fields: {} };
        return { kind: t.union ? 'union' : 'struct', name };
      }
      case 'func_proto': case 'func': return { kind: 'function' };
      default: return { kind: 'base', name: 'void' };
    }
  };

  const emitStruct = (t: Extract<BtfType, { kind: 'struct' | 'union' }>): void => {
    const user: IsfUserType = { kind: t.kind, size: t.size, fields: {} };
    let unnamed = 0;
    for (const m of t.members) {
      const r = btf.resolve(m.type);
      if (m.name === '' && (r.kind === 'struct' || r.kind === 'union')) {
        user.fields[`unnamed_field_${unnamed++}`] = { type: descriptor(m.type), offset: m.bitOffset / 8, anonymous: true };
        continue;
      }
      if (m.name === '') continue; // unnamed bit-field padding
      let bitSize = m.bitfieldSize;
      let bitOffset = m.bitOffset;
      if (!bitSize && r.kind === 'int' && r.bits !== r.size * 8) {
        bitSize = r.bits;
        bitOffset += r.offset;
      }
      if (bitSize) {
        const inner = descriptor(m.type);
        const unit = (r.kind === 'int' || r.kind === 'enum' || r.kind === 'enum64' ? r.size : 4) * 8;
        const offset = Math.floor(bitOffset / unit) * (unit / 8);
        user.fields[m.name] = { type: { kind: 'bitfield', bit_position: bitOffset - offset * 8, bit_length: bitSize, type: inner }, offset };
      } else {
        user.fields[m.name] = { type: descriptor(m.type), offset: Math.floor(bitOffset / 8) };
      }
    }
    const name = nameOf(t);
    if (!doc.user_types[name] || doc.user_types[name].size === 0) doc.user_types[name] = user;
  };

  const emitEnum = (t: Extract<BtfType, { kind: 'enum' | 'enum64' }>): void => {
    const base = t.size === 8 ? (t.signed ? 'long long int' : 'long long unsigned int') : t.size === 2 ? 'short unsigned int' : t.size === 1 ? 'unsigned char' : t.signed ? 'int' : 'unsigned int';
    if (!doc.base_types[base]) doc.base_types[base] = { size: t.size, signed: base.includes('unsigned') ? false : true, kind: base.includes('char') ? 'char' : 'int', endian };
    const constants: Record<string, number | bigint> = {};
    for (const v of t.values) constants[v.name] = v.value;
    doc.enums[nameOf(t)] = { size: t.size, base, constants };
  };

  if (options.roots) {
    for (const root of options.roots) {
      const s = btf.struct(root);
      if (s) want(s.id);
    }
  } else {
    for (const t of btf.types) if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' || t.kind === 'enum64') want(t.id);
  }
  while (pending.length) {
    const id = pending.pop()!;
    if (emitted.has(id)) continue;
    emitted.add(id);
    const t = btf.types[id];
    if (t.kind === 'struct' || t.kind === 'union') {
      // Two BTF structs can share a name (per-compilation-unit copies): keep the first complete one.
      if (t.name && doc.user_types[t.name] && doc.user_types[t.name].size > 0 && btf.find(`${t.kind} ${t.name}`)?.id !== t.id) continue;
      emitStruct(t);
    } else if (t.kind === 'enum' || t.kind === 'enum64') emitEnum(t);
  }

  const symbols = options.symbols instanceof Map ? options.symbols : new Map(Object.entries(options.symbols ?? {}));
  for (const [name, address] of symbols) {
    doc.symbols[name] = { address: address <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(address) : address };
    const type = KNOWN_SYMBOL_TYPES[name];
    if (type && (type.kind !== 'struct' || doc.user_types[type.name])) doc.symbols[name].type = type;
  }
  if (options.banner !== undefined && doc.symbols.linux_banner) {
    const bytes = Buffer.from(options.banner.replace(/\n?$/, '\n') + '\0', 'latin1');
    doc.symbols.linux_banner.constant_data = bytes.toString('base64');
    doc.symbols.linux_banner.type = { kind: 'array', count: bytes.length, subtype: { kind: 'base', name: 'char' } };
    if (!doc.base_types.char) doc.base_types.char = { size: 1, signed: true, kind: 'char', endian };
  }
  return doc;
}
