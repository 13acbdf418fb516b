import type { Plugin } from './pipeline/plugin.js';

/**
 * Every format the project ships, registered by default through the same door as third-party plugins.
 * Order matters for bail hooks only where two plugins could recognise the same bytes; each plugin
 * sets its own tap stage when it must run early or late (e.g. raw is the last resort).
 */
export function builtinPlugins(): Plugin[] {
  return [];
}
