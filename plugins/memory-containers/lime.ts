// LiME dumps (LiME src/lime.h): repeated { u32 magic "LiME", u32 version, u64 s_addr, u64 e_addr
// (inclusive), u8 reserved[8] } followed by e_addr - s_addr + 1 bytes of that physical range.
import { IntrospectError } from '../../core/errors.js';
import type { MemoryOpenRequest, PhysicalMemory } from '../../core/memory/types.js';
import { SegmentedPhysicalMemory, type PhysicalSegment } from '../../core/memory/segmented.js';
import type { Source } from '../../core/source/source.js';
import { limeHeader } from './structures.js';

const HEADER_SIZE = 32;
/** LiME writes one range per RAM region: a handful. */
const MAX_RANGES = 1 << 16;

export function isLime(file: Source): boolean {
  return file.size >= HEADER_SIZE && limeHeader.match(file.read(0, HEADER_SIZE, 'LiME header')) !== undefined;
}

export function openLime(request: MemoryOpenRequest): PhysicalMemory {
  const file = request.source;
  const segments: PhysicalSegment[] = [];
  let pos = 0;
  while (pos < file.size) {
    if (segments.length >= MAX_RANGES) {
      throw new IntrospectError({ file: file.name, structure: 'LiME range header', offset: pos, reason: `more than ${MAX_RANGES} ranges` });
    }
    if (pos + HEADER_SIZE > file.size) {
      throw new IntrospectError({ file: file.name, structure: `LiME range header ${segments.length}`, offset: pos, reason: 'file ends inside a range header (truncated?)' });
    }
    const h = limeHeader.match(file.read(pos, HEADER_SIZE, 'LiME range header'));
    if (!h) {
      throw new IntrospectError({ file: file.name, structure: `LiME range header ${segments.length}`, offset: pos, reason: 'bad magic (expected "EMiL")' });
    }
    if (h.version !== 1) {
      throw new IntrospectError({ file: file.name, structure: `LiME range header ${segments.length}`, offset: pos + 4, reason: `unsupported LiME version ${h.version}` });
    }
    const start = Number(h.s_addr);
    const last = Number(h.e_addr);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last < start) {
      throw new IntrospectError({ file: file.name, structure: `LiME range header ${segments.length}`, offset: pos + 8, reason: `bad range 0x${h.s_addr.toString(16)}-0x${h.e_addr.toString(16)}` });
    }
    const length = last - start + 1;
    const data = pos + HEADER_SIZE;
    if (data + length > file.size) {
      throw new IntrospectError({ file: file.name, structure: `LiME range ${segments.length}`, offset: data, reason: `range of ${length} bytes goes past the end of the file (size ${file.size}); truncated dump?` });
    }
    segments.push({ start, end: start + length, source: file, offset: data });
    pos = data + length;
  }
  if (segments.length === 0) {
    throw new IntrospectError({ file: file.name, structure: 'LiME range header', offset: 0, reason: 'no ranges' });
  }
  return new SegmentedPhysicalMemory(file.name, 'lime', segments);
}
