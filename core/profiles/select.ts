import semver from 'semver';
import type { Profile, ProfileCandidate, ProfileQuery } from './types.js';
import { normalizeArch } from './validate.js';
import { checkSignature } from './signature.js';

/** Kernel releases like "6.1.0-56-amd64" or "5.10.0-35-686-pae" -> "6.1.0", "5.10.0". */
export function coerceRelease(release: string): string | undefined {
  return semver.coerce(release)?.version;
}

interface Bound {
  version: string;
  inclusive: boolean;
}

/**
 * The releases a range admits, as an interval [lower, upper): lower = semver.minVersion, upper = the
 * largest "<" / "<=" bound over the range's alternatives (undefined = unbounded). Prerelease tags are
 * dropped ("<6.2.0-0" admits the same releases as "<6.2.0"), because coerced releases never carry one.
 * A range with alternatives ("5.10.x || 6.1.x") is measured by its hull.
 */
export interface ReleaseInterval {
  lower: string;
  upper?: Bound;
}

export function releaseInterval(range: string): ReleaseInterval {
  const r = new semver.Range(range);
  const min = semver.minVersion(r);
  const lower = min ? base(min) : '0.0.0';
  let upper: Bound | undefined;
  let unbounded = false;
  for (const set of r.set) {
    let setUpper: Bound | undefined;
    for (const c of set) {
      // The "any version" comparator carries a symbol, not a SemVer.
      if (!(c.semver instanceof semver.SemVer) || c.operator === '>' || c.operator === '>=') continue;
      const bound: Bound =
        c.semver.prerelease.length > 0
          ? { version: base(c.semver), inclusive: false }
          : { version: c.semver.version, inclusive: c.operator !== '<' };
      if (!setUpper || compareUpper(bound, setUpper) < 0) setUpper = bound;
    }
    if (!setUpper) unbounded = true;
    else if (!upper || compareUpper(setUpper, upper) > 0) upper = setUpper;
  }
  return unbounded ? { lower } : { lower, upper };
}

function base(v: semver.SemVer): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Orders upper bounds; undefined is +infinity; at the same version an inclusive bound is larger. */
function compareUpper(a: Bound | undefined, b: Bound | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  const c = semver.compare(a.version, b.version);
  if (c !== 0) return c;
  return a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1;
}

/** Interval containment: -1 when a is strictly inside b, 1 when b is strictly inside a, 0 when equal, undefined when neither. */
export function compareIntervals(a: ReleaseInterval, b: ReleaseInterval): -1 | 0 | 1 | undefined {
  const lo = semver.compare(a.lower, b.lower);
  const hi = compareUpper(a.upper, b.upper);
  if (lo === 0 && hi === 0) return 0;
  if (lo >= 0 && hi <= 0) return -1;
  if (lo <= 0 && hi >= 0) return 1;
  return undefined;
}

export function formatInterval(i: ReleaseInterval): string {
  return `[${i.lower}, ${i.upper ? `${i.upper.version}${i.upper.inclusive ? ']' : ')'}` : '∞)'}`;
}

/**
 * "a is more specific than b": a's release interval is strictly inside b's, or the intervals are equal
 * and a names the architecture while b says "any".
 */
export function moreSpecific(a: Profile, b: Profile): boolean {
  const c = compareIntervals(releaseInterval(a.versions), releaseInterval(b.versions));
  if (c === -1) return true;
  return c === 0 && a.arch !== 'any' && b.arch === 'any';
}

export interface Selection {
  profile?: Profile;
  candidates: ProfileCandidate[];
  /** Two or more equally specific matches (no single most specific one). */
  tie?: Profile[];
  explanation: string[];
}

/** Does the profile fit the image at all? undefined when it does, else why not. */
export function rejectReason(profile: Profile, query: ProfileQuery): string | undefined {
  if (profile.kind !== query.kind) return `kind ${profile.kind}, the image needs ${query.kind}`;
  const arch = query.arch === undefined ? undefined : normalizeArch(query.arch) ?? query.arch;
  if (arch !== undefined && profile.arch !== 'any' && profile.arch !== arch) return `arch ${profile.arch}, the image is ${arch}`;
  if (query.release === undefined) return 'the image\'s release is unknown, ranges cannot be checked';
  const version = coerceRelease(query.release);
  if (version === undefined) return `release "${query.release}" has no version number`;
  if (!semver.satisfies(version, profile.versions)) return `release ${query.release} (${version}) is outside ${profile.versions}`;
  const signature = checkSignature(profile, query, true);
  if (!signature.ok) return signature.reason;
  return undefined;
}

/**
 * Picks the most specific shipped/profilePaths profile for the query: kind, arch ("any" fits every
 * arch) and release range must fit and the signature must verify; among the fits the one more
 * specific (see moreSpecific) than every other wins; otherwise the most specific ones tie.
 */
export function selectProfile(profiles: readonly Profile[], query: ProfileQuery, stage = 'shipped'): Selection {
  const candidates: ProfileCandidate[] = [];
  const fits: Profile[] = [];
  for (const profile of profiles) {
    if (profile.kind !== query.kind) continue;
    const reason = rejectReason(profile, query);
    if (reason === undefined) fits.push(profile);
    else candidates.push({ profile, accepted: false, reason, stage });
  }
  // Most specific = not beaten by any other fit; with a single one it is more specific than all others.
  const best = fits.filter((p) => !fits.some((q) => q !== p && moreSpecific(q, p)));
  const explanation: string[] = [];
  const describe = (p: Profile): string => `${p.name} (${p.versions} ${formatInterval(releaseInterval(p.versions))}, arch ${p.arch}${p.origin ? `, ${p.origin}` : ''})`;
  const selection: Selection = { candidates, explanation };
  if (best.length === 1) {
    const winner = best[0];
    selection.profile = winner;
    const signature = checkSignature(winner, query, true);
    candidates.push({ profile: winner, accepted: true, won: true, stage, reason: `fits (${signature.reason}) and is the most specific` });
    for (const p of fits) {
      if (p !== winner) candidates.push({ profile: p, accepted: true, won: false, stage, reason: `fits, but ${winner.name} is more specific (${whyMoreSpecific(winner, p)})` });
    }
  } else {
    for (const p of fits) {
      const tied = best.includes(p);
      candidates.push({ profile: p, accepted: true, won: false, stage, reason: tied ? 'fits; tied for most specific' : 'fits, but a narrower profile fits too' });
    }
    if (best.length > 1) selection.tie = best;
  }
  for (const c of candidates) explanation.push(`${stage}: ${c.won ? 'WON' : c.accepted ? 'lost' : 'rejected'} ${describe(c.profile)}: ${c.reason}`);
  if (profiles.every((p) => p.kind !== query.kind)) explanation.push(`${stage}: no ${query.kind} profiles are known`);
  return selection;
}

function whyMoreSpecific(a: Profile, b: Profile): string {
  const ia = releaseInterval(a.versions);
  const ib = releaseInterval(b.versions);
  if (compareIntervals(ia, ib) === 0) return `same releases, arch ${a.arch} beats any`;
  return `${formatInterval(ia)} lies inside ${formatInterval(ib)}`;
}
