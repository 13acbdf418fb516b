import type { Command } from 'commander';
import { Introspector } from '../../pipeline/introspector.js';
import type { CommandContext } from '../context.js';

export interface PluginListing {
  name: string;
  hooks: string[];
}

/**
 * Which hooks each registered plugin taps. Tap names need not be plugin names (one plugin may tap
 * as "elf-core", "kdump"...), so each plugin is applied once more to a scratch Introspector and its
 * taps are read from tapable's own lists there.
 */
export function listPlugins(introspector: Introspector): PluginListing[] {
  return introspector.plugins.map((plugin) => {
    const scratch = new Introspector(introspector.options);
    try {
      plugin.apply(scratch);
    } catch {
      return { name: plugin.name, hooks: hooksTappedAs(introspector, plugin.name) };
    }
    const hooks = Object.entries(scratch.hooks).filter(([, hook]) => taps(hook).length > 0).map(([name]) => name);
    return { name: plugin.name, hooks };
  });
}

function taps(hook: unknown): { name: string }[] {
  return (hook as { taps: { name: string }[] }).taps;
}

/** Fallback when a plugin cannot be applied twice: the hooks holding a tap named like the plugin. */
function hooksTappedAs(introspector: Introspector, name: string): string[] {
  return Object.entries(introspector.hooks).filter(([, hook]) => taps(hook).some((t) => t.name === name)).map(([hookName]) => hookName);
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('plugins')
    .description('list the registered plugins (built-in, then configured) and the hooks each one taps')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const listing = listPlugins(await ctx.introspector());
      if (options.json || ctx.globals.json) {
        ctx.io.stdout(JSON.stringify({ plugins: listing }, null, 2) + '\n');
      } else {
        const width = Math.max(24, ...listing.map((p) => p.name.length + 1));
        for (const p of listing) ctx.io.stdout(`${p.name.padEnd(width)} ${p.hooks.join(', ') || '(no hooks)'}\n`.replace(/ +\n$/, '\n'));
      }
    });
}
