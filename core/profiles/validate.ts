import semver from 'semver';
import { IntrospectError } from '../errors.js';
import type { FieldLayout, Profile, ProfileData, ProfileSignature, StructLayout } from './types.js';

export const PROFILE_KINDS = ['linux-kernel', 'filesystem'] as const;

/** Canonical architecture names, and the spellings (uname -m, Debian) that mean the same. */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'x86_64', amd64: 'x86_64', x64: 'x86_64',
  i386: 'i386', i486: 'i386', i586: 'i386', i686: 'i386', x86: 'i386', '686-pae': 'i386',
  aarch64: 'aarch64', arm64: 'aarch64',
  arm: 'arm', armhf: 'arm', armel: 'arm',
  riscv64: 'riscv64', ppc64le: 'ppc64le', ppc64el: 'ppc64le', s390x: 's390x',
  any: 'any',
};

/** The canonical architecture name, or undefined when the spelling is unknown. */
export function normalizeArch(arch: string): string | undefined {
  return ARCH_ALIASES[arch.toLowerCase()];
}

const TOP_KEYS = ['$schema', 'kind', 'name', 'versions', 'arch', 'flavour', 'signature', 'data', 'meta', 'description'];
const SIGNATURE_KEYS = ['banner', 'buildId', 'facts'];
const FIELD_KEYS = ['offset', 'size', 'type', 'bitOffset', 'bitSize'];

/**
 * Checks a parsed profile file. Errors are IntrospectErrors naming `file` and the JSON path
 * (e.g. `$.data.structs.task_struct.fields.comm.offset`). The returned profile has `origin = file`
 * and a canonical `arch`.
 */
export function validateProfile(raw: unknown, file: string): Profile {
  const fail = (path: string, reason: string): never => {
    throw new IntrospectError({ file, structure: `profile ${path}`, reason });
  };
  const obj = record(raw, '$', fail);
  for (const k of Object.keys(obj)) if (!TOP_KEYS.includes(k)) fail(`$.${k}`, `unknown key (known keys: ${TOP_KEYS.join(', ')})`);

  const kind = str(obj.kind, '$.kind', fail);
  if (!(PROFILE_KINDS as readonly string[]).includes(kind)) fail('$.kind', `expected one of ${PROFILE_KINDS.join(', ')}, got "${kind}"`);
  const name = str(obj.name, '$.name', fail);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) fail('$.name', `"${name}" must be letters, digits, ".", "_", "+", "-"`);
  const versions = str(obj.versions, '$.versions', fail);
  if (semver.validRange(versions) === null) fail('$.versions', `not a valid semver range: "${versions}"`);
  if (semver.minVersion(versions) === null) fail('$.versions', `the range "${versions}" matches no version`);
  const archText = str(obj.arch, '$.arch', fail);
  const arch = normalizeArch(archText) ?? fail('$.arch', `unknown architecture "${archText}" (use x86_64, i386, aarch64, ... or "any")`);

  const profile: Profile = { kind: kind as Profile['kind'], name, versions, arch, origin: file, data: validateData(obj.data, fail) };
  if (obj.flavour !== undefined) profile.flavour = str(obj.flavour, '$.flavour', fail);
  if (obj.description !== undefined) profile.description = str(obj.description, '$.description', fail);
  if (obj.meta !== undefined) profile.meta = record(obj.meta, '$.meta', fail);
  if (obj.signature !== undefined) profile.signature = validateSignature(obj.signature, fail);
  return profile;
}

type Fail = (path: string, reason: string) => never;

function validateSignature(raw: unknown, fail: Fail): ProfileSignature {
  const obj = record(raw, '$.signature', fail);
  for (const k of Object.keys(obj)) if (!SIGNATURE_KEYS.includes(k)) fail(`$.signature.${k}`, `unknown key (known keys: ${SIGNATURE_KEYS.join(', ')})`);
  const signature: ProfileSignature = {};
  if (obj.banner !== undefined) {
    signature.banner = str(obj.banner, '$.signature.banner', fail);
    try {
      new RegExp(signature.banner);
    } catch (error) {
      fail('$.signature.banner', `not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (obj.buildId !== undefined) {
    signature.buildId = str(obj.buildId, '$.signature.buildId', fail);
    if (!/^[0-9a-fA-F]+$/.test(signature.buildId)) fail('$.signature.buildId', 'expected hexadecimal digits');
  }
  if (obj.facts !== undefined) signature.facts = scalars(obj.facts, '$.signature.facts', fail);
  return signature;
}

function validateData(raw: unknown, fail: Fail): ProfileData {
  const data = record(raw, '$.data', fail) as ProfileData;
  if (data.structs !== undefined) {
    const structs = record(data.structs, '$.data.structs', fail);
    for (const [name, s] of Object.entries(structs)) validateStruct(s, `$.data.structs.${name}`, fail);
  }
  if (data.symbols !== undefined) scalars(data.symbols, '$.data.symbols', fail);
  if (data.constants !== undefined) scalars(data.constants, '$.data.constants', fail);
  return data;
}

function validateStruct(raw: unknown, path: string, fail: Fail): StructLayout {
  const s = record(raw, path, fail);
  count(s.size, `${path}.size`, fail);
  const fields = record(s.fields, `${path}.fields`, fail);
  for (const [name, f] of Object.entries(fields)) {
    const fp = `${path}.fields.${name}`;
    const field = record(f, fp, fail) as unknown as FieldLayout & Record<string, unknown>;
    for (const k of Object.keys(field)) if (!FIELD_KEYS.includes(k)) fail(`${fp}.${k}`, `unknown key (known keys: ${FIELD_KEYS.join(', ')})`);
    count(field.offset, `${fp}.offset`, fail);
    if (field.size !== undefined) count(field.size, `${fp}.size`, fail);
    if (field.type !== undefined) str(field.type, `${fp}.type`, fail);
    if (field.bitOffset !== undefined) count(field.bitOffset, `${fp}.bitOffset`, fail);
    if (field.bitSize !== undefined) count(field.bitSize, `${fp}.bitSize`, fail);
  }
  return s as unknown as StructLayout;
}

function record(v: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, v === undefined ? 'missing (expected an object)' : 'expected an object');
  return v as Record<string, unknown>;
}

function str(v: unknown, path: string, fail: Fail): string {
  if (typeof v !== 'string' || v === '') return fail(path, v === undefined ? 'missing (expected a string)' : 'expected a non-empty string');
  return v;
}

function count(v: unknown, path: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return fail(path, v === undefined ? 'missing (expected a number)' : 'expected a non-negative integer');
  return v;
}

function scalars(v: unknown, path: string, fail: Fail): Record<string, number | string> {
  const obj = record(v, path, fail);
  for (const [k, x] of Object.entries(obj)) {
    if (typeof x !== 'number' && typeof x !== 'string') fail(`${path}.${k}`, 'expected a number or a string');
  }
  return obj as Record<string, number | string>;
}
