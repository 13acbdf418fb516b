/**
 * Type-level reading of pattern text, so `bitmatch('a : 8, b : 64')` is a Pattern<{ a: number; b: bigint }>.
 * Work is split per field (one tail-recursive step per comma), so patterns of hundreds of fields stay
 * well inside TypeScript's recursion limits.
 */
import type { Bitstring } from './bitstring.js';

/** Any value a pattern can produce. */
export type FieldValue = number | bigint | string | boolean | Bitstring | readonly FieldValue[] | { readonly [key: string]: FieldValue };
/** What a `bind(expr)` field can produce (the expression language has no other values). */
export type BindValue = number | bigint | string | boolean;

/** A compiled pattern, as seen by the type system (implemented by the Pattern class). */
export interface PatternLike<R, I = R> {
  readonly name: string;
  match(input: Uint8Array | Bitstring, byteOffset?: number): R | undefined;
  parse(input: Uint8Array | Bitstring, byteOffset?: number): R;
  build(values: I): Uint8Array;
}

/**
 * Named patterns known to the type system when spliced by name (`{ :ext3_super_block }`) without
 * an env argument. Extend with declaration merging:
 * `declare module '.../core/bitsyntax/index.js' { interface NamedPatterns { ext3_super_block: typeof sb } }`
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NamedPatterns {}

type TrimL<S extends string> = S extends ` ${infer R}` | `\n${infer R}` | `\t${infer R}` | `\r${infer R}` ? TrimL<R> : S;
type TrimR<S extends string> = S extends `${infer R} ` | `${infer R}\n` | `${infer R}\t` | `${infer R}\r` ? TrimR<R> : S;
export type Trim<S extends string> = TrimR<TrimL<S>>;

type StripLine<S extends string, Acc extends string = ''> = S extends `${infer A}//${string}\n${infer B}`
  ? StripLine<B, `${Acc}${A}\n`>
  : S extends `${infer A}//${string}`
    ? `${Acc}${A}`
    : `${Acc}${S}`;
type StripBlock<S extends string, Acc extends string = ''> = S extends `${infer A}/*${string}*/${infer B}` ? StripBlock<B, `${Acc}${A} `> : `${Acc}${S}`;
type StripComments<S extends string> = S extends `${string}/${string}` ? StripLine<StripBlock<S>> : S;

type Count<S extends string, C extends string, N extends 0[] = []> = S extends `${string}${C}${infer R}` ? Count<R, C, [...N, 0]> : N['length'];
type Balanced<S extends string> = S extends `${string}${'(' | '{' | '[' | '"'}${string}`
  ? Count<S, '('> extends Count<S, ')'>
    ? Count<S, '{'> extends Count<S, '}'>
      ? Count<S, '['> extends Count<S, ']'>
        ? Count<S, '"'> extends 0 | 2 | 4 | 6 | 8 | 10
          ? true
          : false
        : false
      : false
    : false
  : true;

/** Splits at commas outside brackets and quotes. */
type SplitFields<S extends string, Acc extends string[] = [], Pending extends string = ''> = S extends `${infer H},${infer R}`
  ? Balanced<`${Pending}${H}`> extends true
    ? SplitFields<R, [...Acc, `${Pending}${H}`], ''>
    : SplitFields<R, Acc, `${Pending}${H},`>
  : [...Acc, `${Pending}${S}`];

/** A chunk with no ':' continues the previous field's qualifiers (`x : 16 : littleendian, signed`). */
type MergeChunks<L extends string[], Acc extends string[] = []> = L extends [infer H extends string, ...infer R extends string[]]
  ? Trim<H> extends ''
    ? MergeChunks<R, Acc>
    : Trim<H> extends `${string}:${string}` | `{${string}`
      ? MergeChunks<R, [...Acc, Trim<H>]>
      : Acc extends [...infer A extends string[], infer Last extends string]
        ? MergeChunks<R, [...A, `${Last} : ${Trim<H>}`]>
        : MergeChunks<R, [...Acc, Trim<H>]>
  : Acc;

type Replace<S extends string, C extends string> = S extends `${infer A}${C}${infer B}` ? Replace<`${A} ${B}`, C> : S;
type Normalize<S extends string> = ` ${Replace<Replace<Replace<Replace<Replace<S, ','>, ':'>, '\n'>, '\t'>, '\r'>} `;
type HasWord<Q extends string, W extends string> = Q extends `${string} ${W} ${string}` | `${string} ${W}(${string}` ? true : false;

type D = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';
type NumberSizes =
  | D
  | `${'1' | '2' | '3' | '4'}${D}`
  | `5${'0' | '1' | '2' | '3'}`;
type BigintSizes = `5${'4' | '5' | '6' | '7' | '8' | '9'}` | `6${'0' | '1' | '2' | '3' | '4'}`;

type IntType<Size extends string> = Size extends NumberSizes ? number : Size extends BigintSizes ? bigint : number | bigint;

/** Value type of a scalar field from its size text and normalised qualifier text. */
type ScalarType<Size extends string, Q extends string> =
  HasWord<Q, 'bitstring' | 'binary' | 'bits'> extends true
    ? Bitstring
    : HasWord<Q, 'string'> extends true
      ? string
      : HasWord<Q, 'float' | 'utf8' | 'utf16' | 'utf32'> extends true
        ? number
        : HasWord<Q, 'unit'> extends true
          ? number | bigint
          : IntType<Size>;

type SizeAndQuals<Rest extends string> = Rest extends `${infer Size}:${infer Q}` ? [Trim<Size>, Normalize<`${Size} ${Q}`>] : [Trim<Rest>, Normalize<Rest>];

type Lookup<N extends string, E> = N extends keyof E
  ? E[N] extends PatternLike<infer R, infer _I>
    ? R
    : { readonly [key: string]: FieldValue }
  : N extends keyof NamedPatterns
    ? NamedPatterns[N] extends PatternLike<infer R, infer _I>
      ? R
      : { readonly [key: string]: FieldValue }
    : { readonly [key: string]: FieldValue };

/** A sub-pattern in braces: `{ :name }` or inline fields. */
type BraceType<Inner extends string, E> = Inner extends `:${infer N}` ? Lookup<Trim<N>, E> : Flatten<Fold<Chunks<Inner>, E>[0] & Fold<Chunks<Inner>, E>[1]>;

type ValueType<Rest extends string, E> = Trim<Rest> extends `{${infer Inner}}` ? BraceType<Trim<Inner>, E> : ScalarType<SizeAndQuals<Rest>[0], SizeAndQuals<Rest>[1]>;

type SavedOffset<Rest extends string> = Normalize<Rest> extends `${string} save_offset_to(${infer N})${string}` ? { [K in Trim<N>]: number } : {};

type ConstantStart = D | '"' | "'" | '(' | '-' | '$';

/** [fields, derived fields (save_offset_to, bind)] contributed by one field. */
type FieldOf<C extends string, E> = C extends `{${infer Inner}}`
  ? [BraceType<Trim<Inner>, E>, {}]
  : C extends `${infer N}:${infer Rest}`
    ? Trim<N> extends '_' | `${ConstantStart}${string}`
      ? [{}, SavedOffset<Rest>]
      : Trim<N> extends `${infer A}[${string}]`
        ? [{ [K in Trim<A>]: ValueType<Rest, E>[] }, SavedOffset<Rest>]
        : HasWord<Normalize<Rest>, 'bind'> extends true
          ? [{}, { [K in Trim<N>]: BindValue } & SavedOffset<Rest>]
          : [{ [K in Trim<N>]: ValueType<Rest, E> }, SavedOffset<Rest>]
    : [{}, {}];

type Fold<L extends string[], E, F = {}, Dv = {}> = L extends [infer H extends string, ...infer R extends string[]]
  ? FieldOf<H, E> extends [infer F1, infer D1]
    ? Fold<R, E, F & F1, Dv & D1>
    : never
  : [F, Dv];

type Chunks<S extends string> = MergeChunks<SplitFields<StripComments<S>>>;

export type Flatten<T> = { [K in keyof T]: T[K] } & {};

type BuildValue<V> = V extends bigint
  ? number | bigint
  : V extends Bitstring
    ? Bitstring | Uint8Array
    : V extends readonly (infer U)[]
      ? readonly BuildValue<U>[]
      : V extends object
        ? { [K in keyof V]: BuildValue<V[K]> }
        : V;

type Generic = { readonly [key: string]: FieldValue };

/** The record type `match` returns for pattern text T (E: bitmatch's env argument). */
export type ResultOf<T extends string, E = {}> = string extends T ? Generic : Flatten<Fold<Chunks<T>, E>[0] & Fold<Chunks<T>, E>[1]>;

/** What `build` accepts for pattern text T: bigints may be numbers, bitstrings may be Uint8Arrays; derived keys are optional. */
export type BuildInputOf<T extends string, E = {}> = string extends T
  ? Generic
  : Flatten<{ [K in keyof Fold<Chunks<T>, E>[0]]: BuildValue<Fold<Chunks<T>, E>[0][K]> } & Partial<Fold<Chunks<T>, E>[1]>>;
