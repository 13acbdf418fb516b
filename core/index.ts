// The package's public API: third-party plugin authors import only from here.
export { IntrospectError, UsageError, NotImplementedError, formatLocation, type ErrorLocation } from './errors.js';
export { type Source, readStats, checkRange } from './source/source.js';
export { FileSource } from './source/file-source.js';
export { BytesSource, SliceSource, ConcatSource, MappedSource, type ExtentMapper } from './source/derived-sources.js';
export { Introspector, MAX_NODE_DEPTH, asIntrospectError, type ImageOpenRequest, type InspectSession, type ImageSpec, type IntrospectorOptions } from './pipeline/introspector.js';
export type { Plugin } from './pipeline/plugin.js';
export type * from './pipeline/model.js';
export type * from './memory/types.js';
export type * from './profiles/types.js';
export { diskDeviceName, guestName } from './pipeline/device-names.js';
export { builtinPlugins } from './builtin-plugins.js';
export { runCli } from './cli/program.js';
export { bitmatch, definePattern, namedPattern, fromCompiled, Pattern, Bitstring, BitMatchError, PatternSyntaxError, type BitstringOrigin, type BitMatchFailure, type MatchInput, type PatternEnv, type TemplateValue, type FieldValue, type BindValue, type NamedPatterns, type ResultOf, type BuildInputOf } from './bitsyntax/index.js';
export { loadConfig, validateConfig, globToRegExp, matchesGlob, type LoadedConfig, type IntrospectConfig, type PluginSpec, type ProfileRule, type ProfileRuleMatch } from './config/index.js';
export { createIntrospector, loadPlugins, type PluginExport, type CreateIntrospectorOptions } from './plugins/index.js';
export { ProfileRegistry, loadProfileFile, validateProfile, normalizeArch, selectProfile, checkSignature, coerceRelease, profilesPlugin, resolveProfile, requireProfile, formatExplanation, PROFILE_STAGES, type ProfilesPluginOptions, type Selection, type SignatureCheck } from './profiles/index.js';
export { crc32, makeCrc32, crc32Table, CRC32_POLYNOMIAL_REFLECTED, type Crc32Options, type Crc32Function } from './util/crc32.js';
export { listDocument, renderListText, type ListDocument, type ListDisk, type ListPartition, type ListVolumeGroup, type ListLogicalVolume, type ListContent } from './views/list.js';
