import { IntrospectError } from '../errors.js';

/**
 * One random-access interface for disk images, memory images and everything derived from them
 * (partitions, logical volumes, decompressed containers). Reads are synchronous: parsers walk
 * structures byte by byte and a CLI run reads only metadata, so positional pread is the fast path.
 */
export interface Source {
  /** Human-readable name used in error messages: a file path, or "path [partition 1]". */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * Read exactly `length` bytes at `offset`. Throws IntrospectError when the range is outside
   * [0, size). The returned array may be a view into a shared buffer; copy it if you keep it long.
   */
  read(offset: number, length: number, structure?: string): Uint8Array;
}

/** Counts bytes read from files, for `--stats` and benchmarks. */
export const readStats = {
  bytesRead: 0,
  reads: 0,
  reset(): void {
    this.bytesRead = 0;
    this.reads = 0;
  },
};

export function checkRange(source: Source, offset: number, length: number, structure: string | undefined): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > source.size) {
    throw new IntrospectError({
      file: source.name,
      structure: structure ?? 'read',
      offset,
      reason: `read of ${length} bytes goes past the end (size ${source.size})`,
    });
  }
}
