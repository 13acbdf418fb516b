/**
 * A small C preprocessor (ISO C11 6.10) for import-c: #define/#undef (object- and function-like,
 * with # and ##), #if/#ifdef/#ifndef/#elif/#else/#endif evaluated like a compiler would for the
 * target, #pragma pack. #include is not followed: the types it would bring are built in.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CSyntaxError, evalExpr, type Cursor } from './cexpr.js';
import { LexError, logicalLines, stripComments, tokenize, type Token } from './lexer.js';

export interface Macro {
  name: string;
  /** Parameter names of a function-like macro (`__VA_ARGS__` last when variadic). */
  params?: string[];
  variadic?: boolean;
  body: Token[];
  line: number;
}

export interface ImportWarning {
  line: number;
  message: string;
  /** The #include'd file the line is in; absent for the main header. */
  file?: string;
}

/** The kind of token the preprocessor inserts for `#pragma pack`: its text is the new maximum alignment (0 = none). */
export const PACK_TOKEN = '#pack';

/** Identifiers gcc reports as defined that are operators rather than macros. */
const SPECIAL_OPERATORS = new Set(['__has_attribute', '__has_c_attribute', '__has_builtin', '__has_include', '__has_include_next', '__has_cpp_attribute']);

export interface PreprocessOptions {
  /** Macros defined before the header is read (the target's predefined macros, -D). */
  predefined: Readonly<Record<string, string>>;
  warn(w: ImportWarning): void;
  /** Folders searched for #include (like gcc -I); undefined: #include is not followed. */
  includeDirs?: readonly string[];
  /** Folder of the main header, searched first for #include "...". */
  mainDir?: string;
}

export class PreprocessError extends Error {
  constructor(readonly line: number, message: string, readonly file?: string) {
    super(message);
  }
}

const MAX_INCLUDE_DEPTH = 64;

const MAX_EXPANDED_TOKENS = 5_000_000;

function withHide(hide: ReadonlySet<string> | undefined, name: string): ReadonlySet<string> {
  const s = new Set(hide ?? []);
  s.add(name);
  return s;
}

function union(a: ReadonlySet<string> | undefined, b: ReadonlySet<string>): ReadonlySet<string> {
  if (!a || a.size === 0) return b;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}

export class Preprocessor {
  readonly macros = new Map<string, Macro>();
  private budget = MAX_EXPANDED_TOKENS;
  /** The #include'd file being read (undefined: the main header). */
  private currentFile: string | undefined;
  private readonly once = new Set<string>();
  private depth = 0;
  private pack = 0;
  private readonly packStack: number[] = [];

  private error(line: number, message: string): PreprocessError {
    return new PreprocessError(line, message, this.currentFile);
  }

  private warn(line: number, message: string): void {
    this.options.warn(this.currentFile ? { line, message, file: this.currentFile } : { line, message });
  }

  constructor(private readonly options: PreprocessOptions) {
    for (const [name, value] of Object.entries(options.predefined)) {
      this.define(tokenize(`${name} ${value}`, 0), 0);
    }
  }

  /** Tokens of the header after preprocessing (with PACK_TOKEN markers). */
  run(text: string): Token[] {
    const out: Token[] = [];
    this.runFile(text, undefined, this.options.mainDir, out);
    return out;
  }

  private runFile(text: string, file: string | undefined, dir: string | undefined, out: Token[]): void {
    const outer = this.currentFile;
    this.currentFile = file;
    let pending: Token[] = [];
    const flush = (): void => {
      if (pending.length) out.push(...this.expand(pending));
      pending = [];
    };
    // each entry: is this group being kept, was a branch of this #if taken, was the enclosing group kept
    const conds: { active: boolean; taken: boolean; parent: boolean; line: number; sawElse: boolean }[] = [];
    const active = (): boolean => conds.length === 0 || conds[conds.length - 1]!.active;

    for (const { text: lineText, line } of logicalLines(stripComments(text))) {
      const trimmed = lineText.trimStart();
      if (!trimmed.startsWith('#')) {
        if (!active()) continue;
        try {
          const toks = tokenize(lineText, line);
          if (file) for (const t of toks) t.file = file;
          pending.push(...toks);
        } catch (e) {
          if (e instanceof LexError) throw this.error(e.line, e.message);
          throw e;
        }
        continue;
      }
      let toks: Token[];
      try {
        toks = tokenize(trimmed.slice(1), line);
      } catch (e) {
        if (!active()) continue;
        if (e instanceof LexError) throw this.error(e.line, e.message);
        throw e;
      }
      const dir = toks[0]?.text ?? '';
      const args = toks.slice(1);
      switch (dir) {
        case 'if':
        case 'ifdef':
        case 'ifndef': {
          const parent = active();
          let v = false;
          if (parent) {
            flush();
            v = dir === 'if' ? this.evalCondition(args, line) : this.isDefined(args[0]?.text ?? '') === (dir === 'ifdef');
          }
          conds.push({ active: parent && v, taken: v, parent, line, sawElse: false });
          break;
        }
        case 'elif':
        case 'elifdef':
        case 'elifndef': {
          const c = conds[conds.length - 1];
          if (!c || c.sawElse) throw this.error(line, `#${dir} without #if`);
          if (c.taken || !c.parent) {
            c.active = false;
          } else {
            flush();
            const v = dir === 'elif' ? this.evalCondition(args, line) : this.isDefined(args[0]?.text ?? '') === (dir === 'elifdef');
            c.active = v;
            c.taken = v;
          }
          break;
        }
        case 'else': {
          const c = conds[conds.length - 1];
          if (!c || c.sawElse) throw this.error(line, '#else without #if');
          c.sawElse = true;
          c.active = c.parent && !c.taken;
          c.taken = true;
          break;
        }
        case 'endif':
          if (!conds.pop()) throw this.error(line, '#endif without #if');
          break;
        default:
          if (!active()) break;
          flush();
          if (dir === 'include' || dir === 'include_next') {
            this.include(args, line, dir, file, out);
            break;
          }
          this.directive(dir, args, line, trimmed.slice(1).trimStart().slice(dir.length).trim());
          if (dir === 'pragma' && args[0]?.text === 'pack') {
            this.pack = this.pragmaPack(args.slice(1), line, this.pack, this.packStack);
            out.push({ kind: 'punct', text: PACK_TOKEN, line, file }, { kind: 'num', text: String(this.pack), line, file });
          }
          if (dir === 'pragma' && args[0]?.text === 'once' && file) this.once.add(file);
      }
    }
    if (conds.length) throw this.error(conds[conds.length - 1]!.line, 'unterminated #if');
    flush();
    this.currentFile = outer;
  }

  /** #include "x" / <x> / MACRO: read from the including file's folder ("x" only), then the -I folders. */
  private include(args: Token[], line: number, dir: string, from: string | undefined, out: Token[]): void {
    const dirs = this.options.includeDirs;
    if (!dirs) return;
    let toks = args;
    if (toks[0] && toks[0].kind !== 'str' && toks[0].text !== '<') toks = this.expand(toks);
    let name: string;
    let quoted = false;
    if (toks[0]?.kind === 'str') {
      name = toks[0].text.slice(1, -1);
      quoted = true;
    } else if (toks[0]?.text === '<' && toks.some((t) => t.text === '>')) {
      name = toks.slice(1, toks.findIndex((t) => t.text === '>')).map((t) => t.text).join('');
    } else {
      this.warn(line, `#${dir} not understood; not read`);
      return;
    }
    const here = from ? dirname(from) : this.options.mainDir;
    const candidates = [...(quoted && here ? [here] : []), ...dirs].map((d) => resolve(d, name));
    const found = candidates.find((p) => existsSync(p) && statSync(p).isFile());
    if (!found) {
      this.warn(line, `#include ${quoted ? `"${name}"` : `<${name}>`} not found in the include folders; not read`);
      return;
    }
    if (this.once.has(found)) return;
    if (++this.depth > MAX_INCLUDE_DEPTH) throw this.error(line, `#include nested more than ${MAX_INCLUDE_DEPTH} deep`);
    try {
      this.runFile(readFileSync(found, 'utf8'), found, dirname(found), out);
    } finally {
      this.depth--;
    }
  }

  private directive(dir: string, args: Token[], line: number, rest: string): void {
    switch (dir) {
      case '':
      case 'line':
      case 'ident':
      case 'sccs':
      case 'assert':
      case 'unassert':
      case 'pragma':
        return;
      case 'define':
        this.define(args, line);
        return;
      case 'undef':
        if (args[0]) this.macros.delete(args[0].text);
        return;
      case 'error':
        throw this.error(line, `#error ${rest}${this.options.includeDirs ? '' : ' (#include files are not read: pass include folders, -I, if the condition depends on them)'}`);
      case 'warning':
        this.warn(line, `#warning ${rest}`);
        return;
      default:
        this.warn(line, `unknown directive #${dir} ignored`);
    }
  }

  /** #pragma pack(n) | pack() | pack(push[, n]) | pack(pop): gcc's forms. */
  private pragmaPack(args: Token[], line: number, pack: number, stack: number[]): number {
    const inner = args[0]?.text === '(' ? args.slice(1, args.findIndex((t) => t.text === ')')) : args;
    const words = inner.filter((t) => t.text !== ',').map((t) => t.text);
    const num = (w: string | undefined): number => {
      const n = Number(w);
      if (!(n === 1 || n === 2 || n === 4 || n === 8 || n === 16)) throw this.error(line, `#pragma pack value ${w} is not 1, 2, 4, 8 or 16`);
      return n;
    };
    if (words.length === 0) return 0;
    if (words[0] === 'push') {
      stack.push(pack);
      return words[1] !== undefined ? num(words[1]) : pack;
    }
    if (words[0] === 'pop') return stack.pop() ?? 0;
    return num(words[0]);
  }

  private define(args: Token[], line: number): void {
    const name = args[0];
    if (!name || name.kind !== 'id') throw this.error(line, '#define without a macro name');
    let i = 1;
    const m: Macro = { name: name.text, body: [], line };
    if (args[1]?.text === '(' && !args[1].space) {
      m.params = [];
      i = 2;
      while (args[i] && args[i]!.text !== ')') {
        const t = args[i]!;
        if (t.text === '...') {
          m.params.push('__VA_ARGS__');
          m.variadic = true;
        } else if (t.kind === 'id') {
          if (args[i + 1]?.text === '...') {
            m.variadic = true;
            i++;
          }
          m.params.push(t.text);
        } else if (t.text !== ',') {
          throw this.error(line, `bad parameter list in #define ${name.text}`);
        }
        i++;
      }
      if (!args[i]) throw this.error(line, `unterminated parameter list in #define ${name.text}`);
      i++;
    }
    m.body = args.slice(i);
    this.macros.set(m.name, m);
  }

  isDefined(name: string): boolean {
    return this.macros.has(name) || SPECIAL_OPERATORS.has(name);
  }

  private evalCondition(args: Token[], line: number): boolean {
    const toks = this.replaceOperators(args, line);
    // __has_attribute and friends may also come out of macros (glibc's __glibc_has_attribute)
    const expanded = this.replaceOperators(this.expand(toks), line).map((t): Token => (t.kind === 'id' ? { kind: 'num', text: t.text === 'true' ? '1' : '0', line } : t));
    const c: Cursor = { toks: expanded, i: 0, endLine: line };
    try {
      const v = evalExpr(c, { ident: () => 0n });
      if (c.i !== expanded.length) throw new CSyntaxError(line, `unexpected '${expanded[c.i]!.text}'`);
      return v !== 0n;
    } catch (e) {
      if (e instanceof CSyntaxError) {
        this.warn(line, `#if condition not understood (${e.message}); taken as false`);
        return false;
      }
      throw e;
    }
  }

  /** `defined X`, `defined(X)` and `__has_attribute(...)`-like operators of an #if replaced by 0 or 1. */
  private replaceOperators(args: readonly Token[], line: number): Token[] {
    const toks: Token[] = [];
    for (let i = 0; i < args.length; i++) {
      const t = args[i]!;
      if (t.kind === 'id' && t.text === 'defined') {
        const paren = args[i + 1]?.text === '(';
        const id = args[i + (paren ? 2 : 1)];
        if (!id || id.kind !== 'id' || (paren && args[i + 3]?.text !== ')')) throw this.error(line, 'bad defined() in #if');
        toks.push({ kind: 'num', text: this.isDefined(id.text) ? '1' : '0', line });
        i += paren ? 3 : 1;
      } else if (t.kind === 'id' && SPECIAL_OPERATORS.has(t.text) && args[i + 1]?.text === '(') {
        let depth = 0;
        let j = i + 1;
        for (; j < args.length; j++) {
          if (args[j]!.text === '(') depth++;
          else if (args[j]!.text === ')' && --depth === 0) break;
        }
        // gcc knows the attributes headers test for; we do not read other files or know builtins.
        toks.push({ kind: 'num', text: t.text === '__has_attribute' || t.text === '__has_c_attribute' ? '1' : '0', line });
        i = j;
      } else {
        toks.push(t);
      }
    }
    return toks;
  }

  /** Macro expansion of a token sequence (rescanning, hide sets, # and ##). */
  expand(input: readonly Token[]): Token[] {
    const stack = input.slice().reverse();
    const out: Token[] = [];
    while (stack.length) {
      const t = stack.pop()!;
      if (--this.budget < 0) throw this.error(t.line, 'macro expansion too large (recursive macros?)');
      const m = t.kind === 'id' ? this.macros.get(t.text) : undefined;
      if (!m || t.hide?.has(t.text)) {
        out.push(t);
        continue;
      }
      const hide = withHide(t.hide, m.name);
      if (!m.params) {
        const body = this.substitute(m, [], hide, t.line, t.file);
        for (let k = body.length - 1; k >= 0; k--) stack.push(body[k]!);
        continue;
      }
      if (stack[stack.length - 1]?.text !== '(') {
        out.push(t);
        continue;
      }
      stack.pop();
      const args: Token[][] = [];
      let cur: Token[] = [];
      let depth = 1;
      for (;;) {
        const a = stack.pop();
        if (!a) throw this.error(t.line, `unterminated call of macro ${m.name}`);
        if (a.text === '(') depth++;
        else if (a.text === ')' && --depth === 0) break;
        if (a.text === ',' && depth === 1 && !(m.variadic && args.length === m.params.length - 1)) {
          args.push(cur);
          cur = [];
        } else {
          cur.push(a);
        }
      }
      args.push(cur);
      if (m.params.length === 0 && args.length === 1 && args[0]!.length === 0) args.pop();
      if (m.variadic && args.length === m.params.length - 1) args.push([]);
      if (args.length !== m.params.length) throw this.error(t.line, `macro ${m.name} takes ${m.params.length} arguments, given ${args.length}`);
      const body = this.substitute(m, args, hide, t.line, t.file);
      for (let k = body.length - 1; k >= 0; k--) stack.push(body[k]!);
    }
    return out;
  }

  private substitute(m: Macro, args: Token[][], hide: ReadonlySet<string>, line: number, file: string | undefined): Token[] {
    const params = m.params ?? [];
    const expandedArgs = new Map<number, Token[]>();
    const result: Token[] = [];
    let paste = false;
    const append = (chunk: readonly Token[]): void => {
      const copies = chunk.map((t): Token => ({ ...t, line, file, hide: union(t.hide, hide) }));
      if (paste && result.length && copies.length) {
        const last = result.pop()!;
        const first = copies.shift()!;
        const joined = tokenize(last.text + first.text, line).map((t): Token => ({ ...t, file, hide }));
        result.push(...joined);
      }
      result.push(...copies);
      paste = false;
    };
    const body = m.body;
    for (let i = 0; i < body.length; i++) {
      const tok = body[i]!;
      const pi = tok.kind === 'id' ? params.indexOf(tok.text) : -1;
      if (m.params && tok.text === '#' && body[i + 1] && params.includes(body[i + 1]!.text)) {
        const arg = args[params.indexOf(body[++i]!.text)]!;
        const text = arg.map((a, k) => (k > 0 && a.space ? ' ' : '') + a.text).join('');
        append([{ kind: 'str', text: JSON.stringify(text), line, file }]);
      } else if (tok.text === '##') {
        paste = true;
      } else if (pi >= 0) {
        const raw = args[pi]!;
        if (paste || body[i + 1]?.text === '##') {
          append(raw);
        } else {
          let e = expandedArgs.get(pi);
          if (!e) expandedArgs.set(pi, (e = this.expand(raw)));
          append(e);
        }
      } else {
        append([tok]);
      }
    }
    return result;
  }
}
