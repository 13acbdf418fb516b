// virt-df's output, byte for byte: libguestfs guestfs-tools df/output.c (print_title, print_stat,
// write_csv_field). Percentages are computed in double and stored in a C float, as print_stat does.
import type { FilesystemStats } from '../pipeline/model.js';
import { humanReadable } from './human.js';
import { formatFixed, padLeft } from './printf.js';

export interface DfFormat {
  /** -i: inodes instead of blocks. */
  inodes: boolean;
  /** -h: sizes as 1.5G etc. (not with csv). */
  human: boolean;
  csv: boolean;
}

const NAME_WIDTH = 36;

/** The title line (with its newline). */
export function dfTitle(format: DfFormat): string {
  const cols = format.inodes
    ? ['Inodes', 'IUsed', 'IFree', 'IUse%']
    : [format.human ? 'Size' : '1K-blocks', 'Used', 'Available', 'Use%'];
  if (format.csv) return ['VirtualMachine', 'Filesystem', ...cols].map(csvField).join(',') + '\n';
  return `${'Filesystem'.padEnd(NAME_WIDTH)}${padLeft(cols[0], 10)} ${padLeft(cols[1], 10)} ${padLeft(cols[2], 10)} ${padLeft(cols[3], 5)}\n`;
}

/** scale(): blocks of `from` bytes in units of `to` bytes, as df/output.c truncates. */
export function scaleBlocks(n: bigint, from: bigint, to: bigint): bigint {
  return from >= to ? n * (from / to) : n / (to / from);
}

/** One filesystem's line (with its newline). */
export function dfRow(name: string, device: string, stats: FilesystemStats, format: DfFormat): string {
  const blocks = BigInt(stats.blocks);
  const bfree = BigInt(stats.bfree);
  const bsize = BigInt(stats.blockSize);
  let cols: string[];
  let percent: number;
  if (!format.inodes) {
    if (!format.human) {
      cols = [scaleBlocks(blocks, bsize, 1024n), scaleBlocks(blocks - bfree, bsize, 1024n), scaleBlocks(BigInt(stats.bavail), bsize, 1024n)].map(String);
    } else {
      cols = [humanReadable(blocks, bsize), humanReadable(blocks - bfree, bsize), humanReadable(stats.bavail, bsize)];
    }
    percent = stats.blocks !== 0 ? Math.fround(100 - (100 * stats.bfree) / stats.blocks) : 0;
  } else {
    cols = [String(stats.files), String(stats.files - stats.ffree), String(stats.ffree)];
    percent = stats.files !== 0 ? Math.fround(100 - (100 * stats.ffree) / stats.files) : 0;
  }
  // Text: "%3.0f%%" of ceil(percent), as df rounds up; CSV: "%.1f".
  cols.push(format.csv ? formatFixed(percent, 1) : `${padLeft(formatFixed(Math.ceil(percent), 0), 3)}%`);
  if (format.csv) return [name, device, ...cols].map(csvField).join(',') + '\n';
  const head = `${name}:${device}`;
  // The name column is measured in bytes (strlen), so UTF-8 names pad as virt-df pads them.
  const length = Buffer.byteLength(head, 'utf8');
  const pad = length <= NAME_WIDTH ? ' '.repeat(NAME_WIDTH - length) : `\n${' '.repeat(NAME_WIDTH)}`;
  return `${head}${pad}${padLeft(cols[0], 10)} ${padLeft(cols[1], 10)} ${padLeft(cols[2], 10)} ${padLeft(cols[3], 5)}\n`;
}

/** write_csv_field(): quote when the field holds a space, a quote, a newline or a comma; double quotes. */
export function csvField(field: string): string {
  if (!/[ ",\n]/.test(field)) return field;
  return `"${field.replace(/"/g, '""')}"`;
}
