import type { Constant, Field, FieldType, StringEncoding } from './ast.js';
import { type Expr, ExprSyntaxError, constValue, exprIdentifiers, parseExpr, parseNumberLiteral, unquote } from './expr.js';

/** Something that can stand for a sub-pattern: anything carrying parsed fields. */
export interface FieldSource {
  readonly fields: readonly Field[];
}

export interface ParseContext {
  /** Pattern name for error messages. */
  patternName: string;
  /** Values interpolated into a tagged template, referenced as $0, $1... in the joined text. */
  slots: readonly unknown[];
  /** Named values given to bitmatch(text, env): sub-patterns and primitive constants. */
  env: Readonly<Record<string, unknown>>;
  /** Named patterns registered with definePattern. */
  lookupNamed(name: string): FieldSource | undefined;
  isFieldSource(v: unknown): v is FieldSource;
}

export class PatternSyntaxError extends Error {
  constructor(pattern: string, where: string, message: string) {
    super(`bit pattern ${pattern}: ${where}: ${message}`);
    this.name = 'PatternSyntaxError';
  }
}

const OPEN = '([{';
const CLOSE = ')]}';

/** Removes `// ...` line comments and `/* ... *\/` block comments outside string literals. */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2);
      i = j < 0 ? text.length : j + 2;
      out += ' ';
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Splits on separator characters that are outside brackets and string literals. */
export function splitTop(text: string, isSep: (c: string) => boolean): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c)) depth--;
    else if (depth === 0 && isSep(c)) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  parts.push(text.slice(start));
  return parts;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SIZELESS_TYPES = new Set(['utf8', 'utf16', 'utf32']);
const QUALIFIER_WORDS = new Set([
  'bigendian', 'big', 'littleendian', 'little', 'nativeendian', 'native', 'signed', 'unsigned', 'int', 'integer',
  'string', 'bitstring', 'binary', 'bits', 'float', 'utf8', 'utf16', 'utf32',
]);
const QUALIFIER_CALLS = new Set(['endian', 'check', 'bind', 'save_offset_to', 'offset', 'unit', 'string']);

function qualifierWords(text: string): string[] {
  return splitTop(text, (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || c === ':')
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
}

function isQualifierWord(w: string): boolean {
  if (QUALIFIER_WORDS.has(w)) return true;
  const m = /^([A-Za-z_]+)\s*\(/.exec(w);
  return m !== null && QUALIFIER_CALLS.has(m[1]!) && w.endsWith(')');
}

/** Parses pattern text into fields, splicing named patterns. `bound` are names visible from outer scope. */
export function parsePattern(text: string, ctx: ParseContext): Field[] {
  const chunks = splitTop(stripComments(text), (c) => c === ',').map((c) => c.trim());
  // A chunk without a top-level ':' that is only qualifiers continues the previous field
  // (bitmatch style `x : 16 : littleendian, signed`).
  const merged: string[] = [];
  for (const chunk of chunks) {
    if (chunk === '') continue;
    const hasColon = splitTop(chunk, (c) => c === ':').length > 1;
    if (!hasColon && !chunk.startsWith('{') && merged.length > 0 && qualifierWords(chunk).every(isQualifierWord)) {
      merged[merged.length - 1] += ` : ${chunk}`;
    } else merged.push(chunk);
  }
  const fields: Field[] = [];
  const bound = new Set<string>();
  for (const chunk of merged) {
    for (const f of parseChunk(chunk, ctx)) {
      for (const n of boundNames(f)) {
        if (bound.has(n)) throw new PatternSyntaxError(ctx.patternName, chunk, `name ${n} is bound twice`);
        bound.add(n);
      }
      fields.push(f);
    }
  }
  resolveNames(fields, ctx, new Set());
  return fields;
}

export function boundNames(f: Field): string[] {
  const out: string[] = [];
  if (f.saveOffsetTo) out.push(f.saveOffsetTo);
  if (f.name) out.push(f.name);
  return out;
}

function cloneFields(fields: readonly Field[]): Field[] {
  return JSON.parse(JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? { $big: v.toString() } : v)), (_k, v: unknown) =>
    v !== null && typeof v === 'object' && '$big' in v ? BigInt((v as { $big: string }).$big) : v,
  ) as Field[];
}

function parseSlotIndex(s: string): number | undefined {
  const m = /^\$([0-9]+)$/.exec(s.trim());
  return m ? Number(m[1]) : undefined;
}

function subFields(spec: string, ctx: ParseContext, where: string): Field[] {
  const slotIdx = parseSlotIndex(spec);
  if (slotIdx !== undefined) {
    const v = ctx.slots[slotIdx];
    if (!ctx.isFieldSource(v)) throw new PatternSyntaxError(ctx.patternName, where, `\${} value is not a pattern`);
    return cloneFields(v.fields);
  }
  if (!spec.startsWith('{') || !spec.endsWith('}')) throw new PatternSyntaxError(ctx.patternName, where, 'expected { ... }');
  const inner = spec.slice(1, -1).trim();
  if (inner.startsWith(':')) {
    const name = inner.slice(1).trim();
    const envValue = ctx.env[name];
    const src = ctx.isFieldSource(envValue) ? envValue : ctx.lookupNamed(name);
    if (!src) throw new PatternSyntaxError(ctx.patternName, where, `no named pattern ${name} (give it in bitmatch's env or register it with definePattern)`);
    return cloneFields(src.fields);
  }
  const innerSlot = parseSlotIndex(inner);
  if (innerSlot !== undefined) return subFields(inner, ctx, where);
  return parsePattern(inner, ctx);
}

function parseChunk(chunk: string, ctx: ParseContext): Field[] {
  const fail = (msg: string): never => {
    throw new PatternSyntaxError(ctx.patternName, `field '${chunk.replace(/\s+/g, ' ')}'`, msg);
  };
  if (chunk.startsWith('{') || parseSlotIndex(chunk) !== undefined) return subFields(chunk, ctx, chunk);
  const parts = splitTop(chunk, (c) => c === ':').map((p) => p.trim());
  if (parts.length < 2) fail('expected name : size [: qualifiers]');
  const nameSpec = parts[0]!;
  let sizeSpec: string | null = parts[1]!;
  let qualText = parts.slice(2).join(' ');
  const sizeWords = qualifierWords(sizeSpec);
  if (sizeWords.length > 0 && sizeWords.every(isQualifierWord) && sizeWords.some((w) => SIZELESS_TYPES.has(w))) {
    qualText = `${sizeSpec} ${qualText}`;
    sizeSpec = null;
  }

  const field: Field = { name: null, text: chunk.replace(/\s+/g, ' '), type: 'int', size: null, rest: false, unit: 1, endian: 'big', signed: false, encoding: 'latin1' };
  let explicitType: FieldType | null = null;
  const slot = (i: number): Expr => {
    const v = ctx.slots[i];
    if (typeof v === 'number') return { k: 'num', v };
    if (typeof v === 'bigint') return { k: 'big', v: v.toString() };
    if (typeof v === 'string') return { k: 'str', v };
    if (typeof v === 'boolean') return { k: 'bool', v };
    return fail(`\${} value #${i} cannot be used in an expression`);
  };
  const expr = (src: string): Expr => {
    try {
      return parseExpr(src, slot);
    } catch (e) {
      if (e instanceof ExprSyntaxError) return fail(e.message);
      throw e;
    }
  };
  const setType = (t: FieldType): void => {
    if (explicitType !== null && explicitType !== t) fail(`conflicting types ${explicitType} and ${t}`);
    explicitType = t;
  };

  for (const w of qualifierWords(qualText)) {
    const call = /^([A-Za-z_]+)\s*\(([\s\S]*)\)$/.exec(w);
    const q = call ? call[1]! : w;
    const arg = call ? call[2]!.trim() : '';
    switch (q) {
      case 'bigendian': case 'big': field.endian = 'big'; break;
      case 'littleendian': case 'little': field.endian = 'little'; break;
      case 'nativeendian': case 'native': field.endian = 'native'; break;
      case 'endian': field.endian = { expr: expr(arg) }; break;
      case 'signed': field.signed = true; break;
      case 'unsigned': field.signed = false; break;
      case 'int': case 'integer': setType('int'); break;
      case 'string':
        setType('string');
        if (call) {
          const enc = arg.toLowerCase().replace(/[-_]/g, '');
          if (enc === 'latin1' || enc === 'utf8' || enc === 'utf16le' || enc === 'utf16be') field.encoding = enc as StringEncoding;
          else fail(`unknown string encoding ${arg} (latin1, utf8, utf16le, utf16be)`);
        }
        break;
      case 'bitstring': case 'binary': case 'bits': setType('bitstring'); break;
      case 'float': setType('float'); break;
      case 'utf8': case 'utf16': case 'utf32': setType(q); break;
      case 'check': field.check = expr(arg); break;
      case 'bind': field.bind = expr(arg); break;
      case 'save_offset_to':
        if (!IDENT.test(arg)) fail(`save_offset_to needs a name, got ${arg}`);
        field.saveOffsetTo = arg;
        break;
      case 'offset': field.offset = expr(arg); break;
      case 'unit': {
        const u = Number(arg);
        if (!Number.isInteger(u) || u < 1 || u > 256) fail(`unit(${arg}) must be 1..256`);
        field.unit = u;
        break;
      }
      default: fail(`unknown qualifier ${w}`);
    }
  }

  // Size.
  if (sizeSpec !== null) {
    const slotIdx = parseSlotIndex(sizeSpec);
    if (sizeSpec.startsWith('{') || (slotIdx !== undefined && ctx.isFieldSource(ctx.slots[slotIdx]))) {
      setType('record');
      field.fields = subFields(sizeSpec, ctx, field.text);
    } else if (sizeSpec.replace(/\s+/g, '') === '-1') field.rest = true;
    else field.size = expr(sizeSpec);
  }
  field.type = explicitType ?? 'int';

  // Name / constant.
  const arrayM = /^([A-Za-z_][A-Za-z0-9_]*)\s*\[([\s\S]*)\]$/.exec(nameSpec);
  if (nameSpec === '_') field.name = null;
  else if (IDENT.test(nameSpec)) field.name = nameSpec;
  else if (arrayM) {
    field.name = arrayM[1]!;
    const count = arrayM[2]!.trim();
    field.array = { count: count === '' || count === '*' ? null : expr(count) };
  } else field.constant = parseConstant(nameSpec, field, ctx, fail);

  validate(field, fail);
  return [field];
}

function encodeString(s: string, enc: StringEncoding): number[] {
  switch (enc) {
    case 'latin1':
      return [...s].map((c) => {
        const cp = c.codePointAt(0)!;
        if (cp > 255) throw new RangeError(`character ${c} is not Latin-1`);
        return cp;
      });
    case 'utf8':
      return [...new TextEncoder().encode(s)];
    case 'utf16le':
    case 'utf16be': {
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        if (enc === 'utf16le') out.push(u & 0xff, u >> 8);
        else out.push(u >> 8, u & 0xff);
      }
      return out;
    }
  }
}

export { encodeString };

function parseConstant(spec: string, field: Field, ctx: ParseContext, fail: (m: string) => never): Constant {
  const slotIdx = parseSlotIndex(spec);
  let value: unknown;
  if (slotIdx !== undefined) value = ctx.slots[slotIdx];
  else if ((spec.startsWith('"') && spec.endsWith('"')) || (spec.startsWith("'") && spec.endsWith("'"))) value = unquote(spec.slice(1, -1));
  else if (spec.startsWith('(') && spec.endsWith(')')) {
    const values = spec.slice(1, -1).split('|').map((s) => intLiteral(s.trim(), fail));
    return { kind: 'int', values };
  } else value = intLiteral(spec, fail);

  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isInteger(value)) fail(`constant ${value} is not an integer`);
    return { kind: 'int', values: [value] };
  }
  if (typeof value === 'string' || value instanceof Uint8Array) {
    if (field.type === 'int') field.type = 'string';
    if (field.type !== 'string' && field.type !== 'bitstring') fail('a string constant needs a string or bitstring field');
    let bytes: number[];
    try {
      bytes = typeof value === 'string' ? encodeString(value, field.encoding) : [...value];
    } catch (e) {
      return fail((e as Error).message);
    }
    return { kind: 'bytes', bytes, text: typeof value === 'string' ? JSON.stringify(value) : `<${bytes.length} bytes>` };
  }
  return fail(`unknown name or constant ${spec}${ctx.slots.length ? '' : ''}`);
}

function intLiteral(s: string, fail: (m: string) => never): number | bigint {
  const neg = s.startsWith('-');
  const v = parseNumberLiteral(neg ? s.slice(1).trim() : s);
  if (v === undefined) return fail(`expected a name, _, or a constant, got ${s}`);
  if (!neg) return v;
  return typeof v === 'bigint' ? -v : -v;
}

function validate(f: Field, fail: (m: string) => never): void {
  const size = f.size ? constValue(f.size) : undefined;
  const bits = typeof size === 'number' || typeof size === 'bigint' ? Number(size) * f.unit : undefined;
  if (bits !== undefined && (!Number.isSafeInteger(bits) || bits < 0)) fail(`size must be a non-negative integer, got ${String(size)}`);
  switch (f.type) {
    case 'int':
      if (f.size === null && !f.rest) fail('missing size');
      if (bits !== undefined && bits > 64 && (f.name !== null || f.constant)) fail(`integers are 0..64 bits wide, got ${bits} (use _ to skip, or bitstring)`);
      break;
    case 'float':
      if (f.size === null && !f.rest) fail('missing size');
      if (bits !== undefined && bits !== 16 && bits !== 32 && bits !== 64) fail(`floats are 16, 32 or 64 bits, got ${bits}`);
      break;
    case 'string':
      if (f.size === null && !f.rest) fail('missing size');
      if (bits !== undefined && bits % (f.encoding.startsWith('utf16') ? 16 : 8) !== 0) fail(`string size ${bits} is not a whole number of code units`);
      break;
    case 'bitstring':
      if (f.size === null && !f.rest) fail('missing size');
      break;
    case 'utf8': case 'utf16': case 'utf32':
      if (f.size !== null || f.rest) fail(`${f.type} code points have an implied size; write name : ${f.type}`);
      break;
    case 'record':
      break;
  }
  if (f.constant) {
    if (f.check || f.bind || f.array) fail('a constant cannot have check, bind or be an array');
    if (f.constant.kind === 'int' && f.type !== 'int') fail('integer constant on a non-integer field');
    if (f.constant.kind === 'bytes' && bits !== undefined && f.constant.bytes.length * 8 > bits) fail(`constant is ${f.constant.bytes.length * 8} bits, longer than the field (${bits})`);
  }
  if ((f.check || f.bind) && f.name === null) fail('check/bind need a named field');
  if (f.array && (f.check || f.bind)) fail('check/bind on arrays are not supported; check the elements afterwards');
}

/** Replaces identifiers naming env primitives by literals; rejects unknown names. */
function resolveNames(fields: Field[], ctx: ParseContext, outer: Set<string>): void {
  const visible = new Set(outer);
  const fix = (e: Expr | undefined, f: Field, self: boolean): Expr | undefined => {
    if (!e) return e;
    for (const name of exprIdentifiers(e)) {
      if (visible.has(name) || (self && name === f.name)) continue;
      const v = ctx.env[name];
      if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') continue;
      throw new PatternSyntaxError(ctx.patternName, `field '${f.text}'`, `${name} is not an earlier field${Object.keys(ctx.env).length ? ' or env value' : ''}`);
    }
    return substitute(e, (name) => (visible.has(name) || (self && name === f.name) ? undefined : ctx.env[name]));
  };
  for (const f of fields) {
    f.offset = fix(f.offset, f, false);
    if (f.saveOffsetTo) visible.add(f.saveOffsetTo);
    f.size = fix(f.size ?? undefined, f, false) ?? null;
    if (f.array?.count) f.array.count = fix(f.array.count, f, false)!;
    if (typeof f.endian === 'object') f.endian = { expr: fix(f.endian.expr, f, false)! };
    f.check = fix(f.check, f, true);
    f.bind = fix(f.bind, f, true);
    if (f.fields) resolveNames(f.fields, ctx, new Set());
    if (f.name) visible.add(f.name);
  }
}

function substitute(e: Expr, value: (name: string) => unknown): Expr {
  const s = (x: Expr): Expr => substitute(x, value);
  switch (e.k) {
    case 'id': {
      const v = value(e.name);
      if (typeof v === 'number') return { k: 'num', v };
      if (typeof v === 'bigint') return { k: 'big', v: v.toString() };
      if (typeof v === 'string') return { k: 'str', v };
      if (typeof v === 'boolean') return { k: 'bool', v };
      return e;
    }
    case 'un': return { ...e, a: s(e.a) };
    case 'bin': return { ...e, a: s(e.a), b: s(e.b) };
    case 'cond': return { k: 'cond', c: s(e.c), a: s(e.a), b: s(e.b) };
    case 'call': return { ...e, args: e.args.map(s) };
    case 'mem': return { ...e, a: s(e.a) };
    default: return e;
  }
}
