// `introspect dmesg IMAGE`: the guest's kernel log from its memory image (virt-dmesg). Records:
// plugins/linux-kernel/views/dmesg.ts; output: views/render.ts.
import type { Command } from 'commander';
import { openViewForCli, reportWarnings, explain } from '../../../plugins/linux-kernel/views/cli.js';
import { readDmesg } from '../../../plugins/linux-kernel/views/dmesg.js';
import { dmesgJson, dmesgText } from '../../../plugins/linux-kernel/views/render.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('dmesg')
    .description("the guest kernel's log, from a memory image (printk ring buffer 5.10+, printk_log records 3.5-5.9, character ring before)")
    .argument('<image>', 'memory image: raw / live RAM file, QEMU ELF core, kdump-compressed, LiME')
    .option('--format <raw|live|elf|kdump|lime>', 'container format (default: detect by magic, raw last)')
    .option('--json', 'print JSON {"records": [{seq, timestampUs, level, facility, text}]}')
    .action(async (image: string, options: { json?: boolean; format?: string }) => {
      const ctx = context();
      const view = await openViewForCli(ctx, image, options.format);
      const result = readDmesg(view);
      explain(ctx, `kernel log: ${result.source}`);
      if (options.json || ctx.globals.json) ctx.io.stdout(JSON.stringify(dmesgJson(result.records), null, 2) + '\n');
      else ctx.io.stdout(dmesgText(result.records));
      reportWarnings(ctx, result.warnings);
    });
}
