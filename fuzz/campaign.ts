// A fuzz campaign: which seed and which mutations case N gets. Shared by the CLI (worker mode),
// the replay command and the deterministic slice in `npm test`.
import { mutations, type Mutation, type Region } from './mutate.js';
import { caseSeed, rng } from './rng.js';
import type { Seed } from './run-case.js';
import { regions } from './seeds.js';

export interface PreparedSeed {
  seed: Seed;
  regions: Region[];
  sizes: number[];
}

export function prepare(seeds: readonly Seed[]): PreparedSeed[] {
  return seeds.map((seed) => ({ seed, regions: regions(seed), sizes: seed.images.map((i) => i.open().size) })).filter((p) => p.regions.length > 0);
}

/** The seed and mutations of case `index` (round robin over the seeds, mutations from the case's own seed). */
export function caseOf(prepared: readonly PreparedSeed[], seed: number, index: number): { seedIndex: number; mutations: Mutation[] } {
  const seedIndex = index % prepared.length;
  const p = prepared[seedIndex];
  const r = rng(caseSeed(seed, index));
  const list = mutations(r, {
    regions: p.regions,
    sizes: p.sizes,
    read: (image, offset, length) => p.seed.images[image].open().read(offset, length),
  });
  return { seedIndex, mutations: list };
}
