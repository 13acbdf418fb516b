import semver from 'semver';
import { IntrospectError } from '../errors.js';

/** `plugins` entry: an npm package name or a path (relative to the configuration file), optionally with options. */
export type PluginSpec = string | [string, Record<string, unknown>];

export interface ProfileRuleMatch {
  /** Glob over the image path (see core/config/glob.ts); without "/" it is matched against the file name. */
  image?: string;
  /** Regex the kernel banner must match. */
  banner?: string;
  /** semver range the (coerced) kernel release must satisfy. */
  release?: string;
  arch?: string;
}

export interface ProfileRule {
  match: ProfileRuleMatch;
  /** Profile name, or a path to a profile file (relative to the configuration file). */
  profile: string;
}

export interface IntrospectConfig {
  plugins?: PluginSpec[];
  /** "auto", a profile name, or a path to a profile file. */
  profile?: string;
  /** Folders (searched for **\/*.json) and files holding extra profiles. */
  profilePaths?: string[];
  rules?: ProfileRule[];
  output?: 'text' | 'json';
}

export const CONFIG_KEYS = ['plugins', 'profile', 'profilePaths', 'rules', 'output'] as const;
const RULE_KEYS = ['match', 'profile'];
const MATCH_KEYS = ['image', 'banner', 'release', 'arch'];

/**
 * Checks a configuration object read from `file` and returns it typed. Every problem is an
 * IntrospectError naming the file and the key path (e.g. `rules[1].match.release`).
 */
export function validateConfig(raw: unknown, file: string): IntrospectConfig {
  const fail = (key: string, reason: string): never => {
    throw new IntrospectError({ file, structure: `configuration key "${key}"`, reason });
  };
  if (raw === null || raw === undefined) return {};
  if (!isRecord(raw)) {
    throw new IntrospectError({ file, structure: 'configuration', reason: `expected an object, got ${describe(raw)}` });
  }
  rejectUnknown(raw, CONFIG_KEYS, '', fail);
  const config: IntrospectConfig = {};

  if (raw.plugins !== undefined) {
    const plugins = expectArray(raw.plugins, 'plugins', fail);
    config.plugins = plugins.map((entry, i): PluginSpec => {
      const key = `plugins[${i}]`;
      if (typeof entry === 'string') return nonEmpty(entry, key, fail);
      if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && isRecord(entry[1])) {
        return [nonEmpty(entry[0], `${key}[0]`, fail), entry[1]];
      }
      return fail(key, `expected a package name or path, or [name, options], got ${describe(entry)}`);
    });
  }
  if (raw.profile !== undefined) config.profile = nonEmpty(expectString(raw.profile, 'profile', fail), 'profile', fail);
  if (raw.profilePaths !== undefined) {
    config.profilePaths = expectArray(raw.profilePaths, 'profilePaths', fail).map((p, i) =>
      nonEmpty(expectString(p, `profilePaths[${i}]`, fail), `profilePaths[${i}]`, fail),
    );
  }
  if (raw.rules !== undefined) {
    config.rules = expectArray(raw.rules, 'rules', fail).map((rule, i) => validateRule(rule, `rules[${i}]`, fail));
  }
  if (raw.output !== undefined) {
    if (raw.output !== 'text' && raw.output !== 'json') fail('output', `expected "text" or "json", got ${describe(raw.output)}`);
    config.output = raw.output as 'text' | 'json';
  }
  return config;
}

type Fail = (key: string, reason: string) => never;

function validateRule(raw: unknown, key: string, fail: Fail): ProfileRule {
  if (!isRecord(raw)) return fail(key, `expected an object {match, profile}, got ${describe(raw)}`);
  rejectUnknown(raw, RULE_KEYS, `${key}.`, fail);
  if (!isRecord(raw.match)) return fail(`${key}.match`, `expected an object, got ${describe(raw.match)}`);
  rejectUnknown(raw.match, MATCH_KEYS, `${key}.match.`, fail);
  const match: ProfileRuleMatch = {};
  for (const k of MATCH_KEYS as (keyof ProfileRuleMatch)[]) {
    if (raw.match[k] !== undefined) match[k] = nonEmpty(expectString(raw.match[k], `${key}.match.${k}`, fail), `${key}.match.${k}`, fail);
  }
  if (Object.keys(match).length === 0) fail(`${key}.match`, 'needs at least one of image, banner, release, arch');
  if (match.banner !== undefined) {
    try {
      new RegExp(match.banner);
    } catch (error) {
      fail(`${key}.match.banner`, `not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (match.release !== undefined && semver.validRange(match.release) === null) {
    fail(`${key}.match.release`, `not a valid semver range: "${match.release}"`);
  }
  if (raw.profile === undefined) fail(`${key}.profile`, 'missing (the profile name or file to use)');
  const profile = nonEmpty(expectString(raw.profile, `${key}.profile`, fail), `${key}.profile`, fail);
  return { match, profile };
}

function rejectUnknown(obj: Record<string, unknown>, known: readonly string[], prefix: string, fail: Fail): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) fail(`${prefix}${k}`, `unknown key (known keys: ${known.join(', ')})`);
  }
}

function expectArray(v: unknown, key: string, fail: Fail): unknown[] {
  return Array.isArray(v) ? v : fail(key, `expected an array, got ${describe(v)}`);
}

function expectString(v: unknown, key: string, fail: Fail): string {
  return typeof v === 'string' ? v : fail(key, `expected a string, got ${describe(v)}`);
}

function nonEmpty(v: string, key: string, fail: Fail): string {
  return v.trim() === '' ? fail(key, 'must not be empty') : v;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
