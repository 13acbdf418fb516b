/**
 * The small expression language used inside patterns: sizes (`len * 8`), `check(...)`, `bind(...)`,
 * `offset(...)`, `endian(...)` and array counts. It is parsed once, then either emitted as JS (compiled
 * matcher) or evaluated by `evalExpr` (builder); both follow the same rules:
 * - identifiers name earlier fields (or values given to bitmatch's env argument);
 * - `/` is integer division truncating toward zero (as in OCaml bitmatch), on numbers and bigints;
 * - `==`/`!=` compare loosely so a bigint field equals a number literal (`x == 0`);
 * - functions: Number, BigInt, min, max, abs; member access `.bitLength`, `.length`.
 */

export type ExprValue = number | bigint | string | boolean;

export type Expr =
  | { k: 'num'; v: number }
  | { k: 'big'; v: string }
  | { k: 'str'; v: string }
  | { k: 'bool'; v: boolean }
  | { k: 'id'; name: string }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'mem'; a: Expr; prop: string };

export class ExprSyntaxError extends Error {}

type Tok = { t: 'num'; v: number } | { t: 'big'; v: string } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string } | { t: 'slot'; v: number };

const OPS = ['>>>', '===', '!==', '**', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '&', '|', '^', '~', '!', '(', ')', '?', ':', ',', '.'];

/** Parses a numeric literal (decimal, 0x, 0o, 0b, `_` separators, optional `n` suffix). */
export function parseNumberLiteral(text: string): number | bigint | undefined {
  let s = text.replace(/_/g, '');
  let forceBig = false;
  if (s.endsWith('n')) {
    forceBig = true;
    s = s.slice(0, -1);
  }
  if (!/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/.test(s)) return undefined;
  const big = BigInt(s);
  if (forceBig || big > BigInt(Number.MAX_SAFE_INTEGER)) return big;
  return Number(big);
}

/** Parses a JS-style quoted string literal body (escapes: \n \t \r \0 \\ \" \' \xHH \uHHHH \u{H+}). */
export function unquote(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '0': return '\0';
      case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'u': return String.fromCodePoint(parseInt(e.startsWith('u{') ? e.slice(2, -1) : e.slice(1), 16));
      default: return e;
    }
  });
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)n?/.exec(src.slice(i))!;
      const v = parseNumberLiteral(m[0]);
      if (v === undefined) throw new ExprSyntaxError(`bad number ${m[0]}`);
      out.push(typeof v === 'bigint' ? { t: 'big', v: v.toString() } : { t: 'num', v });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new ExprSyntaxError('unterminated string');
      out.push({ t: 'str', v: unquote(src.slice(i + 1, j)) });
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const m = /^\$([0-9]+)/.exec(src.slice(i));
      if (!m) throw new ExprSyntaxError('bad interpolation slot');
      out.push({ t: 'slot', v: Number(m[1]) });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprSyntaxError(`unexpected character '${c}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

const BINARY: Record<string, [number, boolean]> = {
  '||': [4, false], '&&': [5, false], '|': [6, false], '^': [7, false], '&': [8, false],
  '==': [9, false], '!=': [9, false], '===': [9, false], '!==': [9, false],
  '<': [10, false], '<=': [10, false], '>': [10, false], '>=': [10, false],
  '<<': [11, false], '>>': [11, false], '>>>': [11, false],
  '+': [12, false], '-': [12, false], '*': [13, false], '/': [13, false], '%': [13, false], '**': [14, true],
};

export const FUNCTIONS = new Set(['Number', 'BigInt', 'min', 'max', 'abs']);

/** A value interpolated with `${...}` into an expression: becomes a literal node. */
export type SlotResolver = (index: number) => Expr;

export function parseExpr(src: string, slot?: SlotResolver): Expr {
  const toks = tokenize(src);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isOp = (v: string): boolean => {
    const t = toks[pos];
    return t !== undefined && t.t === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new ExprSyntaxError(`expected '${v}' in expression '${src.trim()}'`);
    pos++;
  };
  function primary(): Expr {
    const t = toks[pos++];
    if (!t) throw new ExprSyntaxError(`unexpected end of expression '${src.trim()}'`);
    let e: Expr;
    switch (t.t) {
      case 'num': e = { k: 'num', v: t.v }; break;
      case 'big': e = { k: 'big', v: t.v }; break;
      case 'str': e = { k: 'str', v: t.v }; break;
      case 'slot':
        if (!slot) throw new ExprSyntaxError('interpolation slot outside a tagged template');
        e = slot(t.v);
        break;
      case 'id':
        if (t.v === 'true' || t.v === 'false') e = { k: 'bool', v: t.v === 'true' };
        else if (isOp('(')) {
          if (!FUNCTIONS.has(t.v)) throw new ExprSyntaxError(`unknown function ${t.v}() (allowed: ${[...FUNCTIONS].join(', ')})`);
          pos++;
          const args: Expr[] = [];
          if (!isOp(')')) {
            args.push(ternary());
            while (isOp(',')) { pos++; args.push(ternary()); }
          }
          expect(')');
          e = { k: 'call', fn: t.v, args };
        } else e = { k: 'id', name: t.v };
        break;
      case 'op':
        if (t.v === '(') { e = ternary(); expect(')'); break; }
        if (t.v === '-' || t.v === '+' || t.v === '!' || t.v === '~') { e = { k: 'un', op: t.v, a: unaryOperand() }; break; }
        throw new ExprSyntaxError(`unexpected '${t.v}' in expression '${src.trim()}'`);
    }
    while (isOp('.')) {
      pos++;
      const p = toks[pos++];
      if (!p || p.t !== 'id') throw new ExprSyntaxError('expected a property name after .');
      e = { k: 'mem', a: e, prop: p.v };
    }
    return e;
  }
  function unaryOperand(): Expr {
    return primary();
  }
  function binary(minPrec: number): Expr {
    let left = primary();
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op') break;
      const info = BINARY[t.v];
      if (!info || info[0] < minPrec) break;
      pos++;
      const right = binary(info[1] ? info[0] : info[0] + 1);
      left = { k: 'bin', op: t.v, a: left, b: right };
    }
    return left;
  }
  function ternary(): Expr {
    const c = binary(4);
    if (isOp('?')) {
      pos++;
      const a = ternary();
      expect(':');
      const b = ternary();
      return { k: 'cond', c, a, b };
    }
    return c;
  }
  const e = ternary();
  if (pos !== toks.length) throw new ExprSyntaxError(`unexpected trailing tokens in expression '${src.trim()}'`);
  return e;
}

/** Names of the identifiers an expression reads. */
export function exprIdentifiers(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'id': out.add(e.name); break;
    case 'un': exprIdentifiers(e.a, out); break;
    case 'bin': exprIdentifiers(e.a, out); exprIdentifiers(e.b, out); break;
    case 'cond': exprIdentifiers(e.c, out); exprIdentifiers(e.a, out); exprIdentifiers(e.b, out); break;
    case 'call': for (const a of e.args) exprIdentifiers(a, out); break;
    case 'mem': exprIdentifiers(e.a, out); break;
    default: break;
  }
  return out;
}

/** The value of a constant expression (no identifiers), or undefined. */
export function constValue(e: Expr): ExprValue | undefined {
  if (exprIdentifiers(e).size > 0) return undefined;
  try {
    return evalExpr(e, () => undefined);
  } catch {
    return undefined;
  }
}

/** Source text of an expression, for error messages and documentation. */
export function exprText(e: Expr): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'big': return `${e.v}n`;
    case 'str': return JSON.stringify(e.v);
    case 'bool': return String(e.v);
    case 'id': return e.name;
    case 'un': return `${e.op}${exprText(e.a)}`;
    case 'bin': return `(${exprText(e.a)} ${e.op} ${exprText(e.b)})`;
    case 'cond': return `(${exprText(e.c)} ? ${exprText(e.a)} : ${exprText(e.b)})`;
    case 'call': return `${e.fn}(${e.args.map(exprText).join(', ')})`;
    case 'mem': return `${exprText(e.a)}.${e.prop}`;
  }
}

/** Emits JS for an expression; `id` maps a field name to a JS expression. Helpers come from `H`. */
export function emitExpr(e: Expr, id: (name: string) => string): string {
  const r = (x: Expr): string => emitExpr(x, id);
  switch (e.k) {
    case 'num': return e.v < 0 ? `(${e.v})` : String(e.v);
    case 'big': return `${e.v}n`;
    case 'str': return JSON.stringify(e.v);
    case 'bool': return String(e.v);
    case 'id': return id(e.name);
    case 'un': return `(${e.op}${r(e.a)})`;
    case 'bin':
      if (e.op === '/') return `H.idiv(${r(e.a)}, ${r(e.b)})`;
      if (e.op === '===') return `(${r(e.a)} == ${r(e.b)})`;
      if (e.op === '!==') return `(${r(e.a)} != ${r(e.b)})`;
      return `(${r(e.a)} ${e.op} ${r(e.b)})`;
    case 'cond': return `(${r(e.c)} ? ${r(e.a)} : ${r(e.b)})`;
    case 'call':
      if (e.fn === 'Number' || e.fn === 'BigInt') return `${e.fn}(${e.args.map(r).join(', ')})`;
      return `H.fn_${e.fn}(${e.args.map(r).join(', ')})`;
    case 'mem': return `H.prop(${r(e.a)}, ${JSON.stringify(e.prop)})`;
  }
}

type Lookup = (name: string) => unknown;

export function idiv(a: unknown, b: unknown): number | bigint {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a / b;
  return Math.trunc((a as number) / (b as number));
}

function num(x: unknown): number | bigint {
  if (typeof x === 'number' || typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  throw new TypeError(`expected a number, got ${String(x)}`);
}

export const exprFunctions = {
  fn_min: (...xs: unknown[]): number | bigint => xs.map(num).reduce((a, b) => (b < a ? b : a)),
  fn_max: (...xs: unknown[]): number | bigint => xs.map(num).reduce((a, b) => (b > a ? b : a)),
  fn_abs: (x: unknown): number | bigint => {
    const v = num(x);
    return v < 0 ? -v : v;
  },
  prop(x: unknown, p: string): unknown {
    if (p !== 'bitLength' && p !== 'length' && p !== 'byteLength') throw new TypeError(`property .${p} is not allowed`);
    if (x === null || x === undefined) return undefined;
    return (x as Record<string, unknown>)[p];
  },
  idiv,
};

/** Evaluates an expression with the same semantics as the emitted JS. */
export function evalExpr(e: Expr, lookup: Lookup): ExprValue {
  const ev = (x: Expr): ExprValue => evalExpr(x, lookup);
  switch (e.k) {
    case 'num': return e.v;
    case 'big': return BigInt(e.v);
    case 'str': return e.v;
    case 'bool': return e.v;
    case 'id': {
      const v = lookup(e.name);
      if (v === undefined) throw new TypeError(`unknown name ${e.name}`);
      return v as ExprValue;
    }
    case 'un': {
      const a = ev(e.a) as number;
      switch (e.op) {
        case '-': return -a;
        case '+': return +a;
        case '!': return !a;
        default: return ~a;
      }
    }
    case 'bin': {
      if (e.op === '&&') return (ev(e.a) && ev(e.b)) as ExprValue;
      if (e.op === '||') return (ev(e.a) || ev(e.b)) as ExprValue;
      const a = ev(e.a) as number;
      const b = ev(e.b) as number;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return idiv(a, b);
        case '%': return a % b;
        case '**': return a ** b;
        case '<<': return a << b;
        case '>>': return a >> b;
        case '>>>': return a >>> b;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
        // eslint-disable-next-line eqeqeq
        case '==': case '===': return a == b;
        // eslint-disable-next-line eqeqeq
        case '!=': case '!==': return a != b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
      }
      throw new TypeError(`unknown operator ${e.op}`);
    }
    case 'cond': return ev(e.c) ? ev(e.a) : ev(e.b);
    case 'call': {
      const args = e.args.map(ev);
      if (e.fn === 'Number') return Number(args[0]);
      if (e.fn === 'BigInt') return BigInt(args[0] as number);
      const f = exprFunctions[`fn_${e.fn}` as 'fn_min'] as (...xs: unknown[]) => number | bigint;
      return f(...args);
    }
    case 'mem': return exprFunctions.prop(ev(e.a), e.prop) as ExprValue;
  }
}
