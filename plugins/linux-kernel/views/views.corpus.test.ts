// ps, dmesg and ifconfig on the corpus memory images, through the CLI with --profile auto, against
// what the guest printed at READY (truth.json). A kernel without BTF of its own is read with a
// profile built here from the vmlinux.btf beside it (the profiles issue ships such profiles).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { openMemoryImage } from '../../../core/memory/open.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { loadProfileFile } from '../../../core/profiles/registry.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from '../../../test/corpus/corpus.js';
import { memoryContainersPlugin } from '../../memory-containers/index.js';
import { parseBtf } from '../btf/index.js';
import { profileFileDocument } from '../image-profile/extract.js';
import { profileFromBtf } from '../image-profile/from-btf.js';
import { locateKernel } from '../locate.js';
import { imageProfile, imageProfilePlugin } from '../image-profile/image.js';
import { recoverKallsyms } from '../kallsyms/index.js';
import { kernelView, openKernelView } from './context.js';
import { listProcesses } from './ps.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import { profilesPlugin, resolveProfile } from '../../../core/profiles/resolve.js';
import { ProfileRegistry } from '../../../core/profiles/registry.js';

interface TruthProcess {
  pid: number; ppid: number; uid: number; gid: number; comm: string; flags: number; argv: string[]; kernel_thread: boolean; num_threads: number;
}
interface TruthInterface {
  index: number; name: string; mac: string; mtu: number; flags: string[];
  ipv4: { address: string; prefixlen: number; scope: string }[]; ipv6: { address: string; prefixlen: number; scope: string }[];
}
interface TruthRecord { seq: number; ts_usec: number; level: number; facility: number; text: string; dict?: string[] }
interface Truth { processes: TruthProcess[]; interfaces: TruthInterface[]; dmesg: TruthRecord[] }

interface PsJson { processes: { pid: number; ppid: number; uid: number; gid: number; comm: string; state: string; kernelThread: boolean; threads: number; args: string[] }[] }
interface DmesgJson { records: { seq: number; timestampUs: number; level: number; facility: number; text: string; dict?: string[] }[] }
interface IfJson { interfaces: { netns: number; name: string; index: number; mac: string; mtu: number; flags: string[]; ipv4: { address: string; prefixLength: number; scope: string }[]; ipv6: { address: string; prefixLength: number; scope: string }[] }[] }

const skip = !corpusAvailable() && !corpusRequired();
const memDir = corpusFile('mem');
const variants = !skip && existsSync(memDir) ? readdirSync(memDir).filter((v) => existsSync(join(memDir, v, 'truth.json'))).sort() : [];
/** include/linux/sched.h PF_WQ_WORKER: the "-desc" suffix of a worker's name changes with every work item it runs. */
const PF_WQ_WORKER = 0x20;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['--no-config', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s), interactive: false });
  return { code, out, err };
}

describe.skipIf(skip)('memory views on the corpus', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'introspect-views-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has memory variants', () => expect(variants.length).toBeGreaterThan(0));

  for (const variant of variants) {
    const dir = join(memDir, variant);
    const image = readdirSync(dir).find((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f));
    if (!image) continue;
    const path = join(dir, image);

    describe(variant, () => {
      let truth: Truth;
      /** --profile arguments each view is checked with: auto, plus a profile built here from vmlinux.btf when the image has no BTF. */
      const profileSets: string[][] = [['--profile', 'auto']];
      let ownBtf = true;
      beforeAll(async () => {
        truth = readTruth<Truth>(`mem/${variant}/truth.json`);
        const memory = openMemoryImage(new Introspector().use(memoryContainersPlugin), path);
        const kernel = locateKernel(memory);
        const kallsyms = recoverKallsyms(kernel).table;
        ownBtf = imageProfile(kernel, kallsyms).profile !== undefined;
        if (ownBtf || !existsSync(join(dir, 'vmlinux.btf'))) return;
        // Without shipped profiles, --profile auto has nothing to offer: the error says so and what was tried.
        const bare = new Introspector().use(profilesPlugin({ registry: () => new ProfileRegistry() })).use(imageProfilePlugin);
        await expect(openKernelView(memory, { imagePath: path, kernel, resolveProfile: (q) => resolveProfile(bare, q) })).rejects.toThrow(
          `no BTF in the image and no profile matches ${kernel.release} (tried: `,
        );
        const btf = parseBtf(readFileSync(join(dir, 'vmlinux.btf')), { name: 'vmlinux.btf' });
        const profile = profileFromBtf(btf, { release: kernel.release, arch: kernel.arch, name: `test-${variant}`, origin: 'vmlinux.btf' });
        const file = join(tmp, `${variant}.json`);
        writeFileSync(file, JSON.stringify(profileFileDocument(profile)));
        expect(loadProfileFile(file).name).toBe(`test-${variant}`);
        profileSets.push(['--profile', file]);
      });

      it('ps: pid, ppid, uid, gid, comm, kernel-thread flag, threads and args of every process', async () => {
        for (const profileArgs of profileSets) {
          const r = await cli([...profileArgs, 'ps', '--json', path]);
          expect(r.err).toBe('');
          expect(r.code).toBe(0);
          const got = (JSON.parse(r.out) as PsJson).processes;
          expect(got.map((p) => p.pid).sort((a, b) => a - b)).toEqual(truth.processes.map((p) => p.pid).sort((a, b) => a - b));
          const byPid = new Map(got.map((p) => [p.pid, p]));
          const base = (comm: string): string => comm.split(/[-+]/)[0];
          for (const t of truth.processes) {
            const g = byPid.get(t.pid)!;
            const worker = (t.flags & PF_WQ_WORKER) !== 0;
            expect({ pid: g.pid, ppid: g.ppid, uid: g.uid, gid: g.gid, comm: worker ? base(g.comm) : g.comm, kernelThread: g.kernelThread, threads: g.threads, args: g.args }).toEqual({
              pid: t.pid, ppid: t.ppid, uid: t.uid, gid: t.gid, comm: worker ? base(t.comm) : t.comm, kernelThread: t.kernel_thread, threads: t.num_threads, args: t.kernel_thread ? [] : t.argv,
            });
            expect('RSDTtXZPI').toContain(g.state);
          }
        }
      });

      it('dmesg: every record (seq, timestamp, level, facility, text, device dictionary)', async () => {
        for (const profileArgs of profileSets) {
          const r = await cli([...profileArgs, 'dmesg', '--json', path]);
          expect(r.err).toBe('');
          expect(r.code).toBe(0);
          const got = (JSON.parse(r.out) as DmesgJson).records;
          expect(got).toEqual(truth.dmesg.map((t) => ({ seq: t.seq, timestampUs: t.ts_usec, level: t.level, facility: t.facility, text: t.text, ...(t.dict ? { dict: t.dict } : {}) })));
        }
      });

      it('ifconfig: names, indexes, MACs, MTUs, flags, IPv4 and IPv6 addresses with prefixes', async () => {
        for (const profileArgs of profileSets) {
          const r = await cli([...profileArgs, 'ifconfig', '--json', path]);
          expect(r.err).toBe('');
          expect(r.code).toBe(0);
          const got = (JSON.parse(r.out) as IfJson).interfaces;
          expect(new Set(got.map((i) => i.netns)).size).toBe(1);
          expect(got.map((i) => ({ name: i.name, index: i.index, mac: i.mac, mtu: i.mtu, flags: i.flags, ipv4: i.ipv4, ipv6: i.ipv6 }))).toEqual(
            truth.interfaces.map((t) => ({
              name: t.name, index: t.index, mac: t.mac, mtu: t.mtu, flags: t.flags,
              ipv4: t.ipv4.map((a) => ({ address: a.address, prefixLength: a.prefixlen, scope: a.scope })),
              ipv6: t.ipv6.map((a) => ({ address: a.address, prefixLength: a.prefixlen, scope: a.scope })),
            })),
          );
        }
      });

      it('a broken tasks pointer in the image ends the walk with a warning naming it; the processes before it are kept', () => {
        const memory = openMemoryImage(new Introspector().use(memoryContainersPlugin), path);
        const kernel = locateKernel(memory);
        const kallsyms = recoverKallsyms(kernel).table;
        const profile = profileSets.length > 1 ? loadProfileFile(profileSets[1][1]) : imageProfile(kernel, kallsyms).profile!;
        const full = listProcesses(kernelView(memory, kernel, profile, kallsyms));
        expect(full.warnings).toEqual([]);
        const victim = full.processes[9];
        const at = kernel.vm.translate(victim.task + BigInt(profile.data.structs!.task_struct.fields.tasks.offset))!;
        const bad = Uint8Array.from(new Array(kernel.vm.pointerSize).fill(0x40));
        // The same image with the tenth process's tasks.next overwritten.
        const patched = Object.create(memory, {
          read: {
            value: (address: number, length: number, structure?: string): Uint8Array => {
              const bytes = memory.read(address, length, structure);
              if (at + bad.length <= address || at >= address + length) return bytes;
              const copy = bytes.slice();
              for (let i = 0; i < bad.length; i++) if (at + i >= address && at + i < address + length) copy[at + i - address] = bad[i];
              return copy;
            },
          },
        }) as PhysicalMemory;
        const broken = listProcesses(kernelView(patched, locateKernel(patched), profile, kallsyms));
        expect(broken.processes).toEqual(full.processes.slice(0, 10));
        const value = kernel.vm.pointerSize === 8 ? '0x4040404040404040' : '0x40404040';
        expect(broken.warnings).toEqual([
          `init_task.tasks: broken pointer: task_struct.tasks.next at 0x${(victim.task + BigInt(profile.data.structs!.task_struct.fields.tasks.offset)).toString(16)} is ${value} (not mapped); 10 entries read before it`,
        ]);
      });

      it('profile extract writes a profile that reads the image the same way, or says why it cannot', async () => {
        const file = join(tmp, `${variant}-extracted.json`);
        const r = await cli(['profile', 'extract', path, '-o', file]);
        if (!ownBtf) {
          expect(r.code).toBe(1);
          expect(r.err).toMatch(/cannot extract a profile: no BTF in the image/);
          return;
        }
        expect(r.code).toBe(0);
        const profile = loadProfileFile(file);
        expect(profile.kind).toBe('linux-kernel');
        const viaFile = await cli(['--profile', file, 'ps', '--json', path]);
        const viaAuto = await cli(['--profile', 'auto', 'ps', '--json', path]);
        expect(viaFile.code).toBe(0);
        expect(JSON.parse(viaFile.out)).toEqual(JSON.parse(viaAuto.out));
      });

      it('the default command prints the memory report', async () => {
        const r = await cli(['--profile', 'auto', path]);
        expect(r.code).toBe(0);
        expect(r.out).toContain('== uname');
        expect(r.out).toContain('introspect-marker: hello from the guest');
        for (const i of truth.interfaces) expect(r.out).toContain(`${i.index}: ${i.name}: `);
        expect(r.out).toMatch(/^\s+1 \/bin\/sh \/init$/m);
      });
    });
  }
});
