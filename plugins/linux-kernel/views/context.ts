// What every memory view starts from: the kernel found in the image, its kallsyms, the profile chosen
// by `--profile` (auto: the image's own BTF first), and a typed object reader over the kernel's
// address space with that profile's layouts.

import { IntrospectError } from '../../../core/errors.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import type { Profile, ProfileResolution } from '../../../core/profiles/types.js';
import { recoverKallsyms } from '../kallsyms/index.js';
import type { KallsymsTable } from '../kallsyms/symbols.js';
import { locateKernel } from '../locate.js';
import { vmcoreinfoFactChecker, type KernelProfileQuery } from '../image-profile/image.js';
import { KernelObjects } from '../objects/reader.js';

export interface KernelView {
  memory: PhysicalMemory;
  kernel: KernelContext;
  kallsyms?: KallsymsTable;
  profile: Profile;
  objects: KernelObjects;
  /** How things were found (--explain). */
  explanation: string[];
  /** Runtime address of a symbol: the kernel's tables (VMCOREINFO, kallsyms), else the profile's (link-time + KASLR shift). */
  symbol(name: string): bigint | undefined;
}

/** A view over a kernel with a chosen profile. */
export function kernelView(memory: PhysicalMemory, kernel: KernelContext, profile: Profile, kallsyms?: KallsymsTable, explanation: string[] = []): KernelView {
  const objects = new KernelObjects(kernel.vm, profile.data.structs ?? {}, `profile ${profile.name}`);
  const symbols = profile.data.symbols ?? {};
  return {
    memory, kernel, kallsyms, profile, objects, explanation,
    symbol(name: string): bigint | undefined {
      const own = kernel.symbol(name);
      if (own !== undefined) return own;
      const s = symbols[name];
      if (s === undefined) return undefined;
      const link = typeof s === 'number' ? BigInt(s) : BigInt(s);
      const isRuntime = (profile.meta as { symbolAddresses?: string } | undefined)?.symbolAddresses === 'runtime';
      return isRuntime ? link : link + kernel.virtualShift;
    },
  };
}

export interface OpenKernelViewOptions {
  imagePath: string;
  /** Runs the resolveProfile waterfall (the CLI's context.resolveProfile: prints --explain). */
  resolveProfile(query: KernelProfileQuery): Promise<ProfileResolution> | ProfileResolution;
  explain?: (line: string) => void;
  /** The kernel when the caller already located it. */
  kernel?: KernelContext;
}

/** Finds the kernel, recovers kallsyms, resolves the profile; throws when no profile fits. */
export async function openKernelView(memory: PhysicalMemory, options: OpenKernelViewOptions): Promise<KernelView> {
  const explanation: string[] = [];
  const explain = (line: string): void => {
    explanation.push(line);
    options.explain?.(line);
  };
  const kernel = options.kernel ?? locateKernel(memory, { explain });
  let kallsyms: KallsymsTable | undefined;
  try {
    const recovered = recoverKallsyms(kernel);
    kallsyms = recovered.table;
    kernel.addSymbols(kallsyms);
    recovered.explanation.forEach(explain);
  } catch (e) {
    if (!(e instanceof IntrospectError)) throw e;
    explain(`kallsyms: not recovered (${e.reason})`);
  }
  const query: KernelProfileQuery = {
    kind: 'linux-kernel',
    imagePath: options.imagePath,
    release: kernel.release,
    arch: kernel.arch,
    banner: kernel.banner || undefined,
    buildId: kernel.vmcoreinfo?.get('BUILD-ID')?.toLowerCase(),
    checkFacts: vmcoreinfoFactChecker(kernel),
    linuxKernel: { kernel, kallsyms },
  };
  const resolution = await options.resolveProfile(query);
  if (!resolution.profile) throw noProfileError(memory.name, kernel, resolution);
  explain(`profile: ${resolution.profile.name} (chosen by ${resolution.chosenBy})`);
  return kernelView(memory, kernel, resolution.profile, kallsyms, explanation);
}

export function noProfileError(file: string, kernel: KernelContext, resolution: ProfileResolution): IntrospectError {
  const tried = resolution.candidates.filter((c) => !c.won).map((c) => `${c.profile.name}: ${c.reason}`);
  const btfLine = resolution.explanation.find((l) => l.startsWith('image: no BTF') || l.startsWith('image: BTF not used'));
  const lead = btfLine?.startsWith('image: BTF not used') ? 'BTF not used (--no-btf)' : 'no BTF in the image';
  return new IntrospectError({
    file,
    structure: 'linux-kernel profile selection',
    reason: `${lead} and no profile matches ${kernel.release} (tried: ${tried.length ? tried.join('; ') : `none: no linux-kernel profile is installed for ${kernel.arch} or any other arch`})`,
  });
}
