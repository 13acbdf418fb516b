// Queries over a parsed BTF type graph (linux include/uapi/linux/btf.h; resolution rules as
// kernel/bpf/btf.c btf_type_skip_modifiers / btf_resolve_size): struct layouts with anonymous members
// flattened, offsetof/sizeof through typedef/const/volatile/restrict/type_tag chains, C type names,
// enum values, and conversion to the project's profile layout (core/profiles/types.ts StructLayout).

import { IntrospectError } from '../../../core/errors.js';
import type { FieldLayout, StructLayout } from '../../../core/profiles/types.js';
import type { BtfHeader } from './parse.js';
import type { BtfField, BtfStruct, BtfType } from './types.js';

/** Longest typedef/modifier/array chain followed before giving up (guards against loops in bad BTF). */
const MAX_CHAIN = 64;

export interface FieldPath {
  /** Offset from the start of the outer struct, in bits. */
  bitOffset: number;
  bitSize?: number;
  type: number;
  typeName: string;
  size: number | undefined;
}

export class Btf {
  readonly name: string;
  readonly pointerSize: 4 | 8;
  private byName?: Map<string, number[]>;
  private readonly structs = new Map<number, BtfStruct>();

  constructor(
    readonly types: readonly BtfType[],
    readonly header: BtfHeader,
    options: { name: string; pointerSize?: 4 | 8 },
  ) {
    this.name = options.name;
    this.pointerSize = options.pointerSize ?? this.guessPointerSize();
  }

  /** Number of types, void (id 0) excluded. */
  get count(): number {
    return this.types.length - 1;
  }

  private fail(structure: string, reason: string): never {
    throw new IntrospectError({ file: this.name, structure, reason });
  }

  private guessPointerSize(): 4 | 8 {
    for (const id of this.idsNamed('long unsigned int')) {
      const t = this.types[id];
      if (t.kind === 'int' && (t.size === 4 || t.size === 8)) return t.size;
    }
    return 8;
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (!t) this.fail(`BTF type ${id}`, `no such type (${this.count} types)`);
    return t;
  }

  /** Ids of every type with this name, in id order. */
  idsNamed(name: string): readonly number[] {
    if (!this.byName) {
      const map = new Map<string, number[]>();
      for (const t of this.types) {
        if (!t.name || t.id === 0) continue;
        const list = map.get(t.name);
        if (list) list.push(t.id);
        else map.set(t.name, [t.id]);
      }
      this.byName = map;
    }
    return this.byName.get(name) ?? [];
  }

  /**
   * A named type. "struct x", "union x", "enum x" select the kind; a bare name prefers a complete
   * struct/union, then a typedef, then anything else with that name (a fwd declaration last).
   */
  find(name: string, kind?: BtfType['kind']): BtfType | undefined {
    const m = /^(struct|union|enum)\s+(.+)$/.exec(name.trim());
    const bare = m ? m[2] : name.trim();
    const ids = this.idsNamed(bare);
    const kinds: BtfType['kind'][] = kind ? [kind] : m ? (m[1] === 'enum' ? ['enum', 'enum64'] : [m[1] as 'struct' | 'union']) : [];
    const pick = (pred: (t: BtfType) => boolean): BtfType | undefined => {
      for (const id of ids) if (pred(this.types[id])) return this.types[id];
      return undefined;
    };
    if (kinds.length) return pick((t) => kinds.includes(t.kind));
    return pick((t) => t.kind === 'struct' || t.kind === 'union') ?? pick((t) => t.kind === 'typedef') ?? pick((t) => t.kind !== 'fwd') ?? pick(() => true);
  }

  private idOf(typeOrName: number | string): number {
    if (typeof typeOrName === 'number') return this.type(typeOrName).id;
    const t = this.find(typeOrName) ?? this.fail(`BTF type ${typeOrName}`, 'no type of that name');
    return t.id;
  }

  /** Follows typedef, const, volatile, restrict and type_tag to the underlying type. */
  resolve(typeOrName: number | string): BtfType {
    let t = this.type(this.idOf(typeOrName));
    for (let i = 0; i < MAX_CHAIN; i++) {
      switch (t.kind) {
        case 'typedef': case 'const': case 'volatile': case 'restrict': case 'type_tag':
          t = this.type(t.type);
          continue;
        default:
          return t;
      }
    }
    return this.fail(`BTF type ${t.id}`, `typedef/modifier chain longer than ${MAX_CHAIN}`);
  }

  /** Size in bytes, as sizeof() in C; undefined for void, functions and incomplete (fwd) types. */
  sizeofType(id: number, depth = 0): number | undefined {
    if (depth > MAX_CHAIN) this.fail(`BTF type ${id}`, `array/modifier chain longer than ${MAX_CHAIN}`);
    const t = this.resolve(id);
    switch (t.kind) {
      case 'int': case 'struct': case 'union': case 'enum': case 'enum64': case 'float': case 'datasec':
        return t.size;
      case 'ptr':
        return this.pointerSize;
      case 'array': {
        const e = this.sizeofType(t.type, depth + 1);
        return e === undefined ? undefined : e * t.nelems;
      }
      case 'var':
        return this.sizeofType(t.type, depth + 1);
      default:
        return undefined;
    }
  }

  /** sizeof by id or name ("task_struct", "struct list_head", "pid_t"); throws when unknown or incomplete. */
  sizeof(typeOrName: number | string): number {
    const id = this.idOf(typeOrName);
    return this.sizeofType(id) ?? this.fail(`BTF type ${typeOrName}`, 'has no size (void, function or incomplete type)');
  }

  /** C spelling of a type: "struct list_head *", "char[16]", "const char *", "pid_t". */
  typeName(id: number, depth = 0): string {
    if (depth > MAX_CHAIN) return '...';
    const t = this.type(id);
    switch (t.kind) {
      case 'void': return 'void';
      case 'int': case 'float': case 'typedef': return t.name;
      case 'struct': case 'union': return `${t.kind} ${t.name || '(anonymous)'}`;
      case 'enum': case 'enum64': return `enum ${t.name || '(anonymous)'}`;
      case 'fwd': return `${t.union ? 'union' : 'struct'} ${t.name}`;
      case 'ptr': {
        const target = this.type(t.type);
        if (target.kind === 'func_proto') return `${this.typeName(target.type, depth + 1)} (*)(${this.paramList(target, depth)})`;
        return `${this.typeName(t.type, depth + 1)} *`;
      }
      case 'array': {
        let dims = `[${t.nelems}]`;
        let elem = this.type(t.type);
        while (elem.kind === 'array' && depth++ < MAX_CHAIN) {
          dims += `[${elem.nelems}]`;
          elem = this.type(elem.type);
        }
        return `${this.typeName(elem.id, depth + 1)}${dims}`;
      }
      case 'const': case 'volatile': case 'restrict': return `${t.kind} ${this.typeName(t.type, depth + 1)}`;
      case 'type_tag': return this.typeName(t.type, depth + 1);
      case 'func_proto': return `${this.typeName(t.type, depth + 1)} (${this.paramList(t, depth)})`;
      case 'func': return t.name;
      case 'var': return this.typeName(t.type, depth + 1);
      case 'datasec': return `section ${t.name}`;
      case 'decl_tag': return this.typeName(t.type, depth + 1);
    }
  }

  private paramList(proto: Extract<BtfType, { kind: 'func_proto' }>, depth: number): string {
    return proto.params.map((q) => (q.type === 0 ? '...' : this.typeName(q.type, depth + 1))).join(', ');
  }

  /** A struct or union by name or id, with anonymous members flattened; undefined when absent. */
  struct(nameOrId: string | number): BtfStruct | undefined {
    let t: BtfType | undefined;
    if (typeof nameOrId === 'number') t = this.resolve(nameOrId);
    else {
      t = this.find(nameOrId);
      if (t && t.kind !== 'struct' && t.kind !== 'union') t = this.resolve(t.id);
    }
    if (!t || (t.kind !== 'struct' && t.kind !== 'union')) return undefined;
    let s = this.structs.get(t.id);
    if (!s) {
      const fields: BtfField[] = [];
      this.flatten(t, 0, 0, fields);
      const index = new Map(fields.map((f) => [f.name, f]));
      s = { id: t.id, name: t.name, kind: t.kind, size: t.size, fields, field: (n: string) => index.get(n) };
      this.structs.set(t.id, s);
    }
    return s;
  }

  private flatten(t: Extract<BtfType, { kind: 'struct' | 'union' }>, base: number, depth: number, out: BtfField[]): void {
    if (depth > MAX_CHAIN) this.fail(`BTF type ${t.id}`, `anonymous members nested deeper than ${MAX_CHAIN}`);
    for (const m of t.members) {
      if (m.name === '') {
        const inner = this.resolve(m.type);
        if (inner.kind === 'struct' || inner.kind === 'union') this.flatten(inner, base + m.bitOffset, depth + 1, out);
        continue; // unnamed bit-field padding
      }
      out.push({ ...this.member(m.type, base + m.bitOffset, m.bitfieldSize), name: m.name, depth });
    }
  }

  /** Field facts for a member of type `type` at `bitOffset`; legacy (no kind_flag) bit-fields are INTs with bits < size. */
  private member(type: number, bitOffset: number, bitfieldSize: number): Omit<BtfField, 'name' | 'depth'> {
    let bits = bitOffset;
    let bitSize: number | undefined = bitfieldSize || undefined;
    const r = this.resolve(type);
    if (!bitSize && r.kind === 'int' && r.bits !== r.size * 8) {
      bits += r.offset;
      bitSize = r.bits;
    }
    return { offset: Math.floor(bits / 8), bitOffset: bits, ...(bitSize ? { bitSize } : {}), size: this.sizeofType(type), type, typeName: this.typeName(type) };
  }

  /**
   * Resolves a member path: "pid", "tasks.next", "comm[3]", "se.avg.load_avg", through anonymous
   * members as C does. Throws IntrospectError naming the struct and the missing component.
   */
  field(structName: string | number, path: string): FieldPath {
    const s = this.struct(structName) ?? this.fail(`BTF struct ${structName}`, 'no struct or union of that name');
    const parts = path.split('.');
    let current: BtfStruct = s;
    let bitOffset = 0;
    let result: FieldPath | undefined;
    for (let i = 0; i < parts.length; i++) {
      const m = /^([A-Za-z_$][\w$]*)((?:\[\d+\])*)$/.exec(parts[i]);
      if (!m) this.fail(`BTF struct ${s.name}`, `bad field path '${path}'`);
      const f = current.field(m[1]) ?? this.fail(`BTF struct ${current.name || s.name}`, `no field '${m[1]}' (path '${path}')`);
      bitOffset += f.bitOffset;
      let type = f.type;
      let bitSize = f.bitSize;
      for (const idx of m[2].match(/\d+/g) ?? []) {
        const a = this.resolve(type);
        if (a.kind !== 'array') this.fail(`BTF struct ${s.name}`, `'${m[1]}' is not an array (path '${path}')`);
        const elem = this.sizeofType(a.type) ?? this.fail(`BTF struct ${s.name}`, `array '${m[1]}' has elements of unknown size`);
        bitOffset += Number(idx) * elem * 8;
        type = a.type;
        bitSize = undefined;
      }
      result = { bitOffset, ...(bitSize ? { bitSize } : {}), type, typeName: this.typeName(type), size: this.sizeofType(type) };
      if (i < parts.length - 1) {
        current = this.struct(type) ?? this.fail(`BTF struct ${s.name}`, `'${parts[i]}' is not a struct or union (path '${path}')`);
      }
    }
    return result!;
  }

  /** offsetof(struct, path) in bytes; throws for bit-fields and unknown paths. */
  offsetof(structName: string | number, path: string): number {
    const f = this.field(structName, path);
    if (f.bitSize !== undefined || f.bitOffset % 8 !== 0) this.fail(`BTF struct ${structName}`, `'${path}' is a bit-field`);
    return f.bitOffset / 8;
  }

  /** Enumerators of an enum (ENUM or ENUM64) by name. */
  enumValues(name: string): Map<string, number | bigint> | undefined {
    const t = this.find(name.startsWith('enum ') ? name : `enum ${name}`);
    if (!t || (t.kind !== 'enum' && t.kind !== 'enum64')) return undefined;
    return new Map<string, number | bigint>(t.values.map((v) => [v.name, v.value]));
  }

  /** The value of one enumerator, searched in every enum (enumerator names are unique in C). */
  enumerator(name: string): number | bigint | undefined {
    for (const t of this.types) {
      if (t.kind !== 'enum' && t.kind !== 'enum64') continue;
      for (const v of t.values) if (v.name === name) return v.value;
    }
    return undefined;
  }

  /** The named structs as profile layouts (core/profiles/types.ts); absent names are left out. */
  toStructLayouts(names: readonly string[]): Record<string, StructLayout> {
    const out: Record<string, StructLayout> = {};
    for (const name of names) {
      const s = this.struct(name);
      if (s) out[name.replace(/^(struct|union)\s+/, '')] = toStructLayout(s);
    }
    return out;
  }
}

export function toStructLayout(s: BtfStruct): StructLayout {
  const fields: Record<string, FieldLayout> = {};
  for (const f of s.fields) {
    const layout: FieldLayout = { offset: f.offset, type: f.typeName };
    if (f.size !== undefined) layout.size = f.size;
    if (f.bitSize !== undefined) {
      layout.bitOffset = f.bitOffset % 8;
      layout.bitSize = f.bitSize;
    }
    fields[f.name] = layout;
  }
  return { size: s.size, fields };
}
