// Hostile qcow2 backing-file names (issue 9), beyond plugins/qcow2/qcow2.test.ts (absolute, "..",
// /dev/zero, a symlink escaping the folder, json:, loops): what is never opened, the regular-file
// rule inside allowed folders (devices, FIFOs, folders), and the CLI's one-line error.
import { execFileSync } from 'node:child_process';
import fs, { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { IntrospectError } from '../../../core/errors.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { qcow2Plugin } from '../../../plugins/qcow2/index.js';
import { rawPlugin } from '../../../plugins/raw/index.js';
import { buildQcow2 } from '../../../plugins/qcow2/test-image.js';

const CS = 65536;
const work = mkdtempSync(join(tmpdir(), 'hostile-backing-'));
const opened: string[] = [];
const original = fs.openSync;

beforeAll(() => {
  fs.openSync = ((path: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    opened.push(String(path));
    return original(path, flags ?? 'r', mode);
  }) as typeof fs.openSync;
  syncBuiltinESMExports();
});
afterAll(() => {
  fs.openSync = original;
  syncBuiltinESMExports();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => {
  opened.length = 0;
});

function write(rel: string, bytes: Uint8Array): string {
  const path = join(work, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

function overlay(rel: string, backing: string): string {
  return write(rel, buildQcow2({ size: CS, backing: { name: backing } }));
}

function refusal(path: string, allowBacking: string[] = []): IntrospectError {
  try {
    new Introspector({ allowBacking }).use(qcow2Plugin, rawPlugin).openImage(path);
  } catch (error) {
    if (error instanceof IntrospectError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('hostile backing names are refused before anything is opened', () => {
  const cases: Array<[string, string]> = [
    ['an absolute host file', '/etc/passwd'],
    ['a ".." escape', '../../../../../../etc/passwd'],
    ['a device', '/dev/zero'],
    ['a /proc file', '/proc/self/mem'],
  ];
  for (const [what, name] of cases) {
    it(`${what} (${name})`, () => {
      const path = overlay(`never/${what.replace(/\W+/g, '_')}.qcow2`, name);
      const error = refusal(path);
      expect(error.structure).toBe('qcow2 backing file');
      expect(error.file).toBe(path);
      // The spy sees opens (the overlay itself), and nothing else was opened.
      expect(opened).toContain(path);
      expect(opened.filter((p) => p !== path)).toEqual([]);
    });
  }

  it('a symlink in the folder pointing at a device', () => {
    const dir = join(work, 'devlink');
    mkdirSync(dir, { recursive: true });
    symlinkSync('/dev/zero', join(dir, 'zero.raw'));
    const path = overlay('devlink/top.qcow2', 'zero.raw');
    expect(refusal(path).reason).toMatch(/resolves to \/dev\/zero, outside the image's folder/);
    expect(opened.filter((p) => p !== path)).toEqual([]);
  });

  it('a NUL byte in the name', () => {
    const path = overlay('nul/top.qcow2', 'base.raw\0/etc/passwd');
    expect(refusal(path).reason).toMatch(/NUL byte/);
  });
});

describe('inside an allowed folder only regular files are followed', () => {
  it('a device, even when its folder is allowed', () => {
    const path = overlay('dev-allowed/top.qcow2', '/dev/zero');
    expect(refusal(path, ['/dev']).reason).toMatch(/is not a regular file; refused/);
    expect(opened.filter((p) => p !== path)).toEqual([]);
  });

  it('a FIFO in the image folder (opening it would block forever)', () => {
    const dir = join(work, 'fifo');
    mkdirSync(dir, { recursive: true });
    execFileSync('mkfifo', [join(dir, 'pipe.raw')]);
    const path = overlay('fifo/top.qcow2', 'pipe.raw');
    expect(refusal(path).reason).toMatch(/is not a regular file; refused/);
    expect(opened.filter((p) => p !== path)).toEqual([]);
  });

  it('a folder', () => {
    mkdirSync(join(work, 'folder/sub'), { recursive: true });
    const path = overlay('folder/top.qcow2', 'sub');
    expect(refusal(path).reason).toMatch(/is not a regular file; refused/);
  });
});

describe('through the CLI', () => {
  it('list: exit 1, one line naming the image, the structure and the refusal; nothing of the host file read', async () => {
    const path = overlay('cli/top.qcow2', '/etc/passwd');
    const io = { out: '', err: '', interactive: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    expect(await runCli(['--no-config', 'list', path], io, { cwd: work })).toBe(1);
    const lines = io.err.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${path}: qcow2 backing file: backing file "/etc/passwd" resolves to /etc/passwd, outside the image's folder`);
    expect(opened).not.toContain('/etc/passwd');
  });
});
