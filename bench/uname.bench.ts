/**
 * `introspect uname` (--profile auto: nothing prepared) on each corpus memory image: time (median of
 * 5 runs) and bytes read; then the physical scan throughput on a 4 GiB image (a corpus raw image at
 * the start of a sparse 4 GiB file), as a full "Linux version " scan and as uname.
 */
import { closeSync, copyFileSync, existsSync, ftruncateSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins } from '../core/builtin-plugins.js';
import { openMemoryImage } from '../core/memory/open.js';
import { Introspector } from '../core/pipeline/introspector.js';
import { readStats } from '../core/source/source.js';
import { readUname } from '../plugins/linux-kernel/uname.js';
import { bytesOf, scanPhysical } from '../plugins/linux-kernel/scan.js';
import { corpusCacheDir } from '../test/corpus/corpus.js';

const ROUNDS = 5;
const GiB = 1024 ** 3;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function unameOnce(introspector: Introspector, path: string): { ms: number; bytes: number; reads: number; release: string } {
  readStats.reset();
  const t0 = performance.now();
  const report = readUname(openMemoryImage(introspector, path));
  const ms = performance.now() - t0;
  return { ms, bytes: readStats.bytesRead, reads: readStats.reads, release: report.uname.release };
}

export async function run(): Promise<void> {
  const introspector = new Introspector().use(...builtinPlugins());
  const memDir = join(corpusCacheDir(), 'mem');
  if (!existsSync(memDir)) {
    process.stdout.write(`no unpacked corpus at ${memDir}: skipped\n`);
    return;
  }
  process.stdout.write('| image | release | median ms | bytes read | reads |\n|---|---|---:|---:|---:|\n');
  let rawForBig: string | undefined;
  for (const variant of readdirSync(memDir).sort()) {
    for (const file of readdirSync(join(memDir, variant)).filter((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f)).sort()) {
      const path = join(memDir, variant, file);
      if (file === 'mem.raw' && !rawForBig) rawForBig = path;
      const runs = Array.from({ length: ROUNDS }, () => unameOnce(introspector, path));
      const last = runs[runs.length - 1];
      process.stdout.write(`| ${variant}/${file} | ${last.release} | ${median(runs.map((r) => r.ms)).toFixed(1)} | ${last.bytes} | ${last.reads} |\n`);
    }
  }
  if (!rawForBig) return;

  const dir = mkdtempSync(join(tmpdir(), 'introspect-bench-'));
  try {
    const big = join(dir, 'mem-4G.raw');
    copyFileSync(rawForBig, big);
    const fd = openSync(big, 'r+');
    ftruncateSync(fd, 4 * GiB);
    closeSync(fd);
    process.stdout.write(`\n4 GiB image: ${rawForBig} at offset 0 of a sparse file\n`);
    const memory = openMemoryImage(introspector, big, 'raw');
    // The first pass over a fresh sparse file also fills the host page cache with zero pages.
    for (const pass of ['cold', 'warm']) {
      readStats.reset();
      const t0 = performance.now();
      let hits = 0;
      for (const _ of scanPhysical(memory, [bytesOf('Linux version ')])) hits++;
      const seconds = (performance.now() - t0) / 1000;
      process.stdout.write(`full scan of a 4 GiB image (${pass} host cache): ${hits} hits, ${(readStats.bytesRead / GiB).toFixed(2)} GiB read in ${seconds.toFixed(2)} s = ${(readStats.bytesRead / 2 ** 20 / seconds).toFixed(0)} MiB/s\n`);
    }
    const u = unameOnce(introspector, big);
    process.stdout.write(`uname on the 4 GiB image: ${u.ms.toFixed(1)} ms, ${u.bytes} bytes read in ${u.reads} reads (${u.release})\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
