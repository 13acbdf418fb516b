/**
 * `introspect df` on every good corpus disk image (issue 5): whole-process time of
 * `node dist/bin/introspect.js --stats df -a IMG...` (spawned, median of 7 runs; wall and CPU time),
 * bytes read, and whether the text equals virt-df's recorded output. lvm-disk1 + lvm-disk2 are one
 * guest. The in-process column runs the same command through runCli, warm, in this process: the
 * reading work without node's start-up and module loading.
 *
 * With `--with-virt-df` (slow: its appliance boots, 20-70 s per image without KVM), libguestfs's
 * virt-df runs once on each image in the same run and the table gives the ratio of its time to ours.
 * `--with-virt-df=N` limits that to the first N images. LIBGUESTFS_BACKEND defaults to "direct"; when
 * a first virt-df run fails, the rest use LIBGUESTFS_BACKEND_SETTINGS=force_tcg (KVM that cannot boot
 * the appliance, as on the machines that made the corpus). Without the flag, the table still shows
 * the virt-df times recorded when the corpus was made (other run, same kind of machine).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../core/cli/program.js';
import { corpusAvailable, corpusFile, unpackCorpus } from '../test/corpus/corpus.js';
import { fmtS, timed } from './spawn.js';
import { median, printTable } from './table.js';

const ROUNDS = 7;
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/introspect.js');

interface CorpusEntry {
  key: string;
  kind: string;
  files: Array<{ image: string; truth: string }>;
  virt_df_seconds?: Array<[string, number]>;
}

interface Truth {
  virt_df?: { runs?: Array<{ command: string; exit_status: number; stdout: string }> };
}

/** The same command through runCli in this process, warm (modules loaded, JIT run): the work without start-up. */
async function inProcessMs(args: string[], cwd: string): Promise<number> {
  const io = { stdout: (): void => undefined, stderr: (): void => undefined, interactive: false };
  await runCli(['df', ...args], io, { cwd });
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    await runCli(['df', ...args], io, { cwd });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

function haveVirtDf(): boolean {
  return spawnSync('sh', ['-c', 'command -v virt-df'], { encoding: 'utf8' }).status === 0;
}

function virtDfLimit(flags: readonly string[]): number {
  const flag = flags.find((f) => f === '--with-virt-df' || f.startsWith('--with-virt-df='));
  if (!flag) return 0;
  const n = flag.includes('=') ? Number(flag.split('=')[1]) : Infinity;
  return Number.isNaN(n) ? 0 : n;
}

/** The first libguestfs error line of a failed run (the rest is advice on debugging). */
function firstError(stderr: string): string {
  const lines = stderr.split('\n');
  return (lines.find((l) => /killed by signal|error:/.test(l)) ?? lines[0] ?? '').trim().slice(0, 160);
}


export async function run(flags: readonly string[] = []): Promise<void> {
  if (!existsSync(corpusFile('disk/corpus.json'))) {
    if (!corpusAvailable()) {
      process.stdout.write('no disk corpus: skipped\n');
      return;
    }
    unpackCorpus();
  }
  const diskDir = dirname(corpusFile('disk/corpus.json'));
  const entries = (JSON.parse(readFileSync(corpusFile('disk/corpus.json'), 'utf8')) as { entries: CorpusEntry[] }).entries.filter((e) => e.kind === 'good');

  let virtDfLeft = virtDfLimit(flags);
  if (virtDfLeft > 0 && !haveVirtDf()) {
    process.stdout.write('--with-virt-df: virt-df is not installed on this machine (apt-get install libguestfs-tools): not measured\n\n');
    virtDfLeft = 0;
  }
  const virtDfEnv: NodeJS.ProcessEnv = { ...process.env, LIBGUESTFS_BACKEND: process.env.LIBGUESTFS_BACKEND ?? 'direct' };
  let virtDfNote = '';

  // Node's own start-up, for scale: what any spawned `introspect` pays before reading an image.
  const nodeBare = median(Array.from({ length: ROUNDS }, () => timed(process.execPath, ['-e', '0']).ms));
  const cliVersion = median(Array.from({ length: ROUNDS }, () => timed(process.execPath, [MAIN, '--version']).ms));

  const rows: string[][] = [[
    'guest', 'filesystems', 'introspect df s', 'CPU s', 'in-process ms', 'bytes read', 'reads', 'text = virt-df',
    'virt-df s', 'virt-df CPU s', 'ratio', 'CPU ratio', 'virt-df s (corpus record)', 'ratio (record)',
  ]];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (const entry of entries) {
    const images = entry.files.map((f) => f.image);
    const args = images.flatMap((image) => ['-a', image]);
    const runs = Array.from({ length: ROUNDS }, () => timed(process.execPath, [MAIN, '--stats', 'df', ...args], { cwd: diskDir }));
    const last = runs[runs.length - 1]!;
    const ours = median(runs.map((r) => r.ms));
    const oursCpu = runs.every((r) => r.cpuMs !== undefined) ? median(runs.map((r) => r.cpuMs!)) : undefined;
    const stats = /stats: (\d+) bytes read in (\d+) reads/.exec(last.stderr);
    const truth = JSON.parse(readFileSync(join(diskDir, entry.files[0]!.truth), 'utf8')) as Truth;
    const plain = truth.virt_df?.runs?.find((r) => r.command === `virt-df ${args.join(' ')}`);
    const same = plain ? (plain.stdout === last.stdout ? 'yes' : 'NO') : '-';
    const filesystems = last.stdout.split('\n').filter((l) => l.includes(':/dev/')).length;
    const recorded = entry.virt_df_seconds?.find(([c]) => c === `virt-df ${args.join(' ')}`)?.[1];

    let measured = '-';
    let ratio = '-';
    let measuredCpu = '-';
    let cpuRatio = '-';
    if (virtDfLeft > 0) {
      virtDfLeft--;
      let v = timed('virt-df', args, { env: virtDfEnv, cwd: diskDir });
      if (v.status !== 0 && !virtDfEnv.LIBGUESTFS_BACKEND_SETTINGS) {
        virtDfEnv.LIBGUESTFS_BACKEND_SETTINGS = 'force_tcg';
        virtDfNote = `virt-df failed with the default backend settings (${firstError(v.stderr)}); ran with LIBGUESTFS_BACKEND_SETTINGS=force_tcg.\n`;
        v = timed('virt-df', args, { env: virtDfEnv, cwd: diskDir });
      }
      if (v.status === 0) {
        measured = fmtS(v.ms);
        ratio = `${(v.ms / ours).toFixed(0)}x`;
        ratios.push(v.ms / ours);
        if (v.cpuMs !== undefined && oursCpu) {
          measuredCpu = fmtS(v.cpuMs);
          cpuRatio = `${(v.cpuMs / oursCpu).toFixed(0)}x`;
          cpuRatios.push(v.cpuMs / oursCpu);
        }
        if (plain && v.stdout !== plain.stdout) measured += ' (output differs from record)';
      } else {
        measured = `failed (${v.status})`;
        virtDfNote += `virt-df ${args.join(' ')}: exit ${v.status}: ${firstError(v.stderr)}\n`;
      }
    }
    rows.push([
      images.join(' + '),
      String(filesystems),
      fmtS(ours),
      oursCpu !== undefined ? fmtS(oursCpu) : '-',
      (await inProcessMs(args, diskDir)).toFixed(1),
      stats?.[1] ?? '?',
      stats?.[2] ?? '?',
      last.status === 0 ? same : `exit ${last.status}`,
      measured,
      measuredCpu,
      ratio,
      cpuRatio,
      recorded !== undefined ? recorded.toFixed(2) : '-',
      recorded !== undefined ? `${((recorded * 1000) / ours).toFixed(0)}x` : '-',
    ]);
  }
  printTable(rows);
  process.stdout.write(`\nnode start-up alone (node -e 0): ${fmtS(nodeBare)} s; introspect --version: ${fmtS(cliVersion)} s (median of ${ROUNDS})\n`);
  if (virtDfEnv.LIBGUESTFS_BACKEND) process.stdout.write(virtDfLimit(flags) > 0 ? `virt-df env: LIBGUESTFS_BACKEND=${virtDfEnv.LIBGUESTFS_BACKEND}${virtDfEnv.LIBGUESTFS_BACKEND_SETTINGS ? ` LIBGUESTFS_BACKEND_SETTINGS=${virtDfEnv.LIBGUESTFS_BACKEND_SETTINGS}` : ''}\n` : '');
  if (virtDfNote) process.stdout.write(virtDfNote);
  if (ratios.length > 0) process.stdout.write(`virt-df / introspect, same run, wall time: min ${Math.min(...ratios).toFixed(0)}x, median ${median(ratios).toFixed(0)}x over ${ratios.length} guests\n`);
  if (cpuRatios.length > 0) process.stdout.write(`virt-df / introspect, same run, CPU time: min ${Math.min(...cpuRatios).toFixed(0)}x, median ${median(cpuRatios).toFixed(0)}x\n`);
}
