// Boot a corpus guest under qemu with its RAM in a shared memory-backend file, wait for the READY line
// on its serial console, and hand out the RAM file (byte N = guest physical address ram base + N) and
// the truth the guest printed. qemu options: qemu docs/system/invocation (memory-backend-file, share=on).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { parseSerialTruth, serialReady, type SerialTruth } from './serial.js';

export interface LiveGuestOptions {
  /** qemu binary: a name looked up on PATH or a path. */
  qemu: string;
  kernel: string;
  initrd: string;
  /** Kernel command line (qemu -append). */
  append: string;
  /** qemu -machine type (the memory backend is added to it). */
  machine: string;
  cpu: string;
  memMiB?: number;
  /** How long to wait for READY (default 180 s: the guest needs 15-25 s under TCG on an idle machine). */
  readyTimeoutMs?: number;
  /** Folder for the RAM and serial files (default: a new folder in /dev/shm, else the OS temp folder). */
  parentDir?: string;
  /** Serial polling interval (default 250 ms). */
  pollMs?: number;
}

export interface LiveGuest {
  readonly ramPath: string;
  readonly serialPath: string;
  readonly workDir: string;
  readonly pid: number;
  readonly args: readonly string[];
  /** Milliseconds from spawning qemu to the READY line. */
  readonly bootMs: number;
  /** The serial text up to and including READY. */
  readonly serial: string;
  readonly truth: SerialTruth;
  /** qemu has not exited. */
  running(): boolean;
  /** Kill qemu (its whole process group) and remove the work folder; idempotent. */
  stop(): Promise<void>;
}

export class LiveGuestError extends Error {
  constructor(message: string, readonly serialTail: string, readonly qemuStderr: string) {
    super(`${message}${qemuStderr ? `\nqemu stderr:\n${qemuStderr}` : ''}${serialTail ? `\nserial (last lines):\n${serialTail}` : ''}`);
    this.name = 'LiveGuestError';
  }
}

/** The absolute path of an executable, from a path or a PATH lookup; undefined when there is none. */
export function findExecutable(name: string): string | undefined {
  const candidates = isAbsolute(name) || name.includes('/') ? [name] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

function defaultParentDir(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

export function qemuArgs(options: LiveGuestOptions, ramPath: string, serialPath: string): string[] {
  const mem = options.memMiB ?? 256;
  return [
    '-accel', 'tcg',
    '-cpu', options.cpu,
    '-m', String(mem),
    '-smp', '1',
    '-nographic',
    '-monitor', 'none',
    '-nic', 'none',
    '-no-reboot',
    '-serial', `file:${serialPath}`,
    '-object', `memory-backend-file,id=ram,size=${mem}M,mem-path=${ramPath},share=on`,
    '-machine', `${options.machine},memory-backend=ram`,
    '-kernel', options.kernel,
    '-initrd', options.initrd,
    '-append', options.append,
  ];
}

function tail(text: string, count = 25): string {
  return text.split('\n').slice(-count).join('\n');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Boot the guest and wait for READY. On any failure qemu is killed and the work folder removed. */
export async function bootLiveGuest(options: LiveGuestOptions): Promise<LiveGuest> {
  const qemu = findExecutable(options.qemu);
  if (!qemu) throw new LiveGuestError(`${options.qemu} not found on PATH`, '', '');
  for (const f of [options.kernel, options.initrd]) if (!existsSync(f)) throw new LiveGuestError(`${f} does not exist`, '', '');
  const workDir = mkdtempSync(join(options.parentDir ?? defaultParentDir(), 'introspect-live-'));
  const ramPath = join(workDir, 'guest-ram');
  const serialPath = join(workDir, 'serial.log');
  const args = qemuArgs(options, ramPath, serialPath);
  const started = performance.now();
  // detached: qemu leads its own process group, so one kill reaches it and anything it started.
  const child = spawn(qemu, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 65536) stderr += s;
  });
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test process ends without running afterAll (process.exit, Ctrl-C, kill), still take qemu
  // down with it: being a group leader, qemu would not get the terminal's signals itself.
  const onExit = (): void => {
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    onExit();
    // Alone with this signal: restore the default action (end the process) and raise it again.
    if (process.listenerCount(signal) === 1) {
      detach();
      process.kill(process.pid, signal);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const detach = (): void => {
    process.removeListener('exit', onExit);
    for (const sig of signals) process.removeListener(sig, onSignal);
  };
  process.once('exit', onExit);
  for (const sig of signals) process.on(sig, onSignal);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      if (child.pid !== undefined && exited(child)) {
        // qemu is gone; anything left in its process group goes too.
        killGroup(child.pid, 'SIGKILL');
      } else if (child.pid !== undefined) {
        killGroup(child.pid, 'SIGTERM');
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
        if ((await Promise.race([exitPromise.then(() => 'exit' as const), timer])) === 'timeout') {
          killGroup(child.pid, 'SIGKILL');
          await exitPromise;
        }
      }
      detach();
      rmSync(workDir, { recursive: true, force: true });
    })());

  try {
    const timeout = options.readyTimeoutMs ?? 180_000;
    const poll = options.pollMs ?? 250;
    for (;;) {
      const text = readText(serialPath);
      if (serialReady(text)) {
        const bootMs = performance.now() - started;
        const serial = text.slice(0, text.lastIndexOf('READY') + 'READY'.length);
        let truth: SerialTruth;
        try {
          truth = parseSerialTruth(serial);
        } catch (e) {
          throw new LiveGuestError(`the guest's serial truth does not parse: ${(e as Error).message}`, tail(text), stderr);
        }
        return { ramPath, serialPath, workDir, pid: child.pid!, args, bootMs, serial, truth, running: () => !exited(child), stop };
      }
      if (spawnError) throw new LiveGuestError(`${qemu} did not start: ${spawnError.message}`, '', stderr);
      if (exited(child)) {
        throw new LiveGuestError(`${qemu} exited (code ${child.exitCode}, signal ${child.signalCode}) before READY`, tail(text), stderr);
      }
      if (performance.now() - started > timeout) {
        throw new LiveGuestError(`no READY on the serial console within ${Math.round(timeout / 1000)} s`, tail(text), stderr);
      }
      await new Promise((r) => setTimeout(r, poll));
    }
  } catch (e) {
    await stop();
    throw e;
  }
}
