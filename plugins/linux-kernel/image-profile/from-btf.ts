// A linux-kernel profile (core/profiles/types.ts) from BTF: the layouts of the structs and fields the
// views read (needs.ts), plus facts the image can be checked against. Used for the image's own BTF
// (`--profile auto`) and for BTF files (vmlinux.btf made by pahole for kernels without BTF).

import semver from 'semver';
import type { FieldLayout, Profile, StructLayout } from '../../../core/profiles/types.js';
import type { Btf } from '../btf/btf.js';
import { toStructLayout } from '../btf/btf.js';
import { VIEW_STRUCTS } from './needs.js';

export interface ProfileFromBtfOptions {
  release: string;
  arch: string;
  name?: string;
  banner?: string;
  buildId?: string;
  /** Link-time symbol addresses ("0x..." strings) to record. */
  symbols?: Record<string, string>;
  origin?: string;
  meta?: Record<string, unknown>;
}

/** Layouts of `wanted` (struct -> fields) found in `btf`; structs or fields it lacks are left out. */
export function layoutsFromBtf(btf: Btf, wanted: Readonly<Record<string, readonly string[]>> = VIEW_STRUCTS): Record<string, StructLayout> {
  const out: Record<string, StructLayout> = {};
  for (const [name, fields] of Object.entries(wanted)) {
    const s = btf.struct(`struct ${name}`) ?? btf.struct(name);
    if (!s) continue;
    const full = toStructLayout(s);
    const kept: Record<string, FieldLayout> = {};
    for (const f of fields) if (full.fields[f]) kept[f] = full.fields[f];
    out[name] = { size: full.size, fields: kept };
  }
  return out;
}

/** The exact release as a semver range ("6.1.0-56-amd64" -> "6.1.0"). */
export function releaseRange(release: string): string {
  return semver.coerce(release)?.version ?? '*';
}

export function profileFromBtf(btf: Btf, options: ProfileFromBtfOptions): Profile {
  const structs = layoutsFromBtf(btf);
  const facts: Record<string, number> = {};
  for (const name of ['task_struct', 'printk_info', 'net_device']) if (structs[name]) facts[`sizeof(${name})`] = structs[name].size;
  const profile: Profile = {
    kind: 'linux-kernel',
    name: options.name ?? `image-${options.release}`,
    versions: releaseRange(options.release),
    arch: options.arch,
    origin: options.origin ?? 'image',
    signature: {
      ...(options.banner ? { banner: `^${escapeRegExp(options.banner.trim())}$` } : {}),
      ...(options.buildId ? { buildId: options.buildId } : {}),
      facts,
    },
    data: { structs, ...(options.symbols && Object.keys(options.symbols).length ? { symbols: options.symbols } : {}) },
    meta: { release: options.release, symbolAddresses: 'link-time', ...(options.meta ?? {}) },
  };
  return profile;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
