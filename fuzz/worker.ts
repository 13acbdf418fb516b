// Worker thread: runs cases one by one for the CLI, which bounds each by time (terminate) and heap
// (resourceLimits). Messages in: { id, seedIndex, mutations }; out: { id, outcome }.
import { parentPort, workerData } from 'node:worker_threads';
import type { Mutation } from './mutate.js';
import { runCase } from './run-case.js';
import { corpusSeeds, syntheticSeeds } from './seeds.js';

const { source, cache, maxRead, formats } = workerData as { source: 'corpus' | 'synthetic'; cache: string; maxRead: number; formats: string[] | null };
const all = source === 'corpus' ? corpusSeeds(cache) : syntheticSeeds();
const seeds = formats ? all.filter((s) => formats.includes(s.format)) : all;

parentPort!.on('message', (message: { id: number; seedName: string; mutations: Mutation[] }) => {
  const seed = seeds.find((s) => s.name === message.seedName)!;
  const outcome = runCase(seed, message.mutations, { maxRead });
  parentPort!.postMessage({ id: message.id, outcome });
});
parentPort!.postMessage({ ready: true });
