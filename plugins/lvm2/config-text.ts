/**
 * The LVM2 metadata text grammar, as libdm's config parser reads it (lvm2 libdm/libdm-config.c:
 * _get_token, _eat_space, _section, _value, _type; unescaping in libdm/libdm-string.c
 * dm_unescape_double_quotes):
 *
 *   file    = section* EOF
 *   section = (IDENTIFIER | STRING) ( '{' section* '}' | '=' value )
 *   value   = '[' (type ','?)* ']' | type
 *   type    = INT | FLOAT | "escaped string" | 'raw string' | bare-string
 *
 * Comments run from '#' to the end of the line; a NUL byte ends the text. Whether a token that
 * starts with a digit, '+', '-' or '.' is a number depends on the previous token ('=', '[' or ','),
 * exactly as in libdm. Lists hold scalars only: libdm rejects a list inside a list.
 * In "..." strings only \" and \\ are escapes; any other backslash stays as it is.
 */

export interface Position {
  /** 1-based line and column of the token's first character. */
  line: number;
  column: number;
  /** 0-based index of the token in the text. */
  index: number;
}

export type ConfigScalar =
  | { kind: 'int'; value: number; at: Position }
  | { kind: 'float'; value: number; at: Position }
  | { kind: 'string'; value: string; at: Position };

export interface ConfigList {
  kind: 'list';
  items: ConfigScalar[];
  at: Position;
}

export type ConfigValue = ConfigScalar | ConfigList;

export interface ConfigAssignment {
  kind: 'assignment';
  key: string;
  value: ConfigValue;
  at: Position;
}

export interface ConfigSection {
  kind: 'section';
  key: string;
  entries: ConfigEntry[];
  at: Position;
}

export type ConfigEntry = ConfigAssignment | ConfigSection;

/** A syntax error with the place it was found. */
export class ConfigSyntaxError extends Error {
  constructor(readonly reason: string, readonly at: Position) {
    super(`line ${at.line}, column ${at.column}: ${reason}`);
    this.name = 'ConfigSyntaxError';
  }
}

/** Sections nested deeper than this are refused (LVM metadata uses 5 levels). */
export const MAX_SECTION_DEPTH = 32;

/**
 * Sections, assignments and values in one text: beyond this the text is refused (issue 9). Each
 * node costs ~100 bytes of heap, so the 64 MiB text bound alone would allow gigabytes; a VG of
 * 10,000 LVs needs about 300,000 nodes.
 */
export const MAX_CONFIG_NODES = 1 << 20;

type TokenType =
  | 'section_b'
  | 'section_e'
  | 'array_b'
  | 'array_e'
  | 'comma'
  | 'eq'
  | 'int'
  | 'float'
  | 'string_escaped'
  | 'string'
  | 'string_bare'
  | 'identifier'
  | 'eof';

interface Token {
  type: TokenType;
  /** Start (inclusive) and end (exclusive) index in the text. */
  begin: number;
  end: number;
  at: Position;
}

function isSpace(c: number): boolean {
  // C isspace(): space, \t, \n, \v, \f, \r
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

const TOKEN_NAMES: Record<TokenType, string> = {
  section_b: "'{'",
  section_e: "'}'",
  array_b: "'['",
  array_e: "']'",
  comma: "','",
  eq: "'='",
  int: 'a number',
  float: 'a number',
  string_escaped: 'a string',
  string: 'a string',
  string_bare: 'a word',
  identifier: 'a name',
  eof: 'the end of the text',
};

class Tokenizer {
  private index = 0;
  private line = 1;
  private lineStart = 0;
  token!: Token;

  constructor(private readonly text: string) {}

  private position(index: number): Position {
    return { line: this.line, column: index - this.lineStart + 1, index };
  }

  private code(i: number): number {
    return i < this.text.length ? this.text.charCodeAt(i) : 0;
  }

  /** _eat_space: whitespace and '#' comments. */
  private eatSpace(): void {
    for (;;) {
      const c = this.code(this.index);
      if (c === 0) return;
      if (c === 0x23 /* # */) {
        while (this.index < this.text.length && this.code(this.index) !== 0x0a && this.code(this.index) !== 0) this.index++;
        continue;
      }
      if (!isSpace(c)) return;
      if (c === 0x0a) {
        this.line++;
        this.lineStart = this.index + 1;
      }
      this.index++;
    }
  }

  /** _get_token: `previous` decides whether digits start a number (after '=', '[' or ',') or a name. */
  next(previous: TokenType): Token {
    const valuesAllowed = previous === 'eq' || previous === 'array_b' || previous === 'comma';
    this.eatSpace();
    const begin = this.index;
    const at = this.position(begin);
    const c = this.code(begin);
    if (c === 0) {
      this.token = { type: 'eof', begin, end: begin, at };
      return this.token;
    }
    let end = begin + 1;
    let type: TokenType;
    switch (c) {
      case 0x7b: type = 'section_b'; break;
      case 0x7d: type = 'section_e'; break;
      case 0x5b: type = 'array_b'; break;
      case 0x5d: type = 'array_e'; break;
      case 0x2c: type = 'comma'; break;
      case 0x3d: type = 'eq'; break;
      case 0x22: /* " */ {
        type = 'string_escaped';
        while (this.code(end) !== 0 && this.code(end) !== 0x22) {
          if (this.code(end) === 0x5c && this.code(end + 1) !== 0) end++;
          end++;
        }
        if (this.code(end) !== 0x22) throw new ConfigSyntaxError('unterminated "string"', at);
        end++;
        break;
      }
      case 0x27: /* ' */ {
        type = 'string';
        while (this.code(end) !== 0 && this.code(end) !== 0x27) end++;
        if (this.code(end) !== 0x27) throw new ConfigSyntaxError("unterminated 'string'", at);
        end++;
        break;
      }
      default: {
        const numberStart = c === 0x2e || isDigit(c) || c === 0x2b || c === 0x2d;
        if (numberStart && valuesAllowed) {
          type = c === 0x2e ? 'float' : 'int';
          for (; end < this.text.length; end++) {
            const d = this.code(end);
            if (isDigit(d)) continue;
            if (d === 0x2e && type !== 'float') {
              type = 'float';
              continue;
            }
            break;
          }
        } else {
          // Names run to whitespace, '#', '=', '{', '}' or the end; in value position they are bare strings.
          for (;;) {
            const d = this.code(end);
            if (d === 0 || isSpace(d) || d === 0x23 || d === 0x3d || d === 0x7b || d === 0x7d) break;
            end++;
          }
          type = valuesAllowed ? 'string_bare' : 'identifier';
        }
      }
    }
    // Newlines inside strings still count as lines.
    for (let i = begin; i < end; i++) {
      if (this.text.charCodeAt(i) === 0x0a) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.index = end;
    this.token = { type, begin, end, at };
    return this.token;
  }
}

/** dm_unescape_double_quotes: \" -> " and \\ -> \, every other character kept. */
function unescapeDoubleQuotes(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) {
      out += s[i + 1];
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** strtoll(str, &end, 0) over the whole token: optional sign, decimal or 0-prefixed octal. */
function parseInteger(token: string, at: Position): number {
  const m = /^([+-]?)([0-9]+)$/.exec(token);
  if (!m) throw new ConfigSyntaxError(`bad number "${token}"`, at);
  const digits = m[2];
  let value: bigint;
  if (digits.length > 1 && digits[0] === '0') {
    if (!/^[0-7]+$/.test(digits)) throw new ConfigSyntaxError(`bad octal number "${token}"`, at);
    value = BigInt('0o' + digits);
  } else {
    value = BigInt(digits);
  }
  if (m[1] === '-') value = -value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ConfigSyntaxError(`number ${token} is out of range`, at);
  }
  return Number(value);
}

class Parser {
  private readonly tokens: Tokenizer;
  private nodes = 0;

  constructor(private readonly text: string, private readonly decodeString: (raw: string) => string) {
    this.tokens = new Tokenizer(text);
    this.tokens.next('section_b');
  }

  /** The current token (a method, so type narrowing does not survive a match()). */
  private t(): Token {
    return this.tokens.token;
  }

  private tokenText(token: Token): string {
    return this.text.slice(token.begin, token.end);
  }

  private match(type: TokenType): Token {
    const token = this.t();
    if (token.type !== type) {
      throw new ConfigSyntaxError(`expected ${TOKEN_NAMES[type]}, found ${this.describe(token)}`, token.at);
    }
    this.tokens.next(type);
    return token;
  }

  private describe(token: Token): string {
    if (token.type === 'eof') return TOKEN_NAMES.eof;
    const text = this.tokenText(token);
    return `"${text.length > 40 ? text.slice(0, 40) + '...' : text}"`;
  }

  file(): ConfigSection {
    const root: ConfigSection = { kind: 'section', key: '<root>', entries: [], at: { line: 1, column: 1, index: 0 } };
    while (this.t().type !== 'eof') root.entries.push(this.section(1));
    return root;
  }

  private count(at: Position): void {
    if (++this.nodes > MAX_CONFIG_NODES) throw new ConfigSyntaxError(`more than ${MAX_CONFIG_NODES} sections and values`, at);
  }

  private section(depth: number): ConfigEntry {
    const keyToken = this.t();
    this.count(keyToken.at);
    let key: string;
    if (keyToken.type === 'string_escaped') {
      key = this.decodeString(unescapeDoubleQuotes(this.tokenText(keyToken).slice(1, -1)));
      this.match('string_escaped');
    } else if (keyToken.type === 'string') {
      key = this.decodeString(this.tokenText(keyToken).slice(1, -1));
      this.match('string');
    } else {
      key = this.decodeString(this.tokenText(keyToken));
      this.match('identifier');
    }
    if (key === '') throw new ConfigSyntaxError('empty section identifier', keyToken.at);

    if (this.t().type === 'section_b') {
      if (depth > MAX_SECTION_DEPTH) {
        throw new ConfigSyntaxError(`sections nested deeper than ${MAX_SECTION_DEPTH} levels`, this.t().at);
      }
      this.match('section_b');
      const section: ConfigSection = { kind: 'section', key, entries: [], at: keyToken.at };
      while (this.t().type !== 'section_e') {
        if (this.t().type === 'eof') throw new ConfigSyntaxError(`section "${key}" is not closed (expected '}')`, this.t().at);
        section.entries.push(this.section(depth + 1));
      }
      this.match('section_e');
      return section;
    }
    this.match('eq');
    return { kind: 'assignment', key, value: this.value(), at: keyToken.at };
  }

  private value(): ConfigValue {
    if (this.t().type !== 'array_b') return this.scalar();
    const at = this.match('array_b').at;
    const items: ConfigScalar[] = [];
    while (this.t().type !== 'array_e') {
      items.push(this.scalar());
      if (this.t().type === 'comma') this.match('comma');
    }
    this.match('array_e');
    return { kind: 'list', items, at };
  }

  private scalar(): ConfigScalar {
    const token = this.t();
    this.count(token.at);
    const raw = this.tokenText(token);
    switch (token.type) {
      case 'int': {
        const value = parseInteger(raw, token.at);
        this.match('int');
        return { kind: 'int', value, at: token.at };
      }
      case 'float': {
        const value = Number(raw);
        if (!Number.isFinite(value)) throw new ConfigSyntaxError(`bad number "${raw}"`, token.at);
        this.match('float');
        return { kind: 'float', value, at: token.at };
      }
      case 'string':
        this.match('string');
        return { kind: 'string', value: this.decodeString(raw.slice(1, -1)), at: token.at };
      case 'string_escaped':
        this.match('string_escaped');
        return { kind: 'string', value: this.decodeString(unescapeDoubleQuotes(raw.slice(1, -1))), at: token.at };
      case 'string_bare':
        this.match('string_bare');
        return { kind: 'string', value: this.decodeString(raw), at: token.at };
      default:
        throw new ConfigSyntaxError(`expected a value, found ${this.describe(token)}`, token.at);
    }
  }
}

export interface ParseOptions {
  /**
   * Applied to every string and name. The metadata is read as Latin-1 (one char per byte, so
   * positions are byte offsets); pass a decoder to turn the bytes of strings into UTF-8 text.
   */
  decodeString?: (raw: string) => string;
}

/** Parse LVM2 metadata text (or any libdm config text) into a tree; throws ConfigSyntaxError. */
export function parseConfigText(text: string, options: ParseOptions = {}): ConfigSection {
  return new Parser(text, options.decodeString ?? ((s) => s)).file();
}

/** Decode metadata bytes: Latin-1 for the grammar, strings re-read as UTF-8. */
export function parseConfigBytes(bytes: Uint8Array): ConfigSection {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return parseConfigText(text, {
    decodeString: (raw) => (/[\x80-\xff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw),
  });
}

// Lookups (first match wins, like libdm's dm_config_find_node without duplicates).

export function findSection(section: ConfigSection, key: string): ConfigSection | undefined {
  for (const e of section.entries) if (e.kind === 'section' && e.key === key) return e;
  return undefined;
}

export function findValue(section: ConfigSection, key: string): ConfigValue | undefined {
  for (const e of section.entries) if (e.kind === 'assignment' && e.key === key) return e.value;
  return undefined;
}

export function childSections(section: ConfigSection): ConfigSection[] {
  return section.entries.filter((e): e is ConfigSection => e.kind === 'section');
}
