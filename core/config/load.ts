import { cosmiconfig } from 'cosmiconfig';
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { IntrospectError, UsageError } from '../errors.js';
import { type IntrospectConfig, validateConfig } from './schema.js';

export const MODULE_NAME = 'introspect';

/** Where configuration is looked for, in each folder from the working directory up to the project root. */
export const SEARCH_PLACES = [
  'package.json',
  '.introspectrc',
  '.introspectrc.json',
  '.introspectrc.yaml',
  '.introspectrc.yml',
  'introspect.config.js',
  'introspect.config.mjs',
  'introspect.config.cjs',
] as const;

export interface LoadedConfig {
  config: IntrospectConfig;
  /** The configuration file, or undefined when none was found (defaults apply). */
  filepath?: string;
  /** Folder relative paths in the configuration are resolved against (the file's folder, else cwd). */
  dir: string;
}

export interface LoadConfigOptions {
  /** Where discovery starts (default: process.cwd()). */
  cwd?: string;
  /** `--config FILE`: load exactly this file, no discovery. */
  file?: string;
}

/**
 * Finds and validates the configuration. Discovery walks from `cwd` up to the nearest folder holding a
 * package.json (cosmiconfig's "project" strategy) and takes the first of SEARCH_PLACES found.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    cache: false,
  });
  let result: { config: unknown; filepath: string } | null;
  if (options.file !== undefined) {
    const file = isAbsolute(options.file) ? options.file : resolve(cwd, options.file);
    if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--config ${options.file}: no such file`);
    result = await readWith(() => explorer.load(file), file);
    // An explicitly named package.json without an "introspect" key is an empty configuration.
    if (result === null) return { config: {}, filepath: file, dir: dirname(file) };
  } else {
    result = await readWith(() => explorer.search(cwd), cwd);
  }
  if (result === null) return { config: {}, dir: cwd };
  return { config: validateConfig(result.config, result.filepath), filepath: result.filepath, dir: dirname(result.filepath) };
}

async function readWith(
  read: () => Promise<{ config: unknown; filepath: string } | null>,
  where: string,
): Promise<{ config: unknown; filepath: string } | null> {
  try {
    return await read();
  } catch (error) {
    const file = (error as { filepath?: string }).filepath ?? where;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new IntrospectError({ file, structure: 'configuration file', reason: `cannot be read: ${reason}` }, { cause: error });
  }
}
