import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IntrospectError, NotImplementedError, UsageError } from '../errors.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Introspector } from '../pipeline/introspector.js';
import { createIntrospector, registryFor } from '../plugins/create.js';
import type { ProfileRegistry } from '../profiles/registry.js';
import { formatExplanation, resolveProfile } from '../profiles/resolve.js';
import { readStats } from '../source/source.js';
import type { CommandContext, GlobalOptions } from './context.js';
import type { CliIo } from './io.js';
import { register as registerInspect } from './commands/inspect.js';
import { register as registerDf } from './commands/df.js';
import { register as registerList } from './commands/list.js';
import { register as registerUname } from './commands/uname.js';
import { register as registerPs } from './commands/ps.js';
import { register as registerDmesg } from './commands/dmesg.js';
import { register as registerIfconfig } from './commands/ifconfig.js';
import { register as registerImportC } from './commands/import-c.js';
import { register as registerProfile } from './commands/profile.js';
import { register as registerPlugins } from './commands/plugins.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

function packageVersion(): string {
  // dist/core/cli/program.js is three folders below the package root, core/cli/program.ts two.
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'introspect') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

/** How a subcommand module registers itself (`core/cli/commands/<name>.ts` exports one as `register`). */
export type RegisterCommand = (program: Command, context: () => CommandContext) => void;

export interface RunCliOptions {
  /** Where configuration discovery starts and relative paths are resolved (default: process.cwd()). */
  cwd?: string;
  /** Extra subcommands, registered after the built-in ones (embedders, tests). */
  commands?: readonly RegisterCommand[];
}

/** Run the CLI in-process; returns the exit code. Never throws for user errors. */
export async function runCli(argv: readonly string[], io: CliIo, options: RunCliOptions = {}): Promise<number> {
  const program = new Command('introspect');
  const cwd = resolve(options.cwd ?? process.cwd());
  let context: CommandContext | undefined;
  let configPromise: Promise<LoadedConfig> | undefined;
  let introspectorPromise: Promise<Introspector> | undefined;
  let registry: ProfileRegistry | undefined;
  readStats.reset();

  program
    .description('Look inside virtual machines from the outside: disk images (df, list) and memory images (uname, ps, dmesg, ifconfig).')
    .version(packageVersion(), '--version')
    .option('--profile <auto|NAME|FILE>', 'layout profile to use (default: the configuration\'s "profile", else auto)')
    .option('--config <file>', 'configuration file (default: discovered .introspectrc, introspect.config.*, package.json "introspect")')
    .option('--no-config', 'read no configuration file (a discovered configuration may load plugins: code)')
    .option('--json', 'machine-readable output')
    .option('--explain', 'explain how the profile was chosen')
    .option('--stats', 'print bytes read to stderr')
    .option('--no-btf', 'do not use the BTF found in memory images (use profiles only)')
    .option('--debug', 'print stack traces of errors')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride()
    .showHelpAfterError(false);

  const getContext = (): CommandContext => {
    if (!context) {
      const globals = program.opts<GlobalOptions>();
      const config = (): Promise<LoadedConfig> =>
        (configPromise ??= globals.config === false ? Promise.resolve({ config: {}, dir: cwd }) : loadConfig({ cwd, file: globals.config }));
      const getRegistry = (loaded: LoadedConfig): ProfileRegistry => (registry ??= registryFor(loaded));
      const ctx: CommandContext = {
        io,
        globals,
        cwd,
        exitCode: EXIT_OK,
        config,
        introspector: (opts) =>
          (introspectorPromise ??= config().then((loaded) =>
            createIntrospector({ config: loaded, profile: globals.profile, allowBacking: opts?.allowBacking, cwd, registry: () => getRegistry(loaded) }),
          )),
        profiles: async () => getRegistry(await config()),
        resolveProfile: async (query) => {
          const full = { ...query, btf: query.btf ?? globals.btf };
          const resolution = resolveProfile(await ctx.introspector(), full);
          if (globals.explain) io.stderr(formatExplanation(resolution, full));
          return resolution;
        },
      };
      context = ctx;
    }
    return context;
  };

  // Configuration is read before any action, so `output: json` and configuration errors apply to every command.
  program.hook('preAction', async () => {
    const ctx = getContext();
    const loaded = await ctx.config();
    if (loaded.config.output === 'json' && ctx.globals.json === undefined) ctx.globals.json = true;
  });

  const commands: RegisterCommand[] = [registerInspect, registerDf, registerList, registerUname, registerPs, registerDmesg, registerIfconfig, registerImportC, registerProfile, registerPlugins];
  for (const register of [...commands, ...(options.commands ?? [])]) {
    register(program, getContext);
  }
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }));

  let code: number;
  try {
    await program.parseAsync(['node', 'introspect', ...argv]);
    code = context?.exitCode ?? EXIT_OK;
  } catch (error) {
    code = reportError(error, io, context?.globals ?? program.opts<GlobalOptions>());
  }
  if (program.opts<GlobalOptions>().stats) {
    io.stderr(`introspect: stats: ${readStats.bytesRead} bytes read in ${readStats.reads} reads\n`);
  }
  return code;
}

function reportError(error: unknown, io: CliIo, globals: GlobalOptions): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (globals.json) {
    const body =
      error instanceof IntrospectError
        ? error.toJSON()
        : { file: null, structure: null, offset: null, reason: message, message };
    io.stdout(JSON.stringify({ error: body }) + '\n');
  }
  if (error instanceof UsageError) {
    io.stderr(`introspect: ${message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof IntrospectError || error instanceof NotImplementedError) {
    io.stderr(`introspect: ${message}\n`);
  } else {
    io.stderr(`introspect: internal error: ${message}\n`);
  }
  if (globals.debug && error instanceof Error && error.stack) io.stderr(error.stack + '\n');
  return EXIT_ERROR;
}
