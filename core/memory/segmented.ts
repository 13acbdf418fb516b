import { IntrospectError } from '../errors.js';
import type { Source } from '../source/source.js';
import type { CpuState, PhysicalMemory, PhysicalRange } from './types.js';

/** Guest physical bytes [start, end) stored at `offset` in `source`. */
export interface PhysicalSegment {
  start: number;
  end: number;
  source: Source;
  offset: number;
}

export interface PhysicalMemoryExtras {
  cpus?: readonly CpuState[];
  vmcoreinfo?: string;
  archHint?: PhysicalMemory['archHint'];
}

export function absentError(name: string, address: number, structure: string | undefined, why = 'is not in the image'): IntrospectError {
  return new IntrospectError({
    file: name,
    structure: structure ?? 'physical memory',
    offset: address,
    reason: `physical address 0x${address.toString(16)} ${why}`,
  });
}

export function checkPhysicalArgs(name: string, address: number, length: number, structure: string | undefined): void {
  if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || address < 0 || length < 0) {
    throw new IntrospectError({ file: name, structure: structure ?? 'physical memory', offset: address, reason: `bad physical read of ${length} bytes` });
  }
}

/**
 * Physical memory made of file-backed segments (raw files, ELF PT_LOAD, LiME ranges). Gaps are holes:
 * a read touching one throws an IntrospectError naming the first absent physical address.
 */
export class SegmentedPhysicalMemory implements PhysicalMemory {
  readonly ranges: readonly PhysicalRange[];
  readonly cpus: readonly CpuState[];
  readonly vmcoreinfo?: string;
  readonly archHint?: PhysicalMemory['archHint'];
  private readonly segments: PhysicalSegment[];

  constructor(readonly name: string, readonly format: string, segments: readonly PhysicalSegment[], extras: PhysicalMemoryExtras = {}) {
    // Overlaps happen in real cores (/proc/vmcore repeats the kernel text in its own PT_LOAD): they
    // hold the same memory, so the segment starting first keeps the overlap and the other is trimmed.
    const sorted = segments
      .map((s, order) => ({ s, order }))
      .filter(({ s }) => s.end > s.start)
      .sort((a, b) => a.s.start - b.s.start || a.order - b.order)
      .map(({ s }) => ({ ...s }));
    this.segments = [];
    for (const seg of sorted) {
      const prev = this.segments[this.segments.length - 1];
      if (prev && seg.start < prev.end) {
        if (seg.end <= prev.end) continue;
        seg.offset += prev.end - seg.start;
        seg.start = prev.end;
      }
      this.segments.push(seg);
    }
    const ranges: PhysicalRange[] = [];
    for (const s of this.segments) {
      const last = ranges[ranges.length - 1];
      if (last && last.end === s.start) last.end = s.end;
      else ranges.push({ start: s.start, end: s.end });
    }
    this.ranges = ranges;
    this.cpus = extras.cpus ?? [];
    this.vmcoreinfo = extras.vmcoreinfo;
    this.archHint = extras.archHint;
  }

  read(address: number, length: number, structure?: string): Uint8Array {
    checkPhysicalArgs(this.name, address, length, structure);
    let index = this.segmentIndex(address);
    if (index < 0) throw absentError(this.name, address, structure);
    const first = this.segments[index];
    if (address + length <= first.end) return first.source.read(first.offset + (address - first.start), length, structure);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = address + done;
      const s = this.segments[index];
      if (!s || at < s.start || at >= s.end) throw absentError(this.name, at, structure);
      const n = Math.min(length - done, s.end - at);
      out.set(s.source.read(s.offset + (at - s.start), n, structure), done);
      done += n;
      index++;
    }
    return out;
  }

  isPresent(address: number, length: number): boolean {
    if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || address < 0 || length < 0) return false;
    let at = address;
    const end = address + length;
    while (at < end) {
      const i = this.segmentIndex(at);
      if (i < 0) return false;
      at = this.segments[i].end;
    }
    return true;
  }

  /** Index of the segment holding `address`, or -1. */
  private segmentIndex(address: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid];
      if (address < s.start) hi = mid - 1;
      else if (address >= s.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}
