// `introspect ifconfig IMAGE`: the guest's network devices and addresses from its memory image
// (virt-ifconfig). Records: plugins/linux-kernel/views/ifconfig.ts; output: views/render.ts.
import type { Command } from 'commander';
import { openViewForCli, reportWarnings, explain } from '../../../plugins/linux-kernel/views/cli.js';
import { listInterfaces } from '../../../plugins/linux-kernel/views/ifconfig.js';
import { ifconfigJson, ifconfigText } from '../../../plugins/linux-kernel/views/render.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('ifconfig')
    .description('network devices of every network namespace of the guest, from a memory image: index, MAC, MTU, flags, IPv4 and IPv6 addresses')
    .argument('<image>', 'memory image: raw / live RAM file, QEMU ELF core, kdump-compressed, LiME')
    .option('--format <raw|live|elf|kdump|lime>', 'container format (default: detect by magic, raw last)')
    .option('--json', 'print JSON {"interfaces": [{netns, name, index, mac, mtu, flags, ipv4, ipv6}]}')
    .action(async (image: string, options: { json?: boolean; format?: string }) => {
      const ctx = context();
      const view = await openViewForCli(ctx, image, options.format);
      const result = listInterfaces(view);
      explain(ctx, `network namespaces: ${result.source}`);
      if (options.json || ctx.globals.json) ctx.io.stdout(JSON.stringify(ifconfigJson(result.interfaces), null, 2) + '\n');
      else ctx.io.stdout(ifconfigText(result.interfaces));
      reportWarnings(ctx, result.warnings);
    });
}
