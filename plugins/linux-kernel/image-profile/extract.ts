// A profile as a file the registry loads (core/profiles/validate.ts keys; `origin` is where it is
// loaded from, so it is not written).
import type { Profile } from '../../../core/profiles/types.js';

export interface ProfileFileDocument {
  kind: Profile['kind'];
  name: string;
  versions: string;
  arch: string;
  signature?: Profile['signature'];
  data: Profile['data'];
  meta?: Record<string, unknown>;
  description?: string;
}

export function profileFileDocument(profile: Profile, options: { name?: string; image?: string } = {}): ProfileFileDocument {
  return {
    kind: profile.kind,
    name: options.name ?? profile.name,
    versions: profile.versions,
    arch: profile.arch,
    ...(profile.signature ? { signature: profile.signature } : {}),
    data: profile.data,
    meta: { ...(profile.meta ?? {}), generatedBy: 'introspect profile extract', ...(options.image ? { image: options.image } : {}) },
    description: `Symbols and struct layouts of Linux ${String(profile.meta?.release ?? profile.versions)} (${profile.arch}) learned from a memory image's own kallsyms and BTF`,
  };
}
