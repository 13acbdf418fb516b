import type { Profile, ProfileQuery } from './types.js';

export interface SignatureCheck {
  ok: boolean;
  /** What was checked and how it went, or which check failed. */
  reason: string;
}

/**
 * Verifies a profile's signature against what the image revealed. The banner regex and the build id
 * are checked here; facts (struct sizes and the like) are checked by `query.checkFacts`, which the
 * plugin that read the image supplies.
 *
 * When the image side of a banner or build-id check is unknown: with `strict` (automatic selection)
 * the profile is rejected, since a flavour-specific profile must not win unverified; otherwise (a
 * profile forced by a rule or --profile) the check is skipped and said so. Facts without a checker
 * are always skipped and said so.
 */
export function checkSignature(profile: Profile, query: ProfileQuery, strict = false): SignatureCheck {
  const signature = profile.signature;
  if (!signature) return { ok: true, reason: 'no signature to verify' };
  const done: string[] = [];
  if (signature.banner !== undefined) {
    if (query.banner === undefined) {
      if (strict) return { ok: false, reason: 'the profile requires a banner check and the image\'s banner is unknown' };
      done.push('banner not checked (unknown)');
    }
    else if (!new RegExp(signature.banner).test(query.banner)) {
      return { ok: false, reason: `banner check failed: /${signature.banner}/ does not match "${query.banner.trim()}"` };
    } else done.push('banner matches');
  }
  if (signature.buildId !== undefined) {
    if (query.buildId === undefined) {
      if (strict) return { ok: false, reason: 'the profile requires a build id check and the image\'s build id is unknown' };
      done.push('build id not checked (unknown)');
    }
    else if (signature.buildId.toLowerCase() !== query.buildId.toLowerCase()) {
      return { ok: false, reason: `build id check failed: profile ${signature.buildId}, image ${query.buildId}` };
    } else done.push('build id matches');
  }
  if (signature.facts !== undefined && Object.keys(signature.facts).length > 0) {
    if (!query.checkFacts) done.push('facts not checked (no fact checker for this image)');
    else {
      const failure = query.checkFacts(signature.facts, profile);
      if (failure !== undefined) return { ok: false, reason: `fact check failed: ${failure}` };
      done.push('facts hold');
    }
  }
  return { ok: true, reason: done.join(', ') || 'no signature to verify' };
}
