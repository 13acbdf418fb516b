// Builds small qcow2 images in memory for the tests (qemu docs/interop/qcow2.rst layouts).
// Not used at run time.
import { qcow2HeaderExtension, qcow2HeaderV2, qcow2HeaderV3Fields, HEADER_EXT_BACKING_FORMAT, QCOW_MAGIC } from './header.js';

export type TestCluster =
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'zero' }
  | { kind: 'compressed'; compressed: Uint8Array }
  /** Extended L2: per-subcluster allocated/zero bitmaps (bit i = subcluster i). */
  | { kind: 'subclusters'; data: Uint8Array; allocated: number; zero: number };

export interface TestQcow2Options {
  version?: 2 | 3;
  cluster_bits?: number;
  size: number;
  clusters?: ReadonlyMap<number, TestCluster>;
  backing?: { name: string; format?: string };
  extended_l2?: boolean;
  compression_type?: 'deflate' | 'zstd';
  crypt_method?: number;
  /** Extra incompatible feature bits (e.g. external data file). */
  incompatible_features?: bigint;
  /** Overrides for corruption tests. */
  l1_table_offset?: number;
  l1_size?: number;
}

export function buildQcow2(o: TestQcow2Options): Uint8Array {
  const version = o.version ?? 3;
  const cluster_bits = o.cluster_bits ?? 16;
  const cs = 2 ** cluster_bits;
  const extended = o.extended_l2 ?? false;
  const entryBytes = extended ? 16 : 8;
  const l2Entries = cs / entryBytes;
  const l1_size = Math.max(1, Math.ceil(o.size / (cs * l2Entries)));
  const l1Clusters = Math.ceil((l1_size * 8) / cs);
  const clusters = o.clusters ?? new Map<number, TestCluster>();

  const l2Indexes = [...new Set([...clusters.keys()].map((c) => Math.floor(c / l2Entries)))].sort((a, b) => a - b);
  let next = 1 + l1Clusters;
  const l2At = new Map<number, number>();
  for (const i of l2Indexes) l2At.set(i, (next++) * cs);
  const dataAt = new Map<number, number>();
  // Compressed data goes at deliberately unaligned offsets in a shared area after the data clusters.
  const compressedAt = new Map<number, number>();
  for (const [index, c] of [...clusters.entries()].sort((a, b) => a[0] - b[0])) {
    if (c.kind === 'data' || c.kind === 'subclusters') dataAt.set(index, (next++) * cs);
  }
  let cursor = next * cs + 100;
  for (const [index, c] of clusters) {
    if (c.kind === 'compressed') {
      compressedAt.set(index, cursor);
      cursor += c.compressed.length + 37;
    }
  }
  const fileSize = Math.ceil(cursor / cs) * cs;
  const file = new Uint8Array(fileSize);
  const view = new DataView(file.buffer);

  // Header, then the backing format extension, then the backing file name.
  const header_length = version === 3 ? 112 : 72;
  file.set(
    qcow2HeaderV2.build({
      magic: QCOW_MAGIC,
      version,
      backing_file_offset: 0n,
      backing_file_size: 0,
      cluster_bits,
      size: BigInt(o.size),
      crypt_method: o.crypt_method ?? 0,
      l1_size: o.l1_size ?? l1_size,
      l1_table_offset: BigInt(o.l1_table_offset ?? cs),
      refcount_table_offset: 0n,
      refcount_table_clusters: 0,
      nb_snapshots: 0,
      snapshots_offset: 0n,
    }),
    0,
  );
  let incompat = o.incompatible_features ?? 0n;
  if (extended) incompat |= 1n << 4n;
  if (o.compression_type === 'zstd') incompat |= 1n << 3n;
  if (version === 3) {
    file.set(qcow2HeaderV3Fields.build({ incompatible_features: incompat, compatible_features: 0n, autoclear_features: 0n, refcount_order: 4, header_length }), 72);
    file[104] = o.compression_type === 'zstd' ? 1 : 0;
  }
  let extAt = header_length;
  if (o.backing?.format !== undefined) {
    const fmt = Buffer.from(o.backing.format, 'latin1');
    file.set(qcow2HeaderExtension.build({ ext_type: HEADER_EXT_BACKING_FORMAT, ext_length: fmt.length }), extAt);
    file.set(fmt, extAt + 8);
    extAt += 8 + Math.ceil(fmt.length / 8) * 8;
  }
  extAt += 8; // end-of-extensions marker (zeros)
  if (o.backing) {
    const name = Buffer.from(o.backing.name, 'utf8');
    view.setBigUint64(8, BigInt(extAt));
    view.setUint32(16, name.length);
    file.set(name, extAt);
  }

  for (const [l1Index, at] of l2At) view.setBigUint64(cs + l1Index * 8, BigInt(at) | (1n << 63n));
  const x = BigInt(62 - (cluster_bits - 8));
  for (const [index, c] of clusters) {
    const table = l2At.get(Math.floor(index / l2Entries))!;
    const entryAt = table + (index % l2Entries) * entryBytes;
    if (c.kind === 'data') {
      view.setBigUint64(entryAt, BigInt(dataAt.get(index)!) | (1n << 63n));
      file.set(c.data.subarray(0, cs), dataAt.get(index)!);
    } else if (c.kind === 'zero') {
      view.setBigUint64(entryAt, 1n);
    } else if (c.kind === 'subclusters') {
      view.setBigUint64(entryAt, BigInt(dataAt.get(index)!) | (1n << 63n));
      view.setBigUint64(entryAt + 8, (BigInt(c.zero >>> 0) << 32n) | BigInt(c.allocated >>> 0));
      file.set(c.data.subarray(0, cs), dataAt.get(index)!);
    } else {
      const coff = compressedAt.get(index)!;
      const nb = Math.floor((coff + c.compressed.length - 1) / 512) - Math.floor(coff / 512);
      view.setBigUint64(entryAt, (1n << 62n) | (BigInt(nb) << x) | BigInt(coff));
      file.set(c.compressed, coff);
    }
  }
  return file;
}
