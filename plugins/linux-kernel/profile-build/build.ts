// `introspect profile build`: a linux-kernel profile from a kernel file (vmlinuz, vmlinux, arm64
// Image) or a raw BTF file, plus System.map for link-time symbol addresses. The layouts and symbols
// are the views' own list (image-profile/needs.ts) and the profile is made by the same function the
// image's own BTF goes through (image-profile/from-btf.ts), so a shipped profile and an
// image-derived one have the same shape.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { IntrospectError, UsageError } from '../../../core/errors.js';
import type { Profile } from '../../../core/profiles/types.js';
import { normalizeArch } from '../../../core/profiles/validate.js';
import { parseBtf } from '../btf/parse.js';
import { escapeRegExp, profileFromBtf } from '../image-profile/from-btf.js';
import { VIEW_SYMBOLS } from '../image-profile/needs.js';
import { openKernelFile, type KernelFile } from './kernel-file.js';
import { parseSystemMap, type SystemMapSymbol } from './system-map.js';

export interface BuildProfileOptions {
  /** vmlinuz / vmlinux / arm64 Image / compressed kernel. */
  kernel?: string;
  /** Raw BTF (pahole --btf_encode_detached) or anything `kernel` accepts. */
  btf?: string;
  systemMap?: string;
  release?: string;
  arch?: string;
  flavour?: string;
  name?: string;
  /** Kernel package the files came from (recorded in meta), e.g. linux-image-6.1.0-56-amd64-unsigned. */
  package?: string;
  packageVersion?: string;
  /** The command line that made the profile (recorded in meta.generatedBy). */
  command?: string;
}

export interface BuiltProfile {
  profile: Profile;
  /** What was read and how, for the command's report. */
  steps: string[];
}

/** Symbols recorded beyond the views' list: where to look for BTF and page tables in an image. */
const EXTRA_SYMBOLS = ['__start_BTF', '__stop_BTF', 'swapper_pg_dir', 'init_top_pgt', 'init_level4_pgt', 'page_offset_base', 'init_mm', 'init_files'];

export async function buildProfile(options: BuildProfileOptions): Promise<BuiltProfile> {
  const input = options.kernel ?? options.btf;
  if (!input) throw new UsageError('profile build: give --kernel VMLINUZ_OR_VMLINUX or --btf FILE');
  if (options.kernel && options.btf) throw new UsageError('profile build: give --kernel or --btf, not both');
  const steps: string[] = [];
  const symbols = options.systemMap ? parseSystemMap(readText(options.systemMap), options.systemMap) : undefined;
  if (symbols) steps.push(`${options.systemMap}: ${symbols.size} symbols (link-time addresses)`);

  const kernel: KernelFile = await openKernelFile(readBytes(input), input, {
    textAddress: symbols?.get('_text')?.address,
    bannerAddress: symbols?.get('linux_banner')?.address,
  });
  steps.push(...kernel.steps.map((s) => `${input}: ${s}`));

  const release = options.release ?? kernel.banner?.match(/^Linux version (\S+)/)?.[1] ?? releaseFromFileName(input) ?? (options.systemMap ? releaseFromFileName(options.systemMap) : undefined);
  if (!release) throw new UsageError(`profile build: the kernel release is not in ${input} (no banner) nor in the file names; give --release`);
  const flavour = options.flavour ?? debianFlavour(release);
  const archText = options.arch ?? kernel.arch ?? (flavour ? archOfFlavour(flavour) : undefined) ?? (symbols ? archOfSymbols(symbols) : undefined);
  if (!archText) throw new UsageError(`profile build: the architecture of ${input} is unknown; give --arch`);
  const arch = normalizeArch(archText) ?? (() => { throw new UsageError(`profile build: unknown architecture "${archText}"`); })();

  const btf = parseBtf(kernel.btf, { name: `${input} [BTF]`, pointerSize: arch === 'i386' || arch === 'arm' ? 4 : 8 });
  if (!btf.struct('task_struct')) throw new IntrospectError({ file: input, structure: 'BTF', reason: 'defines no struct task_struct: not a kernel\'s BTF (a module\'s split BTF?)' });
  steps.push(`BTF: ${btf.count} types, pointer size ${btf.pointerSize}`);

  const recorded: Record<string, string> = {};
  if (symbols) {
    for (const n of [...VIEW_SYMBOLS, ...EXTRA_SYMBOLS]) {
      const s = symbols.get(n);
      if (s) recorded[n] = '0x' + s.address.toString(16);
    }
  }
  const meta: Record<string, unknown> = {
    generatedBy: options.command ?? `introspect profile build ${options.kernel ? `--kernel ${basename(options.kernel)}` : `--btf ${basename(input)}`}${options.systemMap ? ` --system-map ${basename(options.systemMap)}` : ''}`,
    ...(options.package ? { package: options.package } : {}),
    ...(options.packageVersion ? { packageVersion: options.packageVersion } : {}),
    inputs: [basename(input), ...(options.systemMap ? [basename(options.systemMap)] : [])],
    source: kernel.steps.join('; '),
    ...(kernel.banner ? { banner: kernel.banner } : {}),
    ...(kernel.buildId ? { buildId: kernel.buildId } : {}),
    btfTypes: btf.count,
  };
  const profile = profileFromBtf(btf, {
    release,
    arch,
    name: options.name ?? `linux-${release}`,
    banner: kernel.banner,
    symbols: recorded,
    meta,
  });
  delete profile.origin;
  if (flavour) profile.flavour = flavour;
  profile.signature = { ...(profile.signature ?? {}) };
  // Without the image's own banner, the release (and the package version Debian prints in it) stands in.
  if (!kernel.banner) {
    profile.signature.banner = `^Linux version ${escapeRegExp(release)} ${options.packageVersion ? `.*[ (]${escapeRegExp(options.packageVersion)}[ )]` : ''}`;
  }
  if (symbols?.has('init_task') && profile.data.structs?.task_struct?.fields.comm) {
    profile.signature.facts = { ...(profile.signature.facts ?? {}), 'task_struct@init_task.comm': '/^swapper(\\/0)?$/' };
  }
  profile.description = `${release} (${arch}${flavour ? `, flavour ${flavour}` : ''}): layouts from BTF${symbols ? ', link-time symbols from System.map' : ''}`;
  return { profile, steps };
}

/** "6.1.0-56-amd64" -> "amd64", "6.1.0-50-686-pae" -> "686-pae", "6.1.0-56-rt-amd64" -> "rt-amd64" (Debian's ABI-flavour naming). */
export function debianFlavour(release: string): string | undefined {
  return /^\d+\.\d+(?:\.\d+)?-\d+-([a-z0-9][a-z0-9-]*)$/.exec(release)?.[1];
}

/** The architecture a flavour names: its last word ("rt-amd64" -> amd64, "686-pae" -> i386). */
export function archOfFlavour(flavour: string): string | undefined {
  return normalizeArch(flavour) ?? normalizeArch(flavour.split('-').at(-1) ?? '') ?? (/^[3-6]86/.test(flavour) ? 'i386' : undefined);
}

function archOfSymbols(symbols: Map<string, SystemMapSymbol>): string | undefined {
  const text = symbols.get('_text')?.address;
  if (text === undefined) return undefined;
  if (text <= 0xffffffffn) return 'i386';
  if (text >= 0xffffffff80000000n) return 'x86_64';
  return undefined;
}

/** vmlinuz-6.1.0-56-amd64, System.map-6.1.0-56-amd64, vmlinux-5.10.0-46-amd64.btf -> the release. */
export function releaseFromFileName(path: string): string | undefined {
  return /^(?:vmlinuz|vmlinux|System\.map|config|Image)-(\d+\.\d+[^/]*?)(?:\.(?:btf|xz|gz|zst|bz2|lz4|lzma))*$/.exec(basename(path))?.[1];
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new IntrospectError({ file: path, structure: 'file', reason: `cannot be read: ${(error as Error).message}` }, { cause: error });
  }
}

function readText(path: string): string {
  return Buffer.from(readBytes(path)).toString('latin1');
}

/** A profile as written to a file: fixed key order, no origin. */
export function serializeProfile(profile: Profile): string {
  const { kind, name, description, versions, arch, flavour, signature, data, meta } = profile;
  const out: Record<string, unknown> = { kind, name };
  if (description !== undefined) out.description = description;
  Object.assign(out, { versions, arch });
  if (flavour !== undefined) out.flavour = flavour;
  if (signature !== undefined) out.signature = signature;
  out.data = data;
  if (meta !== undefined) out.meta = meta;
  return JSON.stringify(out, null, 2) + '\n';
}
