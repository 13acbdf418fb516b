import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { ImageSpec } from '../../pipeline/introspector.js';
import type { Guest } from '../../pipeline/model.js';
import { listDocument, renderListText } from '../../views/list.js';
import type { CommandContext } from '../context.js';

const FORMATS = new Set(['raw', 'qcow2']);

/** One line per diagnostic, on stderr. */
export function diagnosticLines(guest: Guest): string[] {
  return guest.diagnostics.map((d) => `introspect: ${d.level}: ${d.device ? `${d.device}: ` : ''}${d.error.message}`);
}

export function register(program: Command, context: () => CommandContext): void {
  // --format applies to the -a images that follow it, as in virt-df; commander calls these
  // collectors in command-line order, so the order is kept here.
  let format: string | undefined;
  const added: ImageSpec[] = [];
  const allowBacking: string[] = [];

  program
    .command('list')
    .description('list disks, partitions, volume groups, logical volumes and what each holds (like virt-filesystems --all --long)')
    .option('--format <raw|qcow2|auto>', 'format of the -a images that follow (default: detect by magic)', (value: string) => {
      if (value === 'auto') format = undefined;
      else if (FORMATS.has(value)) format = value;
      else throw new UsageError(`--format: unknown format "${value}" (raw, qcow2 or auto)`);
      return value;
    })
    .option('-a, --add <image>', 'a disk image of the guest (repeat for each disk)', (value: string) => {
      added.push({ path: value, format });
      return value;
    })
    .option('--allow-backing <dir>', 'also follow qcow2 backing files inside DIR (repeatable; the image\'s own folder is always allowed)', (value: string) => {
      allowBacking.push(value);
      return value;
    })
    .option('--json', 'print JSON')
    .argument('[images...]', 'more disk images (after the -a ones; they take the last --format)')
    .action(async (images: string[], options: { json?: boolean }) => {
      const ctx = context();
      // Relative paths are read from the context's folder (as every command does).
      const specs: ImageSpec[] = [...added, ...images.map((path) => ({ path, format }))].map((s) => ({ ...s, path: resolve(ctx.cwd, s.path) }));
      if (specs.length === 0) throw new UsageError('list: no disk image given (use -a IMAGE or IMAGE)');
      const introspector = await ctx.introspector({ allowBacking: allowBacking.map((dir) => resolve(ctx.cwd, dir)) });
      const guest = introspector.inspectGuest(specs);
      if (options.json || ctx.globals.json) ctx.io.stdout(JSON.stringify(listDocument(guest), null, 2) + '\n');
      else ctx.io.stdout(renderListText(guest));
      for (const line of diagnosticLines(guest)) ctx.io.stderr(line + '\n');
      if (guest.diagnostics.some((d) => d.level === 'error')) ctx.exitCode = 1;
    });
}
