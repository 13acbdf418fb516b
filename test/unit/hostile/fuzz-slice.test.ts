// The deterministic slice of the fuzz harness that runs in `npm test`: synthetic seed images (no
// corpus), a fixed seed, a few hundred cases over every format. Only IntrospectError may come out.
import { describe, expect, it } from 'vitest';
import { caseOf, prepare } from '../../../fuzz/campaign.js';
import { mutations as mutationsOf } from '../../../fuzz/mutate.js';
import { OverlaySource } from '../../../fuzz/overlay.js';
import { rng } from '../../../fuzz/rng.js';
import { runCase, type Outcome, type Seed } from '../../../fuzz/run-case.js';
import { syntheticSeeds } from '../../../fuzz/seeds.js';
import { BytesSource } from '../../../core/source/derived-sources.js';

const SEED = 0x1e5cafe;
const CASES = 400;

describe('fuzz harness: deterministic slice on synthetic images', () => {
  const prepared = prepare(syntheticSeeds());

  it('finds metadata regions in every synthetic seed, for every format', () => {
    expect(prepared.map((p) => p.seed.format).sort()).toEqual(['elf', 'ext', 'gpt', 'lime', 'lvm', 'mbr', 'ntfs', 'qcow2', 'raw-mem']);
    for (const p of prepared) expect(p.regions.length).toBeGreaterThan(0);
  });

  it('every unmutated seed reads cleanly', () => {
    for (const p of prepared) expect([p.seed.name, runCase(p.seed, []).kind]).toEqual([p.seed.name, 'ok']);
  });

  it(`${CASES} seeded cases: no crash, no out-of-bounds allocation; both clean results and errors occur`, () => {
    const counts = new Map<string, Record<Outcome['kind'], number>>();
    const defects: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const { seedIndex, mutations } = caseOf(prepared, SEED, i);
      const seed = prepared[seedIndex].seed;
      const outcome = runCase(seed, mutations);
      const row = counts.get(seed.format) ?? { ok: 0, error: 0, crash: 0, oom: 0 };
      counts.set(seed.format, row);
      row[outcome.kind]++;
      if (outcome.kind === 'crash' || outcome.kind === 'oom') defects.push(`${seed.name} case ${i}: ${outcome.message} ${JSON.stringify(mutations)}`);
    }
    expect(defects).toEqual([]);
    for (const [, row] of counts) expect(row.ok + row.error).toBeGreaterThan(0);
    const errors = [...counts.values()].reduce((n, r) => n + r.error, 0);
    expect(errors).toBeGreaterThan(CASES / 10);
    expect(errors).toBeLessThan(CASES);
  }, 120_000);

  it('is deterministic: the same seed gives the same mutations', () => {
    expect(caseOf(prepared, SEED, 17)).toEqual(caseOf(prepared, SEED, 17));
    expect(caseOf(prepared, SEED, 17)).not.toEqual(caseOf(prepared, SEED + 1, 17));
  });
});

describe('fuzz harness: classification', () => {
  const bytes = new Uint8Array(1 << 20);
  const seed = (read: (o: number, l: number) => Uint8Array): Seed => ({
    format: 'test',
    name: 'test.img',
    kind: 'disk',
    images: [{ path: '/synthetic/test.img', open: () => ({ name: '/synthetic/test.img', size: bytes.length, read }) }],
  });

  it('a foreign exception inside the pipeline is a crash, even when the pipeline wraps it', () => {
    const outcome = runCase(seed(() => { throw new TypeError('boom'); }), []);
    expect(outcome).toMatchObject({ kind: 'crash', message: 'TypeError: boom' });
  });

  it('a read larger than the bound is an OOM defect even if a plugin swallows the error', () => {
    const base = new BytesSource('x', bytes);
    const overlay = new OverlaySource('x', base, [], 0, undefined, 1024);
    expect(() => overlay.read(0, 2048)).toThrow(/exceeds the 1024-byte bound/);
    expect(overlay.exceeded).toMatch(/2048/);
  });

  it('an extended overlay reads zeros past the base, like a sparse file', () => {
    const base = new BytesSource('x', new Uint8Array(16).fill(7));
    const overlay = new OverlaySource('x', base, [{ op: 'extend', image: 0, size: 2 ** 40 }], 0);
    expect(overlay.size).toBe(2 ** 40);
    expect([...overlay.read(14, 4)]).toEqual([7, 7, 0, 0]);
    expect([...overlay.read(2 ** 40 - 2, 2)]).toEqual([0, 0]);
  });

  it('overlays apply set and truncate without touching the base', () => {
    const base = new BytesSource('x', new Uint8Array(16));
    const overlay = new OverlaySource('x', base, [{ op: 'set', image: 0, offset: 3, hex: 'ff7f', why: 't' }, { op: 'truncate', image: 0, size: 8 }], 0);
    expect(overlay.size).toBe(8);
    expect([...overlay.read(2, 4)]).toEqual([0, 0xff, 0x7f, 0]);
    expect([...base.read(0, 16)].every((b) => b === 0)).toBe(true);
    expect(() => overlay.read(6, 4)).toThrow(/past the end/);
  });

  it('mutations stay inside the given regions (or truncate at them)', () => {
    const r = rng(5);
    const regions = [{ image: 0, start: 100, length: 20 }];
    for (let i = 0; i < 200; i++) {
      for (const m of mutationsOf(r, { regions, sizes: [1000], read: () => new Uint8Array(64) })) {
        if (m.op === 'truncate') expect(m.size).toBeGreaterThanOrEqual(100);
        else if (m.op === 'extend') expect(m.size).toBeGreaterThan(1000);
        else expect([m.offset >= 100, m.offset < 120]).toEqual([true, true]);
      }
    }
  });
});
