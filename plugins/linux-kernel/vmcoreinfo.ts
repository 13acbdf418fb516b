// VMCOREINFO (linux kernel/vmcore_info.c, formerly kernel/crash_core.c): "KEY=VALUE\n" lines kept in
// an ELF note { n_namesz = 11, n_descsz, n_type = 0, "VMCOREINFO\0" padded to 12, text }.
import type { VmcoreInfo } from '../../core/memory/kernel.js';

/** Longest note text accepted (the kernel reserves one page: VMCOREINFO_BYTES = PAGE_SIZE). */
export const MAX_VMCOREINFO_BYTES = 1 << 16;

export function parseVmcoreinfo(text: string, origin: VmcoreInfo['origin']): VmcoreInfo {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!entries.has(key)) entries.set(key, line.slice(eq + 1).trim());
  }
  const hexValue = (v: string | undefined): bigint | undefined => {
    if (v === undefined || !/^(0x)?[0-9a-fA-F]+$/.test(v)) return undefined;
    return BigInt(v.startsWith('0x') ? v : '0x' + v);
  };
  const decimal = (v: string | undefined): number | undefined => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);
  return {
    text,
    entries,
    origin,
    get: (key) => entries.get(key),
    symbol: (name) => hexValue(entries.get(`SYMBOL(${name})`)),
    number: (name) => parseBase0(entries.get(`NUMBER(${name})`)),
    size: (name) => decimal(entries.get(`SIZE(${name})`)),
    offset: (name) => decimal(entries.get(`OFFSET(${name})`)),
    length: (name) => decimal(entries.get(`LENGTH(${name})`)),
  };
}

/** strtol(v, NULL, 0): 0x.. hex, leading 0 octal, else decimal; optional minus sign. */
export function parseBase0(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  const m = /^(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(v.trim());
  if (!m) return undefined;
  const body = m[2];
  let value: bigint;
  if (/^0[xX]/.test(body)) value = BigInt(body);
  else if (body.length > 1 && body.startsWith('0')) value = BigInt('0o' + body.slice(1));
  else value = BigInt(body);
  return m[1] ? -value : value;
}

const NOTE_NAME = 'VMCOREINFO\0\0';

/**
 * Given the physical address of a "VMCOREINFO\0" hit and bytes around it, return the note's text
 * when the hit is a real note: the 12 bytes before hold n_namesz = 11, a sane n_descsz, n_type = 0,
 * and the text starts with "OSRELEASE=". Format strings and other copies of the name fail this.
 * `bytes` must start 12 bytes before the name.
 */
export function noteTextAt(bytes: Uint8Array): string | undefined {
  if (bytes.length < 24 + 10) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const namesz = view.getUint32(0, true);
  const descsz = view.getUint32(4, true);
  const type = view.getUint32(8, true);
  if (namesz !== 11 || type !== 0 || descsz === 0 || descsz > MAX_VMCOREINFO_BYTES) return undefined;
  for (let i = 0; i < 12; i++) if (bytes[12 + i] !== NOTE_NAME.charCodeAt(i)) return undefined;
  const end = Math.min(bytes.length, 24 + descsz);
  let text = '';
  for (let i = 24; i < end; i++) {
    const c = bytes[i];
    if (c === 0) break;
    if (c !== 0x0a && (c < 0x20 || c > 0x7e)) return undefined;
    text += String.fromCharCode(c);
  }
  return text.startsWith('OSRELEASE=') ? text : undefined;
}
