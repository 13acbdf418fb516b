// kallsyms name compression: linux scripts/kallsyms.c (write_src, optimize_token_table),
// kernel/kallsyms.c (kallsyms_expand_symbol, get_symbol_offset), kernel/kallsyms_internal.h.
//
// kallsyms_names holds one entry per symbol: a length in tokens (one byte; since 6.1 "big" symbols use
// two bytes, ULEB128: if bit 7 of the first is set, len = (b0 & 0x7f) | (b1 << 7)) then `len` token
// numbers. Token t is the NUL-terminated string at kallsyms_token_table[kallsyms_token_index[t]].
// The first character of the expanded name is the nm type letter.

/** Largest token count of one entry: KSYM_NAME_LEN is 512 since 6.1 (128 before), plus the type letter. */
export const KSYM_MAX_TOKENS = 512;
/** Largest byte size of one kallsyms_names entry (2-byte length + tokens). */
export const KSYM_MAX_ENTRY = KSYM_MAX_TOKENS + 2;
/** The longest token the compressor can build is bounded by the longest name. */
export const MAX_TOKEN_LENGTH = 512;

/** nm type letters kallsyms can hold (linux scripts/kallsyms.c keeps what nm prints). */
const TYPE_LETTERS = new Set('aAbBcCdDgGiIrRsStTuUvVwWnN?-pP');

export function isTypeLetter(c: string): boolean {
  return TYPE_LETTERS.has(c);
}

/** Reads the length prefix at `offset`: [token count, bytes used by the prefix], or undefined past the end. */
export function entryLength(names: Uint8Array, offset: number, longNames: boolean): [number, number] | undefined {
  if (offset >= names.length) return undefined;
  const b0 = names[offset];
  if (longNames && b0 & 0x80) {
    if (offset + 1 >= names.length) return undefined;
    return [(b0 & 0x7f) | (names[offset + 1] << 7), 2];
  }
  return [b0, 1];
}

export interface NamesWalk {
  /** Start offset of each entry within `names`. */
  starts: Uint32Array;
  /** Offset just past the last entry. */
  end: number;
}

/**
 * Steps over `count` entries. Returns undefined when an entry is empty or runs past the bytes, or
 * when `markers` are given and entry 256*k does not start at markers[k].
 */
export function walkNames(names: Uint8Array, count: number, longNames: boolean, markers?: ArrayLike<number>): NamesWalk | undefined {
  if (!Number.isSafeInteger(count) || count < 0 || count > names.length) return undefined;
  const starts = new Uint32Array(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (markers && (i & 0xff) === 0 && markers[i >> 8] !== off) return undefined;
    const len = entryLength(names, off, longNames);
    if (!len || len[0] === 0 || len[0] > KSYM_MAX_TOKENS) return undefined;
    starts[i] = off;
    off += len[1] + len[0];
    if (off > names.length) return undefined;
  }
  return { starts, end: off };
}

/** Token strings from kallsyms_token_table and kallsyms_token_index (256 u16 offsets). */
export function tokensFromTable(table: Uint8Array, index: ArrayLike<number>): string[] | undefined {
  const tokens: string[] = [];
  for (let t = 0; t < 256; t++) {
    const start = index[t];
    if (start >= table.length) return undefined;
    let end = start;
    while (end < table.length && table[end] !== 0 && end - start <= MAX_TOKEN_LENGTH) end++;
    if (end >= table.length || table[end] !== 0) return undefined;
    tokens.push(String.fromCharCode(...table.subarray(start, end)));
  }
  return tokens;
}

export interface ExpandedNames {
  names: string[];
  /** nm type letter of each symbol. */
  types: string[];
}

/** Expands every entry into "type letter" + name (linux kernel/kallsyms.c kallsyms_expand_symbol). */
export function expandNames(names: Uint8Array, walk: NamesWalk, tokens: readonly string[], longNames: boolean): ExpandedNames {
  const count = walk.starts.length;
  const out: string[] = new Array(count);
  const types: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = walk.starts[i];
    const [len, prefix] = entryLength(names, start, longNames)!;
    let s = '';
    const from = start + prefix;
    for (let j = from; j < from + len; j++) s += tokens[names[j]];
    types[i] = s.charAt(0);
    out[i] = s.slice(1);
  }
  return { names: out, types };
}

/** Encodes one name as kallsyms_names would with an identity token table (for tests and builders). */
export function encodeEntry(tokenBytes: readonly number[], longNames: boolean): number[] {
  const len = tokenBytes.length;
  if (len <= 0x7f || !longNames) return [len & 0xff, ...tokenBytes];
  return [(len & 0x7f) | 0x80, (len >> 7) & 0x7f, ...tokenBytes];
}
