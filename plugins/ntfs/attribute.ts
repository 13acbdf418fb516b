// Attribute values: resident bytes, or non-resident data read through a runlist, with reads beyond
// initialized_size returning zeros and sparse runs reading as zeros (ntfs-3g libntfs-3g/attrib.c
// ntfs_attr_pread_i()).
import { IntrospectError } from '../../core/errors.js';
import type { Source } from '../../core/source/source.js';
import { ATTR_COMPRESSION_MASK, ATTR_IS_ENCRYPTED } from './layout.js';
import { findRun, type Run } from './runlist.js';

export type AttributeValue =
  | { kind: 'resident'; flags: number; value: Uint8Array; allocated_size: number; data_size: number; initialized_size: number }
  | { kind: 'non-resident'; flags: number; runs: Run[]; allocated_size: number; data_size: number; initialized_size: number };

/** What to call an attribute in errors, e.g. "$Bitmap/$DATA". */
export interface AttributeContext {
  source: Source;
  cluster_size: number;
  structure: string;
}

/** A piece of an attribute's value: bytes read from the device, or a run of zero bytes (hole / uninitialized). */
export type ValuePiece = { bytes: Uint8Array } | { zeroBytes: number };

/** Largest single device read while streaming a value. */
export const STREAM_CHUNK = 1 << 20;

function refuseTransformed(value: AttributeValue, ctx: AttributeContext): void {
  if (value.kind === 'non-resident' && (value.flags & ATTR_COMPRESSION_MASK || value.flags & ATTR_IS_ENCRYPTED)) {
    throw new IntrospectError({ file: ctx.source.name, structure: ctx.structure, reason: `compressed or encrypted attribute (flags 0x${value.flags.toString(16)}) cannot be read here` });
  }
}

/**
 * Visit bytes [pos, pos + count) of the value in order, clamped to data_size, in pieces of at most
 * STREAM_CHUNK bytes. Zero regions are reported by length without allocating.
 */
export function streamValue(value: AttributeValue, ctx: AttributeContext, pos: number, count: number, visit: (piece: ValuePiece) => void): void {
  refuseTransformed(value, ctx);
  const end = Math.min(pos + count, value.data_size);
  if (pos >= end) return;
  if (value.kind === 'resident') {
    visit({ bytes: value.value.subarray(pos, end) });
    return;
  }
  const cs = ctx.cluster_size;
  const initEnd = Math.min(end, value.initialized_size);
  let at = pos;
  while (at < initEnd) {
    const vcn = Math.floor(at / cs);
    const index = findRun(value.runs, vcn);
    if (index < 0) {
      throw new IntrospectError({ file: ctx.source.name, structure: ctx.structure, reason: `byte ${at} of the value (VCN ${vcn}) is not mapped by its runlist` });
    }
    const run = value.runs[index];
    const runEndByte = (run.vcn + run.length) * cs;
    const n = Math.min(initEnd, runEndByte, at + STREAM_CHUNK) - at;
    if (run.lcn === null) {
      visit({ zeroBytes: n });
    } else {
      const deviceOffset = run.lcn * cs + (at - run.vcn * cs);
      visit({ bytes: ctx.source.read(deviceOffset, n, ctx.structure) });
    }
    at += n;
  }
  if (end > at) visit({ zeroBytes: end - at });
}

/** Read bytes [pos, pos + count) of the value into one buffer; `count` must be bounded by the caller. */
export function readValue(value: AttributeValue, ctx: AttributeContext, pos: number, count: number): Uint8Array {
  const n = Math.max(0, Math.min(pos + count, value.data_size) - pos);
  const out = new Uint8Array(n);
  let done = 0;
  streamValue(value, ctx, pos, count, (piece) => {
    if ('bytes' in piece) {
      out.set(piece.bytes, done);
      done += piece.bytes.length;
    } else {
      done += piece.zeroBytes; // already zero
    }
  });
  return out;
}

/** Byte offset in the device of byte `pos` of a non-resident value, or undefined for holes/unmapped. */
export function deviceOffsetOf(runs: readonly Run[], cluster_size: number, pos: number): number | undefined {
  const index = findRun(runs, Math.floor(pos / cluster_size));
  if (index < 0) return undefined;
  const run = runs[index];
  return run.lcn === null ? undefined : run.lcn * cluster_size + (pos - run.vcn * cluster_size);
}
