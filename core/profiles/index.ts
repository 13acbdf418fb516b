export type * from './types.js';
export { validateProfile, normalizeArch, PROFILE_KINDS } from './validate.js';
export { ProfileRegistry, loadProfileFile, shippedProfilesDir, profileFiles, type ProfileSourceSpec } from './registry.js';
export { selectProfile, releaseInterval, compareIntervals, moreSpecific, coerceRelease, formatInterval, type Selection, type ReleaseInterval } from './select.js';
export { checkSignature, type SignatureCheck } from './signature.js';
export {
  profilesPlugin,
  resolveProfile,
  requireProfile,
  formatExplanation,
  ruleMismatch,
  isProfilePath,
  PROFILE_STAGES,
  PROFILES_PLUGIN_NAME,
  type ProfilesPluginOptions,
} from './resolve.js';
