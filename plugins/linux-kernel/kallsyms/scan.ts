// Finding kallsyms in kernel memory without symbols: the approach of vmlinux-to-elf
// (vmlinux_to_elf/core/kallsyms.py: find_kallsyms_token_table / _token_index / _markers / _names),
// extended to every table order that linux scripts/kallsyms.c (write_src) has produced:
//   before 6.2:  addresses|offsets, relative_base, num_syms, names, markers, token_table, token_index
//   6.2-6.3:     ... markers, seqs_of_names, token_table, token_index
//   6.4+:        num_syms, names, markers, token_table, token_index, addresses|offsets, relative_base,
//                seqs_of_names (no relative_base with 7.0+ place-relative offsets)
// Every label is ".balign 8" on 64-bit kernels, ".balign 4" on 32-bit ones (ALGN in write_src).
// num_syms and markers are pointer-sized before 4.20, u32 after. seqs_of_names entries are 3 bytes
// (4 in the first 6.2 development builds).

import { IntrospectError } from '../../../core/errors.js';
import {
  decodeAddresses,
  encodingShapeFits,
  isSorted,
  readRawEntries,
  type AddressTable,
  type KallsymsEncoding,
} from './addresses.js';
import { expandNames, isTypeLetter, KSYM_MAX_ENTRY, tokensFromTable, walkNames } from './names.js';
import { KallsymsTable, type KallsymsLocation } from './symbols.js';
import { WindowReader, type KernelWindow } from './window.js';

export interface KallsymsScanOptions {
  /** Pointer size of the kernel when known (VirtualMemory.pointerSize); else 8 then 4 are tried. */
  pointerSize?: 4 | 8;
  /**
   * Runtime virtual addresses of symbols known by other means (VMCOREINFO's SYMBOL(_stext), the
   * banner's address as linux_banner): the address encoding that reproduces them wins, as in drgn.
   */
  anchors?: Readonly<Record<string, bigint>>;
  /** Upper bound on num_syms (default 2^21), further bounded by the window size. */
  maxSymbols?: number;
}

/** "0\0" "1\0" ... "9\0": digits are used by symbol names, so they keep their own token slots 0x30-0x39. */
const DIGIT_TOKENS = Uint8Array.from([0x30, 0, 0x31, 0, 0x32, 0, 0x33, 0, 0x34, 0, 0x35, 0, 0x36, 0, 0x37, 0, 0x38, 0, 0x39, 0]);
/** Longest token the scan accepts (real tables hold tokens of a few characters). */
const SCAN_TOKEN_MAX = 128;
const SCAN_CHUNK = 1 << 24;
/** Consecutive markers are 256 names apart: at least 2 bytes per entry, at most KSYM_MAX_ENTRY. */
const MIN_MARKER_DELTA = 256 * 2;
const MAX_MARKER_DELTA = 256 * KSYM_MAX_ENTRY;

interface TokenTableHit {
  tokenTableAt: number;
  tokenIndexAt: number;
  littleEndian: boolean;
  tokens: string[];
}

interface MarkersHit {
  at: number;
  width: number;
  values: number[];
  /** kallsyms_seqs_of_names between the markers and the token table (6.2-6.3). */
  seqs?: { at: number; width: number; count: number };
}

interface NamesHit {
  namesAt: number;
  numSymsAt: number;
  count: number;
  longNames: boolean;
  bytes: Uint8Array;
  end: number;
  starts: Uint32Array;
}

function isTokenChar(b: number): boolean {
  return b >= 0x21 && b <= 0x7e;
}

/** Alignment helpers on addresses (window base + offset). */
class Aligner {
  private readonly baseMod: number;
  constructor(base: bigint) {
    this.baseMod = Number(((base % 16n) + 16n) % 16n);
  }
  mod(off: number, a: number): number {
    return (((this.baseMod + off) % a) + a) % a;
  }
  up(off: number, a: number): number {
    const m = this.mod(off, a);
    return m === 0 ? off : off + a - m;
  }
  down(off: number, a: number): number {
    return off - this.mod(off, a);
  }
}

/** Every offset where the digit-token run occurs, scanning in chunks. */
export function* digitRuns(window: KernelWindow): Generator<number> {
  const overlap = DIGIT_TOKENS.length - 1;
  for (let start = 0; start < window.size; start += SCAN_CHUNK) {
    const length = Math.min(SCAN_CHUNK + overlap, window.size - start);
    if (length < DIGIT_TOKENS.length) break;
    const chunk = window.read(start, length, 'kallsyms scan');
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = buf.indexOf(DIGIT_TOKENS); at >= 0; at = buf.indexOf(DIGIT_TOKENS, at + 1)) {
      if (at < SCAN_CHUNK || start + SCAN_CHUNK >= window.size) yield start + at;
    }
  }
}

/**
 * From a digit run, walks back over tokens 0x2f..0x01 and forward over 0x3a..0xff, then finds
 * kallsyms_token_index just after the table: a u16 array whose differences match the token starts
 * (its byte order gives the kernel's). token_index[1] then locates token 0, hence the table start.
 */
export function tokenTableAt(window: KernelWindow, hit: number): TokenTableHit | undefined {
  const slabStart = Math.max(0, hit - 0x30 * (SCAN_TOKEN_MAX + 1));
  const slabEnd = Math.min(window.size, hit + 0xd0 * (SCAN_TOKEN_MAX + 1) + 512 + 16);
  const slab = window.read(slabStart, slabEnd - slabStart, 'kallsyms_token_table');
  const h = hit - slabStart;
  const starts = new Array<number>(257);
  starts[0x30] = h;
  for (let t = 0x2f; t >= 1; t--) {
    const nul = starts[t + 1] - 1;
    if (nul < 1 || slab[nul] !== 0) return undefined;
    let s = nul - 1;
    while (s >= 0 && slab[s] !== 0 && nul - s <= SCAN_TOKEN_MAX) {
      if (!isTokenChar(slab[s])) return undefined;
      s--;
    }
    if (s < 0 || slab[s] !== 0 || s === nul - 1) return undefined;
    starts[t] = s + 1;
  }
  for (let t = 0x30; t < 256; t++) {
    let e = starts[t];
    while (e < slab.length && slab[e] !== 0 && e - starts[t] <= SCAN_TOKEN_MAX) {
      if (!isTokenChar(slab[e])) return undefined;
      e++;
    }
    if (e >= slab.length || slab[e] !== 0 || e === starts[t]) return undefined;
    starts[t + 1] = e + 1;
  }
  const tableEnd = starts[256];
  const align = new Aligner(window.base + BigInt(slabStart));
  for (let q = tableEnd; q < tableEnd + 16 && q + 512 <= slab.length; q++) {
    if (align.mod(q, 2) !== 0) continue;
    const view = new DataView(slab.buffer, slab.byteOffset + q, 512);
    for (const le of [true, false]) {
      if (view.getUint16(0, le) !== 0) continue;
      const idx1 = view.getUint16(2, le);
      if (idx1 < 2 || idx1 - 1 > SCAN_TOKEN_MAX) continue;
      let ok = true;
      for (let k = 2; k < 256 && ok; k++) ok = view.getUint16(2 * k, le) - idx1 === starts[k] - starts[1];
      if (!ok) continue;
      const t0 = starts[1] - idx1;
      if (t0 < 0 || align.mod(t0, 4) !== 0) continue;
      let t0ok = true;
      for (let i = t0; i < starts[1] - 1; i++) if (!isTokenChar(slab[i])) t0ok = false;
      if (!t0ok) continue;
      const index: number[] = [];
      for (let k = 0; k < 256; k++) index.push(view.getUint16(2 * k, le));
      const tokens = tokensFromTable(slab.subarray(t0, tableEnd), index);
      if (!tokens) continue;
      return { tokenTableAt: slabStart + t0, tokenIndexAt: slabStart + q, littleEndian: le, tokens };
    }
  }
  return undefined;
}

/** kallsyms_markers ending right before `end`, read backwards down to markers[0] == 0. */
function markersEndingAt(r: WindowReader, end: number, width: number, maxMarkers: number): number[] | undefined {
  const values: number[] = [];
  let p = end - width;
  let prev = -1;
  while (p >= 0 && values.length <= maxMarkers) {
    const v = width === 8 ? r.u64(p) : BigInt(r.u32(p));
    if (v >= 1n << 32n) return undefined;
    const n = Number(v);
    if (prev >= 0) {
      const delta = prev - n;
      if (delta < MIN_MARKER_DELTA || delta > MAX_MARKER_DELTA) return undefined;
    }
    values.push(n);
    if (n === 0) return values.reverse();
    prev = n;
    p -= width;
  }
  return undefined;
}

/** kallsyms_markers read forwards: M u32 values from 0, increasing by whole groups of 256 names. */
function markersFrom(r: WindowReader, at: number, count: number): number[] | undefined {
  if (!r.inBounds(at, count * 4)) return undefined;
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = r.u32(at + 4 * i);
    if (i === 0 ? v !== 0 : v - values[i - 1] < MIN_MARKER_DELTA || v - values[i - 1] > MAX_MARKER_DELTA) return undefined;
    values.push(v);
  }
  return values;
}

function* findMarkers(r: WindowReader, align: Aligner, tokenTableAt: number, A: number, maxSymbols: number): Generator<MarkersHit> {
  const maxMarkers = Math.ceil(maxSymbols / 256);
  // Markers right before the token table (all layouts but 6.2-6.3).
  for (const width of A === 8 ? [4, 8] : [4]) {
    for (let end = tokenTableAt; end > tokenTableAt - A && end >= width; end -= 4) {
      if (align.up(end, A) !== tokenTableAt) continue;
      const values = markersEndingAt(r, end, width, maxMarkers);
      if (!values) continue;
      const at = end - width * values.length;
      if (align.mod(at, A) === 0) yield { at, width, values };
    }
  }
  // 6.2-6.3: seqs_of_names (N entries of 3 bytes, or 4) sit between markers and the token table.
  for (const sw of [3, 4]) {
    const lowest = Math.max(0, tokenTableAt - sw * maxSymbols - A);
    for (let S = align.down(tokenTableAt - sw, A); S >= lowest; S -= A) {
      const span = tokenTableAt - S;
      for (let N = Math.floor(span / sw); N >= 1 && span - sw * N < A; N--) {
        const M = Math.ceil(N / 256);
        const Q = align.down(S - 4 * M, A);
        if (Q < 0 || r.u32(Q) !== 0) continue;
        const values = markersFrom(r, Q, M);
        if (!values) continue;
        yield { at: Q, width: 4, values, seqs: { at: S, width: sw, count: N } };
      }
    }
  }
}

function findNames(r: WindowReader, align: Aligner, markers: MarkersHit, A: number): NamesHit | undefined {
  const M = markers.values.length;
  const last = markers.values[M - 1];
  const Q = markers.at;
  const highest = align.down(Q - last - 2, A);
  const lowest = Math.max(A, Q - last - 256 * KSYM_MAX_ENTRY);
  const wanted = markers.seqs?.count;
  for (let X = highest; X >= lowest; X -= A) {
    const candidates: number[] = [r.u32(X - A)];
    if (!r.littleEndian && A === 8 && r.u32(X - 8) === 0) candidates.push(r.u32(X - 4));
    for (const n of candidates) {
      if (n <= 256 * (M - 1) || n > 256 * M) continue;
      if (wanted !== undefined && n !== wanted) continue;
      const bytes = r.window.read(X, Q - X, 'kallsyms_names').slice();
      for (const longNames of [true, false]) {
        const walk = walkNames(bytes, n, longNames, markers.values);
        if (walk && align.up(X + walk.end, A) === Q) {
          return { namesAt: X, numSymsAt: X - A, count: n, longNames, bytes, end: walk.end, starts: walk.starts };
        }
      }
    }
  }
  return undefined;
}

interface AddressCandidate extends AddressTable {
  order: KallsymsLocation['order'];
}

function addressCandidates(r: WindowReader, align: Aligner, names: NamesHit, tokenIndexAt: number, A: 4 | 8): AddressCandidate[] {
  const N = names.count;
  const out: AddressCandidate[] = [];
  const rb = names.numSymsAt - A;
  const offBefore = align.down(rb - 4 * N, A);
  out.push({ order: 'addresses-first', encoding: 'absolute-percpu', at: offBefore, relativeBaseAt: rb });
  out.push({ order: 'addresses-first', encoding: 'base-relative', at: offBefore, relativeBaseAt: rb });
  out.push({ order: 'addresses-first', encoding: 'absolute', at: names.numSymsAt - A * N });
  const after = align.up(tokenIndexAt + 512, A);
  const rbAfter = align.up(after + 4 * N, A);
  out.push({ order: 'names-first', encoding: 'absolute-percpu', at: after, relativeBaseAt: rbAfter });
  out.push({ order: 'names-first', encoding: 'base-relative', at: after, relativeBaseAt: rbAfter });
  out.push({ order: 'names-first', encoding: 'absolute', at: after });
  out.push({ order: 'names-first', encoding: 'place-relative', at: after });
  if (A === 4) out.push({ order: 'names-first', encoding: 'absolute-u32', at: after });
  return out.filter((c) => {
    const width = c.encoding === 'absolute' ? A : 4;
    return r.inBounds(c.at, width * N) && (c.relativeBaseAt === undefined || r.inBounds(c.relativeBaseAt, A));
  });
}

export interface ResolvedAddresses {
  candidate: AddressTable & { order?: KallsymsLocation['order'] };
  addresses: BigUint64Array;
  relativeBase?: bigint;
  /** Virtual address of the address table, when known or derived from an anchor. */
  tableVa?: bigint;
  anchored: boolean;
}

/**
 * Decodes each candidate table and keeps the first whose addresses are sorted and reproduce every
 * anchor found among the names (drgn picks the encoding that reproduces _stext the same way). Without
 * anchors, the encoding's shape (offsets[0] == 0 for base-relative, the -1 boundary for
 * absolute-percpu) decides.
 */
export function chooseAddresses(
  r: WindowReader,
  candidates: readonly (AddressTable & { order?: KallsymsLocation['order'] })[],
  names: readonly string[],
  A: 4 | 8,
  anchors: Readonly<Record<string, bigint>>,
  tableVa: (at: number) => bigint | undefined,
): ResolvedAddresses | undefined {
  const present: [number, bigint][] = [];
  const wanted = new Map(Object.entries(anchors));
  if (wanted.size > 0) {
    for (let i = 0; i < names.length; i++) {
      const va = wanted.get(names[i]);
      if (va !== undefined) {
        present.push([i, va]);
        wanted.delete(names[i]);
      }
    }
  }
  let fallback: ResolvedAddresses | undefined;
  for (const c of candidates) {
    const raw = readRawEntries(r, c, names.length, A);
    const relativeBase = c.relativeBaseAt !== undefined ? r.pointer(c.relativeBaseAt, A, 'kallsyms_relative_base') : undefined;
    if (relativeBase !== undefined && (relativeBase === 0n || (A === 8 && relativeBase < 1n << 63n))) continue;
    let va = c.encoding === 'place-relative' ? tableVa(c.at) : undefined;
    if (c.encoding === 'place-relative' && va === undefined) {
      if (present.length === 0 || raw instanceof BigUint64Array) continue;
      const [i, anchor] = present[0];
      va = anchor - BigInt(4 * i) - BigInt(raw[i]);
    }
    const addresses = decodeAddresses(c.encoding, raw, A, relativeBase, va);
    if (!isSorted(addresses)) continue;
    if (A === 8 && addresses[addresses.length - 1] < 1n << 63n) continue;
    if (present.length > 0) {
      if (present.every(([i, anchor]) => addresses[i] === anchor)) {
        return { candidate: c, addresses, relativeBase, tableVa: va, anchored: true };
      }
      continue;
    }
    if (!fallback && encodingShapeFits(c.encoding, raw)) fallback = { candidate: c, addresses, relativeBase, tableVa: va, anchored: false };
  }
  return fallback;
}

/**
 * Finds and decodes kallsyms in `window`. Throws IntrospectError when no consistent set of tables is
 * found. The returned addresses are runtime virtual addresses (the tables hold them relocated).
 */
export function scanKallsyms(window: KernelWindow, options: KallsymsScanOptions = {}): KallsymsTable {
  const maxSymbols = Math.min(options.maxSymbols ?? 1 << 21, Math.floor(window.size / 2));
  const align = new Aligner(window.base);
  const reasons: string[] = [];
  let hits = 0;
  for (const hit of digitRuns(window)) {
    const table = tokenTableAt(window, hit);
    if (!table) continue;
    hits++;
    const r = new WindowReader(window, table.littleEndian);
    for (const A of options.pointerSize ? [options.pointerSize] : ([8, 4] as const)) {
      if (align.mod(table.tokenTableAt, A) !== 0) continue;
      for (const markers of findMarkers(r, align, table.tokenTableAt, A, maxSymbols)) {
        const names = findNames(r, align, markers, A);
        if (!names) continue;
        const expanded = expandNames(names.bytes, { starts: names.starts, end: names.end }, table.tokens, names.longNames);
        if (!expanded.types.every(isTypeLetter)) {
          reasons.push(`names at ${names.namesAt} decode to non-symbol type letters`);
          continue;
        }
        const vaOf = (at: number): bigint | undefined => (window.virtual ? window.base + BigInt(at) : undefined);
        const chosen = chooseAddresses(r, addressCandidates(r, align, names, table.tokenIndexAt, A), expanded.names, A, options.anchors ?? {}, vaOf);
        if (!chosen) {
          reasons.push(`no address table near names at ${names.namesAt} is sorted${options.anchors ? ' and matches the anchors' : ''}`);
          continue;
        }
        const addr = (at: number): bigint => window.base + BigInt(at);
        const c = chosen.candidate;
        const location: KallsymsLocation = {
          method: 'scan',
          order: c.order ?? 'addresses-first',
          encoding: c.encoding,
          pointerSize: A,
          littleEndian: table.littleEndian,
          longNames: names.longNames,
          markersWidth: markers.width,
          seqsWidth: markers.seqs?.width,
          addressSpace: window.virtual ? 'virtual' : 'physical',
          relativeBase: chosen.relativeBase,
          tables: {
            num_syms: addr(names.numSymsAt),
            names: addr(names.namesAt),
            markers: addr(markers.at),
            token_table: addr(table.tokenTableAt),
            token_index: addr(table.tokenIndexAt),
            [c.encoding === 'absolute' ? 'addresses' : 'offsets']: addr(c.at),
            ...(c.relativeBaseAt !== undefined ? { relative_base: addr(c.relativeBaseAt) } : {}),
            ...(markers.seqs ? { seqs_of_names: addr(markers.seqs.at) } : {}),
          },
        };
        return new KallsymsTable(expanded.names, expanded.types, chosen.addresses, location);
      }
    }
  }
  throw new IntrospectError({
    file: window.name,
    structure: 'kallsyms',
    reason:
      hits === 0
        ? 'no kallsyms_token_table found (no "0".."9" token run followed by a matching kallsyms_token_index)'
        : `found ${hits} token table(s) but no consistent markers/names/addresses${reasons.length ? ': ' + reasons.slice(0, 3).join('; ') : ''}`,
  });
}
