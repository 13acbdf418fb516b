import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Bitstring, bitmatch, definePattern, generateModule, type Pattern } from '../../../core/bitsyntax/index.js';
import { EXT2_SUPERBLOCK_HEAD } from '../../../bench/ext2-superblock.js';
import { prng, randomPattern } from './random-patterns.js';

definePattern('aot_mbr_entry', 'boot_indicator : 8, _ : 24, sys_ind : 8, _ : 24, start_sect : 32 : littleendian, nr_sects : 32 : littleendian');

const fixed: Record<string, Pattern<unknown, unknown>> = {
  ext2: bitmatch(EXT2_SUPERBLOCK_HEAD),
  ipv4: bitmatch('4 : 4, ihl : 4 : check(ihl >= 5), tos : 8, length : 16, identification : 16, flags : 3, fragoffset : 13, ttl : 8, protocol : 8, checksum : 16, source : 32, dest : 32, options : (ihl - 5) * 32 : bitstring, payload : -1 : bitstring'),
  mbr: bitmatch('_ : 3568, parts[4] : { :aot_mbr_entry }, 0x55AA : 16'),
  mixed: bitmatch('e : 8, v : 16 : endian(e == 1 ? "little" : "big"), n : 8, xs[n] : 12 : littleendian, c : utf8, h : 16 : float, name : 64 : string(utf16le), _ : 4 : save_offset_to(off), w : 64 : signed, rest[] : { a : 4, b : 4 }'),
};

const rnd = prng(4242);
const random = Array.from({ length: 40 }, () => randomPattern(rnd));

const dir = mkdtempSync(join(tmpdir(), 'bitsyntax-aot-'));
afterAll(() => rmSync(dir, { recursive: true }));

async function loadAot(patterns: Record<string, Pattern<unknown, unknown>>): Promise<Record<string, Pattern<unknown, unknown>>> {
  const importFrom = pathToFileURL(resolve('core/bitsyntax/index.ts')).href;
  const file = join(dir, `aot-${Object.keys(patterns).length}.ts`);
  writeFileSync(file, generateModule(patterns, { importFrom }));
  return (await import(file)) as Record<string, Pattern<unknown, unknown>>;
}

function same(a: unknown, b: unknown): void {
  const norm = (v: unknown): unknown => v === undefined ? 'undefined' : JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Bitstring ? `bits:${x.bitLength}:${x.toString()}` : x)));
  expect(norm(a)).toEqual(norm(b));
}

describe('ahead-of-time modules', () => {
  it('emit no new Function and give identical results to runtime patterns', { timeout: 120_000 }, async () => {
    const all: Record<string, Pattern<unknown, unknown>> = { ...fixed };
    random.forEach((rp, i) => (all[`r${i}`] = bitmatch(rp.text as string)));
    const text = generateModule(all, { importFrom: 'introspect' });
    expect(text).not.toContain('new Function');
    expect(text).toContain('export const ext2 = fromCompiled<{ s_inodes_count: number;');
    const aot = await loadAot(all);

    // Random patterns: built values and the same bytes with noise after them.
    random.forEach((rp, i) => {
      const rt = all[`r${i}`]!;
      const at = aot[`r${i}`]!;
      const bytes = rt.build(rp.values);
      expect(at.build(rp.values)).toEqual(bytes);
      same(at.parse(bytes), rt.parse(bytes));
    });

    // Fixed patterns on random byte strings: the same record, or the same failure.
    const r = prng(7);
    const matched: Record<string, number> = {};
    for (let k = 0; k < 300; k++) {
      const len = Math.floor(r() * 600);
      const bytes = new Uint8Array(len).map(() => Math.floor(r() * 256));
      if (k % 3 === 0 && len > 0) bytes[0] = 0x45 + (k % 4);
      if (len >= 512 && k % 2 === 0) bytes.set([0x55, 0xaa], 510);
      for (const name of Object.keys(fixed)) {
        const a = fixed[name]!.match(bytes);
        const b = aot[name]!.match(bytes);
        same(b, a);
        if (a !== undefined) matched[name] = (matched[name] ?? 0) + 1;
        if (a === undefined) {
          const ea = fixed[name]!.lastError(bytes);
          aot[name]!.match(bytes);
          const eb = aot[name]!.lastError(bytes);
          expect(eb.message).toBe(ea.message);
        }
      }
    }
    for (const name of Object.keys(fixed)) expect(matched[name], name).toBeGreaterThan(10);
  });
});
