// Builds kallsyms tables the way linux scripts/kallsyms.c (write_src) lays them out, for tests:
// every table order (before 4.20, 4.20-6.1, 6.2-6.3, 6.4+, 7.0+) and every address encoding.
// The token compression is a small version of optimize_token_table(): characters used by names keep
// their own slot, free slots get the most frequent adjacent pair.

import { bitmatch } from '../../../core/bitsyntax/index.js';
import { encodeEntry } from './names.js';
import type { KallsymsEncoding } from './addresses.js';

export type SyntheticLayout = 'pre-4.20' | '4.20' | '6.1' | '6.2' | '6.2-u32seqs' | '6.4' | '7.0';

export interface SyntheticSymbol {
  name: string;
  type: string;
  address: bigint;
  /** Per-CPU symbol kept absolute (absolute-percpu encoding). */
  percpu?: boolean;
}

export interface SyntheticKallsyms {
  bytes: Uint8Array;
  /** Offset of each kallsyms_* label within `bytes`. */
  labels: Record<string, number>;
  tokens: string[];
}

/** The integer cells of the tables (.short, .long, .quad in write_src's output), per byte order. */
function cells(E: 'little' | 'big') {
  return {
    2: bitmatch(`v : 16 : endian(E)`, { E }),
    4: bitmatch(`v : 32 : endian(E)`, { E }),
    8: bitmatch(`v : 64 : endian(E)`, { E }),
  };
}
const CELLS = { little: cells('little'), big: cells('big') };

class Emitter {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  constructor(readonly le: boolean) {}
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  bytes(b: ArrayLike<number>): void {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  int(value: bigint | number, width: 2 | 4 | 8): void {
    const v = BigInt.asUintN(width * 8, BigInt(value));
    const c = CELLS[this.le ? 'little' : 'big'];
    this.bytes(width === 8 ? c[8].build({ v }) : c[width].build({ v: Number(v) }));
  }
  align(a: number): void {
    while (this.length % a) this.bytes([0]);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Token table: used characters in their own slot, then frequent pairs (scripts/kallsyms.c optimize_result). */
function compress(strings: string[]): { tokens: string[]; encoded: number[][] } {
  const tokens = new Array<string>(256).fill('');
  const encoded = strings.map((s) => Array.from(s, (c) => c.charCodeAt(0)));
  for (const e of encoded) for (const c of e) tokens[c] = String.fromCharCode(c);
  for (let slot = 255; slot >= 0; slot--) {
    if (tokens[slot]) continue;
    const counts = new Map<number, number>();
    for (const e of encoded) for (let i = 0; i + 1 < e.length; i++) {
      const k = e[i] | (e[i + 1] << 8);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    let best = -1;
    let bestCount = 1;
    for (const [k, n] of counts) if (n > bestCount) [best, bestCount] = [k, n];
    if (best < 0) {
      // No profitable pair left: fill with an unused filler token so every slot is non-empty.
      tokens[slot] = `~${slot.toString(36)}`;
      continue;
    }
    const a = best & 0xff;
    const b = best >> 8;
    tokens[slot] = tokens[a] + tokens[b];
    for (let j = 0; j < encoded.length; j++) {
      const e = encoded[j];
      const out: number[] = [];
      for (let i = 0; i < e.length; i++) {
        if (i + 1 < e.length && e[i] === a && e[i + 1] === b) {
          out.push(slot);
          i++;
        } else out.push(e[i]);
      }
      encoded[j] = out;
    }
  }
  return { tokens, encoded };
}

export interface SyntheticOptions {
  symbols: readonly SyntheticSymbol[];
  layout: SyntheticLayout;
  encoding: KallsymsEncoding;
  pointerSize: 4 | 8;
  littleEndian: boolean;
  /** Virtual address of byte 0 (place-relative offsets depend on it). Must be 16-aligned. */
  base: bigint;
  /** Bytes placed before the tables (must keep 16-byte alignment). */
  prefix?: Uint8Array;
}

export function buildKallsyms(o: SyntheticOptions): SyntheticKallsyms {
  const A = o.pointerSize;
  const N = o.symbols.length;
  const e = new Emitter(o.littleEndian);
  const labels: Record<string, number> = {};
  const label = (name: string): void => {
    e.align(A);
    labels[name] = e.length;
  };
  if (o.prefix) {
    e.bytes(o.prefix);
    e.align(16);
  }
  const longNames = !['pre-4.20', '4.20'].includes(o.layout);
  const { tokens, encoded } = compress(o.symbols.map((s) => s.type + s.name));
  const namesFirst = o.layout === '6.4' || o.layout === '7.0';
  const oldWidths = o.layout === 'pre-4.20';

  const relativeBase = (() => {
    if (o.encoding === 'absolute-percpu') return o.symbols.find((s) => !s.percpu)!.address;
    return o.symbols[0].address;
  })();
  const emitAddresses = (): void => {
    if (o.encoding === 'absolute') {
      label('kallsyms_addresses');
      for (const s of o.symbols) e.int(s.address, A);
      return;
    }
    label('kallsyms_offsets');
    const start = e.length;
    o.symbols.forEach((s, i) => {
      let v: bigint;
      switch (o.encoding) {
        case 'base-relative':
          v = s.address - relativeBase;
          break;
        case 'absolute-percpu':
          v = s.percpu ? s.address : relativeBase - s.address - 1n;
          break;
        case 'place-relative':
          v = s.address - (o.base + BigInt(start + 4 * i));
          break;
        default:
          v = s.address;
      }
      e.int(v, 4);
    });
    if (o.encoding === 'base-relative' || o.encoding === 'absolute-percpu') {
      label('kallsyms_relative_base');
      e.int(relativeBase, A);
    }
  };
  const emitSeqs = (width: 3 | 4): void => {
    label('kallsyms_seqs_of_names');
    const order = o.symbols.map((s, i) => [s.name, i] as const).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1]));
    for (const [, i] of order) {
      if (width === 4) e.int(i, 4);
      else e.bytes([(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff]);
    }
  };

  if (!namesFirst) emitAddresses();
  label('kallsyms_num_syms');
  e.int(N, oldWidths ? A : 4);
  label('kallsyms_names');
  const markers: number[] = [];
  let off = 0;
  for (let i = 0; i < N; i++) {
    if ((i & 0xff) === 0) markers.push(off);
    const entry = encodeEntry(encoded[i], longNames);
    e.bytes(entry);
    off += entry.length;
  }
  label('kallsyms_markers');
  for (const m of markers) e.int(m, oldWidths ? A : 4);
  if (o.layout === '6.2') emitSeqs(3);
  if (o.layout === '6.2-u32seqs') emitSeqs(4);
  label('kallsyms_token_table');
  const index: number[] = [];
  let t = 0;
  for (const tok of tokens) {
    index.push(t);
    const bytes = Array.from(tok, (c) => c.charCodeAt(0));
    e.bytes([...bytes, 0]);
    t += bytes.length + 1;
  }
  label('kallsyms_token_index');
  for (const i of index) e.int(i, 2);
  if (namesFirst) {
    emitAddresses();
    emitSeqs(3);
  }
  e.align(16);
  return { bytes: e.result(), labels, tokens };
}

/** A deterministic symbol list: text symbols from `text`, a few data symbols, digits in names, one long name. */
export function sampleSymbols(count: number, text: bigint, opts: { percpu?: number; longName?: boolean } = {}): SyntheticSymbol[] {
  const out: SyntheticSymbol[] = [];
  for (let i = 0; i < (opts.percpu ?? 0); i++) out.push({ name: `pcpu_var_${i}`, type: 'A', address: BigInt(i * 0x40), percpu: true });
  out.push({ name: '_text', type: 'T', address: text });
  out.push({ name: '_stext', type: 'T', address: text });
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const words = ['do_', 'sys_', 'init', 'read', 'write', 'page', 'irq', 'lock', 'net', 'fs', 'dev', 'task', 'sched', 'mm', '__', 'x64'];
  let addr = text + 0x100n;
  for (let i = out.length; i < count; i++) {
    let name = '';
    const parts = 1 + (rnd() % 4);
    for (let p = 0; p < parts; p++) name += words[rnd() % words.length];
    name += `_${i}_0123456789`.slice(0, 3 + (rnd() % 12));
    if (opts.longName && i === Math.floor(count / 2)) {
      name = '';
      for (let k = 0; k < 400; k++) name += String.fromCharCode(0x41 + (rnd() % 58));
      name = name.replace(/[^A-Za-z0-9_]/g, '_');
    }
    out.push({ name, type: i % 7 === 0 ? 't' : i % 11 === 0 ? 'D' : 'T', address: addr });
    addr += BigInt(16 + (rnd() % 512));
  }
  out.push({ name: 'digits_0123456789', type: 'T', address: addr });
  return out;
}
