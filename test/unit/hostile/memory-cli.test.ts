// Hostile memory images through `introspect uname` (issue 9): damaged container headers give exit 1
// and one line naming the file, the structure, the offset and what was wrong; --json an error object.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { elf64Header, elf64Phdr } from '../../../core/formats/elf.js';
import { limeHeader } from '../../../plugins/memory-containers/structures.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-mem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const elfHeader = (phnum: number) =>
  elf64Header.build({
    ei_class: 2, ei_data: 1, ei_version: 1, e_type: 4, e_machine: 62, e_version: 1, e_entry: 0n,
    e_phoff: 64n, e_shoff: 0n, e_flags: 0, e_ehsize: 64, e_phentsize: 56, e_phnum: phnum, e_shentsize: 64, e_shnum: 0, e_shstrndx: 0,
  });

const cases: Array<[string, Uint8Array, RegExp]> = [
  ['ELF core whose program headers run past the file', elfHeader(60000), /ELF program headers at offset 64 \(0x40\): /],
  [
    'ELF core with a PT_LOAD past the end of the file',
    concat([elfHeader(1), elf64Phdr.build({ p_type: 1, p_flags: 7, p_offset: 0x100000n, p_vaddr: 0n, p_paddr: 0n, p_filesz: 0x100000n, p_memsz: 0x100000n, p_align: 0n }), new Uint8Array(4096)]),
    / at offset \d+ \(0x[0-9a-f]+\): /,
  ],
  ['LiME range with e_addr below s_addr', concat([limeHeader.build({ version: 1, s_addr: 0x2000n, e_addr: 0x1000n }), new Uint8Array(4096)]), /LiME range header 0 at offset 8 \(0x8\): bad range/],
  ['LiME range running past the end of the file', concat([limeHeader.build({ version: 1, s_addr: 0n, e_addr: 0xffffffn }), new Uint8Array(4096)]), /LiME range 0 at offset 32 \(0x20\): .*past the end of the file/],
  ['kdump header with a zero block_size', concat([new TextEncoder().encode('KDUMP   '), new Uint8Array(4088)]), /kdump.* at offset \d+ \(0x[0-9a-f]+\): /],
];

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = { out: '', err: '', interactive: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  const code = await runCli(['--no-config', ...argv], io, { cwd: dir });
  return { code, out: io.out, err: io.err };
}

describe('hostile memory images through uname', () => {
  cases.forEach(([what, bytes, expected], i) => {
    it(what, async () => {
      const path = join(dir, `case-${i}.mem`);
      writeFileSync(path, bytes);
      const text = await run(['uname', path]);
      expect(text.code, text.err).toBe(1);
      const lines = text.err.trimEnd().split('\n');
      expect(lines, text.err).toHaveLength(1);
      expect(lines[0].startsWith(`introspect: ${path}: `)).toBe(true);
      expect(lines[0]).toMatch(expected);
      const json = await run(['--json', 'uname', path]);
      expect(json.code).toBe(1);
      const { error } = JSON.parse(json.out) as { error: { file: string; structure: string; offset: number | null; reason: string } };
      expect(error.file).toBe(path);
      expect(error.structure.length).toBeGreaterThan(0);
      expect(typeof error.offset).toBe('number');
      expect(error.reason.length).toBeGreaterThan(0);
    });
  });
});
