// The boot harness against a stand-in for qemu (a shell script taking the same options): READY is
// awaited, the serial truth parsed, and qemu's whole process group killed and the work folder removed
// on stop, on a timeout and when qemu dies early.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootLiveGuest, findExecutable, LiveGuestError, qemuArgs, type LiveGuestOptions } from '../../live/guest.js';
import { fixtureSerial } from './serial-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'introspect-live-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kernel = join(dir, 'vmlinuz');
const initrd = join(dir, 'initrd');
writeFileSync(kernel, 'k');
writeFileSync(initrd, 'i');
writeFileSync(join(dir, 'serial-ready.txt'), fixtureSerial());
writeFileSync(join(dir, 'serial-partial.txt'), fixtureSerial({ end: false }));

/**
 * A fake qemu: creates the mem-path file, starts a grandchild (to check the group kill), writes
 * $SERIAL_SOURCE to the -serial file, then idles or exits.
 */
function fakeQemu(name: string, serialSource: string, after: 'idle' | 'exit'): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!/bin/sh
serial= ; ram=
while [ $# -gt 0 ]; do
  case "$1" in
    -serial) serial="\${2#file:}"; shift ;;
    -object) ram=$(echo "$2" | sed -n 's/.*mem-path=\\([^,]*\\).*/\\1/p'); shift ;;
  esac
  shift
done
: > "$ram"
sleep 300 &
echo $! > "${join(dir, name)}.grandchild"
cat "${join(dir, serialSource)}" > "$serial"
${after === 'idle' ? 'wait' : 'echo "qemu-system-x86_64: fake failure" >&2; exit 3'}
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** Running (a zombie waiting for a reaper that is not us counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const base = (qemu: string): LiveGuestOptions => ({ qemu, kernel, initrd, append: 'console=ttyS0', machine: 'pc', cpu: 'max', parentDir: dir, pollMs: 20 });

describe('live guest harness', () => {
  it('builds the qemu command line: TCG, RAM in a shared memory-backend file, serial to a file', () => {
    const args = qemuArgs({ ...base('q'), memMiB: 256 }, '/r/guest-ram', '/r/serial.log');
    expect(args.join(' ')).toBe(
      '-accel tcg -cpu max -m 256 -smp 1 -nographic -monitor none -nic none -no-reboot -serial file:/r/serial.log ' +
        '-object memory-backend-file,id=ram,size=256M,mem-path=/r/guest-ram,share=on -machine pc,memory-backend=ram ' +
        `-kernel ${kernel} -initrd ${initrd} -append console=ttyS0`,
    );
  });

  it('finds executables on PATH and by path', () => {
    expect(findExecutable('sh')).toMatch(/\/sh$/);
    expect(findExecutable('introspect-no-such-binary')).toBeUndefined();
    expect(findExecutable(join(dir, 'vmlinuz'))).toBeUndefined(); // not executable
  });

  it('waits for READY, parses the truth, and stop() kills the process group and removes the RAM file', async () => {
    const guest = await bootLiveGuest(base(fakeQemu('qemu-ready', 'serial-ready.txt', 'idle')));
    expect(guest.truth.processes.map((p) => p.pid)).toEqual([1, 2, 7, 93, 95]);
    expect(guest.serial.endsWith('READY')).toBe(true);
    expect(existsSync(guest.ramPath)).toBe(true);
    expect(guest.running()).toBe(true);
    const grandchild = grandchildOf('qemu-ready');
    expect(alive(grandchild)).toBe(true);
    await guest.stop();
    await guest.stop(); // idempotent
    expect(guest.running()).toBe(false);
    expect(existsSync(guest.workDir)).toBe(false);
    await expect.poll(() => alive(grandchild)).toBe(false);
  });

  it('a guest that never prints READY: timeout error with the serial tail; everything killed and removed', async () => {
    const before = new Set(readdirNames());
    const err = await bootLiveGuest({ ...base(fakeQemu('qemu-silent', 'serial-partial.txt', 'idle')), readyTimeoutMs: 800 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveGuestError);
    expect((err as Error).message).toMatch(/no READY on the serial console within 1 s/);
    expect((err as LiveGuestError).serialTail).toContain('END-PROC');
    expect(readdirNames().filter((n) => !before.has(n) && n.startsWith('introspect-live-'))).toEqual([]);
    await expect.poll(() => alive(grandchildOf('qemu-silent'))).toBe(false);
  });

  it('qemu exiting before READY: error with its exit code and stderr; folder removed', async () => {
    const before = new Set(readdirNames());
    const err = await bootLiveGuest(base(fakeQemu('qemu-dies', 'serial-partial.txt', 'exit'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveGuestError);
    expect((err as Error).message).toMatch(/exited \(code 3, signal null\) before READY/);
    expect((err as LiveGuestError).qemuStderr).toContain('fake failure');
    expect(readdirNames().filter((n) => !before.has(n) && n.startsWith('introspect-live-'))).toEqual([]);
    await expect.poll(() => alive(grandchildOf('qemu-dies'))).toBe(false);
  });

  it('a missing qemu binary is reported, nothing started', async () => {
    await expect(bootLiveGuest(base('introspect-no-such-qemu'))).rejects.toThrow(/introspect-no-such-qemu not found on PATH/);
  });
});

function grandchildOf(fake: string): number {
  return Number(readFileSync(join(dir, `${fake}.grandchild`), 'utf8'));
}

function readdirNames(): string[] {
  return readdirSync(dir);
}
