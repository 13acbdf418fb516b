export { loadConfig, SEARCH_PLACES, MODULE_NAME, type LoadedConfig, type LoadConfigOptions } from './load.js';
export { validateConfig, CONFIG_KEYS, type IntrospectConfig, type PluginSpec, type ProfileRule, type ProfileRuleMatch } from './schema.js';
export { globToRegExp, matchesGlob } from './glob.js';
