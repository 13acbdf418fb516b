/** A layout profile: data that tells plugins how a given kernel or filesystem version lays out its structures. */
export interface Profile {
  kind: 'linux-kernel' | 'filesystem';
  name: string;
  /** semver range of releases it covers, e.g. ">=6.1.0 <6.2.0". Kernel releases are coerced ("6.1.0-56-amd64" -> 6.1.0). */
  versions: string;
  /** x86_64, i386, aarch64, or "any". */
  arch: string;
  flavour?: string;
  signature?: ProfileSignature;
  /** Where the profile was loaded from (file path), or "image" when learned from the image itself. */
  origin?: string;
  /** Struct layouts, constants, symbols: interpreted by the plugin that owns the profile kind. */
  data: ProfileData;
  /** Free-form provenance: generating command, kernel package... Never interpreted. */
  meta?: Record<string, unknown>;
  description?: string;
}

export interface ProfileSignature {
  /** Regex the kernel banner must match. */
  banner?: string;
  buildId?: string;
  /** Facts checked against the image: e.g. {"sizeof(task_struct)": 9792}. */
  facts?: Record<string, number | string>;
}

export interface FieldLayout {
  offset: number;
  size?: number;
  type?: string;
  /** Bit-field: offset in bits within the byte at `offset` and width in bits. */
  bitOffset?: number;
  bitSize?: number;
}

export interface StructLayout {
  size: number;
  fields: Record<string, FieldLayout>;
}

export interface ProfileData {
  structs?: Record<string, StructLayout>;
  symbols?: Record<string, number | string>;
  constants?: Record<string, number | string>;
  [key: string]: unknown;
}

/** What the image revealed, matched against profiles. */
export interface ProfileQuery {
  kind: Profile['kind'];
  imagePath: string;
  release?: string;
  arch?: string;
  banner?: string;
  /** --profile value: "auto", a profile name, or a path to a profile file. Overrides the resolver's own setting. */
  requested?: string;
  /**
   * false (--no-btf): image-stage taps must not derive a profile from the image's own BTF, so the
   * shipped profiles are used. undefined means allowed. The CLI fills it from --no-btf.
   */
  btf?: boolean;
  /** Build id the image carries (VMCOREINFO BUILD-ID, ELF note), lower-case hex. */
  buildId?: string;
  /**
   * Fact checker supplied by the plugin that read the image (e.g. the memory plugins): returns undefined
   * when every fact of `profile.signature.facts` holds, else the reason (e.g. "sizeof(task_struct) is
   * 9792 in the image, profile says 9728"). Without it facts are not checked (the explanation says so).
   */
  checkFacts?: (facts: Readonly<Record<string, number | string>>, profile: Profile) => string | undefined;
}

export interface ProfileCandidate {
  profile: Profile;
  accepted: boolean;
  reason: string;
  /** Resolver stage that considered it: rule, explicit, image, shipped. */
  stage?: string;
  /** True for the candidate that was chosen. */
  won?: boolean;
}

export interface ProfileResolution {
  profile?: Profile;
  /** Which step chose it. */
  chosenBy?: 'rule' | 'explicit' | 'image' | 'shipped';
  /** Every step and candidate considered, for --explain. */
  explanation: string[];
  candidates: ProfileCandidate[];
}
