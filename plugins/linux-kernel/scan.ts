// Byte-pattern scans over guest physical memory, in big chunks (one read per chunk).
import type { PhysicalMemory } from '../../core/memory/types.js';

export interface ScanHit {
  /** Index of the pattern in the list given. */
  pattern: number;
  /** Physical address of the first byte of the match. */
  address: number;
}

export interface ScanWindow {
  start: number;
  end: number;
}

/** Big enough for throughput, small enough that an early stop reads little past the hit. */
const CHUNK = 2 << 20;

/** Latin-1 string -> bytes. */
export function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * Every match of any pattern within the present ranges of `memory` (optionally clipped to `windows`),
 * in increasing address order. A generator: callers stop reading as soon as they have what they need.
 */
export function* scanPhysical(memory: PhysicalMemory, patterns: readonly Buffer[], windows?: readonly ScanWindow[]): Generator<ScanHit> {
  const overlap = Math.max(...patterns.map((p) => p.length)) - 1;
  for (const range of memory.ranges) {
    const pieces = windows
      ? windows.map((w) => ({ start: Math.max(w.start, range.start), end: Math.min(w.end, range.end) })).filter((w) => w.end > w.start)
      : [range];
    for (const piece of pieces) {
      for (let pos = piece.start; pos < piece.end; pos += CHUNK) {
        const stop = Math.min(piece.end, pos + CHUNK + overlap);
        const bytes = memory.read(pos, stop - pos, 'memory scan');
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const limit = Math.min(CHUNK, piece.end - pos);
        const hits: ScanHit[] = [];
        patterns.forEach((pattern, index) => {
          for (let at = buf.indexOf(pattern); at >= 0 && at < limit; at = buf.indexOf(pattern, at + 1)) {
            hits.push({ pattern: index, address: pos + at });
          }
        });
        hits.sort((a, b) => a.address - b.address);
        yield* hits;
      }
    }
  }
}

/** Up to `length` bytes at `address`, cut at the end of the present range holding it. */
export function readUpTo(memory: PhysicalMemory, address: number, length: number): Uint8Array {
  const range = memory.ranges.find((r) => r.start <= address && address < r.end);
  if (!range) return new Uint8Array(0);
  return memory.read(address, Math.min(length, range.end - address), 'memory scan');
}
