// Hostile sparse images (issue 9): a huge apparent size of zeros must not make the flattened-kdump
// walk or the kernel scans linear in that size.
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { checkRange, type Source } from '../../../core/source/source.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { memoryContainersPlugin, RawPhysicalMemory } from '../../../plugins/memory-containers/index.js';
import { FlattenedSource } from '../../../plugins/memory-containers/kdump-flattened.js';
import { makedumpfileDataHeader, makedumpfileHeader } from '../../../plugins/memory-containers/structures.js';
import { readUname } from '../../../plugins/linux-kernel/uname.js';
import { bytesOf, MAX_SCAN_SPAN, scanPhysical } from '../../../plugins/linux-kernel/scan.js';
import { latin1 } from './synthetic.js';

/** `size` bytes: `pieces` written at their offsets, zeros elsewhere; counts what is read. */
class SparseSource implements Source {
  bytesRead = 0;
  highestRead = 0;
  constructor(readonly name: string, readonly size: number, private readonly pieces: { at: number; bytes: Uint8Array }[] = []) {}
  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    this.bytesRead += length;
    this.highestRead = Math.max(this.highestRead, offset + length);
    const out = new Uint8Array(length);
    for (const p of this.pieces) {
      const from = Math.max(offset, p.at);
      const to = Math.min(offset + length, p.at + p.bytes.length);
      if (to > from) out.set(p.bytes.subarray(from - p.at, to - p.at), from - offset);
    }
    return out;
  }
}

const PIB = 2 ** 50;
const GIB = 2 ** 30;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function flatHeader(): Uint8Array {
  const head = new Uint8Array(4096);
  head.set(makedumpfileHeader.build({ type: 1n, version: 1n }));
  return head;
}
const rec = (offset: bigint, size: bigint) => makedumpfileDataHeader.build({ offset, buf_size: size });
const END = rec(-1n, -1n);

function expectError(f: () => unknown): IntrospectError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IntrospectError);
    return e as IntrospectError;
  }
  throw new Error('no error thrown');
}

describe('flattened kdump walk over a sparse tail', () => {
  it('a record size that lands the walk in zeros stops at the run of empty records, naming the suspect record', () => {
    const data = new Uint8Array(32).fill(7);
    // Record 1 claims 1 GiB: the file is 64 GiB of zeros past it, so the walk reads (0, 0) records.
    const head = concat([flatHeader(), rec(0n, 32n), data, rec(4096n, BigInt(GIB))]);
    const file = new SparseSource('flat', 64 * GIB, [{ at: 0, bytes: head }]);
    const e = expectError(() => new FlattenedSource(file));
    expect(e.structure).toMatch(/^makedumpfile flat record \d+$/);
    expect(e.offset).toBeGreaterThan(4096 + 48 + GIB);
    expect(e.reason).toContain('empty records in a row');
    expect(e.reason).toContain(`record 1 at file offset ${4096 + 48} claims ${GIB} bytes`);
    expect(file.bytesRead).toBeLessThan(100 * 16 + head.length);
  });

  it('a few empty records are tolerated and do not hide the data', () => {
    const data = new Uint8Array(16).fill(9);
    const bytes = concat([flatHeader(), rec(0n, 0n), rec(100n, 0n), rec(8n, 16n), data, rec(0n, 0n), END]);
    const src = new FlattenedSource(new BytesSource('flat', bytes));
    expect(src.size).toBe(24);
    expect(src.read(8, 16)).toEqual(data);
  });

  it('a record reaching beyond 2^52 is refused at its file offset', () => {
    const bytes = concat([flatHeader(), rec(2n ** 52n, 16n), new Uint8Array(16), END]);
    const e = expectError(() => new FlattenedSource(new BytesSource('flat', bytes)));
    expect(e.structure).toBe('makedumpfile flat record 0');
    expect(e.offset).toBe(4096);
    expect(e.reason).toContain('implausible record');
  });
});

describe('a short file with the kdump signature', () => {
  it('is a damaged kdump header, not raw memory', () => {
    const bytes = new Uint8Array(300);
    bytes.set(latin1('KDUMP   '));
    const intro = new Introspector().use(memoryContainersPlugin);
    const e = expectError(() => intro.hooks.openMemory.call({ path: 'img', source: new BytesSource('img', bytes) }));
    expect(e.structure).toBe('kdump disk_dump_header');
    expect(e.offset).toBe(0);
    expect(e.reason).toContain('300 bytes');
  });
});

describe('kernel scans of a huge sparse raw image', () => {
  it('an unwindowed scan stops at MAX_SCAN_SPAN above the lowest RAM address', () => {
    const file = new SparseSource('raw', PIB, [
      { at: 1 << 20, bytes: latin1('NEEDLE') },
      { at: MAX_SCAN_SPAN + (1 << 20), bytes: latin1('NEEDLE') },
    ]);
    const hits = [...scanPhysical(new RawPhysicalMemory(file), [bytesOf('NEEDLE')])];
    expect(hits.map((h) => h.address)).toEqual([1 << 20]);
    expect(file.highestRead).toBeLessThanOrEqual(MAX_SCAN_SPAN);
    // Rebased RAM: the span counts from where RAM starts.
    const rebased = [...scanPhysical(new RawPhysicalMemory(file, 0x40000000), [bytesOf('NEEDLE')])];
    expect(rebased.map((h) => h.address)).toEqual([0x40000000 + (1 << 20)]);
  });

  it('a window (a located kernel image) is scanned wherever it lies', () => {
    const at = MAX_SCAN_SPAN + (1 << 20);
    const file = new SparseSource('raw', PIB, [{ at, bytes: latin1('NEEDLE') }]);
    const hits = [...scanPhysical(new RawPhysicalMemory(file), [bytesOf('NEEDLE')], [{ start: at - 4096, end: at + 4096 }])];
    expect(hits.map((h) => h.address)).toEqual([at]);
  });

  it('uname of a 1 PiB file of zeros fails with the bound named, after bounded reads', () => {
    const file = new SparseSource('huge.raw', PIB);
    const e = expectError(() => readUname(new RawPhysicalMemory(file), { rawBases: [0] }));
    expect(e.reason).toContain('no utsname in RAM matches a linux_banner');
    expect(e.reason).toContain(`first ${MAX_SCAN_SPAN / GIB} GiB of physical memory`);
    expect(file.highestRead).toBeLessThanOrEqual(MAX_SCAN_SPAN);
    // One pass for VMCOREINFO, one for utsname and banner together.
    expect(file.bytesRead).toBeLessThan(2.01 * MAX_SCAN_SPAN);
  });
});
