// Memory images of the corpus: uname, KASLR shifts, page-table root and symbol translation against
// what the guest itself reported (truth.json) and the kernel package's System.map.
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../core/cli/program.js';
import { openMemoryImage } from '../../core/memory/open.js';
import { readPointer, readCString } from '../../core/memory/virtual.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import { memoryContainersPlugin } from '../../plugins/memory-containers/index.js';
import { locateKernel, vmcoreinfoNotesInRam } from '../../plugins/linux-kernel/locate.js';
import { unameByScan } from '../../plugins/linux-kernel/uname.js';
import type { PhysicalMemory } from '../../core/memory/types.js';
import { PagedVirtualMemory } from '../../plugins/linux-kernel/paging/paged-memory.js';
import { i386PaeScheme, i386Scheme, x86_64Scheme } from '../../plugins/linux-kernel/paging/scheme.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from './corpus.js';

interface MemTruth {
  arch: string;
  banner: string;
  uname: Record<string, string>;
  runtime_kallsyms: Record<string, string>;
  registers_at_dump: Record<string, string>;
  iomem_kernel: Record<string, [string, string]>;
  ram_base: string;
  system_map: string;
}

const skip = !corpusAvailable() && !corpusRequired();
const memDir = corpusFile('mem');
const variants = !skip && existsSync(memDir) ? readdirSync(memDir).filter((v) => existsSync(join(memDir, v, 'truth.json'))).sort() : [];

function systemMap(path: string): Map<string, bigint> {
  const map = new Map<string, bigint>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [addr, , name] = line.split(' ');
    if (name && !map.has(name)) map.set(name, BigInt('0x' + addr));
  }
  return map;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => void (out += s), stderr: (s) => void (err += s), interactive: false });
  return { code, out, err };
}

describe.skipIf(skip)('memory corpus', () => {
  it('has memory variants', () => {
    expect(variants.length).toBeGreaterThan(0);
  });

  for (const variant of variants) {
    const images = readdirSync(join(memDir, variant)).filter((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f));
    for (const image of images) {
      describe(`${variant}/${image}`, () => {
        const truth = readTruth<MemTruth>(`mem/${variant}/truth.json`);
        const path = join(memDir, variant, image);
        const map = systemMap(join(memDir, variant, truth.system_map));
        const runtime = new Map(Object.entries(truth.runtime_kallsyms).map(([k, v]) => [k, BigInt(v)]));
        const memory = () => openMemoryImage(new Introspector().use(memoryContainersPlugin), path);

        it('uname --json equals the guest uname and banner', async () => {
          const r = await cli(['uname', '--json', path]);
          expect(r.err).toBe('');
          expect(r.code).toBe(0);
          const doc = JSON.parse(r.out) as Record<string, string>;
          const expected: Record<string, string> = { ...truth.uname, banner: truth.banner };
          for (const [key, value] of Object.entries(expected)) expect(doc[key], key).toBe(value);
          expect(Object.keys(doc)).toEqual(['sysname', 'nodename', 'release', 'version', 'machine', 'domainname', 'banner']);
        });

        it('the scan fallback alone (no VMCOREINFO, no page tables) finds the same utsname and banner', () => {
          const found = unameByScan(memory());
          expect(found).toBeDefined();
          const { physical: _p, ...uts } = found!.uts;
          void _p;
          for (const [key, value] of Object.entries(truth.uname)) expect((uts as Record<string, string>)[key], key).toBe(value);
          expect(found!.banner.text).toBe(truth.banner);
        });

        const opened = memory();
        const hasCpuState = opened.cpus.length > 0 && opened.archHint === 'x86_64';
        it.skipIf(!hasCpuState)('with VMCOREINFO hidden, x86_64 dumps with CPU state still give the kernel from CR3 alone', () => {
          const real = memory();
          const hidden = [...vmcoreinfoNotesInRam(real)].map((n) => n.physical!);
          expect(hidden.length).toBeGreaterThan(0);
          const blind: PhysicalMemory = {
            name: real.name, format: real.format, ranges: real.ranges, cpus: real.cpus, archHint: real.archHint,
            isPresent: (a, l) => real.isPresent(a, l),
            read(a, l, s) {
              const bytes = new Uint8Array(real.read(a, l, s));
              for (const at of hidden) for (let i = Math.max(a, at - 24); i < Math.min(a + l, at); i++) bytes[i - a] = 0;
              return bytes;
            },
          };
          const kernel = locateKernel(blind);
          expect(kernel.vmcoreinfo).toBeUndefined();
          expect(kernel.utsname.nodename).toBe(truth.uname.nodename);
          expect(kernel.banner).toBe(truth.banner);
          expect(kernel.virtualShift).toBe(runtime.get('_stext')! - map.get('_stext')!);
          expect(kernel.utsnameAddress.virtual).toBe(runtime.get('init_uts_ns'));
        });

        it.skipIf(opened.format === 'raw')('the same RAM laid out as a raw file (pmemsave: no base recorded) gives the same uname and RAM base', async () => {
          const real = memory();
          const base = real.ranges[0].start;
          const dir = mkdtempSync(join(tmpdir(), 'introspect-mem-'));
          try {
            const raw = join(dir, 'mem.raw');
            const fd = openSync(raw, 'w');
            const last = real.ranges[real.ranges.length - 1];
            ftruncateSync(fd, last.end - base);
            for (const r of real.ranges) {
              for (let at = r.start; at < r.end; at += 16 << 20) {
                const n = Math.min(16 << 20, r.end - at);
                writeSync(fd, real.read(at, n), 0, n, at - base);
              }
            }
            closeSync(fd);
            const r = await cli(['uname', '--json', raw]);
            expect(r.code).toBe(0);
            const doc = JSON.parse(r.out) as Record<string, string>;
            for (const [key, value] of Object.entries({ ...truth.uname, banner: truth.banner })) expect(doc[key], key).toBe(value);
            const kernel = locateKernel(openMemoryImage(new Introspector().use(memoryContainersPlugin), raw));
            expect(kernel.physical.ranges[0].start).toBe(Number(BigInt(truth.ram_base)));
            expect(kernel.virtualShift).toBe(runtime.get('_stext')! - map.get('_stext')!);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        });

        it('KASLR shifts, page-table root and symbol translations agree with the guest', () => {
          const kernel = locateKernel(memory());
          const stextRuntime = runtime.get('_stext')!;
          const stextLink = map.get('_stext')!;
          const textLink = map.get('_text')!;
          expect(kernel.virtualShift).toBe(stextRuntime - stextLink);

          // Kernel code in /proc/iomem starts at the physical address of _text (x86) / _stext (arm64).
          const codeStart = Number(BigInt(truth.iomem_kernel['Kernel code'][0]));
          const stextPa = kernel.vm.translate(stextRuntime)!;
          expect(stextPa === codeStart || stextPa - Number(stextLink - textLink) === codeStart).toBe(true);
          const textPa = stextPa - Number(stextLink - textLink);
          expect(kernel.image.physicalStart).toBe(textPa);
          expect(kernel.image.virtualStart).toBe(textLink + kernel.virtualShift);
          const linkPhysical = truth.arch === 'x86_64' ? textLink - 0xffffffff80000000n : truth.arch === 'i386' ? textLink - 0xc0000000n : undefined;
          if (linkPhysical !== undefined) expect(kernel.physicalShift).toBe(BigInt(textPa) - linkPhysical);
          else expect(kernel.physicalShift).toBe(BigInt(textPa) - BigInt(truth.ram_base));

          // Every runtime symbol lies in the kernel image: linear from _text, and the walk agrees.
          for (const [name, va] of runtime) {
            expect(kernel.vm.translate(va), name).toBe(textPa + Number(va - (textLink + kernel.virtualShift)));
          }
          // The kernel's own data reads back.
          const banner = runtime.get('linux_banner') ?? map.get('linux_banner')! + kernel.virtualShift;
          expect(readCString(kernel.vm, banner, 1024)).toBe(truth.banner + '\n');
          expect(kernel.bannerAddress.physical).toBe(kernel.vm.translate(banner));
          const uts = runtime.get('init_uts_ns') ?? map.get('init_uts_ns')! + kernel.virtualShift;
          expect(kernel.utsnameAddress.physical - kernel.vm.translate(uts)!).toBeLessThan(64);

          // Page-table root: the dump's CR3 when the container has CPU state, else the kernel's own table.
          const cr3 = truth.registers_at_dump.CR3 !== undefined ? BigInt(truth.registers_at_dump.CR3) : undefined;
          if (kernel.physical.cpus.length > 0 && cr3 !== undefined) {
            expect(BigInt(kernel.pageTableRoot)).toBe(cr3 & ~0xfffn);
          } else {
            const table = runtime.get('init_top_pgt') ?? map.get('init_top_pgt') ?? map.get('swapper_pg_dir')!;
            const tableVa = runtime.has('init_top_pgt') ? table : table + kernel.virtualShift;
            expect(kernel.pageTableRoot).toBe(kernel.vm.translate(tableVa));
          }
          // The CPU's CR3 at dump time (a process's tables) maps the kernel the same way.
          if (cr3 !== undefined) {
            const cr4 = BigInt(truth.registers_at_dump.CR4);
            const scheme = truth.arch === 'x86_64' ? x86_64Scheme((cr4 & (1n << 12n)) !== 0n) : (cr4 & (1n << 5n)) !== 0n ? i386PaeScheme() : i386Scheme();
            expect(kernel.pagingMode).toBe(scheme.mode);
            const root = Number(truth.arch === 'x86_64' ? cr3 & ~0xfffn : (cr4 & (1n << 5n)) !== 0n ? cr3 & ~0x1fn : cr3 & ~0xfffn);
            const other = new PagedVirtualMemory('cr3', kernel.physical, scheme, root);
            for (const [name, va] of runtime) expect(other.translate(va), name).toBe(kernel.vm.translate(va));
          }
          // Direct map: the kernel's page_offset_base variable when it has one; pa -> va -> pa round trip.
          const pob = runtime.get('page_offset_base');
          if (pob !== undefined) expect(readPointer(kernel.vm, pob)).toBe(kernel.directMapBase);
          const ramBase = Number(BigInt(truth.ram_base));
          expect(kernel.vm.translate(kernel.directMap(ramBase + 0x100000))).toBe(ramBase + 0x100000);
        });
      });
    }
  }
});
