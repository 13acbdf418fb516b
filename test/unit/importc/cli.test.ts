/** `introspect import-c` in-process: stdout, -o, --struct, --target, -D, --json, warnings and exit codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import type { CliIo } from '../../../core/cli/io.js';

function collect(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', interactive: false, stdout: (t: string) => { io.out += t; }, stderr: (t: string) => { io.err += t; } };
  return io;
}

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function header(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'importc-cli-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'h.h'), text);
  writeFileSync(join(dir, 'package.json'), '{"name":"tmp","private":true}');
  return { dir, file: join(dir, 'h.h') };
}

const H = '#ifdef BIG\nstruct a { long x; };\n#endif\nstruct b { char c; long y; };\nstruct broken { NOPE z; };\n';

describe('introspect import-c', () => {
  test('prints the module for the chosen structs and target', async () => {
    const { dir } = header(H);
    const io = collect();
    expect(await runCli(['--no-config', 'import-c', 'h.h', '--struct', 'b', '--target', 'i386'], io, { cwd: dir })).toBe(0);
    expect(io.out).toContain('// Made with: introspect import-c h.h --struct b --target i386');
    expect(io.out).toContain("import { definePattern } from 'introspect';");
    expect(io.out).toContain('/** struct b (h.h:4): 8 bytes, aligned to 4. */');
    expect(io.out).toMatch(/y : 32 : littleendian : signed,/);
    expect(io.out).not.toContain('broken');
    expect(io.err).toBe('');
  });

  test('-o writes the file; -D defines; skipped structs are warned about on stderr', async () => {
    const { dir } = header(H);
    const io = collect();
    expect(await runCli(['--no-config', 'import-c', 'h.h', '-D', 'BIG', '-o', 'out.ts', '--import', '../lib.js'], io, { cwd: dir })).toBe(0);
    const text = readFileSync(join(dir, 'out.ts'), 'utf8');
    expect(text).toContain("import { definePattern } from '../lib.js';");
    expect(text).toContain("export const a = definePattern('a'");
    expect(io.out).toBe('');
    expect(io.err).toBe("introspect: h.h:5: warning: struct broken skipped: member type expected, found 'NOPE' (an unknown type or macro)\n");
  });

  test('-I follows #include; warnings in included files name them', async () => {
    const { dir } = header('#include <t.h>\nstruct c { my_t v; };\n');
    writeFileSync(join(dir, 't.h'), 'typedef unsigned short my_t;\n#warning from t.h\n');
    const without = collect();
    expect(await runCli(['--no-config', 'import-c', 'h.h'], without, { cwd: dir })).toBe(0);
    expect(without.err).toContain("h.h:2: warning: struct c skipped: member type expected, found 'my_t'");
    const io = collect();
    expect(await runCli(['--no-config', 'import-c', 'h.h', '-I', '.'], io, { cwd: dir })).toBe(0);
    expect(io.out).toContain('/** struct c (h.h:2): 2 bytes, aligned to 2. */');
    expect(io.err).toBe(`introspect: ${join(dir, 't.h')}:2: warning: #warning from t.h\n`);
  });

  test('--json gives the layouts', async () => {
    const { dir } = header(H);
    const io = collect();
    expect(await runCli(['--no-config', '--json', 'import-c', 'h.h', '--struct', 'b'], io, { cwd: dir })).toBe(0);
    const doc = JSON.parse(io.out) as { records: { name: string; size: number; fields: { path: string; offset: number }[] }[] };
    expect(doc.records.map((r) => [r.name, r.size, r.fields.map((f) => [f.path, f.offset])])).toEqual([['b', 16, [['c', 0], ['y', 8]]]]);
  });

  test('errors: a struct not understood or missing exits 1 naming the line; a bad target is a usage error', async () => {
    const { dir } = header(H);
    const io = collect();
    expect(await runCli(['--no-config', 'import-c', 'h.h', '--struct', 'broken'], io, { cwd: dir })).toBe(1);
    expect(io.err).toContain("h.h: struct broken at line 5: member type expected, found 'NOPE'");
    const missing = collect();
    expect(await runCli(['--no-config', 'import-c', 'nothere.h'], missing, { cwd: dir })).toBe(1);
    expect(missing.err).toContain('nothere.h: C header: cannot read');
    const bad = collect();
    expect(await runCli(['--no-config', 'import-c', 'h.h', '--target', 'mips'], bad, { cwd: dir })).toBe(2);
    expect(bad.err).toContain('--target must be one of x86_64, i386, arm64');
  });
});
