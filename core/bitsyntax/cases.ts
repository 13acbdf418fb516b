/**
 * Multi-case matching, like bitmatch's
 *   bitmatch bits with | { 4 : 4; ... } when ihl >= 5 -> ... | { 6 : 4; ... } -> ... | { _ } -> ...
 * Cases are tried in order; a case whose pattern fails, or whose guard returns false, falls
 * through to the next one.
 */
import type { Bitstring } from './bitstring.js';
import { BitMatchError } from './errors.js';
import type { PatternLike } from './types.js';

type Input = Uint8Array | Bitstring;

interface Case<Out> {
  pattern: PatternLike<unknown, never> | null;
  guard: ((r: unknown) => boolean) | null;
  body: (r: unknown, input: Input, byteOffset: number) => Out;
}

export class Cases<Out> {
  private constructor(private readonly list: readonly Case<Out>[], readonly name: string) {}

  static create<Out>(name = 'cases'): Cases<Out> {
    return new Cases<Out>([], name);
  }

  /** A case with a guard: falls through when the guard returns false. */
  when<R>(pattern: PatternLike<R, never>, guard: (r: R) => boolean, body: (r: R) => Out): Cases<Out> {
    return new Cases<Out>([...this.list, { pattern: pattern as PatternLike<unknown, never>, guard: guard as (r: unknown) => boolean, body: body as (r: unknown) => Out }], this.name);
  }

  /** A case without a guard. */
  case<R>(pattern: PatternLike<R, never>, body: (r: R) => Out): Cases<Out> {
    return new Cases<Out>([...this.list, { pattern: pattern as PatternLike<unknown, never>, guard: null, body: body as (r: unknown) => Out }], this.name);
  }

  /** `{ _ }`: matches anything; the body gets the input and byte offset. */
  otherwise(body: (input: Input, byteOffset: number) => Out): Cases<Out> {
    return new Cases<Out>([...this.list, { pattern: null, guard: null, body: (_r, input, off) => body(input, off) }], this.name);
  }

  /** The first matching case's result, or undefined when no case matches. */
  match(input: Input, byteOffset = 0): Out | undefined {
    for (const c of this.list) {
      if (c.pattern === null) return c.body(undefined, input, byteOffset);
      const r = c.pattern.match(input, byteOffset);
      if (r === undefined || (c.guard !== null && !c.guard(r))) continue;
      return c.body(r, input, byteOffset);
    }
    return undefined;
  }

  /** Like match, but throws BitMatchError listing the cases when none matches. */
  parse(input: Input, byteOffset = 0): Out {
    for (const c of this.list) {
      if (c.pattern === null) return c.body(undefined, input, byteOffset);
      const r = c.pattern.match(input, byteOffset);
      if (r === undefined || (c.guard !== null && !c.guard(r))) continue;
      return c.body(r, input, byteOffset);
    }
    const names = this.list.map((c) => c.pattern?.name ?? '_');
    const origin = input instanceof Uint8Array ? undefined : input.origin;
    throw new BitMatchError(
      { pattern: this.name, field: '(cases)', bitOffset: byteOffset * 8, expected: `one of ${names.join(' | ')}`, actual: 'no case matched', kind: 'cases' },
      origin?.name,
      origin?.byteOffset,
    );
  }
}

/** Starts a multi-case match: `cases<Out>().when(p, guard, body).case(q, body).otherwise(body)`. */
export function cases<Out>(name?: string): Cases<Out> {
  return Cases.create<Out>(name);
}
