// Profile <-> ISF. An ISF (Volatility 3 Intermediate Symbol Format, e.g. from dwarf2json) becomes a
// linux-kernel profile of the same shape as one made from BTF (image-profile/from-btf.ts): the views'
// structs and fields (image-profile/needs.ts), link-time symbols, the banner as signature. A profile
// becomes an ISF with the layouts it has: types it only names (typedefs such as pid_t, structs it
// does not lay out) become base types or empty structs of the size it records.
import { basename } from 'node:path';
import { IntrospectError, UsageError } from '../../../core/errors.js';
import type { FieldLayout, Profile, StructLayout } from '../../../core/profiles/types.js';
import { normalizeArch } from '../../../core/profiles/validate.js';
import { escapeRegExp, releaseRange } from '../image-profile/from-btf.js';
import { VIEW_STRUCTS, VIEW_SYMBOLS } from '../image-profile/needs.js';
import { descriptorSize, descriptorToC, parseCType, type ParsedCType } from './ctype.js';
import { KNOWN_SYMBOL_TYPES } from './from-btf.js';
import { parseJsonBig } from './json.js';
import { ISF_FORMAT, type IsfBaseType, type IsfDocument, type IsfField, type IsfTypeDescriptor } from './types.js';

/** Symbols kept on import beyond the views' list (page tables, BTF bounds, what Volatility's ASLR search reads). */
export const IMPORT_EXTRA_SYMBOLS = ['__start_BTF', '__stop_BTF', 'swapper_pg_dir', 'init_top_pgt', 'init_level4_pgt', 'page_offset_base', 'init_mm', 'init_files'];

/** Checks the top level of an ISF document (the schema's required keys) and returns it typed. */
export function readIsf(text: string, file: string): IsfDocument {
  const raw = parseJsonBig(text, file);
  const fail = (path: string, reason: string): never => {
    throw new IntrospectError({ file, structure: `ISF ${path}`, reason });
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('$', 'expected an object');
  for (const key of ['metadata', 'base_types', 'user_types', 'enums', 'symbols']) {
    const v = (raw as Record<string, unknown>)[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`$.${key}`, v === undefined ? 'missing (an ISF document has metadata, base_types, user_types, enums and symbols)' : 'expected an object');
  }
  const doc = raw as unknown as IsfDocument;
  for (const [name, u] of Object.entries(doc.user_types)) {
    if (typeof u.size !== 'number' || typeof u.fields !== 'object' || u.fields === null) fail(`$.user_types.${name}`, 'expected {kind, size, fields}');
    for (const [fname, f] of Object.entries(u.fields)) {
      if (typeof f.offset !== 'number' || typeof f.type !== 'object' || f.type === null) fail(`$.user_types.${name}.fields.${fname}`, 'expected {type, offset}');
    }
  }
  for (const [name, s] of Object.entries(doc.symbols)) {
    if (typeof s.address !== 'number' && typeof s.address !== 'bigint') fail(`$.symbols.${name}.address`, 'expected a number');
  }
  return doc;
}

/** The banner an ISF carries in linux_banner's constant_data (what Volatility matches), without "\n\0". */
export function isfBanner(doc: IsfDocument): string | undefined {
  const data = doc.symbols.linux_banner?.constant_data;
  if (!data) return undefined;
  const text = Buffer.from(data, 'base64').toString('latin1');
  return text.replace(/\0+$/, '').replace(/\n$/, '');
}

/** Fields of a user type with anonymous members flattened into it (as the BTF reader does). */
function flatFields(doc: IsfDocument, name: string, base: number, out: Record<string, FieldLayout>, depth = 0): void {
  const u = doc.user_types[name];
  if (!u || depth > 64) return;
  for (const [fname, f] of Object.entries(u.fields)) {
    const inner = f.type;
    if (f.anonymous && (inner.kind === 'struct' || inner.kind === 'union' || inner.kind === 'class')) {
      flatFields(doc, inner.name, base + f.offset, out, depth + 1);
      continue;
    }
    out[fname] = fieldLayout(doc, f, base);
  }
}

function fieldLayout(doc: IsfDocument, f: IsfField, base: number): FieldLayout {
  const t = f.type;
  const size = descriptorSize(doc, t);
  if (t.kind === 'bitfield') {
    const bit = (base + f.offset) * 8 + t.bit_position;
    return { offset: Math.floor(bit / 8), type: descriptorToC(t), ...(size !== undefined ? { size } : {}), bitOffset: bit % 8, bitSize: t.bit_length };
  }
  return { offset: base + f.offset, type: descriptorToC(t), ...(size !== undefined ? { size } : {}) };
}

export interface ImportIsfOptions {
  file: string;
  name?: string;
  release?: string;
  arch?: string;
  /** Every user type and symbol, not only the views' ones. */
  all?: boolean;
}

export function profileFromIsf(doc: IsfDocument, options: ImportIsfOptions): Profile {
  const banner = isfBanner(doc);
  const release = options.release ?? banner?.match(/^Linux version (\S+)/)?.[1];
  if (!release) throw new UsageError(`import-isf: ${options.file} has no linux_banner constant_data to take the release from; give --release`);
  const pointer = doc.base_types.pointer?.size;
  const archText = options.arch ?? guessArch(doc, pointer);
  if (!archText) throw new UsageError(`import-isf: the architecture of ${options.file} is unknown; give --arch`);
  const arch = normalizeArch(archText) ?? (() => { throw new UsageError(`import-isf: unknown architecture "${archText}"`); })();

  const structs: Record<string, StructLayout> = {};
  const wanted: [string, readonly string[] | undefined][] = options.all ? Object.keys(doc.user_types).map((n) => [n, undefined]) : Object.entries(VIEW_STRUCTS);
  for (const [name, fields] of wanted) {
    const u = doc.user_types[name];
    if (!u) continue;
    const all: Record<string, FieldLayout> = {};
    flatFields(doc, name, 0, all);
    const kept: Record<string, FieldLayout> = {};
    for (const f of fields ?? Object.keys(all)) if (all[f]) kept[f] = all[f];
    structs[name] = { size: u.size, fields: kept };
  }
  const symbols: Record<string, string> = {};
  for (const name of options.all ? Object.keys(doc.symbols) : [...VIEW_SYMBOLS, ...IMPORT_EXTRA_SYMBOLS]) {
    const s = doc.symbols[name];
    if (s) symbols[name] = '0x' + BigInt(s.address).toString(16);
  }
  const facts: Record<string, number> = {};
  for (const name of ['task_struct', 'printk_info', 'net_device']) if (structs[name]) facts[`sizeof(${name})`] = structs[name].size;
  return {
    kind: 'linux-kernel',
    name: options.name ?? `isf-${release}`,
    description: `${release} (${arch}): imported from the Volatility 3 ISF ${basename(options.file)}`,
    versions: releaseRange(release),
    arch,
    signature: { ...(banner ? { banner: `^${escapeRegExp(banner.trim())}$` } : { banner: `^Linux version ${escapeRegExp(release)} ` }), facts },
    data: { structs, ...(Object.keys(symbols).length ? { symbols } : {}) },
    meta: {
      release,
      symbolAddresses: 'link-time',
      generatedBy: `introspect profile import-isf ${basename(options.file)}`,
      isfProducer: doc.metadata.producer,
      isfFormat: doc.metadata.format,
      ...(banner ? { banner } : {}),
    },
  };
}

function guessArch(doc: IsfDocument, pointer: number | undefined): string | undefined {
  if (pointer === 4) return 'i386';
  if (pointer !== 8) return undefined;
  if (doc.symbols.init_top_pgt || doc.symbols.init_level4_pgt) return 'x86_64';
  // Kernel image symbols: x86_64 links at __START_KERNEL_map (0xffffffff80000000+), arm64 at KIMAGE_VADDR (0xffff8000........).
  const at = (['init_task', '_text', '_stext', 'linux_banner', 'init_uts_ns'] as const).map((n) => doc.symbols[n]?.address).find((a) => a !== undefined);
  if (at !== undefined && BigInt(at) >= 0xffffffff80000000n) return 'x86_64';
  if (at !== undefined && BigInt(at) >= 0xffff000000000000n) return 'aarch64';
  return undefined;
}

const C_BASE_SIZES: Record<string, number> = {
  char: 1, 'signed char': 1, 'unsigned char': 1, _Bool: 1, bool: 1,
  'short int': 2, 'short unsigned int': 2, short: 2, 'unsigned short': 2,
  int: 4, 'unsigned int': 4, unsigned: 4, float: 4,
  'long long int': 8, 'long long unsigned int': 8, 'long long': 8, 'unsigned long long': 8, double: 8,
};

function baseSize(name: string, pointerSize: number): number | undefined {
  if (name in C_BASE_SIZES) return C_BASE_SIZES[name];
  if (name === 'long int' || name === 'long unsigned int' || name === 'long' || name === 'unsigned long') return pointerSize;
  const bits = /^(?:__)?(?:[us]|be|le)(8|16|32|64)$/.exec(name);
  return bits ? Number(bits[1]) / 8 : undefined;
}

function baseKind(name: string): IsfBaseType['kind'] {
  return name === '_Bool' || name === 'bool' ? 'bool' : /char$/.test(name) ? 'char' : name === 'float' || name === 'double' ? 'float' : 'int';
}

export interface IsfFromProfileOptions {
  producer?: { name: string; version: string };
}

/** A profile as an ISF document (see the module comment for what is lost). */
export function isfFromProfile(profile: Profile, options: IsfFromProfileOptions = {}): IsfDocument {
  if (profile.kind !== 'linux-kernel') throw new UsageError(`export-isf: ${profile.name} is a ${profile.kind} profile; ISF describes kernels`);
  const pointerSize = profile.arch === 'i386' || profile.arch === 'arm' ? 4 : 8;
  const endian = 'little';
  const doc: IsfDocument = {
    metadata: { format: ISF_FORMAT, producer: options.producer ?? { name: 'introspect', version: '0.1.0' } },
    base_types: { void: { size: 0, signed: false, kind: 'void', endian }, pointer: { size: pointerSize, signed: false, kind: 'int', endian } },
    user_types: {},
    enums: {},
    symbols: {},
  };
  const structs = profile.data.structs ?? {};
  for (const [name, s] of Object.entries(structs)) doc.user_types[name] = { kind: 'struct', size: s.size, fields: {} };
  // Sizes a type name gets from the fields that use it directly (for typedef names profiles keep).
  const sizeHint = new Map<string, number>();
  for (const s of Object.values(structs)) {
    for (const f of Object.values(s.fields)) {
      if (f.type === undefined || f.size === undefined) continue;
      let t = parseCType(f.type);
      let size = f.size;
      while (t.kind === 'array' && t.count > 0) {
        size /= t.count;
        t = t.of;
      }
      const key = t.kind === 'base' ? t.name : t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' ? `${t.kind} ${t.name}` : undefined;
      if (key && !sizeHint.has(key) && Number.isInteger(size)) sizeHint.set(key, size);
    }
  }
  const toDescriptor = (t: ParsedCType): IsfTypeDescriptor => {
    switch (t.kind) {
      case 'pointer': return { kind: 'pointer', subtype: toDescriptor(t.to) };
      case 'array': return { kind: 'array', count: t.count, subtype: toDescriptor(t.of) };
      case 'function': return { kind: 'function' };
      case 'enum': {
        const name = t.name === '(anonymous)' ? '__anon_enum' : t.name;
        const size = sizeHint.get(`enum ${t.name}`) ?? 4;
        if (!doc.enums[name]) {
          const base = size === 8 ? 'long long unsigned int' : size === 2 ? 'short unsigned int' : size === 1 ? 'unsigned char' : 'unsigned int';
          if (!doc.base_types[base]) doc.base_types[base] = { size, signed: false, kind: base === 'unsigned char' ? 'char' : 'int', endian };
          doc.enums[name] = { size, base, constants: {} };
        }
        return { kind: 'enum', name };
      }
      case 'struct': case 'union': {
        const name = t.name === '(anonymous)' ? `__anon_${t.kind}` : t.name;
        if (!doc.user_types[name]) doc.user_types[name] = { kind: t.kind, size: sizeHint.get(`${t.kind} ${t.name}`) ?? 0, fields: {} };
        return { kind: t.kind, name };
      }
      case 'base': {
        if (t.name === 'void') return { kind: 'base', name: 'void' };
        if (!doc.base_types[t.name]) {
          const size = baseSize(t.name, pointerSize) ?? sizeHint.get(t.name) ?? pointerSize;
          doc.base_types[t.name] = { size, signed: !/unsigned|^u|^__u|^_Bool$|^bool$/.test(t.name) && !/^__(be|le)/.test(t.name), kind: baseKind(t.name), endian };
        }
        return { kind: 'base', name: t.name };
      }
    }
  };
  for (const [name, s] of Object.entries(structs)) {
    const user = doc.user_types[name];
    for (const [fname, f] of Object.entries(s.fields)) {
      const type = toDescriptor(parseCType(f.type ?? (f.size === 1 ? 'unsigned char' : f.size === 2 ? 'short unsigned int' : f.size === 8 ? 'long long unsigned int' : 'unsigned int')));
      if (f.bitSize !== undefined) {
        const unit = (f.size ?? 4) * 8;
        const bit = f.offset * 8 + (f.bitOffset ?? 0);
        const offset = Math.floor(bit / unit) * (unit / 8);
        const inner = type.kind === 'base' || type.kind === 'enum' ? type : ({ kind: 'base', name: 'unsigned int' } as const);
        user.fields[fname] = { type: { kind: 'bitfield', bit_position: bit - offset * 8, bit_length: f.bitSize, type: inner }, offset };
      } else {
        user.fields[fname] = { type, offset: f.offset };
      }
    }
  }
  const runtime = (profile.meta as { symbolAddresses?: string } | undefined)?.symbolAddresses === 'runtime';
  const shift = runtime ? BigInt(String((profile.meta as { virtualShift?: string }).virtualShift ?? '0')) : 0n;
  for (const [name, value] of Object.entries(profile.data.symbols ?? {})) {
    const address = BigInt(value) - shift;
    doc.symbols[name] = { address: address <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(address) : address };
    const type = KNOWN_SYMBOL_TYPES[name];
    if (type && (type.kind !== 'struct' || (doc.user_types[type.name]?.size ?? 0) > 0)) doc.symbols[name].type = type;
  }
  const banner = profileBanner(profile);
  if (banner !== undefined && doc.symbols.linux_banner) {
    const bytes = Buffer.from(banner + '\n\0', 'latin1');
    doc.symbols.linux_banner.constant_data = bytes.toString('base64');
    doc.symbols.linux_banner.type = { kind: 'array', count: bytes.length, subtype: { kind: 'base', name: 'char' } };
    if (!doc.base_types.char) doc.base_types.char = { size: 1, signed: true, kind: 'char', endian };
  }
  return doc;
}

/** The exact banner a profile knows: meta.banner, else an exact "^...$" signature regex unescaped. */
export function profileBanner(profile: Profile): string | undefined {
  const meta = profile.meta as { banner?: unknown } | undefined;
  if (typeof meta?.banner === 'string') return meta.banner;
  const m = /^\^(.*)\$$/.exec(profile.signature?.banner ?? '');
  if (!m) return undefined;
  const text = m[1].replace(/\\(.)/g, '$1');
  return escapeRegExp(text) === m[1] ? text : undefined;
}
