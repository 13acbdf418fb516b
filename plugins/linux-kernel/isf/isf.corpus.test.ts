// ISF from the corpus images: exported from each image's own BTF and kallsyms, imported back, the
// layouts (offsets, sizes, bit positions) and symbols equal the shipped profile of that kernel.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { loadProfileFile, ProfileRegistry } from '../../../core/profiles/registry.js';
import type { StructLayout } from '../../../core/profiles/types.js';
import { corpusAvailable, corpusFile, corpusRequired } from '../../../test/corpus/corpus.js';

const skip = !corpusAvailable() && !corpusRequired();
const memDir = corpusFile('mem');
// bookworm-i386 has no BTF of its own: nothing to export from the image.
const variants = !skip && existsSync(memDir) ? readdirSync(memDir).filter((v) => existsSync(join(memDir, v, 'meta.json')) && !v.includes('i386')).sort() : [];
const tmp = mkdtempSync(join(tmpdir(), 'introspect-isf-corpus-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const layout = (structs: Record<string, StructLayout>) =>
  Object.fromEntries(Object.entries(structs).map(([n, s]) => [n, { size: s.size, fields: Object.fromEntries(Object.entries(s.fields).map(([f, l]) => [f, [l.offset, l.size, l.bitOffset, l.bitSize]])) }]));

describe.skipIf(skip)('ISF export from corpus images', () => {
  it.each(variants)('%s: image -> ISF -> profile has the shipped profile\'s layouts and the symbols both know', async (v) => {
    const pkg = (JSON.parse(readFileSync(join(memDir, v, 'meta.json'), 'utf8')) as { package: string }).package;
    const shipped = ProfileRegistry.load().ofKind('linux-kernel').find((p) => p.meta?.package === pkg)!;
    const image = join(memDir, v, readdirSync(join(memDir, v)).find((f) => /^mem\.(raw|elf|kdump)$/.test(f))!);
    let err = '';
    const io = { stdout: () => undefined, stderr: (s: string) => (err += s), interactive: false };
    expect(await runCli(['--no-config', 'profile', 'export-isf', image, '-o', join(tmp, `${v}.isf.json`)], io), err).toBe(0);
    expect(await runCli(['--no-config', 'profile', 'import-isf', join(tmp, `${v}.isf.json`), '-o', join(tmp, `${v}.json`)], io), err).toBe(0);
    const back = loadProfileFile(join(tmp, `${v}.json`));
    expect(back.arch).toBe(shipped.arch);
    expect(back.signature!.banner).toBe(shipped.signature!.banner);
    expect(layout(back.data.structs!)).toEqual(layout(shipped.data.structs!));
    for (const [name, address] of Object.entries(back.data.symbols ?? {})) if (shipped.data.symbols?.[name] !== undefined) expect([name, address]).toEqual([name, shipped.data.symbols[name]]);
    expect(Object.keys(back.data.symbols ?? {}).length).toBeGreaterThan(3);
  });
});
