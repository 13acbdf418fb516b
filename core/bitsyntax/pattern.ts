import type { Field } from './ast.js';
import { Bitstring } from './bitstring.js';
import { BuildFailure, buildPattern } from './build.js';
import { flattenFields, generateSource, patternBits } from './codegen.js';
import { BitMatchError, type BitMatchFailure, type BitMatchKind } from './errors.js';
import { exprText } from './expr.js';
import { type FieldSource, parsePattern } from './parse.js';
import { H, type Helpers } from './runtime.js';
import type { Source } from '../source/source.js';
import type { BuildInputOf, FieldValue, PatternLike, ResultOf } from './types.js';

export type MatchInput = Uint8Array | Bitstring;

/** What the generated closure returns. */
export interface CompiledMatcher {
  m(b: Uint8Array, base: number, end: number, org: Bitstring['origin']): unknown;
  e(): number;
}
export type MatcherFactory = (h: Helpers) => CompiledMatcher;

const compileCache = new Map<string, MatcherFactory>();

/**
 * @internal for tests: how many matcher sources were generated and how many `new Function` calls
 * were made, to check that defining a pattern compiles nothing.
 */
export const compileCounters = { sources: 0, functions: 0 };

function compileSource(source: string): MatcherFactory {
  let factory = compileCache.get(source);
  if (!factory) {
    try {
      compileCounters.functions++;
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      factory = new Function('H', source) as MatcherFactory;
    } catch (e) {
      if (e instanceof EvalError) {
        throw new EvalError('bit patterns are compiled with new Function, which this environment forbids (CSP); generate them ahead of time with generateModule / aot-cli (docs/bit-syntax.md)', { cause: e });
      }
      throw e;
    }
    compileCache.set(source, factory);
  }
  return factory;
}

/**
 * Generated source and factory of one field list, made on first use and shared by the pattern and
 * its `named()` copies. Patterns are defined at module level all over the code base and most are not
 * used by a given command, so code generation and `new Function` wait until the first match.
 */
class Compilation {
  private src: string | undefined;
  private fac: MatcherFactory | undefined;
  constructor(private readonly fields: readonly Field[], factory?: MatcherFactory, source?: string) {
    this.src = source;
    this.fac = factory;
  }

  get source(): string {
    if (this.src === undefined) {
      compileCounters.sources++;
      this.src = generateSource(this.fields);
    }
    return this.src;
  }

  get factory(): MatcherFactory {
    return (this.fac ??= compileSource(this.source));
  }
}

/** A compiled bit pattern: match, parse (strict), build. */
export class Pattern<R = { readonly [key: string]: FieldValue }, I = R> implements PatternLike<R, I>, FieldSource {
  readonly fields: readonly Field[];
  /**
   * The matcher; until the first match a stand-in that compiles the pattern, puts the real matcher
   * here and forwards the call, so the hot path is the same field load and call as an eager compile.
   */
  private compiled: CompiledMatcher;
  private readonly compilation: Compilation;
  private flatFields: Field[] | undefined;

  /** @internal use bitmatch / definePattern / fromCompiled. */
  constructor(name: string, fields: readonly Field[], factory?: MatcherFactory, source?: string);
  /** @internal */
  constructor(name: string, fields: readonly Field[], compilation: Compilation);
  constructor(readonly name: string, fields: readonly Field[], factoryOrCompilation?: MatcherFactory | Compilation, source?: string) {
    this.fields = fields;
    this.compilation = factoryOrCompilation instanceof Compilation ? factoryOrCompilation : new Compilation(fields, factoryOrCompilation, source);
    const compile = (): CompiledMatcher => (this.compiled = this.compilation.factory(H));
    this.compiled = {
      m: (b, base, end, org) => compile().m(b, base, end, org),
      e: () => compile().e(),
    };
  }

  /** JS source of the specialised matcher (the body of a function of `H`); generated on first use. */
  get source(): string {
    return this.compilation.source;
  }

  private get flat(): Field[] {
    return (this.flatFields ??= flattenFields(this.fields));
  }

  /** The record, or undefined when a constant or check fails or the input is too short. */
  match(input: MatchInput, byteOffset = 0): R | undefined {
    if (input instanceof Uint8Array) {
      const base = byteOffset * 8;
      if (!(base >= 0 && base <= input.length * 8 && base % 8 === 0)) return undefined;
      return this.compiled.m(input, base, input.length * 8, undefined) as R | undefined;
    }
    const base = input.bitOffset + byteOffset * 8;
    const end = input.bitOffset + input.bitLength;
    if (!(base >= input.bitOffset && base <= end && Number.isInteger(byteOffset))) return undefined;
    return this.compiled.m(input.bytes, base, end, input.origin) as R | undefined;
  }

  /** Like match, at a bit offset, also returning the bit offset just after the match. */
  matchBits(input: MatchInput, bitOffset = 0): { value: R; bitEnd: number } | undefined {
    const bs = input instanceof Uint8Array ? Bitstring.fromBytes(input) : input;
    const base = bs.bitOffset + bitOffset;
    const end = bs.bitOffset + bs.bitLength;
    if (!(base >= bs.bitOffset && base <= end) || !Number.isSafeInteger(base)) return undefined;
    const value = this.compiled.m(bs.bytes, base, end, bs.origin) as R | undefined;
    return value === undefined ? undefined : { value, bitEnd: this.compiled.e() - bs.bitOffset };
  }

  /** Like match but throws BitMatchError naming pattern, field, bit offset, expected and actual. */
  parse(input: MatchInput, byteOffset = 0): R {
    const r = this.match(input, byteOffset);
    if (r !== undefined) return r;
    throw this.lastError(input, byteOffset);
  }

  /**
   * Reads `length` bytes (default: the pattern's fixed size) at `offset` of a Source and parses them;
   * errors name the source and the absolute file offset.
   */
  parseFrom(source: Source, offset: number, length?: number): R {
    return this.parse(Bitstring.fromSource(source, offset, this.sourceLength(source, offset, length), this.name));
  }

  /** Like parseFrom, but undefined when the range is outside the source or the pattern does not match. */
  matchFrom(source: Source, offset: number, length?: number): R | undefined {
    const len = this.sourceLength(source, offset, length);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + len > source.size) return undefined;
    return this.match(Bitstring.fromSource(source, offset, len, this.name));
  }

  private sourceLength(source: Source, offset: number, length: number | undefined): number {
    if (length !== undefined) return length;
    const bits = this.staticBitLength;
    return bits !== undefined ? Math.ceil(bits / 8) : source.size - offset;
  }

  /** The BitMatchError for the last failed match of this pattern on `input`. */
  lastError(input: MatchInput, byteOffset = 0): BitMatchError {
    const bs = input instanceof Uint8Array ? undefined : input;
    const start = bs ? bs.bitOffset : 0;
    const total = bs ? bs.bitLength : (input as Uint8Array).length * 8;
    const file = bs?.origin?.name ?? '<bytes>';
    const fileOffset = bs?.origin?.byteOffset ?? 0;
    const base = start + byteOffset * 8;
    if (!(base >= start && base <= start + total) || !Number.isInteger(byteOffset)) {
      return new BitMatchError({ pattern: this.name, field: '(start)', bitOffset: byteOffset * 8, expected: `a byte offset within the ${Math.floor(total / 8)}-byte input`, actual: String(byteOffset), kind: 'offset' }, file, fileOffset);
    }
    return new BitMatchError(this.describeFailure(start), file, fileOffset);
  }

  private describeFailure(inputStart: number): BitMatchFailure {
    const F = H.F;
    const f = this.flat[F.i];
    const field = f ? (f.name ?? f.text) : '?';
    const bitOffset = F.pos - inputStart;
    let expected: string;
    let actual: string;
    const kinds: Record<number, BitMatchKind> = { 0: 'short', 1: 'constant', 2: 'check', 3: 'size', 4: 'endian', 6: 'codepoint', 7: 'offset', 8: 'progress' };
    const kind = kinds[F.kind] ?? 'progress';
    let missingBits: number | undefined;
    switch (F.kind) {
      case 0:
        expected = `${F.a as number} bits`;
        actual = `${Math.max(0, F.end - F.pos)} bits left`;
        missingBits = (F.a as number) - Math.max(0, F.end - F.pos);
        break;
      case 1:
        expected = f?.constant?.kind === 'int' ? f.constant.values.map(formatInt).join(' or ') : f?.constant?.kind === 'bytes' ? f.constant.text : '?';
        actual = formatValue(F.a);
        break;
      case 2:
        expected = f?.check ? `check(${exprText(f.check)})` : 'check';
        actual = formatValue(F.a);
        break;
      case 3:
        expected = 'a valid size or count';
        actual = formatValue(F.a);
        break;
      case 4:
        expected = "endian 'big', 'little' or 'native'";
        actual = formatValue(F.a);
        break;
      case 6:
        expected = `a valid ${f?.type ?? ''} code point`;
        actual = 'invalid encoding';
        break;
      case 7:
        expected = 'an offset inside the input';
        actual = formatValue(F.a);
        break;
      default:
        expected = 'each element to consume at least one bit';
        actual = 'an empty element';
    }
    return { pattern: this.name, field, bitOffset, expected, actual, kind, ...(missingBits !== undefined ? { missingBits } : {}) };
  }

  /** Bytes for `values`; throws BitMatchError naming the field when a value does not fit. */
  build(values: I): Uint8Array {
    try {
      return buildPattern(this.fields, values as Readonly<Record<string, unknown>>);
    } catch (e) {
      if (e instanceof BuildFailure) throw new BitMatchError({ pattern: this.name, ...e.failure });
      throw e;
    }
  }

  /** Size in bits when every field has a fixed size and position (like C's sizeof * 8), else undefined. */
  get staticBitLength(): number | undefined {
    return patternBits(this.fields);
  }

  /** The same pattern under another name (errors name it; definePattern registers it). */
  named(name: string): Pattern<R, I> {
    return new Pattern<R, I>(name, this.fields, this.compilation);
  }
}

function formatInt(v: number | bigint): string {
  const neg = v < 0;
  const abs = neg ? -v : v;
  return abs < 10 ? String(v) : `${neg ? '-' : ''}0x${abs.toString(16)}`;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) || typeof v === 'bigint' ? formatInt(v) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Bitstring) {
    if (v.bitLength % 8 === 0) {
      const bytes = v.toUint8Array();
      if (bytes.every((c) => c >= 0x20 && c < 0x7f)) return JSON.stringify(String.fromCharCode(...bytes));
    }
    return v.bitLength <= 512 ? v.toString() : `<${v.bitLength} bits>`;
  }
  return String(v);
}

const registry = new Map<string, Pattern<unknown, unknown>>();

/** Values usable in bitmatch's env: sub-patterns by name, and constants for expressions. */
export type PatternEnv = Readonly<Record<string, FieldSource | number | bigint | string | boolean>>;

/** Values allowed in `${...}` of the tagged-template form. */
export type TemplateValue = number | bigint | string | boolean | Uint8Array | FieldSource;

function isFieldSource(v: unknown): v is FieldSource {
  return v instanceof Pattern || (typeof v === 'object' && v !== null && 'fields' in v && Array.isArray((v as FieldSource).fields));
}

function defaultName(fields: readonly Field[]): string {
  const names = fields.map((f) => f.name).filter((n): n is string => n !== null);
  const shown = names.slice(0, 3).join(', ');
  return `{ ${shown}${names.length > 3 ? ', ...' : ''} }`;
}

function compilePattern(text: string, slots: readonly unknown[], env: PatternEnv, name?: string): Pattern<unknown, unknown> {
  const fields = parsePattern(text, {
    patternName: name ?? JSON.stringify(text.trim().replace(/\s+/g, ' ').slice(0, 40)),
    slots,
    env,
    lookupNamed: (n) => registry.get(n),
    isFieldSource,
  });
  return new Pattern(name ?? defaultName(fields), fields);
}

const templateCache = new WeakMap<TemplateStringsArray, { values: readonly unknown[]; pattern: Pattern<unknown, unknown> }[]>();

function fromTemplate(strings: TemplateStringsArray, values: readonly unknown[]): Pattern<unknown, unknown> {
  let entries = templateCache.get(strings);
  const hit = entries?.find((e) => e.values.length === values.length && e.values.every((v, i) => Object.is(v, values[i])));
  if (hit) return hit.pattern;
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) text += `$${i}${strings[i + 1]!}`;
  const pattern = compilePattern(text, values, {});
  if (!entries) templateCache.set(strings, (entries = []));
  if (entries.length < 16) entries.push({ values, pattern });
  return pattern;
}

/**
 * Compiles a pattern.
 * - `bitmatch('a : 8, b : 16 : littleendian')`: result type inferred from the text.
 * - `bitmatch('hdr : { :ipv4 }, n : k', { ipv4, k: 16 })`: env gives named sub-patterns and constants.
 * - ``bitmatch`len : 8, data : ${n} : bitstring` ``: tagged template; `${}` values are inlined
 *   (sizes, constants, sub-patterns); the result type is a generic record, or the R you state with
 *   ``bitmatch<R>`...` `` (not checked against the text).
 */
export function bitmatch<R = { readonly [key: string]: FieldValue }>(strings: TemplateStringsArray, ...values: TemplateValue[]): Pattern<R>;
export function bitmatch<const T extends string, const E extends PatternEnv = {}>(text: T, env?: E): Pattern<ResultOf<T, E>, BuildInputOf<T, E>>;
export function bitmatch(first: string | TemplateStringsArray, ...rest: unknown[]): Pattern<unknown, unknown> {
  if (typeof first === 'string') return compilePattern(first, [], (rest[0] as PatternEnv | undefined) ?? {});
  return fromTemplate(first, rest);
}

/**
 * Compiles and registers a named pattern, usable inside other patterns as `{ :name }` (or
 * `field : { :name }`, `field[n] : { :name }`). Errors name the pattern.
 */
export function definePattern<const T extends string, const E extends PatternEnv = {}>(name: string, text: T, env?: E): Pattern<ResultOf<T, E>, BuildInputOf<T, E>>;
export function definePattern<R, I>(name: string, pattern: Pattern<R, I>): Pattern<R, I>;
export function definePattern(name: string, textOrPattern: string | Pattern<unknown, unknown>, env?: PatternEnv): Pattern<unknown, unknown> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`pattern name ${name} is not an identifier`);
  const p = typeof textOrPattern === 'string' ? compilePattern(textOrPattern, [], env ?? {}, name) : textOrPattern.named(name);
  const previous = registry.get(name);
  if (previous && fieldsToJson(previous.fields) !== fieldsToJson(p.fields)) {
    throw new TypeError(`a different pattern is already registered as ${name}`);
  }
  registry.set(name, p);
  return p;
}

/** A registered named pattern. */
export function namedPattern(name: string): Pattern<unknown, unknown> | undefined {
  return registry.get(name);
}

/** Rebuilds a pattern from ahead-of-time output (no `new Function`). */
export function fromCompiled<R, I = R>(name: string, fieldsJson: string, factory: MatcherFactory): Pattern<R, I> {
  const fields = JSON.parse(fieldsJson, (_k, v: unknown) => (v !== null && typeof v === 'object' && '$big' in v ? BigInt((v as { $big: string }).$big) : v)) as Field[];
  return new Pattern<R, I>(name, fields, factory, '');
}

export function fieldsToJson(fields: readonly Field[]): string {
  return JSON.stringify(fields, (_k, v: unknown) => (typeof v === 'bigint' ? { $big: v.toString() } : v));
}
