import type { Command } from 'commander';
import { openMemoryImage } from '../../memory/open.js';
import { readStats } from '../../source/source.js';
import { readUname } from '../../../plugins/linux-kernel/uname.js';
import type { CommandContext } from '../context.js';

const KEYS = ['sysname', 'nodename', 'release', 'version', 'machine', 'domainname', 'banner'] as const;

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('uname')
    .description("the guest kernel's uname (init_uts_ns: the hostname the guest set) and linux_banner, from a memory image")
    .argument('<image>', 'memory image: raw / live RAM file, QEMU ELF core, kdump-compressed, LiME')
    .option('--format <raw|live|elf|kdump|lime>', 'container format (default: detect by magic, raw last)')
    .option('--json', 'print JSON {sysname, nodename, release, version, machine, domainname, banner}')
    .action(async (image: string, options: { json?: boolean; format?: string }) => {
      const ctx = context();
      readStats.reset();
      const introspector = await ctx.introspector();
      const memory = openMemoryImage(introspector, image, options.format);
      // uname needs no structure layouts: --profile (auto or not) has nothing to resolve here.
      const report = readUname(memory, {
        locate: (m, search) => introspector.locateKernel(m, search),
        explain: ctx.globals.explain ? (line) => ctx.io.stderr(`introspect: ${line}\n`) : undefined,
      });
      const u = report.uname;
      if (options.json || ctx.globals.json) {
        const doc: Record<string, string> = {};
        for (const key of KEYS) doc[key] = u[key];
        ctx.io.stdout(JSON.stringify(doc, null, 2) + '\n');
      } else {
        ctx.io.stdout(`${u.sysname} ${u.nodename} ${u.release} ${u.version} ${u.machine}\n`);
        if (u.banner) ctx.io.stdout(`${u.banner}\n`);
      }
    });
}
