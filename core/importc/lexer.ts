/**
 * C tokens for import-c (ISO C11 6.4): identifiers, numbers, character and string literals,
 * punctuators. Comments are removed before lines are split so line numbers stay those of the file.
 */

export type TokenKind = 'id' | 'num' | 'str' | 'char' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based line of the header where the token (or the macro use that produced it) is. */
  line: number;
  /** The #include'd file the token comes from; undefined for the main header. */
  file?: string;
  /** Macros this token came from (C's hide set: they are not expanded again). */
  hide?: ReadonlySet<string>;
  /** Whitespace before the token (for # stringizing only). */
  space?: boolean;
}

/** Replaces comments by spaces, keeping newlines, so the text keeps its line structure. */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += ' ' + text.slice(i, stop).replace(/[^\n]/g, '');
      i = stop;
    } else if (c === '/' && text[i + 1] === '/') {
      // a line comment ends at the newline not preceded by a backslash
      let j = i + 2;
      while (j < n && !(text[j] === '\n' && text[j - 1] !== '\\')) j++;
      out += ' ' + text.slice(i, j).replace(/[^\n]/g, '');
      i = j;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A logical line: physical lines joined at backslash-newlines, with the first one's number. */
export interface LogicalLine {
  text: string;
  line: number;
}

export function logicalLines(text: string): LogicalLine[] {
  const phys = text.split(/\r?\n/);
  const out: LogicalLine[] = [];
  for (let i = 0; i < phys.length; i++) {
    const line = i + 1;
    let t = phys[i]!;
    while (t.endsWith('\\') && i + 1 < phys.length) {
      t = t.slice(0, -1) + ' ' + phys[++i]!;
    }
    out.push({ text: t, line });
  }
  return out;
}

const PUNCTS = ['...', '<<=', '>>=', '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '*=', '/=', '%=', '+=', '-=', '&=', '^=', '|=', '##'];

export class LexError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** Tokens of one logical line. */
export function tokenize(text: string, line: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  let space = false;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\v' || c === '\r') {
      i++;
      space = true;
      continue;
    }
    let j = i;
    let kind: TokenKind;
    if (/[A-Za-z_$]/.test(c)) {
      while (j < n && /[A-Za-z0-9_$]/.test(text[j]!)) j++;
      kind = 'id';
      // L"..", u8"..": prefixes of literals
      if ((text[j] === '"' || text[j] === "'") && /^(L|u|U|u8)$/.test(text.slice(i, j))) {
        const q = text[j]!;
        j++;
        while (j < n && text[j] !== q) j += text[j] === '\\' ? 2 : 1;
        j++;
        kind = q === '"' ? 'str' : 'char';
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      // pp-number (6.4.8): digits, letters, dots, exponent signs
      j++;
      while (j < n && (/[A-Za-z0-9_.]/.test(text[j]!) || ((text[j] === '+' || text[j] === '-') && /[eEpP]/.test(text[j - 1]!)))) j++;
      kind = 'num';
    } else if (c === '"' || c === "'") {
      j++;
      while (j < n && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      if (j >= n) throw new LexError(line, `unterminated ${c === '"' ? 'string' : 'character'} literal`);
      j++;
      kind = c === '"' ? 'str' : 'char';
    } else {
      const p = PUNCTS.find((s) => text.startsWith(s, i));
      j = i + (p ? p.length : 1);
      kind = 'punct';
    }
    out.push({ kind, text: text.slice(i, j), line, ...(space ? { space } : {}) });
    space = false;
    i = j;
  }
  return out;
}
