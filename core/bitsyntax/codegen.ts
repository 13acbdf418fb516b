/**
 * Compiles parsed fields into the source of a specialised JS matcher. The same source is used by
 * `new Function` at runtime and written verbatim into ahead-of-time modules.
 *
 * The generated closure takes the helper object `H` and returns `{ m, e }`: `m(b, base, end, org)`
 * matches at absolute bit position `base` of byte array `b` (bits up to `end` are available) and
 * returns the record or undefined (failure details in H.F); `e()` is the bit position after the last
 * successful match.
 *
 * Two variants are generated per pattern: one assuming `base` is byte-aligned (constant-offset byte
 * arithmetic: `b[o + 12] | b[o + 13] << 8`), one for any bit position (helper reads); `m`
 * dispatches on `base % 8`. A run of fixed-size fields is length-checked once.
 */
import type { Field } from './ast.js';
import { type Expr, constValue, emitExpr } from './expr.js';

const ENC: Record<string, number> = { latin1: 0, utf8: 1, utf16le: 2, utf16be: 3 };

/** Fields in pre-order (sub-record fields after their parent): ids used in failure records. */
export function flattenFields(fields: readonly Field[], out: Field[] = []): Field[] {
  for (const f of fields) {
    out.push(f);
    if (f.fields) flattenFields(f.fields, out);
  }
  return out;
}

/** Static size in bits, or undefined when it depends on data. */
export function staticBits(f: Field): number | undefined {
  if (f.rest || f.size === null) return undefined;
  const v = constValue(f.size);
  if (typeof v === 'number') return v * f.unit;
  if (typeof v === 'bigint') return Number(v) * f.unit;
  return undefined;
}

/** `_ : n`: skipped without reading. */
function isSkip(f: Field): boolean {
  return f.name === null && !f.constant;
}

function isScalar(f: Field): boolean {
  return f.type !== 'record' && f.type !== 'utf8' && f.type !== 'utf16' && f.type !== 'utf32';
}

/** A field at a position that needs no data-dependent work before reading it. */
function isStaticScalar(f: Field): boolean {
  return isScalar(f) && !f.array && !f.offset && staticBits(f) !== undefined;
}

/** Static size of a whole pattern (records and fixed-count arrays included), else undefined. */
export function patternBits(fields: readonly Field[]): number | undefined {
  let total = 0;
  for (const f of fields) {
    if (f.offset || f.rest) return undefined;
    let one: number | undefined;
    if (f.type === 'record') one = patternBits(f.fields!);
    else if (isScalar(f)) one = staticBits(f);
    if (one === undefined) return undefined;
    if (f.array) {
      const c = f.array.count ? constValue(f.array.count) : undefined;
      if (typeof c !== 'number') return undefined;
      one *= c;
    }
    total += one;
  }
  return total;
}

/** Static size of a sub-record whose fields are all fixed-size scalars, else undefined. */
function recordBits(fields: readonly Field[]): number | undefined {
  let total = 0;
  for (const f of fields) {
    if (!isStaticScalar(f)) return undefined;
    total += staticBits(f)!;
  }
  return total;
}

/** True when the field's size is provably a multiple of 8 bits. */
function sizeMultipleOf8(f: Field): boolean {
  if (f.unit % 8 === 0) return true;
  if (f.type === 'string') return true; // enforced at runtime
  const s = staticBits(f);
  if (s !== undefined) return s % 8 === 0;
  if (f.size === null || f.rest) return false;
  return exprMultipleOf8(f.size);
}

function exprMultipleOf8(e: Expr): boolean {
  if (e.k === 'num') return e.v % 8 === 0;
  if (e.k === 'bin' && e.op === '*') return exprMultipleOf8(e.a) || exprMultipleOf8(e.b);
  if (e.k === 'bin' && (e.op === '+' || e.op === '-')) return exprMultipleOf8(e.a) && exprMultipleOf8(e.b);
  if (e.k === 'bin' && e.op === '<<' && e.b.k === 'num') return e.b.v >= 3 || exprMultipleOf8(e.a);
  return false;
}

/** Position = var + k bits; `byteVar` holds var / 8 when var is known to be byte-aligned. */
interface Pos {
  v: string;
  k: number;
  byteVar: string | null;
}

interface Ctx {
  fieldId: Map<Field, number>;
  fns: string[];
  consts: string[];
  counter: number;
}

const id = (name: string): string => `f_${name}`;

function posExpr(p: Pos): string {
  return p.k === 0 ? p.v : `${p.v} + ${p.k}`;
}

function byteAt(p: Pos, extraBits = 0): string | null {
  const k = p.k + extraBits;
  if (p.byteVar === null || k % 8 !== 0) return null;
  return k === 0 ? p.byteVar : `${p.byteVar} + ${k / 8}`;
}

function idx(base: string, j: number): string {
  const m = /^(\w+) \+ (\d+)$/.exec(base);
  if (m) return `b[${m[1]} + ${Number(m[2]) + j}]`;
  if (j === 0) return `b[${base}]`;
  return `b[${base} + ${j}]`;
}

/** Unsigned big-endian read of `count` (1..4) whole bytes starting at byte index expression `at`. */
function bytesBE(at: string, count: number, order: number[]): string {
  const parts = order.map((j) => idx(at, j));
  if (count === 1) return parts[0]!;
  if (count === 2) return `(${parts[0]} << 8 | ${parts[1]})`;
  if (count === 3) return `(${parts[0]} << 16 | ${parts[1]} << 8 | ${parts[2]})`;
  return `(${parts[0]} * 16777216 + (${parts[1]} << 16 | ${parts[2]} << 8 | ${parts[3]}))`;
}

function signedBytes(at: string, count: number, order: number[]): string {
  const parts = order.map((j) => idx(at, j));
  if (count === 1) return `(${parts[0]} << 24 >> 24)`;
  if (count === 2) return `((${parts[0]} << 8 | ${parts[1]}) << 16 >> 16)`;
  if (count === 3) return `((${parts[0]} << 16 | ${parts[1]} << 8 | ${parts[2]}) << 8 >> 8)`;
  return `(${parts[0]} << 24 | ${parts[1]} << 16 | ${parts[2]} << 8 | ${parts[3]})`;
}

function range(from: number, n: number, reverse: boolean): number[] {
  const r = Array.from({ length: n }, (_v, j) => from + j);
  return reverse ? r.reverse() : r;
}

/** Integer read with static width n and static endianness. */
function intCode(p: Pos, n: number, le: boolean, signed: boolean): string {
  if (n === 0) return '0';
  const at = byteAt(p);
  if (at !== null && n % 8 === 0) {
    const nb = n / 8;
    if (nb <= 4) return signed ? signedBytes(at, nb, range(0, nb, le)) : bytesBE(at, nb, range(0, nb, le));
    // 40..64 bits: high part (nb - 4 bytes) and low 32 bits.
    const hiBytes = nb - 4;
    const hi = le ? bytesBE(at, hiBytes, range(4, hiBytes, true)) : bytesBE(at, hiBytes, range(0, hiBytes, false));
    const lo = le ? bytesBE(at, 4, range(0, 4, true)) : bytesBE(at, 4, range(hiBytes, 4, false));
    if (n <= 53) {
      const v = `(${hi} * 4294967296 + ${lo})`;
      return signed ? `H.sx(${v}, ${n})` : v;
    }
    const v = `H.big2(${hi}, ${lo})`;
    return signed ? `BigInt.asIntN(${n}, ${v})` : v;
  }
  const pe = posExpr(p);
  if (!le && p.byteVar !== null && n <= 32) {
    const sh = p.k % 8;
    const span = Math.ceil((sh + n) / 8);
    if (span <= 4) {
      const first = byteAt({ ...p, k: p.k - sh })!;
      const acc = bytesBE(first, span, range(0, span, false));
      const drop = span * 8 - sh - n;
      let v = drop === 0 ? acc : `(${acc} >>> ${drop})`;
      if (n < 32) v = `(${v} & ${2 ** n - 1})`;
      else v = `(${v} >>> 0)`;
      return signed && n < 32 ? `(${v} << ${32 - n} >> ${32 - n})` : signed ? `(${v} | 0)` : v;
    }
  }
  if (n <= 32 && !le) return signed ? `H.sx(H.rb(b, ${pe}, ${n}), ${n})` : `H.rb(b, ${pe}, ${n})`;
  if (n <= 53) {
    const v = le ? `H.rle(b, ${pe}, ${n})` : `H.rnum(b, ${pe}, ${n})`;
    return signed ? `H.sx(${v}, ${n})` : v;
  }
  const v = le ? `H.rlebig(b, ${pe}, ${n})` : `H.rbig(b, ${pe}, ${n})`;
  return signed ? `BigInt.asIntN(${n}, ${v})` : v;
}

function floatCode(p: Pos, n: number, le: boolean): string {
  const at = byteAt(p);
  if (at !== null && n === 32) return `H.f32(b, ${at}, ${le})`;
  if (at !== null && n === 64) return `H.f64(b, ${at}, ${le})`;
  return `H.flt(b, ${posExpr(p)}, ${n}, ${le})`;
}

/** Code choosing between little- and big-endian forms of a read. */
function endianCode(f: Field, leVar: string | null, make: (le: boolean) => string): string {
  if (f.endian === 'big') return make(false);
  if (f.endian === 'little') return make(true);
  const cond = f.endian === 'native' ? 'NLE' : leVar!;
  const a = make(true);
  const b = make(false);
  return a === b ? a : `(${cond} ? ${a} : ${b})`;
}

function literal(v: number | bigint, n: number | undefined): string {
  if (n !== undefined && n > 53) return `${BigInt(v)}n`;
  if (n === undefined) return typeof v === 'bigint' ? `${v}n` : String(v);
  return String(Number(v));
}

class FnGen {
  lines: string[] = [];
  pos: Pos;
  temp = 0;
  outNames: string[] = [];

  constructor(readonly ctx: Ctx, readonly aligned: boolean) {
    this.pos = { v: 'base', k: 0, byteVar: aligned ? 'o' : null };
  }

  emit(s: string): void {
    this.lines.push(`  ${s}`);
  }

  fid(f: Field): number {
    return this.ctx.fieldId.get(f)!;
  }

  /** True when the current position is known to be on a byte boundary. */
  alignedHere(): boolean {
    return this.pos.byteVar !== null && this.pos.k % 8 === 0;
  }

  /** Moves the position into the variable p (after a data-dependent step). */
  advance(expr: string, aligned: boolean): void {
    this.emit(`p = ${expr};`);
    if (aligned) this.emit('q = p / 8;');
    this.pos = { v: 'p', k: 0, byteVar: aligned ? 'q' : null };
  }

  /** One length check for the run of fixed-size fields starting at fields[i]. */
  runCheck(fields: readonly Field[], i: number): void {
    const table: number[] = [];
    let total = 0;
    for (let j = i; j < fields.length && isStaticScalar(fields[j]!); j++) {
      const bits = staticBits(fields[j]!)!;
      table.push(this.fid(fields[j]!), total, bits);
      total += bits;
    }
    if (total === 0) return;
    const t = `T${this.ctx.consts.length}`;
    this.ctx.consts.push(`const ${t} = [${table.join(', ')}];`);
    const start = posExpr(this.pos);
    this.emit(`if (${start} + ${total} > end) return H.short(${t}, ${start}, end);`);
  }

  field(f: Field): void {
    const fid = this.fid(f);
    if (f.offset) {
      const off = constValue(f.offset);
      if (typeof off === 'number') {
        this.emit(`if (base + ${off} > end) return H.fail(${fid}, 7, base, ${off}, end);`);
        this.pos = { v: 'base', k: off, byteVar: this.aligned ? 'o' : null };
      } else {
        const t = `t${this.temp++}`;
        this.emit(`const ${t} = Number(${this.expr(f.offset)});`);
        this.emit(`if (!(${t} >= 0 && ${t} % 1 === 0 && base + ${t} <= end)) return H.fail(${fid}, 7, base, ${t}, end);`);
        this.advance(`base + ${t}`, false);
      }
      const moved = { ...f, offset: undefined };
      this.ctx.fieldId.set(moved, fid);
      if (isStaticScalar(moved)) this.runCheck([moved], 0);
    }
    if (f.saveOffsetTo) {
      this.emit(`const ${id(f.saveOffsetTo)} = ${posExpr(this.pos)} - base;`);
      this.outNames.push(f.saveOffsetTo);
    }

    let leVar: string | null = null;
    if (typeof f.endian === 'object') {
      const e = `e${this.temp++}`;
      leVar = `le${this.temp++}`;
      this.emit(`const ${e} = ${this.expr(f.endian.expr)};`);
      this.emit(`if (${e} !== 'big' && ${e} !== 'little' && ${e} !== 'native') return H.fail(${fid}, 4, ${posExpr(this.pos)}, ${e}, end);`);
      this.emit(`const ${leVar} = ${e} === 'little' || (${e} === 'native' && NLE);`);
    }

    if (f.array) return this.arrayField(f, leVar);
    if (f.type === 'record') return this.recordField(f);
    if (f.type === 'utf8' || f.type === 'utf16' || f.type === 'utf32') return this.codePointField(f, leVar);

    const bits = staticBits(f);
    let sizeVar: string | null = null;
    const start = posExpr(this.pos);
    if (bits === undefined) {
      sizeVar = `s${this.temp++}`;
      if (f.rest) this.emit(`const ${sizeVar} = end - (${start});`);
      else this.emit(`const ${sizeVar} = Number(${this.expr(f.size!)})${f.unit !== 1 ? ` * ${f.unit}` : ''};`);
      const valid = [`${sizeVar} >= 0`, `${sizeVar} % 1 === 0`];
      if (f.type === 'int' && !isSkip(f)) valid.push(`${sizeVar} <= 64`);
      if (f.type === 'float') valid.push(`(${sizeVar} === 16 || ${sizeVar} === 32 || ${sizeVar} === 64)`);
      if (f.type === 'string') valid.push(`${sizeVar} % ${f.encoding.startsWith('utf16') ? 16 : 8} === 0`);
      this.emit(`if (!(${valid.join(' && ')})) return H.fail(${fid}, 3, ${start}, ${sizeVar}, end);`);
      this.emit(`if (${start} + ${sizeVar} > end) return H.fail(${fid}, 0, ${start}, ${sizeVar}, end);`);
    }
    if (!isSkip(f)) this.bindValue(f, this.scalarRead(f, this.pos, bits, sizeVar, leVar), start, bits, sizeVar);
    if (bits !== undefined) this.pos = { ...this.pos, k: this.pos.k + bits };
    else this.advance(`${start} + ${sizeVar}`, this.alignedHere() && sizeMultipleOf8(f));
  }

  scalarRead(f: Field, p: Pos, bits: number | undefined, sizeVar: string | null, leVar: string | null): string {
    const pe = posExpr(p);
    if (f.type === 'bitstring') return `new BS(b, ${pe}, ${bits ?? sizeVar}, org)`;
    if (f.type === 'string') {
      const at = byteAt(p);
      const nbytes = bits !== undefined ? String(bits / 8) : `${sizeVar} / 8`;
      if (at !== null) {
        switch (f.encoding) {
          case 'latin1': return `H.latin1(b, ${at}, ${nbytes})`;
          case 'utf8': return `H.utf8(b, ${at}, ${nbytes})`;
          case 'utf16le': return `H.utf16(b, ${at}, ${nbytes}, true)`;
          case 'utf16be': return `H.utf16(b, ${at}, ${nbytes}, false)`;
        }
      }
      return `H.str(b, ${pe}, ${bits ?? sizeVar}, ${ENC[f.encoding]})`;
    }
    if (f.type === 'float') {
      if (bits !== undefined) return endianCode(f, leVar, (le) => floatCode(p, bits, le));
      return endianCode(f, leVar, (le) => `H.flt(b, ${pe}, ${sizeVar}, ${le})`);
    }
    if (bits !== undefined) return endianCode(f, leVar, (le) => intCode(p, bits, le, f.signed));
    return endianCode(f, leVar, (le) => `H.uint(b, ${pe}, ${sizeVar}, ${le}, ${f.signed})`);
  }

  /** Binds a read value: constant comparison, or a named local with check/bind. */
  bindValue(f: Field, value: string, start: string, bits: number | undefined, sizeVar: string | null = null): void {
    const fid = this.fid(f);
    if (f.constant) {
      if (f.constant.kind === 'int') {
        const t = `t${this.temp++}`;
        this.emit(`const ${t} = ${value};`);
        const test = f.constant.values.map((c) => (bits === undefined ? `${t} != ${literal(c, undefined)}` : `${t} !== ${literal(c, bits)}`)).join(' && ');
        this.emit(`if (${test}) return H.fail(${fid}, 1, ${start}, ${t}, end);`);
      } else {
        const bytes = f.constant.bytes;
        const at = byteAt(this.pos);
        const sizeExpr = bits !== undefined ? String(bits) : sizeVar ?? String(bytes.length * 8);
        let test: string;
        if (at !== null && bits !== undefined && bits === bytes.length * 8 && bytes.length <= 16) {
          test = bytes.map((c, j) => `${idx(at, j)} !== ${c}`).join(' || ') || 'false';
        } else {
          const c = `C${this.ctx.consts.length}`;
          this.ctx.consts.push(`const ${c} = [${bytes.join(', ')}];`);
          test = `!H.eqb(b, ${start}, ${sizeExpr}, ${c})`;
        }
        this.emit(`if (${test}) return H.fail(${fid}, 1, ${start}, new BS(b, ${start}, ${sizeExpr}, org), end);`);
      }
      return;
    }
    if (f.name === null) return;
    const v = id(f.name);
    this.emit(`${f.bind ? 'let' : 'const'} ${v} = ${value};`);
    if (f.check) this.emit(`if (!(${this.expr(f.check)})) return H.fail(${fid}, 2, ${start}, ${v}, end);`);
    if (f.bind) this.emit(`${v} = ${this.expr(f.bind)};`);
    this.outNames.push(f.name);
  }

  codePointField(f: Field, leVar: string | null): void {
    const fid = this.fid(f);
    const start = posExpr(this.pos);
    const t = `t${this.temp++}`;
    const call = f.type === 'utf8' ? `H.cp8(b, ${start}, end)` : endianCode(f, leVar, (le) => `H.${f.type === 'utf16' ? 'cp16' : 'cp32'}(b, ${start}, end, ${le})`);
    this.emit(`const ${t} = ${call};`);
    this.emit(`if (${t} < 0) return H.fail(${fid}, 6, ${start}, ${t}, end);`);
    const used = `t${this.temp++}`;
    this.emit(`const ${used} = H.CP.bits;`);
    this.bindValue(f, t, start, undefined);
    this.advance(`${start} + ${used}`, this.alignedHere());
  }

  recordField(f: Field): void {
    const fn = genMatcher(this.ctx, f.fields!, 'record');
    const start = posExpr(this.pos);
    const t = `t${this.temp++}`;
    this.emit(`const ${t} = ${fn}(b, ${start}, end, org);`);
    this.emit(`if (${t} === undefined) return undefined;`);
    this.bindValue(f, t, start, undefined);
    const size = recordBits(f.fields!);
    if (size !== undefined) this.pos = { ...this.pos, k: this.pos.k + size };
    else this.advance('POS', false);
  }

  arrayField(f: Field, leVar: string | null): void {
    const fid = this.fid(f);
    const elem: Field = { ...f, array: undefined, name: 'v', saveOffsetTo: undefined, offset: undefined, check: undefined, bind: undefined };
    if (leVar !== null) elem.endian = { expr: { k: 'id', name: '__le' } };
    this.ctx.fieldId.set(elem, fid);
    const fn = genMatcher(this.ctx, [elem], 'value', leVar !== null);
    const start = posExpr(this.pos);
    const r = `r${this.temp++}`;
    const arr = id(f.name!);
    const elemBits = elem.type !== 'record' ? staticBits(elem) : undefined;
    const extra = leVar !== null ? `, ${leVar} ? 'little' : 'big'` : '';
    this.emit(`const ${arr} = [];`);
    this.emit(`let ${r} = ${start};`);
    if (f.array!.count === null) {
      const cond = elemBits !== undefined && elemBits > 0 ? `end - ${r} >= ${elemBits}` : `${r} < end`;
      this.emit(`while (${cond}) {`);
      this.emit(`  const x = ${fn}(b, ${r}, end, org${extra});`);
      this.emit('  if (x === undefined) return undefined;');
      this.emit(`  if (POS === ${r}) return H.fail(${fid}, 8, ${r}, 0, end);`);
      this.emit(`  ${arr}.push(x); ${r} = POS;`);
      this.emit('}');
    } else {
      const c = `c${this.temp++}`;
      this.emit(`const ${c} = Number(${this.expr(f.array!.count)});`);
      const per = elemBits !== undefined && elemBits > 0 ? elemBits : 1;
      this.emit(`if (!(${c} >= 0 && ${c} % 1 === 0)) return H.fail(${fid}, 3, ${start}, ${c}, end);`);
      this.emit(`if (${c} * ${per} > end - ${start}) return H.fail(${fid}, 0, ${start}, ${c} * ${per}, end);`);
      this.emit(`for (let j = 0; j < ${c}; j++) {`);
      this.emit(`  const x = ${fn}(b, ${r}, end, org${extra});`);
      this.emit('  if (x === undefined) return undefined;');
      this.emit(`  ${arr}.push(x); ${r} = POS;`);
      this.emit('}');
    }
    this.outNames.push(f.name!);
    this.advance(r, false);
  }

  expr(e: Expr): string {
    return emitExpr(e, (name) => (name === '__le' ? '__le' : id(name)));
  }
}

/** Generates matcher functions for `fields`; returns the dispatcher's name. */
function genMatcher(ctx: Ctx, fields: readonly Field[], mode: 'record' | 'value', endianParam = false): string {
  const n = ctx.counter++;
  const variants: string[] = [];
  for (const aligned of [true, false]) {
    const g = new FnGen(ctx, aligned);
    if (aligned) g.emit('const o = base / 8;');
    g.emit('let p = base, q = 0;');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const prev = fields[i - 1];
      if (isStaticScalar(f) && (i === 0 || !prev || !isStaticScalar(prev))) g.runCheck(fields, i);
      g.field(f);
    }
    g.emit(`POS = ${posExpr(g.pos)};`);
    if (mode === 'value') g.emit(`return f_v;`);
    else g.emit(`return { ${g.outNames.map((x) => `${JSON.stringify(x)}: ${id(x)}`).join(', ')} };`);
    const name = `m${n}${aligned ? 'a' : 'u'}`;
    const params = `b, base, end, org${endianParam ? ', __le' : ''}`;
    variants.push(`function ${name}(${params}) {\n${g.lines.join('\n')}\n}`);
  }
  const params = `b, base, end, org${endianParam ? ', __le' : ''}`;
  ctx.fns.push(...variants, `function m${n}(${params}) {\n  return base % 8 === 0 ? m${n}a(${params}) : m${n}u(${params});\n}`);
  return `m${n}`;
}

/** Source of the closure body (parameter `H`) for a pattern. */
export function generateSource(fields: readonly Field[]): string {
  const ctx: Ctx = { fieldId: new Map(), fns: [], consts: [], counter: 0 };
  flattenFields(fields).forEach((f, i) => ctx.fieldId.set(f, i));
  const top = genMatcher(ctx, fields, 'record');
  return [
    '"use strict";',
    'const NLE = H.NATIVE_LE, BS = H.Bitstring;',
    'let POS = 0;',
    ...ctx.consts,
    ...ctx.fns,
    `return { m: ${top}, e: () => POS };`,
  ].join('\n');
}
