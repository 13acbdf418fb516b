import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { banner, RELEASE, VERSION, x86_64Kernel } from './kernels.js';

const dir = mkdtempSync(join(tmpdir(), 'introspect-uname-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), interactive: false });
  return { code, out, err };
}

describe('introspect uname', () => {
  const image = join(dir, 'guest.raw');
  writeFileSync(image, x86_64Kernel(false).ram.bytes);

  it('--json prints the utsname the guest set and the kernel banner, in order', async () => {
    const r = await cli(['--profile', 'auto', 'uname', '--json', image]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      JSON.stringify({ sysname: 'Linux', nodename: 'test-guest', release: RELEASE, version: VERSION, machine: 'x86_64', domainname: '(none)', banner: banner(VERSION) }, null, 2) + '\n',
    );
  });

  it('prints uname -a style text and the banner; --explain says how', async () => {
    const r = await cli(['--explain', 'uname', image]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Linux test-guest ${RELEASE} ${VERSION} x86_64\n${banner(VERSION)}\n`);
    expect(r.err).toMatch(/VMCOREINFO: note text at physical 0xb00018/);
    expect(r.err).toMatch(/root 0x700000 from SYMBOL\(init_top_pgt\)/);
  });

  it('exits 1 naming the file when no kernel is in the image', async () => {
    const empty = join(dir, 'zeros.raw');
    writeFileSync(empty, new Uint8Array(1 << 20));
    const r = await cli(['uname', empty]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/zeros\.raw: Linux kernel: kernel not found/);
  });

  it('exits 2 without an image argument', async () => {
    expect((await cli(['uname'])).code).toBe(2);
  });
});
