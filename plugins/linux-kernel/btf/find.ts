// Finding the kernel's own BTF in memory: the .BTF section between __start_BTF and __stop_BTF
// (linux include/asm-generic/vmlinux.lds.h BTF section; kernel/bpf/btf.c btf_parse_vmlinux), or,
// without symbols, by its header (include/uapi/linux/btf.h: magic 0xEB9F, version 1, hdr_len 24),
// each candidate validated by parsing it whole.

import { IntrospectError } from '../../../core/errors.js';
import type { KernelWindow } from '../kallsyms/window.js';
import type { Btf } from './btf.js';
import { parseBtf, readBtfHeader } from './parse.js';

export interface FoundBtf {
  btf: Btf;
  /** Address of the header (virtual when the window is virtual, else physical). */
  address: bigint;
  size: number;
  /** "symbols" (between __start_BTF and __stop_BTF) or "scan". */
  method: 'symbols' | 'scan';
  /** Other valid blobs seen by the scan (BPF program BTF, stale copies), for --explain. */
  others: { address: bigint; types: number }[];
}

/** Largest BTF blob accepted (vmlinux BTF is a few MiB). */
export const MAX_BTF_BYTES = 1 << 28;

const HEADER_LE = Uint8Array.from([0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00]);
const HEADER_BE = Uint8Array.from([0xeb, 0x9f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x18]);
const CHUNK = 1 << 24;

export interface FindBtfOptions {
  /** __start_BTF / __stop_BTF addresses (same address space as the window) when kallsyms has them. */
  start?: bigint;
  stop?: bigint;
  pointerSize?: 4 | 8;
  /** A struct the kernel's BTF must define (default "task_struct"), to skip BPF programs' small BTF. */
  requireStruct?: string;
}

export function* btfHeaderHits(window: KernelWindow): Generator<number> {
  for (let start = 0; start < window.size; start += CHUNK) {
    const length = Math.min(CHUNK + 7, window.size - start);
    if (length < 8) break;
    const chunk = window.read(start, length, 'BTF scan');
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const hits: number[] = [];
    for (const magic of [HEADER_LE, HEADER_BE]) {
      for (let at = buf.indexOf(magic); at >= 0; at = buf.indexOf(magic, at + 1)) if (at < CHUNK) hits.push(start + at);
    }
    yield* hits.sort((a, b) => a - b);
  }
}

function tryParse(window: KernelWindow, at: number, options: FindBtfOptions): Btf | undefined {
  const head = window.read(at, Math.min(256, window.size - at), 'BTF header');
  const h = readBtfHeader(head);
  if (!h || h.totalSize > MAX_BTF_BYTES || at + h.totalSize > window.size) return undefined;
  try {
    return parseBtf(window.read(at, h.totalSize, 'BTF').slice(), { name: `${window.name} [BTF at 0x${(window.base + BigInt(at)).toString(16)}]`, pointerSize: options.pointerSize });
  } catch (e) {
    if (e instanceof IntrospectError) return undefined;
    throw e;
  }
}

/**
 * The kernel's BTF in `window`. With start/stop, the blob between them must parse; without, the scan
 * keeps the largest blob that parses and defines `requireStruct`.
 */
export function findBtf(window: KernelWindow, options: FindBtfOptions = {}): FoundBtf {
  const require = options.requireStruct ?? 'task_struct';
  if (options.start !== undefined) {
    const at = Number(options.start - window.base);
    const size = options.stop !== undefined ? Number(options.stop - options.start) : undefined;
    if (!(at >= 0 && at < window.size) || (size !== undefined && (size <= 0 || size > MAX_BTF_BYTES || at + size > window.size))) {
      throw new IntrospectError({ file: window.name, structure: 'BTF (__start_BTF..__stop_BTF)', offset: options.start, reason: 'outside the window or of implausible size' });
    }
    const bytes = window.read(at, size ?? Math.min(MAX_BTF_BYTES, window.size - at), 'BTF').slice();
    const btf = parseBtf(bytes, { name: `${window.name} [__start_BTF]`, pointerSize: options.pointerSize });
    return { btf, address: options.start, size: btf.header.totalSize, method: 'symbols', others: [] };
  }
  let best: { btf: Btf; at: number } | undefined;
  const others: FoundBtf['others'] = [];
  for (const at of btfHeaderHits(window)) {
    const btf = tryParse(window, at, options);
    if (!btf) continue;
    const address = window.base + BigInt(at);
    if (!btf.struct(require) || (best && best.btf.count >= btf.count)) {
      others.push({ address, types: btf.count });
      continue;
    }
    if (best) others.push({ address: window.base + BigInt(best.at), types: best.btf.count });
    best = { btf, at };
  }
  if (!best) {
    throw new IntrospectError({ file: window.name, structure: 'BTF', reason: `no BTF blob (magic 0xEB9F, version 1) that parses and defines struct ${require}` });
  }
  return { btf: best.btf, address: window.base + BigInt(best.at), size: best.btf.header.totalSize, method: 'scan', others };
}
