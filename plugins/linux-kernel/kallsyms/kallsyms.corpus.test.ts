// kallsyms recovered from the corpus memory images against what the guest printed (/proc/kallsyms in
// truth.json runtime_kallsyms) and against the kernel package's System.map (link-time addresses).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMemoryImage } from '../../../core/memory/open.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from '../../../test/corpus/corpus.js';
import { memoryContainersPlugin } from '../../memory-containers/index.js';
import { locateKernel } from '../locate.js';
import { physicalWindow, recoverKallsyms, scanKallsyms, virtualWindow, type KallsymsTable } from './index.js';

interface MemTruth {
  runtime_kallsyms: Record<string, string>;
  system_map: string;
}

const skip = !corpusAvailable() && !corpusRequired();
const memDir = corpusFile('mem');
const variants = !skip && existsSync(memDir) ? readdirSync(memDir).filter((v) => existsSync(join(memDir, v, 'truth.json'))).sort() : [];

/** System.map: name -> every link-time address it has. */
function systemMap(path: string): Map<string, bigint[]> {
  const map = new Map<string, bigint[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [addr, , name] = line.split(' ');
    if (!name) continue;
    const list = map.get(name) ?? [];
    list.push(BigInt('0x' + addr));
    map.set(name, list);
  }
  return map;
}

function expectTruth(table: KallsymsTable, truth: MemTruth): void {
  const want = Object.entries(truth.runtime_kallsyms);
  const got = want.filter(([name, addr]) => table.lookup(name) === BigInt(addr));
  expect(Object.fromEntries(want.map(([n]) => [n, '0x' + (table.lookup(n)?.toString(16) ?? 'missing')]))).toEqual(truth.runtime_kallsyms);
  expect(got.length).toBe(want.length);
}

describe.skipIf(skip)('kallsyms on the corpus memory images', () => {
  it('has memory variants', () => expect(variants.length).toBeGreaterThan(0));

  for (const variant of variants) {
    const image = readdirSync(join(memDir, variant)).find((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f));
    if (!image) continue;
    describe(variant, () => {
      const truth = readTruth<MemTruth>(`mem/${variant}/truth.json`);
      const memory = openMemoryImage(new Introspector().use(memoryContainersPlugin), join(memDir, variant, image));
      const kernel = locateKernel(memory);
      const recovered = recoverKallsyms(kernel);
      const table = recovered.table;

      it('recoverKallsyms: every runtime_kallsyms symbol at its runtime address', () => {
        expectTruth(table, truth);
      });

      it('scan of the kernel image (virtual), no VMCOREINFO tables: the same table', () => {
        const start = kernel.image.virtualStart;
        const scanned = scanKallsyms(virtualWindow(kernel.vm, start, start + BigInt(kernel.image.size)), { pointerSize: kernel.vm.pointerSize });
        expectTruth(scanned, truth);
        expect(scanned.count).toBe(table.count);
        expect(scanned.names).toEqual(table.names);
        expect(scanned.addresses).toEqual(table.addresses);
        expect(scanned.location.encoding).toBe(table.location.encoding);
      });

      it('scan of the physical kernel image anchored on VMCOREINFO _stext, pointer size guessed', () => {
        const stext = kernel.vmcoreinfo?.symbol('_stext');
        expect(stext).toBeDefined();
        const scanned = scanKallsyms(physicalWindow(memory, kernel.image.physicalStart, kernel.image.size), { anchors: { _stext: stext! } });
        expectTruth(scanned, truth);
        expect(scanned.location.addressSpace).toBe('physical');
        expect(scanned.location.pointerSize).toBe(kernel.vm.pointerSize);
        // Tables found physically lie where their virtual addresses say (the image is linear).
        expect(table.location.addressSpace).toBe('virtual');
        expect(kernel.vm.translate(table.location.tables.token_table!)).toBe(Number(scanned.location.tables.token_table!));
      });

      it('every kallsyms symbol is at its System.map address plus one KASLR shift', () => {
        const map = systemMap(join(memDir, variant, truth.system_map));
        const shift = BigInt(truth.runtime_kallsyms._stext) - map.get('_stext')![0];
        let checked = 0;
        const wrong: string[] = [];
        for (let i = 0; i < table.count; i++) {
          const link = map.get(table.names[i]);
          if (!link || table.types[i] === 'A') continue; // per-CPU symbols stay absolute
          checked++;
          if (!link.includes(table.addresses[i] - shift)) wrong.push(table.names[i]);
        }
        expect(wrong).toEqual([]);
        expect(checked).toBeGreaterThan(table.count * 0.95);
      });

      it('data symbols only where the kernel keeps all symbols (KALLSYMS_ALL)', () => {
        const config = readFileSync(join(memDir, variant, readdirSync(join(memDir, variant)).find((f) => f.startsWith('config-'))!), 'utf8');
        const all = /^CONFIG_KALLSYMS_ALL=y$/m.test(config);
        const data = table.types.filter((t) => /[dDbBrR]/.test(t)).length;
        if (all) expect(data).toBeGreaterThan(1000);
        else expect(data).toBeLessThan(50);
        for (const name of ['init_task', 'init_net', 'prb', 'init_uts_ns']) expect(table.lookup(name) !== undefined).toBe(all);
      });
    });
  }
});
