// A copy-on-write view of an image: the base bytes with the mutations applied, never copied whole.
import { checkRange, type Source } from '../core/source/source.js';
import { fromHex, type Mutation } from './mutate.js';

/** Reads larger than this in one call are a memory defect (a guest field sized an allocation). */
export const DEFAULT_MAX_READ = 256 * 1024 * 1024;

export class BoundExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoundExceeded';
  }
}

export interface ReadLog {
  /** [offset, length, phase] of every read. */
  reads: Array<[number, number, number]>;
  /** Set by the case runner: 0 while the container and kernel are located, 1 for kallsyms and BTF. */
  phase: number;
}

export class OverlaySource implements Source {
  readonly size: number;
  private readonly patches: Array<{ offset: number; bytes: Uint8Array }>;
  /** Set when a read was refused for its size; the case runner reports it even if a plugin swallowed it. */
  exceeded?: string;
  bytesRead = 0;

  constructor(
    readonly name: string,
    private readonly base: Source,
    mutations: readonly Mutation[],
    image: number,
    private readonly log?: ReadLog,
    private readonly maxRead = DEFAULT_MAX_READ,
  ) {
    let size = base.size;
    this.patches = [];
    for (const m of mutations) {
      if (m.image !== image) continue;
      if (m.op === 'truncate') size = Math.min(size, m.size);
      else if (m.op === 'extend') size = Math.max(size, m.size);
      else this.patches.push({ offset: m.offset, bytes: fromHex(m.hex) });
    }
    this.size = size;
  }

  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    if (length > this.maxRead) {
      this.exceeded = `a read of ${length} bytes (${structure ?? 'read'} at ${offset}) exceeds the ${this.maxRead}-byte bound`;
      throw new BoundExceeded(this.exceeded);
    }
    this.bytesRead += length;
    this.log?.reads.push([offset, length, this.log.phase]);
    let bytes: Uint8Array;
    if (offset + length <= this.base.size) bytes = this.base.read(offset, length, structure);
    else {
      // Past the base's end (an extended image): zeros, as a sparse file reads.
      bytes = new Uint8Array(length);
      if (offset < this.base.size) bytes.set(this.base.read(offset, this.base.size - offset, structure));
    }
    let out = bytes;
    for (const p of this.patches) {
      const from = Math.max(offset, p.offset);
      const to = Math.min(offset + length, p.offset + p.bytes.length);
      if (from >= to) continue;
      if (out === bytes) out = bytes.slice();
      out.set(p.bytes.subarray(from - p.offset, to - p.offset), from - offset);
    }
    return out;
  }
}
