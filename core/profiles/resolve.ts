import { basename, isAbsolute, resolve } from 'node:path';
import semver from 'semver';
import { IntrospectError, UsageError } from '../errors.js';
import type { ProfileRule } from '../config/schema.js';
import { matchesGlob } from '../config/glob.js';
import type { Introspector } from '../pipeline/introspector.js';
import type { Plugin } from '../pipeline/plugin.js';
import { loadProfileFile, type ProfileRegistry } from './registry.js';
import { checkSignature } from './signature.js';
import { coerceRelease, selectProfile } from './select.js';
import type { Profile, ProfileQuery, ProfileResolution } from './types.js';
import { normalizeArch } from './validate.js';

/**
 * tapable stages of the resolveProfile waterfall (lower runs first). Each stage leaves the resolution
 * alone once an earlier stage chose a profile, so the order is also the precedence:
 *   rule (-300)     a configuration rule matching the image
 *   explicit (-200) --profile NAME|FILE (or the configuration's `profile`)
 *   image (0)       derived from the image itself (BTF...): plugins tap with the default stage
 *   shipped (100)   the most specific shipped / profilePaths profile whose range, arch and signature fit
 */
export const PROFILE_STAGES = Object.freeze({ rule: -300, explicit: -200, image: 0, shipped: 100 });

export const PROFILES_PLUGIN_NAME = 'profiles';

export interface ProfilesPluginOptions {
  /** The registry, built on first use (loading profiles costs nothing for disk-only runs). */
  registry: () => ProfileRegistry;
  /** Configuration rules, in order; the first whose every match key holds wins. */
  rules?: readonly ProfileRule[];
  /** Configuration file (for errors) and its folder (relative rule globs and paths resolve there). */
  configFile?: string;
  configDir?: string;
  /** "auto", a name, or a path to a profile file (already absolute when it came from the CLI). */
  requested?: string;
}

/** A profile spec is a path when it looks like one: has a slash or ends in .json. */
export function isProfilePath(spec: string): boolean {
  return spec.includes('/') || spec.includes('\\') || spec.endsWith('.json');
}

/** The plugin that implements the rule, explicit and shipped stages of profile resolution. */
export function profilesPlugin(options: ProfilesPluginOptions): Plugin {
  const configDir = options.configDir ?? process.cwd();
  const configFile = options.configFile ?? 'configuration';
  let registry: ProfileRegistry | undefined;
  const getRegistry = (): ProfileRegistry => (registry ??= options.registry());

  const byNameOrPath = (spec: string, baseDir: string, kind: Profile['kind']): Profile | undefined =>
    isProfilePath(spec) ? loadProfileFile(isAbsolute(spec) ? spec : resolve(baseDir, spec)) : getRegistry().get(spec, kind) ?? getRegistry().get(spec);

  return {
    name: PROFILES_PLUGIN_NAME,
    apply(introspector: Introspector): void {
      const hook = introspector.hooks.resolveProfile;

      hook.tap({ name: PROFILES_PLUGIN_NAME, stage: PROFILE_STAGES.rule }, (resolution, query) => {
        if (resolution.profile) return resolution;
        const rules = options.rules ?? [];
        if (rules.length === 0) return note(resolution, 'rule: no configuration rules');
        for (const [index, rule] of rules.entries()) {
          const key = `rules[${index}]`;
          const miss = ruleMismatch(rule, query, configDir);
          if (miss) {
            note(resolution, `rule: ${key} does not apply: ${miss}`);
            continue;
          }
          const profile = byNameOrPath(rule.profile, configDir, query.kind);
          if (!profile) {
            throw new IntrospectError({ file: configFile, structure: `configuration key "${key}.profile"`, reason: `no profile named "${rule.profile}"` });
          }
          if (profile.kind !== query.kind) {
            note(resolution, `rule: ${key} matches but names ${profile.kind} profile ${profile.name}, the image needs ${query.kind}`);
            continue;
          }
          return force(resolution, profile, query, 'rule', `${key} of ${configFile}`);
        }
        return resolution;
      });

      hook.tap({ name: PROFILES_PLUGIN_NAME, stage: PROFILE_STAGES.explicit }, (resolution, query) => {
        const requested = query.requested ?? options.requested;
        if (resolution.profile) {
          if (requested && requested !== 'auto') note(resolution, `explicit: --profile ${requested} not used: chosen by ${resolution.chosenBy}`);
          return resolution;
        }
        if (!requested || requested === 'auto') return note(resolution, 'explicit: none (--profile auto)');
        const profile = isProfilePath(requested) ? loadProfileFile(resolve(requested)) : getRegistry().get(requested, query.kind);
        if (!profile) {
          if (getRegistry().get(requested)) return note(resolution, `explicit: --profile ${requested} is not a ${query.kind} profile; ignored for this query`);
          const known = getRegistry().ofKind(query.kind).map((p) => p.name).sort();
          throw new UsageError(`--profile ${requested}: no such profile (known ${query.kind} profiles: ${known.join(', ') || 'none'})`);
        }
        if (profile.kind !== query.kind) return note(resolution, `explicit: ${requested} is a ${profile.kind} profile; ignored for this ${query.kind} query`);
        return force(resolution, profile, query, 'explicit', `--profile ${requested}`);
      });

      hook.tap({ name: PROFILES_PLUGIN_NAME, stage: PROFILE_STAGES.shipped }, (resolution, query) => {
        if (resolution.profile) return note(resolution, `shipped: not consulted (chosen by ${resolution.chosenBy})`);
        if (resolution.chosenBy === undefined) note(resolution, 'image: no plugin derived a profile from the image');
        const selection = selectProfile(getRegistry().all(), query, 'shipped');
        resolution.candidates.push(...selection.candidates);
        resolution.explanation.push(...selection.explanation);
        if (selection.tie) {
          throw new IntrospectError({
            file: query.imagePath,
            structure: `${query.kind} profile selection`,
            reason: `equally specific profiles match: ${selection.tie.map((p) => `${p.name} (${p.versions}, arch ${p.arch}, ${p.origin ?? 'memory'})`).join(' and ')}; remove one, or choose with --profile or a configuration rule`,
          });
        }
        if (selection.profile) return { ...resolution, profile: selection.profile, chosenBy: 'shipped' };
        return note(resolution, `shipped: no ${query.kind} profile fits`);
      });
    },
  };
}

/** A rule or --profile forces a profile: ranges are not checked, but arch and signature must hold. */
function force(resolution: ProfileResolution, profile: Profile, query: ProfileQuery, stage: 'rule' | 'explicit', by: string): ProfileResolution {
  const arch = query.arch === undefined ? undefined : normalizeArch(query.arch) ?? query.arch;
  const signature = checkSignature(profile, query);
  const failure = arch !== undefined && profile.arch !== 'any' && profile.arch !== arch ? `arch check failed: profile is ${profile.arch}, the image is ${arch}` : signature.ok ? undefined : signature.reason;
  if (failure) {
    throw new IntrospectError({ file: query.imagePath, structure: `profile ${profile.name} (chosen by ${by})`, reason: failure });
  }
  resolution.candidates.push({ profile, accepted: true, won: true, stage, reason: `chosen by ${by} (${signature.reason})` });
  resolution.explanation.push(`${stage}: WON ${profile.name}${profile.origin ? ` (${profile.origin})` : ''}: chosen by ${by}; ${signature.reason}`);
  return { ...resolution, profile, chosenBy: stage };
}

/** undefined when every key of the rule's match holds for the query, else the first that does not. */
export function ruleMismatch(rule: ProfileRule, query: ProfileQuery, configDir: string): string | undefined {
  const { image, banner, release, arch } = rule.match;
  if (image !== undefined) {
    // A glob without "/" is about the file name; otherwise about the absolute path (relative globs start at the config folder).
    const ok = image.includes('/') ? matchesGlob(resolve(query.imagePath), isAbsolute(image) ? image : resolve(configDir, image)) : matchesGlob(basename(query.imagePath), image);
    if (!ok) return `image ${query.imagePath} does not match ${image}`;
  }
  if (banner !== undefined) {
    if (query.banner === undefined) return 'banner unknown';
    if (!new RegExp(banner).test(query.banner)) return `banner does not match /${banner}/`;
  }
  if (release !== undefined) {
    const version = query.release === undefined ? undefined : coerceRelease(query.release);
    if (version === undefined) return 'release unknown';
    if (!semver.satisfies(version, release)) return `release ${query.release} is outside ${release}`;
  }
  if (arch !== undefined) {
    if (query.arch === undefined) return 'arch unknown';
    if ((normalizeArch(arch) ?? arch) !== (normalizeArch(query.arch) ?? query.arch)) return `arch ${query.arch} is not ${arch}`;
  }
  return undefined;
}

function note(resolution: ProfileResolution, line: string): ProfileResolution {
  resolution.explanation.push(line);
  return resolution;
}

/** Runs the resolveProfile waterfall for one query. Throws on ties and on forced profiles that fail their checks. */
export function resolveProfile(introspector: Introspector, query: ProfileQuery): ProfileResolution {
  return introspector.hooks.resolveProfile.call({ explanation: [], candidates: [] }, query);
}

/** The resolution's profile, or an IntrospectError saying why there is none. */
export function requireProfile(resolution: ProfileResolution, query: ProfileQuery): Profile {
  if (resolution.profile) return resolution.profile;
  const rejected = resolution.candidates.filter((c) => !c.accepted).map((c) => `${c.profile.name}: ${c.reason}`);
  throw new IntrospectError({
    file: query.imagePath,
    structure: `${query.kind} profile selection`,
    reason: `no profile fits (release ${query.release ?? 'unknown'}, arch ${query.arch ?? 'unknown'})${rejected.length ? `; ${rejected.join('; ')}` : ''}`,
  });
}

/** The text --explain prints: one line per stage step and candidate. */
export function formatExplanation(resolution: ProfileResolution, query: ProfileQuery): string {
  const head = `profile resolution for ${query.imagePath} (${query.kind}, release ${query.release ?? 'unknown'}, arch ${query.arch ?? 'unknown'}):`;
  const tail = resolution.profile ? `=> ${resolution.profile.name} (chosen by ${resolution.chosenBy})` : '=> no profile';
  return [head, ...resolution.explanation.map((l) => `  ${l}`), tail].join('\n') + '\n';
}
