// The `introspect` command users run is the bundled dist/bin/introspect.js (npm ci builds it through
// `prepare`): it must behave exactly as the CLI run from source does.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../core/cli/program.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = resolve(root, 'dist/bin/introspect.js');
const sample = resolve(root, 'test/fixtures/sample.img');

async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: '', err: '', interactive: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  const code = await runCli(argv, io, { cwd: root });
  return { code, out: io.out, err: io.err };
}

describe('the bundled introspect command', () => {
  it('exists (npm run build makes it)', () => {
    expect(existsSync(bin), `${bin} missing: run npm run build`).toBe(true);
  });

  it.each([
    [['df', sample]],
    [['df', '--csv', sample]],
    [['--json', 'list', sample]],
    [['--version']],
  ])('introspect %j prints what the CLI from source prints', async (argv) => {
    const spawned = spawnSync(process.execPath, [bin, ...argv], { cwd: root, encoding: 'utf8' });
    const expected = await inProcess(argv);
    expect({ code: spawned.status, out: spawned.stdout, err: spawned.stderr }).toEqual(expected);
  });

  it('a missing image: exit 1 and one line naming the file', () => {
    const spawned = spawnSync(process.execPath, [bin, 'df', '-a', resolve(root, 'no-such.img')], { cwd: root, encoding: 'utf8' });
    expect(spawned.status).toBe(1);
    expect(spawned.stderr).toMatch(/no-such\.img: image file: cannot open \(ENOENT\)/);
    expect(spawned.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('is executable through its shebang', () => {
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' })).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
