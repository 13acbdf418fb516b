// The guest disk inside a qcow2 file: qemu docs/interop/qcow2.rst "Cluster mapping" and
// "Extended L2 Entries"; block/qcow2-cluster.c (qcow2_get_host_offset, qcow2_get_subcluster_type).
import { IntrospectError } from '../../core/errors.js';
import { checkRange, type Source } from '../../core/source/source.js';
import { CompressedClusterError, inflateCluster, zstdCluster } from './compression.js';
import type { Qcow2Header } from './header.js';

/** L2 tables kept in memory (bounded by bytes, so 2 MiB clusters do not blow the cache). */
const L2_CACHE_BYTES = 8 * 1024 * 1024;
/** Decompressed clusters kept (a read of neighbouring sectors hits the same cluster). */
const COMPRESSED_CACHE_CLUSTERS = 4;
const SUBCLUSTERS = 32;
const L1_CHUNK_ENTRIES = 512;

type Extent =
  | { kind: 'data'; host: number; length: number }
  | { kind: 'zero'; length: number }
  | { kind: 'backing'; length: number }
  | { kind: 'compressed'; hi: number; lo: number; within: number; length: number; entryOffset: number };

/** Counts what the mapping did, for tests and benchmarks. */
export interface Qcow2Stats {
  l2Loads: number;
  decompressions: number;
}

export class Qcow2Source implements Source {
  readonly size: number;
  readonly stats: Qcow2Stats = { l2Loads: 0, decompressions: 0 };
  private readonly clusterSize: number;
  private readonly entryBytes: number;
  private readonly l2Entries: number;
  private readonly l2Cache = new Map<number, DataView>();
  private readonly l2CacheMax: number;
  private readonly compressedCache = new Map<number, Uint8Array>();
  /** The L1 table, read in 4 KiB chunks as lookups reach them (its size grows with the disk's). */
  private readonly l1Chunks = new Map<number, DataView>();

  constructor(
    readonly name: string,
    readonly file: Source,
    readonly header: Qcow2Header,
    readonly backing?: Source,
  ) {
    this.size = header.size;
    this.clusterSize = header.cluster_size;
    this.entryBytes = header.extended_l2 ? 16 : 8;
    this.l2Entries = this.clusterSize / this.entryBytes;
    this.l2CacheMax = Math.max(2, Math.floor(L2_CACHE_BYTES / this.clusterSize));
  }

  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    const out = new Uint8Array(length);
    // Neighbouring data clusters that are also neighbours in the file are read in one go.
    let runHost = 0;
    let runAt = 0;
    let runLength = 0;
    const flush = (): void => {
      // Like qemu's file driver, bytes past the end of the file read as zeros: with extended L2
      // the file may end inside a cluster whose later subclusters were never written.
      const available = Math.min(runLength, this.file.size - runHost);
      if (available > 0) out.set(this.file.read(runHost, available, structure ?? 'qcow2 data cluster'), runAt);
      runLength = 0;
    };
    let done = 0;
    while (done < length) {
      const extent = this.map(offset + done);
      const n = Math.min(length - done, extent.length);
      if (extent.kind === 'data') {
        if (runLength > 0 && runHost + runLength === extent.host) runLength += n;
        else {
          flush();
          runHost = extent.host;
          runAt = done;
          runLength = n;
        }
      } else {
        flush();
        if (extent.kind === 'backing') this.readBacking(offset + done, n, out, done, structure);
        else if (extent.kind === 'compressed') {
          const cluster = this.compressedCluster(extent.hi, extent.lo, extent.entryOffset);
          out.set(cluster.subarray(extent.within, extent.within + n), done);
        }
        // zero: `out` is already zero-filled.
      }
      done += n;
    }
    flush();
    return out;
  }

  /** Unallocated: the backing file's bytes, zeros where there is none or it is shorter. */
  private readBacking(offset: number, n: number, out: Uint8Array, at: number, structure?: string): void {
    if (!this.backing || offset >= this.backing.size) return;
    const available = Math.min(n, this.backing.size - offset);
    out.set(this.backing.read(offset, available, structure), at);
  }

  private map(offset: number): Extent {
    const clusterIndex = Math.floor(offset / this.clusterSize);
    const within = offset - clusterIndex * this.clusterSize;
    const l1Index = Math.floor(clusterIndex / this.l2Entries);
    const l2Index = clusterIndex - l1Index * this.l2Entries;
    const l2Offset = this.l2TableOffset(l1Index);
    if (l2Offset === 0) {
      // The whole range this L2 table would cover is unallocated.
      const coverage = this.l2Entries * this.clusterSize;
      return { kind: 'backing', length: (l1Index + 1) * coverage - offset };
    }
    const table = this.l2Table(l2Offset, l1Index);
    const at = l2Index * this.entryBytes;
    const entryOffset = l2Offset + at;
    const hi = table.getUint32(at);
    const lo = table.getUint32(at + 4);
    const toClusterEnd = this.clusterSize - within;

    if (hi & 0x40000000) {
      return { kind: 'compressed', hi, lo, within, length: toClusterEnd, entryOffset };
    }
    // Standard cluster descriptor: bits 9-55 host offset, bit 0 "reads as zero" (not with extended L2).
    const host = (hi & 0x00ffffff) * 0x1_0000_0000 + (lo & 0xfffffe00);
    if (!this.header.extended_l2) {
      if (lo & 1) return { kind: 'zero', length: toClusterEnd };
      if (host === 0) return { kind: 'backing', length: toClusterEnd };
      this.checkHost(host, host + within, entryOffset, offset);
      return { kind: 'data', host: host + within, length: toClusterEnd };
    }
    const bitmapHi = table.getUint32(at + 8); // bits 32-63: reads as zero
    const bitmapLo = table.getUint32(at + 12); // bits 0-31: allocated
    const subclusterSize = this.clusterSize / SUBCLUSTERS;
    const sc = Math.floor(within / subclusterSize);
    const toSubclusterEnd = (sc + 1) * subclusterSize - within;
    const allocated = (bitmapLo >>> sc) & 1;
    const zero = (bitmapHi >>> sc) & 1;
    if (allocated && zero) {
      throw this.corrupt(entryOffset, `subcluster ${sc} is marked both allocated and zero`);
    }
    if (zero) return { kind: 'zero', length: toSubclusterEnd };
    if (!allocated) return { kind: 'backing', length: toSubclusterEnd };
    if (host === 0) throw this.corrupt(entryOffset, `subcluster ${sc} is allocated but the entry has no host offset`);
    this.checkHost(host, host + within, entryOffset, offset);
    return { kind: 'data', host: host + within, length: toSubclusterEnd };
  }

  /** The cluster must be aligned and the bytes wanted must start inside the file. */
  private checkHost(host: number, at: number, entryOffset: number, guestOffset: number): void {
    if (host % this.clusterSize !== 0) throw this.corrupt(entryOffset, `host offset ${host} is not aligned to a cluster`);
    if (at >= this.file.size) {
      throw this.corrupt(entryOffset, `guest offset ${guestOffset} maps to host offset ${at}, past the end of the file (size ${this.file.size})`);
    }
  }

  private l2TableOffset(l1Index: number): number {
    if (l1Index >= this.header.l1_size) return 0; // beyond the table: unallocated (only past the virtual size)
    const chunkIndex = Math.floor(l1Index / L1_CHUNK_ENTRIES);
    let chunk = this.l1Chunks.get(chunkIndex);
    if (!chunk) {
      // A whole chunk even past the table's last entry (the table fills whole clusters), so the
      // bytes read do not depend on l1_size; entries past l1_size are never looked at.
      const start = this.header.l1_table_offset + chunkIndex * L1_CHUNK_ENTRIES * 8;
      const bytes = this.file.read(start, Math.min(L1_CHUNK_ENTRIES * 8, this.file.size - start), 'qcow2 L1 table');
      chunk = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.l1Chunks.set(chunkIndex, chunk);
    }
    const at = (l1Index - chunkIndex * L1_CHUNK_ENTRIES) * 8;
    const hi = chunk.getUint32(at);
    const lo = chunk.getUint32(at + 4);
    const l2Offset = (hi & 0x00ffffff) * 0x1_0000_0000 + (lo & 0xfffffe00);
    if (l2Offset === 0) return 0;
    const entryOffset = this.header.l1_table_offset + l1Index * 8;
    if (l2Offset % this.clusterSize !== 0) {
      throw new IntrospectError({ file: this.file.name, structure: `qcow2 L1 table entry ${l1Index}`, offset: entryOffset, reason: `L2 table offset ${l2Offset} is not aligned to a cluster` });
    }
    if (l2Offset + this.clusterSize > this.file.size) {
      throw new IntrospectError({ file: this.file.name, structure: `qcow2 L1 table entry ${l1Index}`, offset: entryOffset, reason: `L2 table at ${l2Offset} lies past the end of the file (size ${this.file.size})` });
    }
    return l2Offset;
  }

  private l2Table(l2Offset: number, l1Index: number): DataView {
    const cached = this.l2Cache.get(l2Offset);
    if (cached) {
      // Refresh its place in the LRU order.
      this.l2Cache.delete(l2Offset);
      this.l2Cache.set(l2Offset, cached);
      return cached;
    }
    const bytes = this.file.read(l2Offset, this.clusterSize, `qcow2 L2 table ${l1Index}`);
    const table = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.stats.l2Loads++;
    this.l2Cache.set(l2Offset, table);
    if (this.l2Cache.size > this.l2CacheMax) this.l2Cache.delete(this.l2Cache.keys().next().value as number);
    return table;
  }

  /**
   * Compressed cluster descriptor (x = 62 - (cluster_bits - 8)): bits 0..x-1 host offset,
   * bits x..61 number of additional 512-byte sectors.
   */
  private compressedCluster(hi: number, lo: number, entryOffset: number): Uint8Array {
    const entry = (BigInt(hi) << 32n) | BigInt(lo);
    const x = BigInt(62 - (this.header.cluster_bits - 8));
    const coff = Number(entry & ((1n << x) - 1n));
    const nbCsectors = Number((entry >> x) & ((1n << BigInt(this.header.cluster_bits - 8)) - 1n));
    const cached = this.compressedCache.get(coff);
    if (cached) return cached;
    if (coff >= this.file.size) {
      throw this.corrupt(entryOffset, `compressed cluster at host offset ${coff} lies past the end of the file (size ${this.file.size})`);
    }
    const csize = (nbCsectors + 1) * 512 - (coff & 511);
    // The last compressed cluster may end short of its final sector: qemu reads what exists.
    const available = Math.min(csize, this.file.size - coff);
    const compressed = this.file.read(coff, available, 'qcow2 compressed cluster');
    let cluster: Uint8Array;
    try {
      cluster = this.header.compression_type === 'zstd' ? zstdCluster(compressed, this.clusterSize) : inflateCluster(compressed, this.clusterSize);
    } catch (error) {
      if (error instanceof CompressedClusterError) {
        throw new IntrospectError({ file: this.file.name, structure: `qcow2 ${this.header.compression_type}-compressed cluster`, offset: coff, reason: error.message });
      }
      throw error;
    }
    this.stats.decompressions++;
    this.compressedCache.set(coff, cluster);
    if (this.compressedCache.size > COMPRESSED_CACHE_CLUSTERS) this.compressedCache.delete(this.compressedCache.keys().next().value as number);
    return cluster;
  }

  private corrupt(entryOffset: number, reason: string): IntrospectError {
    return new IntrospectError({ file: this.file.name, structure: 'qcow2 L2 table entry', offset: entryOffset, reason });
  }
}
