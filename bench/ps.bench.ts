/**
 * `introspect ps --profile auto` (issue 7) on each corpus memory image: whole-process time of
 * `node dist/core/cli/main.js --profile auto --stats --json ps IMG` (spawned, median of 5), bytes
 * read, and whether the processes (pid, ppid, comm) equal the guest's own /proc listing in truth.json.
 *
 * `--with-volatility=DIR` (DIR holds Volatility 3's vol.py; it is not part of this project) runs
 * Volatility 3's linux.pslist on the same images in the same run, with an ISF exported by
 * `introspect profile export-isf` from the image itself, and gives the ratio of its time to ours:
 * one cold run (fresh Volatility cache) and the median of 2 warm ones. Volatility cannot read
 * 5-level paging, kdump files or arm64; those rows say why it failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusCacheDir } from '../test/corpus/corpus.js';
import { median, printTable } from './table.js';

const ROUNDS = 5;
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../core/cli/main.js');

interface TruthProcess {
  pid: number;
  ppid: number;
  comm: string;
}

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

function timed(command: string, args: string[], cwd?: string): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, args, { encoding: 'utf8', cwd, maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').pop()?.slice(0, 160) ?? '';
}

function fmtS(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function volatilityDir(flags: readonly string[]): string | undefined {
  const flag = flags.find((f) => f.startsWith('--with-volatility'));
  if (!flag) return undefined;
  return flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : process.env.VOLATILITY3_DIR;
}

/** Our processes vs the guest's: same pids, and for each the same ppid and comm. */
function compare(stdout: string, truth: TruthProcess[]): string {
  let doc: { processes?: Array<{ pid: number; ppid: number; comm: string }> };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    return 'no JSON';
  }
  const ours = new Map((doc.processes ?? []).map((p) => [p.pid, p]));
  const missing = truth.filter((t) => !ours.has(t.pid)).length;
  const extra = ours.size - (truth.length - missing);
  const differ = truth.filter((t) => ours.has(t.pid) && (ours.get(t.pid)!.ppid !== t.ppid || ours.get(t.pid)!.comm !== t.comm)).length;
  return missing === 0 && extra === 0 && differ === 0 ? `yes (${truth.length})` : `NO: ${missing} missing, ${extra} extra, ${differ} differ`;
}

interface VolResult {
  cold: string;
  warm: string;
  warmMs?: number;
  processes: string;
}

function runVolatility(dir: string, image: string, work: string): VolResult {
  const isfDir = join(work, 'isf');
  mkdirSync(isfDir, { recursive: true });
  const isf = join(isfDir, 'introspect.json');
  const exported = timed(process.execPath, [MAIN, '--profile', 'auto', 'profile', 'export-isf', image, '-o', isf]);
  if (exported.status !== 0 || !existsSync(isf)) {
    return { cold: `no ISF: export-isf exit ${exported.status}: ${lastLine(exported.stderr)}`, warm: '-', processes: '-' };
  }
  const cache = join(work, 'vol-cache');
  const args = [join(dir, 'vol.py'), '-q', '--offline', '--cache-path', cache, '-r', 'json', '-s', isfDir, '-f', image, 'linux.pslist.PsList'];
  const cold = timed('python3', args);
  if (cold.status !== 0) return { cold: `failed: ${lastLine(cold.stderr) || lastLine(cold.stdout)}`, warm: '-', processes: '-' };
  const warm = [timed('python3', args), timed('python3', args)];
  let processes = '?';
  try {
    const rows = JSON.parse(cold.stdout) as Array<{ PID: number; TID: number }>;
    processes = String(rows.filter((r) => r.PID === r.TID).length);
  } catch {
    processes = 'unreadable output';
  }
  const warmMs = median(warm.map((w) => w.ms));
  return { cold: fmtS(cold.ms), warm: fmtS(warmMs), warmMs, processes };
}

export async function run(flags: readonly string[] = []): Promise<void> {
  const memDir = join(corpusCacheDir(), 'mem');
  if (!existsSync(memDir)) {
    process.stdout.write(`no unpacked corpus at ${memDir}: skipped\n`);
    return;
  }
  const vol = volatilityDir(flags);
  if (vol !== undefined && !existsSync(join(vol, 'vol.py'))) {
    process.stdout.write(`--with-volatility: no vol.py in ${vol || '(give --with-volatility=DIR or VOLATILITY3_DIR)'}: Volatility not measured\n\n`);
  }
  const useVol = vol !== undefined && existsSync(join(vol, 'vol.py'));
  const work = mkdtempSync(join(tmpdir(), 'introspect-bench-ps-'));
  const header = ['image', 'introspect ps median s', 'bytes read', 'processes = guest /proc'];
  if (useVol) header.push('Volatility linux.pslist cold s', 'warm s', 'Volatility processes', 'ratio (warm Volatility / ours)');
  const rows: string[][] = [header];
  const ratios: number[] = [];
  try {
    for (const variant of readdirSync(memDir).sort()) {
      const truthPath = join(memDir, variant, 'truth.json');
      const truth = existsSync(truthPath) ? ((JSON.parse(readFileSync(truthPath, 'utf8')) as { processes?: TruthProcess[] }).processes ?? []) : [];
      for (const file of readdirSync(join(memDir, variant)).filter((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f)).sort()) {
        const image = join(memDir, variant, file);
        const runs = Array.from({ length: ROUNDS }, () => timed(process.execPath, [MAIN, '--profile', 'auto', '--stats', '--json', 'ps', image]));
        const last = runs[runs.length - 1]!;
        const ours = median(runs.map((r) => r.ms));
        const row =
          last.status === 0
            ? [`${variant}/${file}`, fmtS(ours), /stats: (\d+) bytes/.exec(last.stderr)?.[1] ?? '?', compare(last.stdout, truth)]
            : [`${variant}/${file}`, `exit ${last.status}`, '-', lastLine(last.stderr)];
        if (useVol) {
          const v = runVolatility(vol, image, join(work, variant));
          const ratio = v.warmMs !== undefined && last.status === 0 ? v.warmMs / ours : undefined;
          if (ratio !== undefined) ratios.push(ratio);
          row.push(v.cold, v.warm, v.processes, ratio !== undefined ? `${ratio.toFixed(0)}x` : '-');
        }
        rows.push(row);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  printTable(rows);
  if (ratios.length > 0) process.stdout.write(`\nVolatility 3 linux.pslist / introspect ps, same run: ${ratios.map((r) => `${r.toFixed(0)}x`).join(', ')}\n`);
}
