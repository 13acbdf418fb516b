import { describe, expect, it } from 'vitest';
import { runCli } from '../../core/cli/program.js';
import type { CliIo } from '../../core/cli/io.js';

function collect(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', interactive: false, stdout: (t: string) => { io.out += t; }, stderr: (t: string) => { io.err += t; } };
  return io;
}

describe('CLI exit codes', () => {
  it('exits 0 for --help and lists the subcommands', async () => {
    const io = collect();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const name of ['df', 'list', 'uname', 'ps', 'dmesg', 'ifconfig', 'import-c', 'profile', 'plugins']) {
      expect(io.out).toContain(name);
    }
  });

  it('exits 2 for an unknown subcommand', async () => {
    const io = collect();
    expect(await runCli(['no-such-command'], io)).toBe(2);
    expect(io.err).toContain('unknown command');
  });
});
