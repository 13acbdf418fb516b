// `introspect ps IMAGE`: processes of the guest from its memory image (virt-ps). Records:
// plugins/linux-kernel/views/ps.ts; output: views/render.ts.
import type { Command } from 'commander';
import { openViewForCli, reportWarnings, explain } from '../../../plugins/linux-kernel/views/cli.js';
import { listProcesses } from '../../../plugins/linux-kernel/views/ps.js';
import { psJson, psText } from '../../../plugins/linux-kernel/views/render.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('ps')
    .description('processes (thread-group leaders) of the guest, from a memory image: pid, ppid, uid, gid, state, threads, command line')
    .argument('<image>', 'memory image: raw / live RAM file, QEMU ELF core, kdump-compressed, LiME')
    .option('--format <raw|live|elf|kdump|lime>', 'container format (default: detect by magic, raw last)')
    .option('--threads', 'list the threads of each process too')
    .option('--json', 'print JSON {"processes": [{pid, ppid, uid, gid, comm, state, kernelThread, threads, args}]}')
    .action(async (image: string, options: { json?: boolean; format?: string; threads?: boolean }) => {
      const ctx = context();
      const view = await openViewForCli(ctx, image, options.format);
      const result = listProcesses(view, { threads: options.threads });
      explain(ctx, `init_task at 0x${result.initTask.address.toString(16)}: ${result.initTask.how}`);
      if (options.json || ctx.globals.json) ctx.io.stdout(JSON.stringify(psJson(result.processes, options.threads), null, 2) + '\n');
      else ctx.io.stdout(psText(result.processes, options.threads));
      reportWarnings(ctx, result.warnings);
    });
}
