import type { Introspector } from '../pipeline/introspector.js';
import type { CliIo } from './io.js';

/** Options every subcommand accepts (commander's global options). */
export interface GlobalOptions {
  profile?: string;
  config?: string;
  json?: boolean;
  debug?: boolean;
  explain?: boolean;
  stats?: boolean;
  btf?: boolean;
}

/** What a subcommand's action gets: the configured Introspector, the output, and the global options. */
export interface CommandContext {
  io: CliIo;
  globals: GlobalOptions;
  /** Builds the Introspector with built-in and configured plugins (loaded lazily, once). */
  introspector(options?: { allowBacking?: readonly string[] }): Promise<Introspector>;
  /** Exit code the command wants (0 unless it sets 1). */
  exitCode: number;
}
