import { resolve } from 'node:path';
import { builtinPlugins } from '../builtin-plugins.js';
import type { LoadedConfig } from '../config/load.js';
import { Introspector } from '../pipeline/introspector.js';
import { isProfilePath, profilesPlugin } from '../profiles/resolve.js';
import { ProfileRegistry } from '../profiles/registry.js';
import { IntrospectError } from '../errors.js';
import { loadPlugins } from './load.js';

export interface CreateIntrospectorOptions {
  /** Configuration (from loadConfig); defaults to none. */
  config?: LoadedConfig;
  /** --profile from the command line: wins over the configuration's `profile`. Paths resolve against cwd. */
  profile?: string;
  allowBacking?: readonly string[];
  /** Folder a relative --profile FILE is resolved against (default: process.cwd()). */
  cwd?: string;
  /** Share one registry with other users (the CLI's `profile` command); default: registryFor(config). */
  registry?: () => ProfileRegistry;
}

/** The profile registry a configuration describes: shipped profiles plus its profilePaths. */
export function registryFor(config: LoadedConfig | undefined): ProfileRegistry {
  const paths = (config?.config.profilePaths ?? []).map((p, i) => ({
    path: resolve(config!.dir, p),
    from: { file: config?.filepath ?? 'configuration', structure: `configuration key "profilePaths[${i}]"` },
  }));
  return ProfileRegistry.load({ paths });
}

/**
 * The Introspector the CLI uses: built-in plugins, the profile resolver (rules, --profile, shipped
 * profiles), then the configured plugins in order. A configured plugin whose name is already taken is
 * an error (Introspector.use would silently skip it).
 */
export async function createIntrospector(options: CreateIntrospectorOptions = {}): Promise<Introspector> {
  const loaded = options.config;
  const configFile = loaded?.filepath ?? 'configuration';
  let requested = options.profile;
  if (requested !== undefined && isProfilePath(requested)) requested = resolve(options.cwd ?? process.cwd(), requested);
  else if (requested === undefined && loaded?.config.profile !== undefined) {
    requested = isProfilePath(loaded.config.profile) ? resolve(loaded.dir, loaded.config.profile) : loaded.config.profile;
  }
  const introspector = new Introspector({ allowBacking: options.allowBacking }).use(
    ...builtinPlugins(),
    profilesPlugin({
      registry: options.registry ?? (() => registryFor(loaded)),
      rules: loaded?.config.rules,
      configFile,
      configDir: loaded?.dir,
      requested,
    }),
  );
  const configured = loaded ? await loadPlugins(loaded.config.plugins ?? [], loaded.dir, configFile) : [];
  for (const [index, plugin] of configured.entries()) {
    if (introspector.plugins.some((p) => p.name === plugin.name)) {
      throw new IntrospectError({
        file: configFile,
        structure: `configuration key "plugins[${index}]"`,
        reason: `a plugin named "${plugin.name}" is already registered`,
      });
    }
    try {
      introspector.use(plugin);
    } catch (error) {
      throw new IntrospectError(
        { file: configFile, structure: `plugin "${plugin.name}"`, reason: `apply() threw: ${error instanceof Error ? error.message : String(error)}` },
        { cause: error },
      );
    }
  }
  return introspector;
}
