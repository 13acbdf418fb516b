/**
 * Bit syntax: binary structures as patterns of `name : size : qualifiers` fields (after OCaml
 * bitmatch / Erlang), compiled to specialised JS. See docs/bit-syntax.md.
 */
export { bitmatch, definePattern, namedPattern, fromCompiled, Pattern, type MatchInput, type PatternEnv, type TemplateValue, type MatcherFactory } from './pattern.js';
export { Bitstring, type BitstringOrigin } from './bitstring.js';
export { BitMatchError, type BitMatchFailure, type BitMatchKind } from './errors.js';
export { PatternSyntaxError } from './parse.js';
export type { FieldValue, BindValue, NamedPatterns, ResultOf, BuildInputOf, PatternLike } from './types.js';
export { cases, Cases } from './cases.js';
export { generateModule, type AotOptions } from './aot.js';
