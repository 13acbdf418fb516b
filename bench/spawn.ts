/** Spawned, timed runs for the whole-process benchmarks. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Run {
  ms: number;
  /** User + system CPU time of the process and the children it waited for (GNU time), when available. */
  cpuMs?: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
let haveGnuTime: boolean | undefined;

/**
 * Wall time, and CPU time through GNU time: on a shared machine the wall time of every tool grows
 * with the load, their CPU time much less, so a CPU-time ratio is the steadier figure.
 */
export function timed(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Run {
  haveGnuTime ??= spawnSync(GNU_TIME, ['-f', '%U', 'true'], { encoding: 'utf8' }).status === 0;
  const cpuFile = haveGnuTime ? join(tmpdir(), `introspect-bench-time-${process.pid}`) : undefined;
  const [cmd, argv] = cpuFile ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, [...args]];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let cpuMs: number | undefined;
  if (cpuFile && existsSync(cpuFile)) {
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(readFileSync(cpuFile, 'utf8'));
    if (m) cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
    rmSync(cpuFile, { force: true });
  }
  return { ms, cpuMs, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

export function fmtS(ms: number): string {
  return (ms / 1000).toFixed(2);
}
