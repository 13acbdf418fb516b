// Validates a profile file against profile.schema.json (beside this file): the subset of JSON Schema
// 2020-12 the schema uses (type, enum, pattern, minLength, minimum, required, properties,
// additionalProperties, $ref to #/$defs). Errors name the file and the JSON path inside it.
import { IntrospectError } from '../errors.js';
import { PROFILE_SCHEMA } from './profile-schema.js';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  minimum?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

/** The profile JSON Schema (core/profiles/profile.schema.json). */
export function profileSchema(): JsonSchema {
  return PROFILE_SCHEMA;
}

/** The first violation as [JSON path, reason], or undefined when `value` satisfies `schema`. */
export function schemaViolation(value: unknown, schema: JsonSchema, root: JsonSchema = schema, path = '$'): [string, string] | undefined {
  if (schema.$ref !== undefined) {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m ? root.$defs?.[m[1]] : undefined;
    if (!target) return [path, `schema reference ${schema.$ref} is unknown`];
    return schemaViolation(value, target, root, path);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => isType(value, t))) return [path, value === undefined ? `missing (expected ${types.join(' or ')})` : `expected ${types.map(article).join(' or ')}, got ${describe(value)}`];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) return [path, `expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`];
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) return [path, 'expected a non-empty string'];
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) return [path, `"${value}" does not match /${schema.pattern}/`];
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) return [path, `expected a number >= ${schema.minimum}, got ${value}`];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) return [`${path}.${key}`, 'missing (required)'];
    for (const [key, v] of Object.entries(obj)) {
      const sub = schema.properties?.[key];
      const child = `${path}.${key}`;
      if (sub) {
        const bad = schemaViolation(v, sub, root, child);
        if (bad) return bad;
      } else if (schema.additionalProperties === false) {
        return [child, `unknown key (known keys: ${Object.keys(schema.properties ?? {}).join(', ')})`];
      } else if (typeof schema.additionalProperties === 'object') {
        const bad = schemaViolation(v, schema.additionalProperties, root, child);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

/** Throws an IntrospectError naming `file` and the JSON path when `raw` does not satisfy the profile schema. */
export function checkProfileSchema(raw: unknown, file: string): void {
  const bad = schemaViolation(raw, profileSchema());
  if (bad) throw new IntrospectError({ file, structure: `profile ${bad[0]}`, reason: bad[1] });
}

function isType(v: unknown, t: string): boolean {
  switch (t) {
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return typeof v === 'number' && Number.isSafeInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
    case 'null': return v === null;
    default: return false;
  }
}

function article(t: string): string {
  return t === 'integer' || t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
