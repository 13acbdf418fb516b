// `introspect profile build | import-isf | export-isf | list | show | explain` (issue 8), registered on
// the `profile` command of profile.ts (whose `extract` belongs to the memory views).
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { IntrospectError, UsageError } from '../../errors.js';
import { openMemoryImage } from '../../memory/open.js';
import { isProfilePath, formatExplanation, resolveProfile } from '../../profiles/resolve.js';
import { loadProfileFile } from '../../profiles/registry.js';
import { releaseInterval, formatInterval } from '../../profiles/select.js';
import { validateProfile } from '../../profiles/validate.js';
import type { Profile } from '../../profiles/types.js';
import { findKernelBtf } from '../../../plugins/linux-kernel/btf/index.js';
import type { KernelProfileQuery } from '../../../plugins/linux-kernel/image-profile/image.js';
import { linkTimeSymbols } from '../../../plugins/linux-kernel/image-profile/image.js';
import { isfFromBtf, isfFromProfile, profileFromIsf, readIsf, stringifyJsonBig } from '../../../plugins/linux-kernel/isf/index.js';
import { recoverKallsyms } from '../../../plugins/linux-kernel/kallsyms/index.js';
import type { KallsymsTable } from '../../../plugins/linux-kernel/kallsyms/symbols.js';
import type { KernelContext } from '../../memory/kernel.js';
import { buildProfile, kernelFactChecker, serializeProfile } from '../../../plugins/linux-kernel/profile-build/index.js';
import type { CommandContext } from '../context.js';

/** The command line as a profile records it: file arguments by base name, so no local paths leak. */
function recordedCommand(words: readonly (string | undefined)[]): string {
  return ['introspect', 'profile', ...words.filter((w): w is string => w !== undefined)].join(' ');
}

function write(ctx: CommandContext, output: string | undefined, text: string, what: string): void {
  if (!output || output === '-') {
    ctx.io.stdout(text);
    return;
  }
  const out = resolve(ctx.cwd, output);
  writeFileSync(out, text);
  ctx.io.stderr(`introspect: wrote ${what} to ${out}\n`);
}

/** A profile from a NAME in the registry or a FILE. */
async function profileNamed(ctx: CommandContext, spec: string): Promise<Profile> {
  if (isProfilePath(spec)) return loadProfileFile(resolve(ctx.cwd, spec));
  const registry = await ctx.profiles();
  const found = registry.get(spec, 'linux-kernel') ?? registry.get(spec);
  if (!found) throw new UsageError(`no profile named "${spec}" (known: ${registry.all().map((p) => p.name).sort().join(', ') || 'none'})`);
  return found;
}

interface OpenedKernel {
  query: KernelProfileQuery;
  kallsyms?: KallsymsTable;
}

async function openKernel(ctx: CommandContext, image: string, format: string | undefined): Promise<OpenedKernel & { kernel: KernelContext }> {
  const path = resolve(ctx.cwd, image);
  const introspector = await ctx.introspector();
  const memory = openMemoryImage(introspector, path, format);
  const kernel = introspector.locateKernel(memory, {});
  let kallsyms: KallsymsTable | undefined;
  try {
    kallsyms = recoverKallsyms(kernel).table;
    kernel.addSymbols(kallsyms);
  } catch (e) {
    if (!(e instanceof IntrospectError)) throw e;
  }
  const query: KernelProfileQuery = {
    kind: 'linux-kernel',
    imagePath: path,
    release: kernel.release,
    arch: kernel.arch,
    banner: kernel.banner || undefined,
    buildId: kernel.vmcoreinfo?.get('BUILD-ID')?.toLowerCase(),
    btf: ctx.globals.btf,
    checkFacts: kernelFactChecker(kernel),
    linuxKernel: { kernel, kallsyms },
  };
  return { query, kallsyms, kernel };
}

export function registerProfileManagement(profile: Command, context: () => CommandContext): void {
  profile
    .command('build')
    .description('make a linux-kernel profile from a kernel (vmlinuz, vmlinux, arm64 Image) or a raw BTF file, with System.map for symbols')
    .option('--kernel <file>', 'vmlinuz (x86 bzImage: gzip, bzip2, lzma, xz, lz4, zstd), vmlinux (ELF with .BTF), arm64 Image, or a compressed vmlinux')
    .option('--btf <file>', 'raw BTF, e.g. pahole --btf_encode_detached from the kernel\'s debuginfo')
    .option('--system-map <file>', 'System.map of the same build (link-time symbol addresses)')
    .option('--release <release>', 'kernel release (default: from the banner in the kernel, else the file name)')
    .option('--arch <arch>', 'architecture (default: from the kernel file, else the flavour)')
    .option('--flavour <flavour>', 'flavour (default: Debian-style release suffix: amd64, 686-pae, rt-amd64, arm64...)')
    .option('--name <name>', 'profile name (default: linux-RELEASE)')
    .option('--package <name>', 'kernel package the files come from (recorded in meta)')
    .option('--package-version <version>', 'its version (recorded in meta; in the banner signature when the kernel file has no banner)')
    .option('-o, --output <file>', 'write the profile here (default: stdout)')
    .action(async (options: { kernel?: string; btf?: string; systemMap?: string; release?: string; arch?: string; flavour?: string; name?: string; package?: string; packageVersion?: string; output?: string }) => {
      const ctx = context();
      const at = (p?: string): string | undefined => (p === undefined ? undefined : resolve(ctx.cwd, p));
      const command = recordedCommand([
        'build',
        ...(options.kernel ? ['--kernel', basename(options.kernel)] : []),
        ...(options.btf ? ['--btf', basename(options.btf)] : []),
        ...(options.systemMap ? ['--system-map', basename(options.systemMap)] : []),
        ...(options.release ? ['--release', options.release] : []),
        ...(options.arch ? ['--arch', options.arch] : []),
        ...(options.flavour ? ['--flavour', options.flavour] : []),
        ...(options.name ? ['--name', options.name] : []),
        ...(options.package ? ['--package', options.package] : []),
        ...(options.packageVersion ? ['--package-version', options.packageVersion] : []),
      ]);
      const built = await buildProfile({ ...options, kernel: at(options.kernel), btf: at(options.btf), systemMap: at(options.systemMap), command });
      const text = serializeProfile(built.profile);
      validateProfile(JSON.parse(text), options.output ?? 'stdout');
      for (const step of built.steps) if (ctx.globals.explain) ctx.io.stderr(`introspect: ${step}\n`);
      write(ctx, options.output, text, `profile ${built.profile.name}`);
    });

  profile
    .command('import-isf')
    .description('make a linux-kernel profile from a Volatility 3 ISF symbol table (JSON)')
    .argument('<file>', 'ISF JSON (dwarf2json output, or introspect profile export-isf)')
    .option('--name <name>', 'profile name (default: isf-RELEASE)')
    .option('--release <release>', 'kernel release (default: from linux_banner in the ISF)')
    .option('--arch <arch>', 'architecture (default: guessed from the pointer size and symbols)')
    .option('--all', 'keep every type and symbol, not only those the views read')
    .option('-o, --output <file>', 'write the profile here (default: stdout)')
    .action(async (file: string, options: { name?: string; release?: string; arch?: string; all?: boolean; output?: string }) => {
      const ctx = context();
      const path = resolve(ctx.cwd, file);
      let text: string;
      try {
        text = readFileSync(path, 'latin1');
      } catch (error) {
        throw new IntrospectError({ file: path, structure: 'ISF file', reason: `cannot be read: ${(error as Error).message}` });
      }
      const imported = profileFromIsf(readIsf(text, path), { file: path, name: options.name, release: options.release, arch: options.arch, all: options.all });
      const out = serializeProfile(imported);
      validateProfile(JSON.parse(out), options.output ?? 'stdout');
      write(ctx, options.output, out, `profile ${imported.name}`);
    });

  profile
    .command('export-isf')
    .description('write a Volatility 3 ISF symbol table from a profile (NAME or FILE), a memory image (its BTF and kallsyms), or a kernel file (--kernel/--btf)')
    .argument('[source]', 'profile name or file, or a memory image')
    .option('--kernel <file>', 'instead of SOURCE: a kernel file as profile build takes it (every BTF type is exported)')
    .option('--btf <file>', 'instead of SOURCE: raw BTF')
    .option('--system-map <file>', 'with --kernel/--btf: System.map for the symbols')
    .option('--format <raw|live|elf|kdump|lime>', 'memory image container format')
    .option('-o, --output <file>', 'write the ISF here (default: stdout)')
    .action(async (source: string | undefined, options: { kernel?: string; btf?: string; systemMap?: string; format?: string; output?: string }) => {
      const ctx = context();
      let doc;
      if (options.kernel || options.btf) {
        const { openKernelFile, parseSystemMap } = await import('../../../plugins/linux-kernel/profile-build/index.js');
        const { parseBtf } = await import('../../../plugins/linux-kernel/btf/parse.js');
        const input = resolve(ctx.cwd, (options.kernel ?? options.btf)!);
        const map = options.systemMap ? parseSystemMap(readFileSync(resolve(ctx.cwd, options.systemMap), 'latin1'), options.systemMap) : undefined;
        const kernel = await openKernelFile(readFileSync(input), input, { textAddress: map?.get('_text')?.address, bannerAddress: map?.get('linux_banner')?.address });
        const btf = parseBtf(kernel.btf, { name: `${input} [BTF]` });
        const symbols = new Map<string, bigint>();
        for (const [name, s] of map ?? []) symbols.set(name, s.address);
        doc = isfFromBtf(btf, { symbols, banner: kernel.banner });
      } else if (source === undefined) {
        throw new UsageError('export-isf: give a profile, a memory image, --kernel or --btf');
      } else if (!isProfilePath(source) || source.endsWith('.json')) {
        doc = isfFromProfile(await profileNamed(ctx, source));
      } else {
        const { kernel, kallsyms } = await openKernel(ctx, source, options.format);
        const found = findKernelBtf(kernel, kallsyms);
        const symbols = new Map<string, bigint>();
        // Every symbol kallsyms knows, at link-time addresses (ISF addresses are link-time; Volatility adds the shift it finds).
        if (kallsyms) for (const s of kallsyms) if (!symbols.has(s.name)) symbols.set(s.name, s.address - kernel.virtualShift);
        for (const [name, value] of Object.entries(linkTimeSymbols(kernel, kallsyms))) if (!symbols.has(name)) symbols.set(name, BigInt(value));
        // Without KALLSYMS_ALL there is no linux_banner symbol; the banner the kernel was found by is the same object.
        if (!symbols.has('linux_banner') && kernel.bannerAddress.virtual !== undefined) symbols.set('linux_banner', kernel.bannerAddress.virtual - kernel.virtualShift);
        doc = isfFromBtf(found.btf, { symbols, banner: kernel.banner, littleEndian: kernel.vm.littleEndian });
      }
      write(ctx, options.output, stringifyJsonBig(doc) + '\n', 'ISF');
    });

  profile
    .command('list')
    .description('the profiles known: shipped ones and the configuration\'s profilePaths')
    .option('--json', 'print JSON [{name, kind, versions, arch, flavour, origin, shipped}]')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const registry = await ctx.profiles();
      const all = registry.all().sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
      if (options.json || ctx.globals.json) {
        const rows = all.map((p) => ({ name: p.name, kind: p.kind, versions: p.versions, arch: p.arch, flavour: p.flavour ?? null, origin: p.origin ?? null, shipped: registry.isShipped(p) }));
        ctx.io.stdout(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const rows = [['NAME', 'KIND', 'VERSIONS', 'ARCH', 'FLAVOUR', 'ORIGIN'], ...all.map((p) => [p.name, p.kind, p.versions, p.arch, p.flavour ?? '-', p.origin ?? '-'])];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) ctx.io.stdout(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ') + '\n');
    });

  profile
    .command('show')
    .description('one profile: its header, signature and a summary of its data (--json: the whole profile)')
    .argument('<profile>', 'profile name or file')
    .option('--json', 'print the whole profile as JSON')
    .action(async (spec: string, options: { json?: boolean }) => {
      const ctx = context();
      const p = await profileNamed(ctx, spec);
      if (options.json || ctx.globals.json) {
        ctx.io.stdout(JSON.stringify({ ...JSON.parse(serializeProfile(p)), origin: p.origin ?? null }, null, 2) + '\n');
        return;
      }
      const lines = [
        `name:        ${p.name}`,
        `kind:        ${p.kind}`,
        `versions:    ${p.versions} ${formatInterval(releaseInterval(p.versions))}`,
        `arch:        ${p.arch}`,
        ...(p.flavour ? [`flavour:     ${p.flavour}`] : []),
        ...(p.description ? [`description: ${p.description}`] : []),
        `origin:      ${p.origin ?? '-'}`,
        ...(p.signature?.banner ? [`banner:      /${p.signature.banner}/`] : []),
        ...(p.signature?.buildId ? [`build id:    ${p.signature.buildId}`] : []),
        ...Object.entries(p.signature?.facts ?? {}).map(([k, v]) => `fact:        ${k} = ${JSON.stringify(v)}`),
        ...Object.entries(p.data.structs ?? {}).map(([n, s]) => `struct:      ${n} (${s.size} bytes): ${Object.entries(s.fields).map(([f, l]) => `${f}@${l.offset}${l.bitSize !== undefined ? `:${l.bitOffset ?? 0}+${l.bitSize}` : ''}`).join(' ')}`),
        ...Object.entries(p.data.symbols ?? {}).map(([n, a]) => `symbol:      ${n} ${typeof a === 'number' ? '0x' + a.toString(16) : a}`),
        ...Object.entries(p.meta ?? {}).map(([k, v]) => `meta:        ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`),
      ];
      ctx.io.stdout(lines.join('\n') + '\n');
    });

  profile
    .command('explain')
    .description('how the profile for a memory image is chosen: each stage of the waterfall and each candidate')
    .argument('<image>', 'memory image')
    .option('--format <raw|live|elf|kdump|lime>', 'container format (default: detect by magic, raw last)')
    .option('--json', 'print JSON {query, chosen, chosenBy, candidates, explanation}')
    .action(async (image: string, options: { format?: string; json?: boolean }) => {
      const ctx = context();
      const { query } = await openKernel(ctx, image, options.format);
      const resolution = resolveProfile(await ctx.introspector(), query);
      if (options.json || ctx.globals.json) {
        ctx.io.stdout(
          JSON.stringify(
            {
              query: { imagePath: query.imagePath, release: query.release ?? null, arch: query.arch ?? null, banner: query.banner ?? null, buildId: query.buildId ?? null, btf: query.btf !== false },
              chosen: resolution.profile?.name ?? null,
              chosenBy: resolution.chosenBy ?? null,
              candidates: resolution.candidates.map((c) => ({ name: c.profile.name, origin: c.profile.origin ?? null, stage: c.stage ?? null, accepted: c.accepted, won: c.won === true, reason: c.reason })),
              explanation: resolution.explanation,
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        ctx.io.stdout(formatExplanation(resolution, query));
      }
      if (!resolution.profile) ctx.exitCode = 1;
    });
}
