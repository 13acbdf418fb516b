import type { LoadedConfig } from '../config/load.js';
import type { Introspector } from '../pipeline/introspector.js';
import type { ProfileRegistry } from '../profiles/registry.js';
import type { ProfileQuery, ProfileResolution } from '../profiles/types.js';
import type { CliIo } from './io.js';

/** Options every subcommand accepts (commander's global options). */
export interface GlobalOptions {
  /** --profile auto|NAME|FILE; undefined when not given (the configuration's `profile`, else auto). */
  profile?: string;
  /** --config FILE; false with --no-config (defaults only, no discovery). */
  config?: string | false;
  /** --json, or `output: json` in the configuration. */
  json?: boolean;
  debug?: boolean;
  explain?: boolean;
  stats?: boolean;
  /** false with --no-btf: memory plugins must not use the image's BTF (profiles only). */
  btf?: boolean;
}

/** What a subcommand's action gets: the configured Introspector, the output, and the global options. */
export interface CommandContext {
  io: CliIo;
  globals: GlobalOptions;
  /** Folder configuration discovery started from and relative image paths are read from. */
  cwd: string;
  /** The configuration (discovered, or --config FILE), validated; loaded before any action runs. */
  config(): Promise<LoadedConfig>;
  /** Builds the Introspector with built-in and configured plugins (loaded lazily, once). */
  introspector(options?: { allowBacking?: readonly string[] }): Promise<Introspector>;
  /** Shipped profiles plus the configuration's profilePaths (loaded lazily, once). */
  profiles(): Promise<ProfileRegistry>;
  /** Runs the resolveProfile waterfall; with --explain prints the explanation to stderr. */
  resolveProfile(query: ProfileQuery): Promise<ProfileResolution>;
  /** Exit code the command wants (0 unless it sets 1). */
  exitCode: number;
}
