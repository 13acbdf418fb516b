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
  /** --profile value: "auto", a profile name, or a path to a profile file. */
  requested?: string;
}

export interface ProfileCandidate {
  profile: Profile;
  accepted: boolean;
  reason: string;
}

export interface ProfileResolution {
  profile?: Profile;
  /** Which step chose it. */
  chosenBy?: 'rule' | 'explicit' | 'image' | 'shipped';
  /** Every step and candidate considered, for --explain. */
  explanation: string[];
  candidates: ProfileCandidate[];
}
