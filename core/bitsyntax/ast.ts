import type { Expr } from './expr.js';

export type Endian = 'big' | 'little' | 'native' | { expr: Expr };
export type StringEncoding = 'latin1' | 'utf8' | 'utf16le' | 'utf16be';
export type FieldType = 'int' | 'float' | 'string' | 'bitstring' | 'utf8' | 'utf16' | 'utf32' | 'record';

/** A constant matched in place: one of several integers, or exact bytes (a string constant). */
export type Constant =
  | { kind: 'int'; values: (number | bigint)[] }
  | { kind: 'bytes'; bytes: number[]; text: string };

/**
 * One field of a pattern, after parsing (and after splicing named patterns). Plain data: it is
 * serialised into ahead-of-time modules, so it holds no functions.
 */
export interface Field {
  /** Bound name, or null for `_` and constants. */
  name: string | null;
  /** The field as written, for error messages. */
  text: string;
  type: FieldType;
  /** Size expression in units (bits unless unit(n)); null when implied (utf8/16/32 code points, records). */
  size: Expr | null;
  /** size -1: take the rest of the input. */
  rest: boolean;
  unit: number;
  endian: Endian;
  signed: boolean;
  encoding: StringEncoding;
  constant?: Constant;
  check?: Expr;
  bind?: Expr;
  saveOffsetTo?: string;
  offset?: Expr;
  /** name[count]: an array; count null = repeat to the end of the input. */
  array?: { count: Expr | null };
  /** For type 'record': the sub-pattern's fields. */
  fields?: Field[];
}

export interface PatternAst {
  fields: Field[];
}
