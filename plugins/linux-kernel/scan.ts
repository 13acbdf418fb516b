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

/**
 * Scans look at most this far above the lowest RAM address. The kernel image (with linux_banner and
 * init_uts_ns) is loaded low: i386 below 896 MiB (KERNEL_IMAGE_SIZE 512 MiB), x86_64 at 16 MiB without
 * physical KASLR and by the boot loader below 4 GiB. A hostile sparse file of 1 PiB apparent size
 * thus costs one bounded pass, not a read of its whole size. Known miss: x86_64/arm64 physical KASLR
 * on a guest with more RAM than this may place the kernel (or the VMCOREINFO page) higher.
 */
export const MAX_SCAN_SPAN = 4 * 2 ** 30;

/** Highest physical address (exclusive) a scan of `memory` reaches. */
export function scanLimit(memory: PhysicalMemory): number {
  const low = memory.ranges.length ? Math.min(...memory.ranges.map((r) => r.start)) : 0;
  return low + MAX_SCAN_SPAN;
}

/** ' (only the first 4 GiB of physical memory, from 0x..., are scanned)' when RAM reaches further; else ''. */
export function scanLimitNote(memory: PhysicalMemory): string {
  const limit = scanLimit(memory);
  if (!memory.ranges.some((r) => r.end > limit)) return '';
  return ` (scans cover only the first ${MAX_SCAN_SPAN / 2 ** 30} GiB of physical memory, up to 0x${limit.toString(16)}; RAM in the image reaches 0x${Math.max(...memory.ranges.map((r) => r.end)).toString(16)})`;
}

/** Latin-1 string -> bytes. */
export function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/**
 * Every match of any pattern within the present ranges of `memory` below `scanLimit(memory)`,
 * or within `windows` when given, in increasing address order. A generator: callers stop reading as soon as they have what they need.
 */
export function* scanPhysical(memory: PhysicalMemory, patterns: readonly Buffer[], windows?: readonly ScanWindow[]): Generator<ScanHit> {
  const overlap = Math.max(...patterns.map((p) => p.length)) - 1;
  // Windows (the kernel image, once located) are bounded already and may lie anywhere.
  const limit = windows ? Infinity : scanLimit(memory);
  for (const present of memory.ranges) {
    const range = { start: present.start, end: Math.min(present.end, limit) };
    if (range.end <= range.start) continue;
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
