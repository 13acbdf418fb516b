/**
 * Declarations of a preprocessed C header (ISO C11 6.7): struct/union/enum definitions, typedefs,
 * with gcc's __attribute__((packed / aligned(N))). Function prototypes, function bodies and
 * variables are read past. A record whose body holds something not understood is kept with an
 * `error` (line and text), so the caller can skip or report it.
 */
import { CSyntaxError, describe, evalExpr, expect, lineOf, peek, type Cursor, type ExprHooks, type TypeFacts } from './cexpr.js';
import { alignOf, builtinTypedefs, intType, LayoutError, sizeOf, type CType, type IntType, type Member, type RecordDef, type RecordType } from './ctypes.js';
import { layoutRecord } from './layout.js';
import type { Token } from './lexer.js';
import { PACK_TOKEN, type ImportWarning } from './preprocess.js';
import type { Target } from './targets.js';

export interface EnumDef {
  tag?: string;
  line: number;
  values: Map<string, bigint>;
  packed?: boolean;
}

export interface Declarations {
  /** Records in the order their definitions end (a nested definition comes before its parent). */
  records: RecordDef[];
  enums: EnumDef[];
  typedefs: Map<string, CType>;
  enumConstants: Map<string, bigint>;
}

interface Attrs {
  packed?: boolean;
  aligned?: number;
  /** __attribute__((mode(QI|HI|SI|DI|word|pointer))): the integer's size in bytes. */
  mode?: number;
}

/** Qualifiers, storage classes and annotations that do not change a layout. */
const IGNORED = new Set([
  'const', 'volatile', 'restrict', '__restrict', '__restrict__', '__const', '__const__', '__volatile', '__volatile__', 'extern', 'static', 'register',
  'auto', 'inline', '__inline', '__inline__', '__extension__', '_Noreturn', '__thread', '_Thread_local', '_Atomic',
  '__user', '__kernel', '__iomem', '__rcu', '__percpu', '__force', '__bitwise', '__bitwise__', '__safe', '__nocast', '__must_check', '__private',
]);
const TYPE_WORDS = new Set(['void', 'char', 'short', 'int', 'long', 'float', 'double', 'signed', 'unsigned', '__signed__', '__signed', '_Bool', '__int128', '_Complex', '__complex__']);

export class DeclarationParser implements ExprHooks {
  readonly records: RecordDef[] = [];
  readonly enums: EnumDef[] = [];
  readonly typedefs: Map<string, CType>;
  readonly tags = new Map<string, RecordDef | EnumDef>();
  readonly enumConstants = new Map<string, bigint>();
  private readonly match: Int32Array;
  private readonly c: Cursor;
  private pack = 0;

  constructor(toks: readonly Token[], private readonly target: Target, private readonly warn: (w: ImportWarning) => void) {
    this.c = { toks, i: 0, endLine: toks.length ? toks[toks.length - 1]!.line : 1 };
    this.typedefs = builtinTypedefs(target);
    this.match = new Int32Array(toks.length).fill(-1);
    const open: number[] = [];
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    toks.forEach((t, i) => {
      if (t.kind !== 'punct') return;
      if (t.text === '(' || t.text === '[' || t.text === '{') open.push(i);
      else if (pairs[t.text]) {
        const j = open.pop();
        if (j === undefined || toks[j]!.text !== pairs[t.text]) throw new CSyntaxError(t.line, `unbalanced '${t.text}'`);
        this.match[i] = j;
        this.match[j] = i;
      }
    });
    if (open.length) throw new CSyntaxError(toks[open[open.length - 1]!]!.line, `unclosed '${toks[open[open.length - 1]!]!.text}'`);
  }

  parse(): Declarations {
    const c = this.c;
    while (c.i < c.toks.length) {
      const t = peek(c)!;
      if (t.text === PACK_TOKEN) {
        this.pack = Number(c.toks[c.i + 1]!.text);
        c.i += 2;
        continue;
      }
      if (t.text === ';') {
        c.i++;
        continue;
      }
      const start = c.i;
      try {
        this.topLevel();
      } catch (e) {
        if (!(e instanceof CSyntaxError || e instanceof LayoutError)) throw e;
        const file = c.toks[start]?.file;
        this.warn({ line: e.line, message: `declaration skipped: ${e.message}`, ...(file ? { file } : {}) });
        this.resync(start);
      }
    }
    return { records: this.records, enums: this.enums, typedefs: this.typedefs, enumConstants: this.enumConstants };
  }

  /** After an error: skip to the ';' ending the declaration, or past a function body. */
  private resync(start: number): void {
    const c = this.c;
    let i = Math.max(start, c.i - 1);
    for (i = start; i < c.toks.length; i++) {
      const t = c.toks[i]!;
      if (t.text === ';') break;
      if (t.text === '{') {
        const close = this.match[i]!;
        if (c.toks[i - 1]?.text === ')') {
          i = close;
          break;
        }
        i = close;
      } else if (t.text === '(' || t.text === '[') i = this.match[i]!;
    }
    c.i = i + 1;
  }

  private topLevel(): void {
    const c = this.c;
    if (peek(c)!.text === '_Static_assert' || peek(c)!.text === 'static_assert') {
      this.resync(c.i);
      return;
    }
    const spec = this.specifiers();
    if (!spec) throw new CSyntaxError(lineOf(c), `declaration expected, found ${describe(peek(c))}`);
    if (peek(c)?.text === ';') {
      c.i++;
      return;
    }
    for (;;) {
      const attrs: Attrs = {};
      const d = this.declarator(spec.type, attrs);
      this.attributes(attrs);
      if (spec.isTypedef) {
        if (!d.name) throw new CSyntaxError(lineOf(c), 'typedef without a name');
        let t = this.withMode(d.type, attrs.mode ?? spec.attrs.mode);
        const a = attrs.aligned ?? spec.attrs.aligned;
        if (a) t = { ...t, userAlign: a };
        if (t.k === 'record' && !t.rec.tag && !t.rec.typedefName) t.rec.typedefName = d.name;
        // Linux: `typedef __u16 __bitwise __be16;` must keep the byte order the name stands for
        const known = this.typedefs.get(d.name);
        if (known?.k === 'int' && known.endian !== 'native' && t.k === 'int' && t.size === known.size) t = { ...t, endian: known.endian };
        this.typedefs.set(d.name, { ...t, spelling: t.k === 'record' || t.k === 'array' ? t.spelling : d.name });
      }
      const next = peek(c);
      if (next?.text === '{') {
        // a function definition
        c.i = this.match[c.i]! + 1;
        return;
      }
      if (next?.text === '=') this.skipInitializer();
      const sep = peek(c);
      if (sep?.text === ',') {
        c.i++;
        continue;
      }
      expect(c, ';');
      return;
    }
  }

  private skipInitializer(): void {
    const c = this.c;
    while (c.i < c.toks.length) {
      const t = c.toks[c.i]!;
      if (t.text === ',' || t.text === ';') return;
      c.i = t.text === '(' || t.text === '[' || t.text === '{' ? this.match[c.i]! + 1 : c.i + 1;
    }
  }

  /** __attribute__((...)), _Alignas(N), __packed / __aligned(N) spellings after or between specifiers. */
  private attributes(into: Attrs = {}): Attrs {
    const c = this.c;
    for (;;) {
      const t = peek(c);
      if (!t || t.kind !== 'id') return into;
      if (t.text === '__attribute__' || t.text === '__attribute') {
        c.i++;
        expect(c, '(');
        const close = this.match[c.i - 1]!;
        expect(c, '(');
        while (c.i < close - 1) {
          const a = peek(c)!;
          if (a.text === ',') {
            c.i++;
            continue;
          }
          if (a.kind !== 'id') throw new CSyntaxError(a.line, `attribute name expected, found ${describe(a)}`);
          c.i++;
          const name = a.text.replace(/^__(.*)__$/, '$1');
          const hasArgs = peek(c)?.text === '(';
          const argsEnd = hasArgs ? this.match[c.i]! : c.i;
          if (name === 'packed') into.packed = true;
          else if (name === 'aligned') {
            if (hasArgs) {
              c.i++;
              into.aligned = Math.max(into.aligned ?? 0, this.constant('aligned(N)'));
            } else into.aligned = this.target.biggestAlignment;
          } else if (name === 'mode' && hasArgs) {
            const m = c.toks[c.i + 1]?.text.replace(/^__(.*)__$/, '$1') ?? '';
            const sizes: Record<string, number> = { QI: 1, HI: 2, SI: 4, DI: 8, TI: 16, word: this.target.long, pointer: this.target.pointer, byte: 1 };
            if (!sizes[m]) throw new CSyntaxError(a.line, `__attribute__((mode(${m}))) is not supported`);
            into.mode = sizes[m];
          } else if (name === 'mode' || name === 'vector_size' || name === 'ms_struct' || name === 'gcc_struct' || name === 'scalar_storage_order') {
            throw new CSyntaxError(a.line, `__attribute__((${name})) is not supported`);
          }
          c.i = hasArgs ? argsEnd + 1 : c.i;
        }
        c.i = close + 1;
      } else if (t.text === '_Alignas' || t.text === '__aligned' || t.text === 'alignas') {
        c.i++;
        expect(c, '(');
        const end = this.match[c.i - 1]!;
        const ty = this.typeName(c);
        into.aligned = Math.max(into.aligned ?? 0, ty ? ty.align : this.constant(t.text));
        c.i = end + 1;
      } else if (t.text === '__packed') {
        c.i++;
        into.packed = true;
      } else if (IGNORED.has(t.text)) {
        c.i++;
      } else return into;
    }
  }

  private withMode(t: CType, mode: number | undefined): CType {
    if (mode === undefined) return t;
    if (t.k !== 'int') throw new CSyntaxError(this.c.toks[this.c.i - 1]?.line ?? 0, `mode() on ${t.spelling}, not an integer type`);
    return { ...intType(t.spelling, mode, t.signed, this.target, t.endian), ...(mode === 16 ? { align: 16 } : {}) };
  }

  private constant(what: string): number {
    const c = this.c;
    const line = lineOf(c);
    const v = evalExpr(c, this);
    if (v < 0n || v > 0x7fffffffn) throw new CSyntaxError(line, `${what} is ${v}, out of range`);
    return Number(v);
  }

  /** Declaration specifiers: the base type, typedef-ness, attributes; undefined when none start here. */
  private specifiers(): { type: CType; isTypedef: boolean; attrs: Attrs } | undefined {
    const c = this.c;
    const words: string[] = [];
    let type: CType | undefined;
    let isTypedef = false;
    const attrs: Attrs = {};
    for (;;) {
      this.attributes(attrs);
      const t = peek(c);
      if (!t || t.kind !== 'id') break;
      if (t.text === 'typedef') {
        isTypedef = true;
        c.i++;
      } else if (TYPE_WORDS.has(t.text)) {
        words.push(t.text);
        c.i++;
      } else if ((t.text === 'struct' || t.text === 'union') && !type && !words.length) {
        c.i++;
        type = this.recordSpecifier(t.text);
      } else if (t.text === 'enum' && !type && !words.length) {
        c.i++;
        type = this.enumSpecifier();
      } else if (!type && !words.length && this.typedefs.has(t.text)) {
        c.i++;
        type = this.typedefs.get(t.text)!;
      } else if (t.text === '__typeof__' || t.text === 'typeof' || t.text === '__typeof') {
        throw new CSyntaxError(t.line, `${t.text} is not supported`);
      } else break;
    }
    if (words.length) {
      if (type) throw new CSyntaxError(lineOf(c), `${words.join(' ')} combined with ${type.spelling}`);
      type = this.basicType(words, lineOf(c));
    }
    if (!type) {
      if (isTypedef) throw new CSyntaxError(lineOf(c), `type expected after typedef, found ${describe(peek(c))}`);
      return undefined;
    }
    return { type, isTypedef, attrs };
  }

  private basicType(words: string[], line: number): CType {
    const T = this.target;
    const n = (w: string): number => words.filter((x) => x === w).length;
    const signedWord = n('signed') + n('__signed__') + n('__signed') > 0;
    const unsigned = n('unsigned') > 0;
    const spelling = words.map((w) => (w.startsWith('__signed') ? 'signed' : w)).join(' ');
    const longs = n('long');
    if (n('_Complex') || n('__complex__')) throw new CSyntaxError(line, '_Complex types are not supported');
    if (n('void')) return { k: 'void', spelling };
    if (n('float')) return { k: 'float', spelling, size: 4, align: 4 };
    if (n('double')) return longs ? { k: 'float', spelling, size: T.longDouble.size, align: T.longDouble.align } : { k: 'float', spelling, size: 8, align: T.doubleFieldAlign };
    if (n('_Bool')) return { ...intType(spelling, 1, false, T), bool: true };
    if (n('char')) {
      const t = intType(spelling, 1, unsigned ? false : signedWord ? true : T.charSigned, T);
      return signedWord || unsigned ? t : { ...t, plainChar: true };
    }
    if (n('__int128')) {
      if (T.pointer < 8) throw new CSyntaxError(line, `__int128 does not exist on ${T.name}`);
      return { ...intType(spelling, 16, !unsigned, T), align: 16 };
    }
    if (n('short')) return intType(spelling, 2, !unsigned, T);
    if (longs >= 2) return intType(spelling, 8, !unsigned, T);
    if (longs === 1) return intType(spelling, T.long, !unsigned, T);
    return intType(spelling, 4, !unsigned, T);
  }

  private recordSpecifier(kind: 'struct' | 'union'): RecordType {
    const c = this.c;
    const pre = this.attributes();
    let tag: string | undefined;
    if (peek(c)?.kind === 'id') tag = c.toks[c.i++]!.text;
    const spelling = `${kind}${tag ? ' ' + tag : ''}`;
    const existing = tag ? this.tags.get(tag) : undefined;
    if (existing && !('kind' in existing)) throw new CSyntaxError(lineOf(c), `${spelling}: ${tag} is an enum`);
    if (peek(c)?.text !== '{') {
      if (!tag) throw new CSyntaxError(lineOf(c), `${kind} without a tag or a body`);
      if (existing) return { k: 'record', spelling, rec: existing };
      const rec: RecordDef = { kind, tag, line: lineOf(c), members: [], complete: false, packed: false, pack: this.pack };
      this.tags.set(tag, rec);
      return { k: 'record', spelling, rec };
    }
    const open = c.i;
    const rec: RecordDef = existing && !existing.complete ? existing : { kind, tag, line: c.toks[open]!.line, members: [], complete: false, packed: false, pack: this.pack };
    if (existing && existing.complete) throw new CSyntaxError(c.toks[open]!.line, `${spelling} defined twice (first at line ${existing.line})`);
    rec.line = c.toks[open]!.line;
    rec.file = c.toks[open]!.file;
    rec.pack = this.pack;
    if (tag) this.tags.set(tag, rec);
    c.i++;
    const close = this.match[open]!;
    try {
      while (c.i < close) this.memberDeclaration(rec, close);
    } catch (e) {
      if (!(e instanceof CSyntaxError || e instanceof LayoutError)) throw e;
      rec.error = { line: e.line, message: e.message };
    }
    c.i = close + 1;
    const post = this.attributes();
    rec.packed = !!(pre.packed || post.packed);
    const aligned = Math.max(pre.aligned ?? 0, post.aligned ?? 0);
    if (aligned) rec.aligned = aligned;
    rec.complete = true;
    if (!rec.error) {
      try {
        rec.layout = layoutRecord(rec, this.target);
      } catch (e) {
        if (!(e instanceof LayoutError)) throw e;
        rec.error = { line: e.line, message: e.message };
      }
    }
    this.records.push(rec);
    return { k: 'record', spelling, rec };
  }

  private memberDeclaration(rec: RecordDef, close: number): void {
    const c = this.c;
    const t = peek(c)!;
    if (t.text === ';') {
      c.i++;
      return;
    }
    if (t.text === PACK_TOKEN) throw new CSyntaxError(t.line, '#pragma pack inside a structure is not supported');
    if (t.text === '_Static_assert' || t.text === 'static_assert') {
      while (c.i < close && peek(c)!.text !== ';') c.i = peek(c)!.text === '(' ? this.match[c.i]! + 1 : c.i + 1;
      c.i++;
      return;
    }
    const spec = this.specifiers();
    if (!spec) throw new CSyntaxError(t.line, `member type expected, found ${describe(t)}${t.kind === 'id' ? ' (an unknown type or macro)' : ''}`);
    if (spec.isTypedef) throw new CSyntaxError(t.line, 'typedef inside a structure');
    if (peek(c)?.text === ';') {
      c.i++;
      // C11 anonymous struct/union: a tagless record with no declarator
      if (spec.type.k === 'record' && !spec.type.rec.tag && !spec.type.rec.typedefName) {
        rec.members.push({ type: spec.type, packed: !!spec.attrs.packed, aligned: spec.attrs.aligned, line: t.line });
      }
      return;
    }
    for (;;) {
      const line = lineOf(c);
      let member: Member;
      const attrs: Attrs = { ...spec.attrs };
      if (peek(c)?.text === ':') {
        member = { type: spec.type, packed: false, line };
      } else {
        const d = this.declarator(spec.type, attrs);
        if (!d.name) throw new CSyntaxError(line, 'member name expected');
        if (d.type.k === 'func') throw new CSyntaxError(line, `member ${d.name} is a function`);
        member = { name: d.name, type: this.withMode(d.type, attrs.mode), packed: false, line };
      }
      if (peek(c)?.text === ':') {
        c.i++;
        member.bitWidth = this.constant(`width of bit-field ${member.name ?? '(unnamed)'}`);
      }
      this.attributes(attrs);
      member.packed = !!attrs.packed;
      if (attrs.aligned) member.aligned = attrs.aligned;
      rec.members.push(member);
      const sep = peek(c);
      if (sep?.text === ',') {
        c.i++;
        continue;
      }
      if (sep?.text !== ';') throw new CSyntaxError(sep?.line ?? line, `';' expected after member ${member.name ?? ''}, found ${describe(sep)}`);
      c.i++;
      return;
    }
  }

  private enumSpecifier(): CType {
    const c = this.c;
    const pre = this.attributes();
    let tag: string | undefined;
    if (peek(c)?.kind === 'id') tag = c.toks[c.i++]!.text;
    if (peek(c)?.text === ':') throw new CSyntaxError(lineOf(c), 'enums with a fixed underlying type are not supported');
    const spelling = `enum${tag ? ' ' + tag : ''}`;
    if (peek(c)?.text !== '{') {
      const existing = tag ? this.tags.get(tag) : undefined;
      if (existing && !('kind' in existing)) return this.enumType(existing, spelling, !!(pre.packed || existing.packed));
      return intType(spelling, 4, false, this.target);
    }
    const en: EnumDef = { tag, line: lineOf(c), values: new Map() };
    const close = this.match[c.i]!;
    c.i++;
    let next = 0n;
    while (c.i < close) {
      const name = peek(c)!;
      if (name.kind !== 'id') throw new CSyntaxError(name.line, `enumerator expected, found ${describe(name)}`);
      c.i++;
      this.attributes();
      if (peek(c)?.text === '=') {
        c.i++;
        next = evalExpr(c, this);
      }
      en.values.set(name.text, next);
      this.enumConstants.set(name.text, next);
      next++;
      if (peek(c)?.text === ',') c.i++;
      else if (c.i !== close) throw new CSyntaxError(lineOf(c), `',' or '}' expected in ${spelling}, found ${describe(peek(c))}`);
    }
    c.i = close + 1;
    const post = this.attributes();
    en.packed = !!(pre.packed || post.packed);
    if (tag) this.tags.set(tag, en);
    this.enums.push(en);
    return this.enumType(en, spelling, en.packed);
  }

  /** gcc: unsigned int when no value is negative, int otherwise; 8 bytes when needed; smallest when packed. */
  private enumType(en: EnumDef, spelling: string, packed: boolean): IntType {
    const vals = [...en.values.values()];
    const signed = vals.some((v) => v < 0n);
    const fits = (bytes: number): boolean => vals.every((v) => (signed ? BigInt.asIntN(bytes * 8, v) === v : BigInt.asUintN(bytes * 8, v) === v));
    const sizes = packed ? [1, 2, 4, 8] : [4, 8];
    const size = sizes.find(fits);
    if (!size) throw new CSyntaxError(en.line, `${spelling} has values that fit no integer type`);
    return intType(spelling, size, signed, this.target);
  }

  /** A declarator (6.7.6): pointers, a name (or none), array and function suffixes, parentheses. */
  private declarator(base: CType, attrs: Attrs = {}): { name?: string; type: CType } {
    const c = this.c;
    let ptrs = 0;
    for (;;) {
      this.attributes(attrs);
      if (peek(c)?.text !== '*') break;
      c.i++;
      ptrs++;
    }
    let name: string | undefined;
    let inner: ((t: CType) => { name?: string; type: CType }) | undefined;
    const t = peek(c);
    if (t?.text === '(' && this.startsDeclarator(c.i + 1)) {
      const close = this.match[c.i]!;
      const start = c.i + 1;
      c.i = close + 1;
      inner = (ty: CType) => {
        const save = c.i;
        c.i = start;
        const d = this.declarator(ty, attrs);
        if (c.i !== close) throw new CSyntaxError(lineOf(c), `')' expected in declarator, found ${describe(peek(c))}`);
        c.i = save;
        return d;
      };
    } else if (t?.kind === 'id' && !this.typedefs.has(t.text) && !IGNORED.has(t.text)) {
      name = t.text;
      c.i++;
    } else if (t?.kind === 'id' && this.typedefs.has(t.text) && ptrs === 0 && base.k !== 'void') {
      // a member named like a typedef: C allows it when the type is already given
      name = t.text;
      c.i++;
    }
    const suffixes: ({ k: 'array'; count: number | null } | { k: 'func' })[] = [];
    for (;;) {
      this.attributes(attrs);
      const s = peek(c);
      if (s?.text === '[') {
        const close = this.match[c.i]!;
        c.i++;
        if (c.i === close) suffixes.push({ k: 'array', count: null });
        else {
          while (peek(c)?.text === 'static' || IGNORED.has(peek(c)?.text ?? '')) c.i++;
          const count = this.constant(`array size of ${name ?? 'member'}`);
          suffixes.push({ k: 'array', count });
          if (c.i !== close) throw new CSyntaxError(lineOf(c), `']' expected, found ${describe(peek(c))}`);
        }
        c.i = close + 1;
      } else if (s?.text === '(') {
        c.i = this.match[c.i]! + 1;
        suffixes.push({ k: 'func' });
      } else break;
    }
    let type: CType = base;
    for (let p = 0; p < ptrs; p++) type = { k: 'ptr', spelling: `${type.spelling} *`, size: this.target.pointer };
    for (let s = suffixes.length - 1; s >= 0; s--) {
      const suf = suffixes[s]!;
      type = suf.k === 'func' ? { k: 'func', spelling: `${type.spelling} ()` } : { k: 'array', of: type, count: suf.count, spelling: `${type.spelling}[${suf.count ?? ''}]` };
    }
    if (inner) return inner(type);
    return { name, type };
  }

  /** After '(': does a nested declarator start here (rather than a parameter list)? */
  private startsDeclarator(i: number): boolean {
    const t = this.c.toks[i];
    if (!t) return false;
    if (t.text === '*' || t.text === '(' || t.text === '[' || t.text === '__attribute__') return true;
    return t.kind === 'id' && !this.typedefs.has(t.text) && !TYPE_WORDS.has(t.text) && !IGNORED.has(t.text) && t.text !== 'struct' && t.text !== 'union' && t.text !== 'enum';
  }

  // ExprHooks
  ident(name: string): bigint | undefined {
    return this.enumConstants.get(name);
  }

  typeName(c: Cursor): TypeFacts | undefined {
    const t = peek(c);
    if (!t || t.kind !== 'id') return undefined;
    if (!(TYPE_WORDS.has(t.text) || this.typedefs.has(t.text) || t.text === 'struct' || t.text === 'union' || t.text === 'enum' || IGNORED.has(t.text))) return undefined;
    const saved = this.c.i;
    const savedCursor = this.c === c;
    if (!savedCursor) throw new CSyntaxError(t.line, 'type names are only supported in declarations');
    const spec = this.specifiers();
    if (!spec) {
      this.c.i = saved;
      return undefined;
    }
    const d = this.declarator(spec.type);
    const type = d.type;
    const line = t.line;
    const size = type.k === 'void' ? 1 : sizeOf(type, line);
    const align = type.k === 'void' ? 1 : alignOf(type, line);
    return { size, align, int: type.k === 'int' ? { bits: type.size * 8, signed: type.signed } : type.k === 'ptr' ? { bits: type.size * 8, signed: false } : undefined };
  }

  offsetOf(c: Cursor): bigint {
    const t = peek(c)!;
    const ty = this.specifiers();
    if (!ty || ty.type.k !== 'record') throw new CSyntaxError(t.line, 'offsetof needs a structure type');
    expect(c, ',');
    let rec = ty.type.rec;
    let offset = 0;
    for (;;) {
      const name = peek(c);
      if (!name || name.kind !== 'id') throw new CSyntaxError(lineOf(c), 'member name expected in offsetof');
      c.i++;
      sizeOf(ty.type, name.line);
      const found = findMember(rec, name.text);
      if (!found) throw new CSyntaxError(name.line, `${recordLabel(rec)} has no member ${name.text}`);
      offset += found.bitOffset / 8;
      if (peek(c)?.text === '.') {
        c.i++;
        if (found.type.k !== 'record') throw new CSyntaxError(name.line, `${name.text} is not a structure`);
        rec = found.type.rec;
        continue;
      }
      expect(c, ')');
      return BigInt(Math.floor(offset));
    }
  }
}

export function recordLabel(rec: RecordDef): string {
  return `${rec.kind} ${rec.tag ?? rec.typedefName ?? '(anonymous)'}`;
}

/** A member by name, looking through anonymous members; bitOffset from the record start. */
export function findMember(rec: RecordDef, name: string): { type: CType; bitOffset: number } | undefined {
  for (const p of rec.layout?.members ?? []) {
    if (p.member.name === name) return { type: p.member.type, bitOffset: p.bitOffset };
    if (!p.member.name && p.member.type.k === 'record') {
      const inner = findMember(p.member.type.rec, name);
      if (inner) return { type: inner.type, bitOffset: p.bitOffset + inner.bitOffset };
    }
  }
  return undefined;
}
