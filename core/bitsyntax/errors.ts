import { IntrospectError } from '../errors.js';

export interface BitMatchFailure {
  /** Pattern name (definePattern's name, or the pattern text abbreviated). */
  pattern: string;
  /** Field name, or the field as written for constants and `_`. */
  field: string;
  /** Bit offset of the field from the start of the input (Uint8Array or Bitstring). */
  bitOffset: number;
  /** What the pattern wanted, in words: `0xef53`, `check(s_magic == 0xEF53)`, `32 bits`. */
  expected: string;
  /** What was found. */
  actual: string;
  /** Why: 'short' (input ends too early), 'constant', 'check', 'size', 'endian', 'codepoint', 'offset', 'cases', 'build'. */
  kind?: BitMatchKind;
  /** For 'short': how many more bits the failing field needs (streaming callers can wait for them). */
  missingBits?: number;
}

export type BitMatchKind = 'short' | 'constant' | 'check' | 'size' | 'endian' | 'codepoint' | 'offset' | 'progress' | 'cases' | 'build';

/**
 * A pattern did not match (parse), or a value did not fit (build). It is an IntrospectError so a
 * plugin can let it propagate: `file` is the Bitstring's origin (or "<bytes>"), `offset` the byte
 * offset in that file.
 */
export class BitMatchError extends IntrospectError implements BitMatchFailure {
  readonly pattern: string;
  readonly field: string;
  readonly bitOffset: number;
  readonly expected: string;
  readonly actual: string;
  readonly kind: BitMatchKind;
  readonly missingBits?: number;

  constructor(f: BitMatchFailure, file = '<bytes>', fileByteOffset = 0) {
    super({
      file,
      structure: `${f.pattern} field ${f.field}`,
      offset: fileByteOffset + Math.floor(f.bitOffset / 8),
      reason: `expected ${f.expected}, got ${f.actual} (bit offset ${f.bitOffset})`,
    });
    this.name = 'BitMatchError';
    this.pattern = f.pattern;
    this.field = f.field;
    this.bitOffset = f.bitOffset;
    this.expected = f.expected;
    this.actual = f.actual;
    this.kind = f.kind ?? 'build';
    if (f.missingBits !== undefined) this.missingBits = f.missingBits;
  }
}
