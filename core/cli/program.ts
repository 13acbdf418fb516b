import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { IntrospectError, NotImplementedError, UsageError } from '../errors.js';
import { builtinPlugins } from '../builtin-plugins.js';
import { Introspector } from '../pipeline/introspector.js';
import type { CommandContext, GlobalOptions } from './context.js';
import type { CliIo } from './io.js';
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
  const url = new URL('../../../package.json', import.meta.url);
  try {
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  }
}

/** Run the CLI in-process; returns the exit code. Never throws for user errors. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('introspect');
  let context: CommandContext | undefined;
  let introspectorPromise: Promise<Introspector> | undefined;

  program
    .description('Look inside virtual machines from the outside: disk images (df, list) and memory images (uname, ps, dmesg, ifconfig).')
    .version(packageVersion(), '--version')
    .option('--profile <auto|NAME|FILE>', 'layout profile to use', 'auto')
    .option('--config <file>', 'configuration file (default: discovered .introspectrc, introspect.config.*, package.json "introspect")')
    .option('--json', 'machine-readable output')
    .option('--explain', 'explain how the profile was chosen')
    .option('--stats', 'print bytes read to stderr')
    .option('--debug', 'print stack traces of errors')
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride()
    .showHelpAfterError(false);

  const getContext = (): CommandContext => {
    if (!context) {
      const globals = program.opts<GlobalOptions>();
      context = {
        io,
        globals,
        exitCode: EXIT_OK,
        introspector: (options) => {
          introspectorPromise ??= Promise.resolve(new Introspector({ allowBacking: options?.allowBacking }).use(...builtinPlugins()));
          return introspectorPromise;
        },
      };
    }
    return context;
  };

  for (const register of [registerDf, registerList, registerUname, registerPs, registerDmesg, registerIfconfig, registerImportC, registerProfile, registerPlugins]) {
    register(program, getContext);
  }
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) }));

  try {
    await program.parseAsync(['node', 'introspect', ...argv]);
    return context?.exitCode ?? EXIT_OK;
  } catch (error) {
    return reportError(error, io, program.opts<GlobalOptions>());
  }
}

function reportError(error: unknown, io: CliIo, globals: GlobalOptions): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
    return EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    io.stderr(`introspect: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (globals.json && error instanceof IntrospectError) {
    io.stdout(JSON.stringify({ error: error.toJSON() }) + '\n');
  }
  if (error instanceof IntrospectError || error instanceof NotImplementedError) {
    io.stderr(`introspect: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`introspect: internal error: ${message}\n`);
  }
  if (globals.debug && error instanceof Error && error.stack) io.stderr(error.stack + '\n');
  return EXIT_ERROR;
}
