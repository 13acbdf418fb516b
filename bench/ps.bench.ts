/**
 * `introspect ps --profile auto` (issue 7) on each corpus memory image: whole-process time of
 * `node dist/bin/introspect.js --profile auto --stats --json ps IMG` (spawned, median of 5), the same
 * through runCli in this process (warm, median of 5), bytes read, and whether the processes (pid,
 * ppid, comm) equal the guest's own /proc listing in truth.json.
 *
 * `--with-volatility=DIR` (DIR holds Volatility 3's vol.py; it is not part of this project) runs
 * Volatility 3's linux.pslist on the same images in the same run, with an ISF exported by
 * `introspect profile export-isf` (from the kernel package files beside the image: vmlinuz or raw
 * BTF, and System.map; else from the image), and gives the ratio of its time to ours:
 * one cold run (fresh Volatility cache) and the median of 2 warm ones. Volatility cannot read
 * 5-level paging, kdump files or arm64; those rows say why it failed.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../core/cli/program.js';
import { corpusCacheDir } from '../test/corpus/corpus.js';
import { fmtS, timed, type Run } from './spawn.js';
import { median, printTable } from './table.js';

const ROUNDS = 5;
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/introspect.js');

interface TruthProcess {
  pid: number;
  ppid: number;
  comm: string;
}

/** The same command through runCli in this process, warm: the work without start-up. */
async function inProcessMs(image: string): Promise<number> {
  const io = { stdout: (): void => undefined, stderr: (): void => undefined, interactive: false };
  const argv = ['--profile', 'auto', '--json', 'ps', image];
  await runCli(argv, io);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    await runCli(argv, io);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').pop()?.slice(0, 160) ?? '';
}


function volatilityDir(flags: readonly string[]): string | undefined {
  const flag = flags.find((f) => f.startsWith('--with-volatility'));
  if (!flag) return undefined;
  return flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : process.env.VOLATILITY3_DIR;
}

/** Our processes vs the guest's: same pids, and for each the same ppid and comm; differences go to `notes`. */
function compare(stdout: string, truth: TruthProcess[], notes: string[], name: string): string {
  let doc: { processes?: Array<{ pid: number; ppid: number; comm: string }> };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    return 'no JSON';
  }
  const ours = new Map((doc.processes ?? []).map((p) => [p.pid, p]));
  const missing = truth.filter((t) => !ours.has(t.pid));
  const extra = ours.size - (truth.length - missing.length);
  const differ = truth.filter((t) => ours.has(t.pid) && (ours.get(t.pid)!.ppid !== t.ppid || ours.get(t.pid)!.comm !== t.comm));
  for (const t of missing) notes.push(`${name}: pid ${t.pid} (${t.comm}) missing`);
  for (const t of differ) {
    const o = ours.get(t.pid)!;
    notes.push(`${name}: pid ${t.pid}: guest /proc says ppid ${t.ppid} comm ${t.comm}, introspect ps says ppid ${o.ppid} comm ${o.comm}`);
  }
  return missing.length === 0 && extra === 0 && differ.length === 0 ? `yes (${truth.length})` : `NO: ${missing.length} missing, ${extra} extra, ${differ.length} differ`;
}

interface VolResult {
  cold: string;
  warm: string;
  warmMs?: number;
  warmCpuMs?: number;
  processes: string;
}

/**
 * The ISF Volatility gets: from the kernel package files beside the image when they are there
 * (vmlinuz or raw BTF, with System.map: what Volatility needs), else from the image itself.
 */
function exportIsf(image: string, isf: string): Run {
  const dir = dirname(image);
  const files = readdirSync(dir);
  const map = files.find((f) => f.startsWith('System.map-'));
  const kernel = files.find((f) => f.startsWith('vmlinuz-'));
  const btf = files.find((f) => f === 'vmlinux.btf');
  const from = map && kernel ? ['--kernel', join(dir, kernel), '--system-map', join(dir, map)] : map && btf ? ['--btf', join(dir, btf), '--system-map', join(dir, map)] : [image];
  return timed(process.execPath, [MAIN, '--profile', 'auto', 'profile', 'export-isf', ...from, '-o', isf]);
}

function runVolatility(dir: string, image: string, work: string): VolResult {
  const isfDir = join(work, 'isf');
  mkdirSync(isfDir, { recursive: true });
  const isf = join(isfDir, 'introspect.json');
  const exported = exportIsf(image, isf);
  if (exported.status !== 0 || !existsSync(isf)) {
    return { cold: `no ISF: export-isf exit ${exported.status}: ${lastLine(exported.stderr)}`, warm: '-', processes: '-' };
  }
  const cache = join(work, 'vol-cache');
  mkdirSync(cache, { recursive: true });
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
  const warmCpuMs = warm.every((w) => w.cpuMs !== undefined) ? median(warm.map((w) => w.cpuMs!)) : undefined;
  return { cold: fmtS(cold.ms), warm: fmtS(warmMs), warmMs, warmCpuMs, processes };
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
  const header = ['image', 'introspect ps s', 'CPU s', 'in-process ms', 'bytes read', 'reads', 'processes = guest /proc'];
  if (useVol) header.push('Volatility pslist cold s', 'warm s', 'warm CPU s', 'Volatility processes', 'ratio (warm / ours)', 'CPU ratio');
  const rows: string[][] = [header];
  const notes: string[] = [];
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
        const oursCpu = runs.every((r) => r.cpuMs !== undefined) ? median(runs.map((r) => r.cpuMs!)) : undefined;
        const row =
          last.status === 0
            ? [`${variant}/${file}`, fmtS(ours), oursCpu !== undefined ? fmtS(oursCpu) : '-', (await inProcessMs(image)).toFixed(0), ...(/stats: (\d+) bytes read in (\d+) reads/.exec(last.stderr)?.slice(1, 3) ?? ['?', '?']), compare(last.stdout, truth, notes, `${variant}/${file}`)]
            : [`${variant}/${file}`, `exit ${last.status}`, '-', '-', '-', '-', lastLine(last.stderr)];
        if (useVol) {
          const v = runVolatility(vol, image, join(work, variant));
          // A Volatility run that lists no process did not do the work: no ratio.
          const listed = Number(v.processes) > 0 && last.status === 0;
          if (v.processes === '0') notes.push(`${variant}/${file}: Volatility exits 0 but lists no process`);
          const ratio = v.warmMs !== undefined && listed ? v.warmMs / ours : undefined;
          const cpuRatio = v.warmCpuMs !== undefined && oursCpu !== undefined && listed ? v.warmCpuMs / oursCpu : undefined;
          if (ratio !== undefined) ratios.push(ratio);
          row.push(v.cold, v.warm, v.warmCpuMs !== undefined ? fmtS(v.warmCpuMs) : '-', v.processes, ratio !== undefined ? `${ratio.toFixed(1)}x` : '-', cpuRatio !== undefined ? `${cpuRatio.toFixed(1)}x` : '-');
        }
        rows.push(row);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  printTable(rows);
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
  if (ratios.length > 0) process.stdout.write(`\nVolatility 3 linux.pslist / introspect ps, same run: ${ratios.map((r) => `${r.toFixed(1)}x`).join(', ')} (wall time, warm Volatility cache)\n`);
}
