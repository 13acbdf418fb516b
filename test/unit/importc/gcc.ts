/**
 * What gcc says about record layouts: sizeof, _Alignof, offsetof and sizeof of every member, and
 * the bits of every bit-field (found by initialising it to -1 in a union with a byte array).
 * The program is only compiled to assembly (-S), never linked or run, so -m32 needs no 32-bit libc
 * unless the header includes libc headers. The data directives of the output are decoded here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportedRecord } from '../../../core/importc/index.js';

/** The compiler if it runs (default gcc; e.g. aarch64-linux-gnu-gcc for arm64). */
export function gccPath(compiler = 'gcc'): string | undefined {
  const r = spawnSync(compiler, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? compiler : undefined;
}

/**
 * The i386 compiler: Debian's cross gcc (gcc-i686-linux-gnu, which can be installed beside the arm64
 * cross gcc) when present, else the native gcc with -m32 (gcc-multilib, which conflicts with cross gccs).
 */
export function i386Compiler(): { flags: string[]; compiler?: string } {
  return gccPath('i686-linux-gnu-gcc') ? { flags: [], compiler: 'i686-linux-gnu-gcc' } : { flags: ['-m32'] };
}

/** Can gcc compile (to assembly) a program with these flags, including this header? */
export function gccCompiles(flags: readonly string[], include = '<stddef.h>', compiler = 'gcc'): boolean {
  const r = spawnSync(compiler, [...flags, '-S', '-w', '-o', '-', '-x', 'c', '-'], { input: `#include ${include}\nint x;\n`, encoding: 'utf8' });
  return r.status === 0;
}

export interface GccRecord {
  size: number;
  align: number;
  /** path -> [offset, size] for ordinary members, [bitOffset, bitWidth] for bit-fields. */
  members: Map<string, { offset: number; size: number } | { bitOffset: number; bitWidth: number }>;
}

/** Bytes of each labelled object in gcc's assembly output (little-endian targets). */
function dataByLabel(asm: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let cur: number[] | undefined;
  const put = (v: bigint, n: number): void => {
    for (let i = 0; i < n; i++) cur!.push(Number((BigInt.asUintN(n * 8, v) >> BigInt(8 * i)) & 0xffn));
  };
  for (const raw of asm.split('\n')) {
    const line = raw.trim();
    const label = /^([A-Za-z_.$][\w.$]*):$/.exec(line);
    if (label) {
      cur = label[1]!.startsWith('ic_') ? [] : undefined;
      if (cur) out.set(label[1]!, cur);
      continue;
    }
    if (!cur) continue;
    // x86 gcc writes .value/.long/.quad, aarch64 gcc .hword/.word/.xword (.word is 4 bytes there)
    const d = /^\.(byte|value|short|hword|2byte|long|word|4byte|int|quad|xword|dword|8byte|zero|skip)\s+(-?\w+)/.exec(line);
    if (!d) {
      cur = undefined;
      continue;
    }
    const v = BigInt(d[2]!);
    switch (d[1]) {
      case 'byte': put(v, 1); break;
      case 'value': case 'short': case 'hword': case '2byte': put(v, 2); break;
      case 'long': case 'word': case '4byte': case 'int': put(v, 4); break;
      case 'quad': case 'xword': case 'dword': case '8byte': put(v, 8); break;
      default: for (let i = 0; i < Number(v); i++) cur.push(0);
    }
  }
  return out;
}

/**
 * Compiles `#include HEADER` plus probes for the given records with gcc `flags` (e.g. ['-m32'])
 * and returns gcc's layouts by record name.
 */
export function gccLayouts(headerPath: string, records: readonly ImportedRecord[], flags: readonly string[] = [], compiler = 'gcc'): Map<string, GccRecord> {
  const lines = ['#include <stddef.h>', `#include "${headerPath}"`];
  const plan: { rec: ImportedRecord; label: string; paths: string[]; bitLabels: [string, string][] }[] = [];
  records.forEach((rec, r) => {
    const T = rec.cType;
    const plain = rec.fields.filter((f) => f.bitWidth === undefined);
    const vals = [`sizeof(${T})`, `_Alignof(${T})`];
    // a flexible array member has no sizeof: 0 as importC says
    for (const f of plain) vals.push(`offsetof(${T}, ${f.path})`, f.size === 0 ? '0' : `sizeof(((${T} *)0)->${f.path})`);
    const label = `ic_r${r}`;
    lines.push(`const unsigned int ${label}[] = { ${vals.join(', ')} };`);
    const bitLabels: [string, string][] = [];
    rec.fields.forEach((f, i) => {
      if (f.bitWidth === undefined) return;
      const bl = `ic_r${r}_b${i}`;
      lines.push(`const union { ${T} s; unsigned char b[sizeof(${T})]; } ${bl} = { .s.${f.path} = -1 };`);
      bitLabels.push([bl, f.path]);
    });
    plan.push({ rec, label, paths: plain.map((f) => f.path), bitLabels });
  });
  const dir = mkdtempSync(join(tmpdir(), 'importc-gcc-'));
  try {
    const src = join(dir, 'probe.c');
    writeFileSync(src, lines.join('\n') + '\n');
    const asm = execFileSync(compiler, [...flags, '-S', '-O0', '-w', '-fno-common', '-o', '-', src], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const data = dataByLabel(asm);
    const result = new Map<string, GccRecord>();
    for (const p of plan) {
      const bytes = data.get(p.label);
      if (!bytes) throw new Error(`no data for ${p.label} in gcc output`);
      const u32 = (i: number): number => bytes[i * 4]! | (bytes[i * 4 + 1]! << 8) | (bytes[i * 4 + 2]! << 16) | (bytes[i * 4 + 3]! * 2 ** 24);
      const members: GccRecord['members'] = new Map();
      p.paths.forEach((path, i) => members.set(path, { offset: u32(2 + 2 * i), size: u32(3 + 2 * i) }));
      for (const [bl, path] of p.bitLabels) {
        const b = data.get(bl) ?? [];
        const bits: number[] = [];
        b.forEach((byte, i) => {
          for (let k = 0; k < 8; k++) if (byte & (1 << k)) bits.push(i * 8 + k);
        });
        members.set(path, { bitOffset: bits.length ? bits[0]! : -1, bitWidth: bits.length });
      }
      result.set(p.rec.name, { size: u32(0), align: u32(1), members });
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** importC's view of the same records, in the shape gccLayouts returns (for toEqual). */
export function importedLayouts(records: readonly ImportedRecord[]): Map<string, GccRecord> {
  const out = new Map<string, GccRecord>();
  for (const rec of records) {
    const members: GccRecord['members'] = new Map();
    for (const f of rec.fields) members.set(f.path, f.bitWidth === undefined ? { offset: f.offset, size: f.size } : { bitOffset: f.bitOffset!, bitWidth: f.bitWidth });
    out.set(rec.name, { size: rec.size, align: rec.align, members });
  }
  return out;
}
