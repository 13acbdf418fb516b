import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntrospectError } from '../errors.js';
import type { Profile } from './types.js';
import { checkProfileSchema } from './schema.js';
import { validateProfile } from './validate.js';

/** Profile folders hold **\/*.json; files ending in `.schema.json` are JSON Schemas, not profiles. */
const isProfileFile = (name: string): boolean => name.endsWith('.json') && !name.endsWith('.schema.json');
/** Bound on the folder walk, so a symlink loop or a huge tree named by mistake cannot hang us. */
const MAX_PROFILE_FILES = 10_000;

/**
 * The package's own profiles/ folder: found by walking up from this module to the folder that holds
 * the package.json named "introspect", so it works from core/ (source, tests) and from dist/core/.
 */
export function shippedProfilesDir(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'introspect') {
          const profiles = join(dir, 'profiles');
          return existsSync(profiles) ? profiles : undefined;
        }
      } catch {
        // not our package.json; keep walking
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads and validates one profile file. */
export function loadProfileFile(file: string): Profile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new IntrospectError({ file, structure: 'profile file', reason: `cannot be read: ${(error as Error).message}` }, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    throw new IntrospectError(
      { file, structure: 'profile JSON', offset: position ? Number(position[1]) : undefined, reason: (error as Error).message },
      { cause: error },
    );
  }
  const profile = validateProfile(raw, file);
  checkProfileSchema(raw, file);
  return profile;
}

export interface ProfileSourceSpec {
  /** A profile file, or a folder searched for **\/*.json. */
  path: string;
  /** Where the path came from, for errors (e.g. the configuration file). */
  from?: { file: string; structure: string };
}

/**
 * Every profile known: the shipped ones, then the `profilePaths` ones. A profilePaths profile with
 * the same kind and name as a shipped one replaces it (recorded in `shadowed`); two profilePaths
 * profiles with the same kind and name are an error naming both files.
 */
export class ProfileRegistry {
  private readonly byKey = new Map<string, Profile>();
  private readonly shippedSet = new Set<Profile>();
  /** Shipped profiles replaced by a user profile of the same kind and name. */
  readonly shadowed: Profile[] = [];

  static load(options: { shipped?: boolean; paths?: readonly ProfileSourceSpec[] } = {}): ProfileRegistry {
    const registry = new ProfileRegistry();
    if (options.shipped !== false) {
      const dir = shippedProfilesDir();
      if (dir) for (const file of profileFiles(dir)) registry.add(loadProfileFile(file), true);
    }
    for (const spec of options.paths ?? []) {
      if (!existsSync(spec.path)) {
        throw new IntrospectError({
          file: spec.from?.file ?? spec.path,
          structure: spec.from?.structure ?? 'profile path',
          reason: `no such file or folder: ${spec.path}`,
        });
      }
      const files = statSync(spec.path).isDirectory() ? profileFiles(spec.path) : [resolve(spec.path)];
      for (const file of files) registry.add(loadProfileFile(file), false);
    }
    return registry;
  }

  add(profile: Profile, shipped = false): this {
    const key = `${profile.kind}/${profile.name}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (shipped || !this.shippedSet.has(existing)) {
        throw new IntrospectError({
          file: profile.origin ?? profile.name,
          structure: 'profile $.name',
          reason: `${profile.kind} profile "${profile.name}" is also defined in ${existing.origin ?? '(memory)'}`,
        });
      }
      this.shadowed.push(existing);
    }
    if (shipped) this.shippedSet.add(profile);
    this.byKey.set(key, profile);
    return this;
  }

  all(): Profile[] {
    return [...this.byKey.values()];
  }

  ofKind(kind: Profile['kind']): Profile[] {
    return this.all().filter((p) => p.kind === kind);
  }

  get(name: string, kind?: Profile['kind']): Profile | undefined {
    if (kind) return this.byKey.get(`${kind}/${name}`);
    return this.all().find((p) => p.name === name);
  }

  isShipped(profile: Profile): boolean {
    return this.shippedSet.has(profile);
  }
}

function isFileTarget(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every profile file under `dir`, sorted, so loading order (and error order) is stable. */
export function profileFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      // Symbolic links are followed to files only, so a link loop cannot make the walk endless.
      else if ((entry.isFile() || (entry.isSymbolicLink() && isFileTarget(path))) && isProfileFile(entry.name)) {
        if (found.length >= MAX_PROFILE_FILES) {
          throw new IntrospectError({ file: dir, structure: 'profile folder', reason: `more than ${MAX_PROFILE_FILES} profile files` });
        }
        found.push(path);
      }
    }
  };
  walk(resolve(dir));
  return found;
}
