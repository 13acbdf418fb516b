// `introspect profile ...`. `extract` (issue 6): the symbols and layouts an image teaches about its
// own kernel (kallsyms + BTF), written as a profile file the registry loads. The rest of the family
// belongs to issue 8.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IntrospectError } from '../../errors.js';
import { openMemoryImage } from '../../memory/open.js';
import { validateProfile } from '../../profiles/validate.js';
import { profileFileDocument } from '../../../plugins/linux-kernel/image-profile/extract.js';
import { imageProfile } from '../../../plugins/linux-kernel/image-profile/image.js';
import { recoverKallsyms } from '../../../plugins/linux-kernel/kallsyms/index.js';
import type { CommandContext } from '../context.js';
import { registerProfileManagement } from './profile-manage.js';

export function register(program: Command, context: () => CommandContext): void {
  const profile = program.command('profile').description('layout profiles: list, show, explain the choice for an image, build from a kernel, extract from a memory image, import/export Volatility ISF');

  profile
    .command('extract')
    .description("write the symbols (kallsyms, VMCOREINFO) and struct layouts (BTF) a memory image carries as a profile file")
    .argument('<image>', 'memory image: raw / live RAM file, QEMU ELF core, kdump-compressed, LiME')
    .requiredOption('-o, --output <file>', 'profile file to write (JSON)')
    .option('--format <raw|live|elf|kdump|lime>', 'container format (default: detect by magic, raw last)')
    .option('--name <name>', 'profile name (default: image-RELEASE)')
    .action(async (image: string, options: { output: string; format?: string; name?: string }) => {
      const ctx = context();
      const path = resolve(ctx.cwd, image);
      const introspector = await ctx.introspector();
      const memory = openMemoryImage(introspector, path, options.format);
      const say = (line: string): void => {
        if (ctx.globals.explain) ctx.io.stderr(`introspect: ${line}\n`);
      };
      const kernel = introspector.locateKernel(memory, { explain: say });
      let kallsyms;
      try {
        const recovered = recoverKallsyms(kernel);
        recovered.explanation.forEach(say);
        kallsyms = recovered.table;
      } catch (e) {
        if (!(e instanceof IntrospectError)) throw e;
        say(`kallsyms: not recovered (${e.reason})`);
      }
      const result = imageProfile(kernel, kallsyms);
      result.explanation.forEach(say);
      if (!result.profile) {
        throw new IntrospectError({ file: path, structure: 'kernel BTF', reason: `cannot extract a profile: ${result.explanation.join('; ').replace(/^image: /, '')}` });
      }
      const doc = profileFileDocument(result.profile, { name: options.name, image: path });
      const out = resolve(ctx.cwd, options.output);
      validateProfile(doc, out);
      writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
      const structs = Object.keys(result.profile.data.structs ?? {}).length;
      const symbols = Object.keys(result.profile.data.symbols ?? {}).length;
      ctx.io.stdout(`${out}: profile ${doc.name} (${doc.versions}, ${doc.arch}): ${structs} struct layouts, ${symbols} symbols\n`);
    });

  registerProfileManagement(profile, context);
}
