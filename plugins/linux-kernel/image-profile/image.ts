// Profiles from the image (issue 6 "Profiles from the image"): symbols from the kernel's own kallsyms
// and VMCOREINFO, layouts from its own BTF, as a Profile with origin "image"; and the resolveProfile
// tap that offers it at the "image" stage of `--profile auto`.

import { IntrospectError } from '../../../core/errors.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { Introspector } from '../../../core/pipeline/introspector.js';
import type { Plugin } from '../../../core/pipeline/plugin.js';
import type { Profile, ProfileQuery, ProfileResolution } from '../../../core/profiles/types.js';
import { findKernelBtf } from '../btf/index.js';
import type { KallsymsTable } from '../kallsyms/symbols.js';
import { profileFromBtf } from './from-btf.js';
import { VIEW_SYMBOLS } from './needs.js';

/** A ProfileQuery from a memory image: carries the kernel found in it, for the image stage. */
export interface KernelProfileQuery extends ProfileQuery {
  linuxKernel?: { kernel: KernelContext; kallsyms?: KallsymsTable };
}

export interface ImageProfileResult {
  profile?: Profile;
  /** One line per step, for --explain. */
  explanation: string[];
}

/** Link-time addresses of the view symbols the kernel's tables know (runtime minus the KASLR shift). */
export function linkTimeSymbols(kernel: KernelContext, kallsyms?: KallsymsTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of VIEW_SYMBOLS) {
    const runtime = kallsyms?.lookup(name) ?? kernel.symbol(name);
    if (runtime !== undefined) out[name] = '0x' + (runtime - kernel.virtualShift).toString(16);
  }
  return out;
}

/** The image's own profile: BTF layouts + kallsyms/VMCOREINFO symbols; undefined (with the reason) without BTF. */
export function imageProfile(kernel: KernelContext, kallsyms?: KallsymsTable): ImageProfileResult {
  const explanation: string[] = [];
  let found;
  try {
    found = findKernelBtf(kernel, kallsyms);
  } catch (e) {
    if (!(e instanceof IntrospectError)) throw e;
    explanation.push(`image: no BTF in the image (${e.reason})`);
    return { explanation };
  }
  const how = found.method === 'symbols' ? 'between __start_BTF and __stop_BTF' : 'found by its header';
  explanation.push(`image: BTF at 0x${found.address.toString(16)} (${found.size} bytes, ${found.btf.count} types, ${how})`);
  const symbols = linkTimeSymbols(kernel, kallsyms);
  const profile = profileFromBtf(found.btf, {
    release: kernel.release,
    arch: kernel.arch,
    banner: kernel.banner || undefined,
    buildId: kernel.vmcoreinfo?.get('BUILD-ID')?.toLowerCase(),
    symbols,
    origin: 'image',
    meta: {
      source: `BTF ${how} at 0x${found.address.toString(16)}; symbols from ${kallsyms ? 'kallsyms and ' : ''}VMCOREINFO`,
      virtualShift: '0x' + kernel.virtualShift.toString(16),
    },
  });
  explanation.push(
    `image: profile ${profile.name}: ${Object.keys(profile.data.structs ?? {}).length} struct layouts from BTF, ${Object.keys(symbols).length} symbols (${Object.keys(symbols).join(', ') || 'none'})`,
  );
  return { profile, explanation };
}

export const IMAGE_PROFILE_PLUGIN = 'linux-image-profile';

/** Image stage of profile resolution: a memory image's own BTF, unless --no-btf. */
export const imageProfilePlugin: Plugin = {
  name: IMAGE_PROFILE_PLUGIN,
  apply(introspector: Introspector): void {
    introspector.hooks.resolveProfile.tap(IMAGE_PROFILE_PLUGIN, (resolution: ProfileResolution, query: KernelProfileQuery) => {
      if (resolution.profile || query.kind !== 'linux-kernel' || !query.linuxKernel) return resolution;
      if (query.btf === false) {
        resolution.explanation.push('image: BTF not used (--no-btf)');
        return resolution;
      }
      const { profile, explanation } = imageProfile(query.linuxKernel.kernel, query.linuxKernel.kallsyms);
      resolution.explanation.push(...explanation);
      if (!profile) return resolution;
      resolution.candidates.push({ profile, accepted: true, won: true, stage: 'image', reason: 'derived from the image\'s own BTF' });
      resolution.explanation.push(`image: WON ${profile.name}`);
      return { ...resolution, profile, chosenBy: 'image' };
    });
  },
};

/**
 * Fact checker for shipped profiles: `sizeof(X)` and `offsetof(X.f)` facts are compared with
 * VMCOREINFO's SIZE(X) / OFFSET(X.f) where the image has them; facts it cannot see are not held against the profile.
 */
export function vmcoreinfoFactChecker(kernel: KernelContext): (facts: Readonly<Record<string, number | string>>) => string | undefined {
  return (facts) => {
    const info = kernel.vmcoreinfo;
    if (!info) return undefined;
    for (const [key, value] of Object.entries(facts)) {
      const size = /^sizeof\((\w+)\)$/.exec(key);
      const off = /^offsetof\((\w+)\.(\w+)\)$/.exec(key);
      const seen = size ? info.size(size[1]) : off ? info.offset(`${off[1]}.${off[2]}`) : undefined;
      if (seen !== undefined && seen !== Number(value)) return `${key} is ${seen} in the image (VMCOREINFO), the profile says ${value}`;
    }
    return undefined;
  };
}
