/**
 * Integer constant expressions (ISO C11 6.6) over tokens, as bigint: used for #if, array sizes,
 * bit-field widths, enum values and aligned(N). Floating constants are not supported.
 */
import type { Token } from './lexer.js';

export class CSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

export interface Cursor {
  toks: readonly Token[];
  i: number;
  /** Line to report when the tokens run out. */
  endLine: number;
}

export function peek(c: Cursor, k = 0): Token | undefined {
  return c.toks[c.i + k];
}

export function lineOf(c: Cursor): number {
  return (c.toks[c.i] ?? c.toks[c.i - 1])?.line ?? c.endLine;
}

export function describe(t: Token | undefined): string {
  return t ? `'${t.text}'` : 'the end of the input';
}

export function expect(c: Cursor, text: string): Token {
  const t = c.toks[c.i];
  if (!t || t.text !== text) throw new CSyntaxError(lineOf(c), `expected '${text}', found ${describe(t)}`);
  c.i++;
  return t;
}

/** A type name met in a cast, sizeof or _Alignof. */
export interface TypeFacts {
  size: number;
  align: number;
  /** For casts of integer types: width in bits and signedness; undefined for other types. */
  int?: { bits: number; signed: boolean };
}

export interface ExprHooks {
  /** Value of an identifier (enum constant), or undefined when unknown. */
  ident(name: string): bigint | undefined;
  /** When the cursor is at a type name, parse it and return its facts; otherwise leave the cursor and return undefined. */
  typeName?(c: Cursor): TypeFacts | undefined;
  /** offsetof(type, member): the cursor is just after '('; consume up to and including ')'. */
  offsetOf?(c: Cursor): bigint;
}

export function parseIntLiteral(text: string, line: number): bigint {
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)([uUlL]*)$/.exec(text);
  if (!m) throw new CSyntaxError(line, `not an integer constant: ${text}`);
  const body = m[1]!;
  if (/^0[xXbB]/.test(body)) return BigInt(body.toLowerCase());
  if (body.length > 1 && body.startsWith('0')) {
    if (!/^[0-7]+$/.test(body)) throw new CSyntaxError(line, `bad octal constant ${text}`);
    return BigInt('0o' + body.slice(1));
  }
  return BigInt(body);
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63, e: 27 };

export function parseCharLiteral(text: string, line: number): bigint {
  const m = /^[LuU]?'(.*)'$/s.exec(text);
  if (!m) throw new CSyntaxError(line, `bad character constant ${text}`);
  const body = m[1]!;
  if (!body.startsWith('\\')) {
    if (body.length !== 1) throw new CSyntaxError(line, `multi-character constant ${text} is not supported`);
    return BigInt(body.charCodeAt(0));
  }
  const rest = body.slice(1);
  if (/^x[0-9a-fA-F]+$/.test(rest)) return BigInt('0' + rest);
  if (/^[0-7]{1,3}$/.test(rest)) return BigInt('0o' + rest);
  const e = ESCAPES[rest];
  if (e === undefined) throw new CSyntaxError(line, `unknown escape in ${text}`);
  return BigInt(e);
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const b = (x: boolean): bigint => (x ? 1n : 0n);

function truncate(v: bigint, bits: number, signed: boolean): bigint {
  return signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v);
}

/** Parses and evaluates a conditional-expression at the cursor (stops at ',', ')', ']', ';', ':' ...). */
export function evalExpr(c: Cursor, hooks: ExprHooks): bigint {
  return conditional(c, hooks);
}

function conditional(c: Cursor, h: ExprHooks): bigint {
  const cond = binary(c, h, 1);
  if (peek(c)?.text !== '?') return cond;
  c.i++;
  const a = evalExpr(c, h);
  expect(c, ':');
  const z = conditional(c, h);
  return cond !== 0n ? a : z;
}

function binary(c: Cursor, h: ExprHooks, minPrec: number): bigint {
  let left = unary(c, h);
  for (;;) {
    const t = peek(c);
    const prec = t && t.kind === 'punct' ? BINARY[t.text] : undefined;
    if (prec === undefined || prec < minPrec) return left;
    c.i++;
    const right = binary(c, h, prec + 1);
    left = apply(t!.text, left, right, t!.line);
  }
}

function apply(op: string, x: bigint, y: bigint, line: number): bigint {
  switch (op) {
    case '||': return b(x !== 0n || y !== 0n);
    case '&&': return b(x !== 0n && y !== 0n);
    case '|': return x | y;
    case '^': return x ^ y;
    case '&': return x & y;
    case '==': return b(x === y);
    case '!=': return b(x !== y);
    case '<': return b(x < y);
    case '>': return b(x > y);
    case '<=': return b(x <= y);
    case '>=': return b(x >= y);
    case '<<': return x << y;
    case '>>': return x >> y;
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
    case '%':
      if (y === 0n) throw new CSyntaxError(line, 'division by zero in a constant expression');
      return op === '/' ? x / y : x % y;
    default:
      throw new CSyntaxError(line, `operator ${op} not supported`);
  }
}

function unary(c: Cursor, h: ExprHooks): bigint {
  const t = peek(c);
  if (!t) throw new CSyntaxError(lineOf(c), 'expression expected, found the end of the input');
  if (t.kind === 'punct') {
    switch (t.text) {
      case '-': c.i++; return -unary(c, h);
      case '+': c.i++; return unary(c, h);
      case '!': c.i++; return b(unary(c, h) === 0n);
      case '~': c.i++; return ~unary(c, h);
      case '(': {
        c.i++;
        const ty = h.typeName?.(c);
        if (ty) {
          expect(c, ')');
          const v = unary(c, h);
          return ty.int ? truncate(v, ty.int.bits, ty.int.signed) : v;
        }
        const v = evalExpr(c, h);
        // the comma operator, rare in headers
        while (peek(c)?.text === ',') {
          c.i++;
          evalExpr(c, h);
        }
        expect(c, ')');
        return v;
      }
    }
  }
  if (t.kind === 'id') {
    if (t.text === 'sizeof' || t.text === '_Alignof' || t.text === '__alignof__' || t.text === '__alignof' || t.text === 'alignof') {
      c.i++;
      const align = t.text !== 'sizeof';
      if (peek(c)?.text === '(') {
        const save = c.i;
        c.i++;
        const ty = h.typeName?.(c);
        if (ty) {
          expect(c, ')');
          return BigInt(align ? ty.align : ty.size);
        }
        c.i = save;
      }
      throw new CSyntaxError(t.line, `${t.text} is supported on type names only`);
    }
    if (t.text === 'offsetof' || t.text === '__builtin_offsetof') {
      c.i++;
      expect(c, '(');
      if (!h.offsetOf) throw new CSyntaxError(t.line, `${t.text} is not supported here`);
      return h.offsetOf(c);
    }
    c.i++;
    const v = h.ident(t.text);
    if (v === undefined) throw new CSyntaxError(t.line, `'${t.text}' is not a known constant`);
    return v;
  }
  if (t.kind === 'num') {
    c.i++;
    return parseIntLiteral(t.text, t.line);
  }
  if (t.kind === 'char') {
    c.i++;
    return parseCharLiteral(t.text, t.line);
  }
  throw new CSyntaxError(t.line, `expression expected, found ${describe(t)}`);
}
