import { IntrospectError } from '../errors.js';
import { checkRange, type Source } from './source.js';

/** Bytes already in memory (tests, decompressed data). */
export class BytesSource implements Source {
  readonly size: number;
  constructor(readonly name: string, private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    return this.bytes.subarray(offset, offset + length);
  }
}

/** A window (offset + length) of another source: a partition, an LV extent range. */
export class SliceSource implements Source {
  constructor(readonly name: string, readonly parent: Source, readonly start: number, readonly size: number) {
    if (start < 0 || size < 0 || start + size > parent.size) {
      throw new IntrospectError({
        file: parent.name,
        structure: name,
        offset: start,
        reason: `region of ${size} bytes at ${start} lies outside the ${parent.size}-byte source`,
      });
    }
  }
  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    return this.parent.read(this.start + offset, length, structure);
  }
}

/** Several sources end to end (e.g. a file split in parts). */
export class ConcatSource implements Source {
  readonly size: number;
  private readonly starts: number[] = [];
  constructor(readonly name: string, private readonly parts: readonly Source[]) {
    let total = 0;
    for (const part of parts) {
      this.starts.push(total);
      total += part.size;
    }
    this.size = total;
  }
  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const index = this.partIndex(at);
      const part = this.parts[index];
      const within = at - this.starts[index];
      const n = Math.min(length - done, part.size - within);
      out.set(part.read(within, n, structure), done);
      done += n;
    }
    return out;
  }
  private partIndex(offset: number): number {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * A source assembled from (virtual offset -> reader) mappings, for LVs and similar: the mapper
 * returns, for a virtual offset, the backing source and offset plus how many bytes stay contiguous.
 */
export type ExtentMapper = (offset: number) => { source: Source; offset: number; length: number } | { zero: true; length: number };

export class MappedSource implements Source {
  constructor(readonly name: string, readonly size: number, private readonly map: ExtentMapper) {}
  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const extent = this.map(offset + done);
      const n = Math.min(length - done, extent.length);
      if (n <= 0) {
        throw new IntrospectError({ file: this.name, structure: structure ?? 'mapped read', offset: offset + done, reason: 'no mapping for this offset' });
      }
      if (!('zero' in extent)) out.set(extent.source.read(extent.offset, n, structure), done);
      done += n;
    }
    return out;
  }
}
