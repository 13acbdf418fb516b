// Raw physical memory: byte N of the file is physical address base + N (qemu pmemsave, a live
// guest's memory-backend-file). The base is not recorded: 0 unless the kernel locator finds the
// kernel at another candidate base (arm64 boards put RAM at 0x40000000 or higher).
import type { PhysicalMemory } from '../../core/memory/types.js';
import { SegmentedPhysicalMemory } from '../../core/memory/segmented.js';
import type { Source } from '../../core/source/source.js';

export class RawPhysicalMemory extends SegmentedPhysicalMemory {
  readonly baseIsGuess: boolean;
  constructor(
    readonly file: Source,
    readonly base = 0,
    format = 'raw',
    baseIsGuess = true,
  ) {
    super(file.name, format, [{ start: base, end: base + file.size, source: file, offset: 0 }]);
    this.baseIsGuess = baseIsGuess;
  }

  rebase(base: number): PhysicalMemory {
    return new RawPhysicalMemory(this.file, base, this.format, false);
  }
}
