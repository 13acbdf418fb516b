import type { Command } from 'commander';
import type { Introspector } from '../../pipeline/introspector.js';
import type { CommandContext } from '../context.js';

interface PluginListing {
  name: string;
  hooks: string[];
}

/** Which hooks each registered plugin tapped, read from tapable's own tap lists. */
export function listPlugins(introspector: Introspector): PluginListing[] {
  const byPlugin = new Map<string, Set<string>>(introspector.plugins.map((p) => [p.name, new Set<string>()]));
  for (const [hookName, hook] of Object.entries(introspector.hooks)) {
    for (const tap of (hook as unknown as { taps: { name: string }[] }).taps) {
      if (!byPlugin.has(tap.name)) byPlugin.set(tap.name, new Set());
      byPlugin.get(tap.name)!.add(hookName);
    }
  }
  return [...byPlugin].map(([name, hooks]) => ({ name, hooks: [...hooks] }));
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('plugins')
    .description('list the registered plugins and the hooks each one taps')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const listing = listPlugins(await ctx.introspector());
      if (options.json || ctx.globals.json) {
        ctx.io.stdout(JSON.stringify({ plugins: listing }, null, 2) + '\n');
      } else {
        for (const p of listing) ctx.io.stdout(`${p.name.padEnd(24)} ${p.hooks.join(', ')}\n`);
      }
    });
}
