// makedumpfile's "flattened" format (makedumpfile.c, write_buffer/ rearrange_dumpdata; qemu dump/dump.c
// write_start_flat_header / write_buffer): a 4096-byte header, then records {be64 offset, be64 size,
// data} that, written at `offset`, rebuild the normal kdump-compressed file; ends with offset = -1.
// We index the records once and serve reads of the rebuilt file from them: nothing is copied.
import { IntrospectError } from '../../core/errors.js';
import { checkRange, type Source } from '../../core/source/source.js';
import { makedumpfileDataHeader, makedumpfileHeader } from './structures.js';

export const FLAT_HEADER_SIZE = 4096;
/** A dump has a few records per MiB of pages; 16M records would be a 64 TiB guest. */
const MAX_RECORDS = 1 << 24;
/**
 * A record must rebuild a file of at most this size: the normal-form file holds the pages of at most
 * 2^52 bytes of physical memory (x86_64/arm64 MAX_PHYSMEM_BITS = 52) plus its metadata.
 */
const MAX_REBUILT_END = 2 ** 52;
/**
 * makedumpfile and qemu never write empty records (write_buffer is called with size > 0); a few are
 * tolerated, a run of them is a walk that has left the records (e.g. into zeros).
 */
const MAX_EMPTY_RUN = 64;
/** Overlapping records are replayed in O(n^2); refuse beyond this. */
const MAX_OVERLAP_REPLAY = 1 << 14;

interface Piece {
  /** Offset in the rebuilt file. */
  start: number;
  end: number;
  /** Where those bytes are in the flattened file. */
  fileOffset: number;
}

export function isFlattened(file: Source): boolean {
  return file.size >= FLAT_HEADER_SIZE && makedumpfileHeader.match(file.read(0, 32, 'makedumpfile flat header')) !== undefined;
}

/** The rebuilt (normal-form) file as a Source; regions no record wrote read as zeros, like a sparse file. */
export class FlattenedSource implements Source {
  readonly name: string;
  readonly size: number;
  private readonly pieces: Piece[];

  constructor(private readonly file: Source) {
    this.name = file.name;
    const header = makedumpfileHeader.parse(file.read(0, 32, 'makedumpfile flat header'));
    if (header.type !== 1n) {
      throw new IntrospectError({ file: file.name, structure: 'makedumpfile flat header', offset: 16, reason: `type ${header.type} is not 1 (flattened)` });
    }
    const records: Piece[] = [];
    let pos = FLAT_HEADER_SIZE;
    let emptyRun = 0;
    let lastData = { index: -1, pos: 0, size: 0 };
    for (let index = 0; ; index++) {
      const structure = `makedumpfile flat record ${index}`;
      if (pos + 16 > file.size) {
        throw new IntrospectError({ file: file.name, structure, offset: pos, reason: 'file ends before the end marker (truncated dump?)' });
      }
      // Every record counts, empty ones too: the walk advances at least 16 bytes per record.
      if (index >= MAX_RECORDS) {
        throw new IntrospectError({ file: file.name, structure, offset: pos, reason: `more than ${MAX_RECORDS} records` });
      }
      const r = makedumpfileDataHeader.parse(file.read(pos, 16, structure));
      if (r.offset === -1n && r.buf_size === -1n) break;
      const start = Number(r.offset);
      const size = Number(r.buf_size);
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start < 0 || size < 0 || pos + 16 + size > file.size) {
        throw new IntrospectError({ file: file.name, structure, offset: pos, reason: `bad record (offset ${r.offset}, size ${r.buf_size}) for a ${file.size}-byte file` });
      }
      if (start + size > MAX_REBUILT_END) {
        throw new IntrospectError({ file: file.name, structure, offset: pos, reason: `implausible record (offset ${r.offset}, size ${r.buf_size}): ends beyond 2^52, the largest physical address space` });
      }
      if (size === 0) {
        if (++emptyRun > MAX_EMPTY_RUN) {
          throw new IntrospectError({ file: file.name, structure, offset: pos, reason: `${emptyRun} empty records in a row from file offset ${pos - 16 * (emptyRun - 1)}: the walk has left the records${lastData.index >= 0 ? ` (record ${lastData.index} at file offset ${lastData.pos} claims ${lastData.size} bytes: a corrupted size?)` : ''}` });
        }
      } else {
        emptyRun = 0;
        lastData = { index, pos, size };
        records.push({ start, end: start + size, fileOffset: pos + 16 });
      }
      pos += 16 + size;
    }
    this.pieces = layPieces(records);
    this.size = this.pieces.length ? this.pieces[this.pieces.length - 1].end : 0;
  }

  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    let i = this.firstPieceEndingAfter(offset);
    const p = this.pieces[i];
    if (p && p.start <= offset && offset + length <= p.end) {
      return this.file.read(p.fileOffset + (offset - p.start), length, structure);
    }
    const out = new Uint8Array(length);
    const end = offset + length;
    for (; i < this.pieces.length && this.pieces[i].start < end; i++) {
      const piece = this.pieces[i];
      const from = Math.max(offset, piece.start);
      const to = Math.min(end, piece.end);
      out.set(this.file.read(piece.fileOffset + (from - piece.start), to - from, structure), from - offset);
    }
    return out;
  }

  private firstPieceEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pieces[mid].end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Sort records by offset; where records overlap, the later one in the file wins (it was written last). */
function layPieces(records: Piece[]): Piece[] {
  const order = records.map((r, i) => ({ r, i })).sort((a, b) => a.r.start - b.r.start || a.i - b.i);
  let overlapping = false;
  for (let k = 1; k < order.length; k++) if (order[k].r.start < order[k - 1].r.end) overlapping = true;
  if (!overlapping) return order.map((o) => o.r);
  if (records.length > MAX_OVERLAP_REPLAY) {
    throw new Error(`${records.length} overlapping flattened records: too many to replay`);
  }
  // Rare: replay in file order onto a sorted, non-overlapping list.
  let pieces: Piece[] = [];
  for (const rec of records) {
    const next: Piece[] = [];
    for (const p of pieces) {
      if (p.end <= rec.start || p.start >= rec.end) next.push(p);
      else {
        if (p.start < rec.start) next.push({ start: p.start, end: rec.start, fileOffset: p.fileOffset });
        if (p.end > rec.end) next.push({ start: rec.end, end: p.end, fileOffset: p.fileOffset + (rec.end - p.start) });
      }
    }
    next.push(rec);
    next.sort((a, b) => a.start - b.start);
    pieces = next;
  }
  return pieces;
}
