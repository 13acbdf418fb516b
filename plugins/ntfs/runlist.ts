// Mapping pairs (runlist) decoding, after ntfs-3g libntfs-3g/runlist.c ntfs_mapping_pairs_decompress_i().
// Each pair: a header byte (low nibble = size of the length field, high nibble = size of the LCN delta
// field), the run length (signed, must be > 0), then the LCN delta (signed, relative to the previous
// run's LCN; absent = a sparse run). A 0x00 header byte ends the array.

/** One run: `length` clusters starting at virtual cluster `vcn`, stored at `lcn` (null = sparse hole). */
export interface Run {
  vcn: number;
  lcn: number | null;
  length: number;
}

export class RunlistError extends Error {
  constructor(
    readonly reason: string,
    /** Byte offset of the offending pair within the decoded buffer. */
    readonly at: number,
  ) {
    super(reason);
    this.name = 'RunlistError';
  }
}

/** Read a little-endian signed integer of `size` bytes (1..8) as a bigint. */
function readSigned(bytes: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
  return BigInt.asIntN(size * 8, v);
}

/**
 * Decode the mapping pairs in `bytes[start, end)`. `lowest_vcn` is where this extent of the attribute
 * begins; LCN deltas start from 0 in every extent. `maxCluster` bounds run ends (the volume's
 * nr_clusters), so no run can address past the device. The run count is bounded by the buffer itself
 * (every pair takes at least two bytes), and zero-length sparse runs are dropped as ntfs-3g drops them.
 */
export function decodeRunlist(bytes: Uint8Array, start: number, end: number, lowest_vcn: number, maxCluster: number): Run[] {
  const runs: Run[] = [];
  let vcn = lowest_vcn;
  let lcn = 0n;
  let at = start;
  if (start < 0 || end > bytes.length || start > end) throw new RunlistError('mapping pairs lie outside the attribute', start);
  while (at < end && bytes[at] !== 0) {
    const header = bytes[at];
    const lengthSize = header & 0x0f;
    const offsetSize = header >> 4;
    if (lengthSize === 0) throw new RunlistError('mapping pair without a length field', at);
    if (lengthSize > 8 || offsetSize > 8) throw new RunlistError(`mapping pair header 0x${header.toString(16)} has fields wider than 8 bytes`, at);
    if (at + 1 + lengthSize + offsetSize > end) throw new RunlistError('mapping pair runs past the end of the attribute', at);
    const length = readSigned(bytes, at + 1, lengthSize);
    if (length < 0n) throw new RunlistError(`negative run length ${length}`, at);
    if (length > BigInt(maxCluster)) throw new RunlistError(`run length ${length} exceeds the ${maxCluster} clusters of the volume`, at);
    let runLcn: number | null = null;
    if (offsetSize > 0) {
      lcn += readSigned(bytes, at + 1 + lengthSize, offsetSize);
      if (lcn < 0n || lcn + length > BigInt(maxCluster)) {
        throw new RunlistError(`run of ${length} clusters at LCN ${lcn} lies outside the ${maxCluster} clusters of the volume`, at);
      }
      if (length === 0n) throw new RunlistError('zero-sized data run', at);
      runLcn = Number(lcn);
    }
    if (length > 0n) {
      runs.push({ vcn, lcn: runLcn, length: Number(length) });
      vcn += Number(length);
      if (!Number.isSafeInteger(vcn)) throw new RunlistError('runlist VCNs overflow', at);
    }
    at += 1 + lengthSize + offsetSize;
  }
  if (at >= end) throw new RunlistError('mapping pairs array is not terminated inside the attribute', at);
  return runs;
}

/** VCN just past the last run (lowest_vcn when empty). */
export function runlistEnd(runs: readonly Run[], lowest_vcn: number): number {
  const last = runs[runs.length - 1];
  return last ? last.vcn + last.length : lowest_vcn;
}

/** Index of the run holding `vcn`, or -1. Runs are sorted by vcn. */
export function findRun(runs: readonly Run[], vcn: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid];
    if (vcn < r.vcn) hi = mid - 1;
    else if (vcn >= r.vcn + r.length) lo = mid + 1;
    else return mid;
  }
  return -1;
}
