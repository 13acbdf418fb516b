import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { CliIo } from '../../../core/cli/io.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const fixturePlugins = join(repoRoot, 'test/fixtures/plugins');

export function collect(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', interactive: false, stdout: (t: string) => { io.out += t; }, stderr: (t: string) => { io.err += t; } };
  return io;
}

const made: string[] = [];
afterEach(() => {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
});

/**
 * A temporary project folder (with a package.json, so configuration discovery stops there) holding
 * `files` (path -> text, or object written as JSON). Removed after the test.
 */
export function project(files: Record<string, string | object> = {}, options: { packageJson?: object | false } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'introspect-foundation-'));
  made.push(dir);
  if (options.packageJson !== false) write(dir, 'package.json', options.packageJson ?? { name: 'tmp-project', private: true });
  for (const [path, content] of Object.entries(files)) write(dir, path, content);
  return dir;
}

export function write(dir: string, path: string, content: string | object | Uint8Array): string {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content, null, 2));
  return file;
}

/** A minimal valid profile object. */
export function profileJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'linux-kernel', name: 'p', versions: '>=6.1.0 <6.2.0', arch: 'x86_64', data: { constants: { HZ: 250 } }, ...overrides };
}
