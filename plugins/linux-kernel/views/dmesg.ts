// The kernel log from memory, in the three forms the kernel has kept it in:
// - 5.10+: the lockless printk ring buffer (linux kernel/printk/printk_ringbuffer.{h,c}: descriptor
//   ring of prb_desc + printk_info, text data ring of {unsigned long id; char text[]} blocks);
// - 3.5-5.9: variable-length records (kernel/printk/printk.c struct printk_log, "struct log" before
//   3.11) between log_first_idx and log_next_idx of log_buf, a zero `len` meaning "wrap to 0";
// - before 3.5: a character ring log_buf[log_buf_len] of "<pri>[ts] text" lines ending at log_end.
// Text is escaped as /dev/kmsg escapes it (kernel/printk/printk.c msg_add_ext_text: bytes < 0x20,
// >= 0x7f and '\' as \xNN), so records compare with what the guest read from /dev/kmsg.

import { IntrospectError } from '../../../core/errors.js';
import { readU32, readU64 } from '../../../core/memory/virtual.js';
import type { KernelObjects } from '../objects/reader.js';
import { findPrintkRingbuffer } from './anchors.js';
import type { KernelView } from './context.js';

export interface DmesgRecord {
  seq: number;
  timestampUs: number;
  level: number;
  facility: number;
  /** Text escaped as /dev/kmsg does. */
  text: string;
  /** Device dictionary (SUBSYSTEM=..., DEVICE=...), when the record has one. */
  dict?: string[];
  /** The text as stored (unescaped). */
  raw: string;
}

export interface DmesgResult {
  records: DmesgRecord[];
  warnings: string[];
  /** Which log format was read and where it was found. */
  source: string;
}

/** Descriptor states (printk_ringbuffer.h enum desc_state), in the top two bits of state_var. */
export const DESC_COMMITTED = 1;
export const DESC_FINALIZED = 2;
/** Largest descriptor ring accepted (count_bits); the kernel's is LOG_BUF_SHIFT - 5 <= 20. */
const MAX_COUNT_BITS = 24;
const MAX_SIZE_BITS = 31;

export function kmsgEscape(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    out += c < 0x20 || c >= 0x7f || c === 0x5c ? `\\x${c.toString(16).padStart(2, '0')}` : raw[i];
  }
  return out;
}

function record(seq: number | bigint, tsNsec: bigint, level: number, facility: number, raw: string, dict?: string[]): DmesgRecord {
  const r: DmesgRecord = { seq: Number(seq), timestampUs: Number(tsNsec / 1000n), level, facility, text: kmsgEscape(raw), raw };
  if (dict && dict.length) r.dict = dict;
  return r;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/**
 * Records of a printk_ringbuffer at `address` (struct printk_ringbuffer), oldest first: ids from
 * tail_id to head_id, each descriptor's state committed or finalized and its id current, text per
 * printk_ringbuffer.c get_data() (data-less blocks, regular blocks, blocks wrapped to the ring start).
 */
export function readPrintkRingbuffer(objects: KernelObjects, address: bigint): { records: DmesgRecord[]; warnings: string[] } {
  const vm = objects.vm;
  const warnings: string[] = [];
  const rb = objects.at('printk_ringbuffer', address);
  const descRing = rb.member('desc_ring', 'prb_desc_ring');
  const dataRing = rb.member('text_data_ring', 'prb_data_ring');
  const countBits = descRing.u('count_bits');
  const sizeBits = dataRing.u('size_bits');
  if (countBits > MAX_COUNT_BITS || sizeBits > MAX_SIZE_BITS || sizeBits < 3) {
    throw new IntrospectError({ file: vm.name, structure: 'printk_ringbuffer', offset: address, reason: `implausible ring sizes (count_bits ${countBits}, size_bits ${sizeBits})` });
  }
  const longBits = BigInt(objects.pointerSize * 8);
  const idMask = (1n << (longBits - 2n)) - 1n;
  const count = 1n << BigInt(countBits);
  const dataSize = 1n << BigInt(sizeBits);
  const descs = descRing.ptr('descs');
  const infos = descRing.ptr('infos');
  const data = dataRing.ptr('data');
  const head = descRing.big('head_id') & idMask;
  const tail = descRing.big('tail_id') & idMask;
  const descSize = BigInt(objects.sizeof('prb_desc'));
  const infoSize = BigInt(objects.sizeof('printk_info'));
  const idSize = BigInt(objects.pointerSize);
  const hasDev = objects.has('printk_info', 'dev_info') && objects.hasStruct('dev_printk_info');
  const records: DmesgRecord[] = [];
  const wraps = (lpos: bigint): bigint => lpos >> BigInt(sizeBits);
  let id = tail;
  for (let n = 0n; n <= count; n++) {
    const index = id % count;
    const desc = objects.at('prb_desc', descs + index * descSize);
    try {
      const sv = desc.big('state_var');
      const state = Number((sv >> (longBits - 2n)) & 3n);
      if ((sv & idMask) === id && (state === DESC_COMMITTED || state === DESC_FINALIZED)) {
        const info = objects.at('printk_info', infos + index * infoSize);
        const lpos = desc.member('text_blk_lpos', 'prb_data_blk_lpos');
        const begin = lpos.big('begin');
        const next = lpos.big('next');
        let text = '';
        if ((begin & 1n) === 0n) {
          let start: bigint | undefined;
          let size = 0n;
          if (wraps(begin) === wraps(next) && begin < next) {
            start = begin & (dataSize - 1n);
            size = next - begin;
          } else if (wraps(begin + dataSize) === wraps(next)) {
            start = 0n;
            size = next & (dataSize - 1n);
          } else warnings.push(`printk record id ${id}: illegal data block ${begin}..${next}`);
          if (start !== undefined && size >= idSize) {
            const textLen = BigInt(info.u('text_len'));
            const len = textLen < size - idSize ? textLen : size - idSize;
            text = latin1(vm.read(data + start + idSize, Number(len), `printk text of record id ${id}`));
          }
        }
        let dict: string[] | undefined;
        if (hasDev) {
          const dev = info.member('dev_info', 'dev_printk_info');
          const subsystem = dev.str('subsystem');
          const device = dev.str('device');
          dict = [...(subsystem ? [`SUBSYSTEM=${subsystem}`] : []), ...(device ? [`DEVICE=${device}`] : [])];
        }
        records.push(record(info.big('seq'), info.big('ts_nsec'), info.u('level'), info.u('facility'), text, dict));
      }
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      warnings.push(`printk record id ${id}: ${e.message}`);
    }
    if (id === head) break;
    id = (id + 1n) & idMask;
  }
  return { records, warnings };
}

export interface PrintkLogBuffer {
  /** Address of the buffer (*log_buf). */
  buffer: bigint;
  length: number;
  firstIdx: number;
  nextIdx: number;
  firstSeq: number;
  /** "printk_log" (3.11-5.9) or "log" (3.5-3.10). */
  struct: string;
}

/** printk_log records from log_first_idx to log_next_idx; a record with len 0 sends the reader to index 0. */
export function readPrintkLog(objects: KernelObjects, buf: PrintkLogBuffer): { records: DmesgRecord[]; warnings: string[] } {
  const vm = objects.vm;
  const warnings: string[] = [];
  const headerSize = objects.sizeof(buf.struct);
  const records: DmesgRecord[] = [];
  let idx = buf.firstIdx;
  let seq = buf.firstSeq;
  let wrapped = false;
  const maxRecords = Math.floor(buf.length / Math.max(headerSize, 1)) + 2;
  while (idx !== buf.nextIdx && records.length < maxRecords) {
    if (idx < 0 || idx + headerSize > buf.length) {
      warnings.push(`${buf.struct} at index ${idx}: outside log_buf (${buf.length} bytes); ${records.length} records read`);
      break;
    }
    const msg = objects.at(buf.struct, buf.buffer + BigInt(idx));
    let len: number;
    try {
      len = msg.u('len');
      if (len === 0) {
        if (wrapped) {
          warnings.push(`${buf.struct}: second wrap marker at index ${idx}; ${records.length} records read`);
          break;
        }
        wrapped = true;
        idx = 0;
        continue;
      }
      const textLen = msg.u('text_len');
      const dictLen = msg.has('dict_len') ? msg.u('dict_len') : 0;
      if (len < headerSize || idx + len > buf.length || headerSize + textLen + dictLen > len) {
        warnings.push(`${buf.struct} at index ${idx}: bad lengths (len ${len}, text_len ${textLen}, dict_len ${dictLen}); ${records.length} records read`);
        break;
      }
      const body = vm.read(msg.address + BigInt(headerSize), textLen + dictLen, `${buf.struct} text at index ${idx}`);
      const text = latin1(body.subarray(0, textLen));
      const dict = dictLen ? latin1(body.subarray(textLen)).split('\0').filter((s) => s !== '') : undefined;
      records.push(record(seq, msg.big('ts_nsec'), msg.u('level'), msg.u('facility'), text, dict));
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      warnings.push(`${buf.struct} at index ${idx}: ${e.message}`);
      break;
    }
    seq++;
    idx += len;
  }
  return { records, warnings };
}

/**
 * The character ring of kernels before 3.5: the last min(logged_chars, log_buf_len) bytes before
 * log_end (an ever-growing index, taken modulo log_buf_len), one record per line "<pri>[ s.us] text".
 */
export function readCharRing(ring: Uint8Array, logEnd: number, loggedChars: number): DmesgRecord[] {
  const size = ring.length;
  const n = Math.min(loggedChars, size, logEnd);
  const out: number[] = [];
  for (let i = logEnd - n; i < logEnd; i++) out.push(ring[((i % size) + size) % size]);
  const lines = Buffer.from(out).toString('latin1').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  // The oldest line may have been cut by the ring: drop it when it lacks its "<pri>" prefix.
  if (n === size && lines.length && !/^<\d+>/.test(lines[0])) lines.shift();
  return lines.map((line, seq) => {
    const m = /^<(\d+)>(?:\[\s*(\d+)\.(\d+)\] ?)?(.*)$/s.exec(line);
    const pri = m ? Number(m[1]) : 6;
    const ts = m && m[2] !== undefined ? BigInt(m[2]) * 1_000_000_000n + BigInt(m[3].padEnd(6, '0').slice(0, 6)) * 1000n : 0n;
    return record(seq, ts, pri & 7, pri >> 3, m ? m[4] : line);
  });
}

/** The kernel log of the image, in whichever form the symbols and layouts show. */
export function readDmesg(view: KernelView): DmesgResult {
  const o = view.objects;
  const prb = o.hasStruct('printk_ringbuffer') ? findPrintkRingbuffer(view) : undefined;
  if (prb) return { ...readPrintkRingbuffer(o, prb.address), source: `printk ring buffer at 0x${prb.address.toString(16)} (${prb.how})` };
  const logBuf = view.symbol('log_buf');
  const firstIdx = view.symbol('log_first_idx');
  const struct = o.hasStruct('printk_log') ? 'printk_log' : o.hasStruct('log') ? 'log' : undefined;
  const u32 = (sym: bigint): number => readU32(o.vm, sym, 'printk variable');
  if (logBuf !== undefined && firstIdx !== undefined && struct) {
    const nextIdx = view.symbol('log_next_idx');
    const len = view.symbol('log_buf_len');
    const firstSeq = view.symbol('log_first_seq');
    if (nextIdx === undefined || len === undefined) throw new IntrospectError({ file: view.memory.name, structure: 'printk log_buf', reason: 'log_next_idx or log_buf_len unknown' });
    const buffer = o.readPointer(logBuf, 'log_buf');
    const seq = firstSeq !== undefined ? Number(readU64(o.vm, firstSeq, 'log_first_seq')) : 0;
    const buf: PrintkLogBuffer = { buffer, length: u32(len), firstIdx: u32(firstIdx), nextIdx: u32(nextIdx), firstSeq: seq, struct };
    return { ...readPrintkLog(o, buf), source: `${struct} records in log_buf at 0x${buffer.toString(16)}` };
  }
  const logEnd = view.symbol('log_end');
  if (logBuf !== undefined && logEnd !== undefined) {
    const len = view.symbol('log_buf_len');
    const logged = view.symbol('logged_chars');
    const buffer = o.readPointer(logBuf, 'log_buf');
    const size = len !== undefined ? u32(len) : 0;
    if (size <= 0 || size > 1 << 26) throw new IntrospectError({ file: view.memory.name, structure: 'log_buf_len', reason: `implausible size ${size}` });
    const ring = o.vm.read(buffer, size, 'log_buf');
    const end = u32(logEnd);
    return { records: readCharRing(ring, end, logged !== undefined ? u32(logged) : size), warnings: [], source: `character ring log_buf at 0x${buffer.toString(16)}` };
  }
  throw new IntrospectError({
    file: view.memory.name,
    structure: 'kernel log',
    reason: 'no printk ring buffer (prb), printk_log records (log_buf, log_first_idx) or character ring (log_buf, log_end) known to the symbols and layouts',
  });
}
