// The shipped kernel profiles against the corpus: each is what `introspect profile build` makes from
// the corpus kernel files (regenerated here with the command recorded in it, byte for byte); its
// layouts equal those of the image's own BTF; and with BTF discovery off (--no-btf) ps, dmesg and
// ifconfig give the same output through it as with the image's BTF.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { openMemoryImage } from '../../../core/memory/open.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import { ProfileRegistry } from '../../../core/profiles/registry.js';
import type { Profile } from '../../../core/profiles/types.js';
import { corpusAvailable, corpusFile, corpusRequired } from '../../../test/corpus/corpus.js';
import { memoryContainersPlugin } from '../../memory-containers/index.js';
import { imageProfile } from '../image-profile/image.js';
import { recoverKallsyms } from '../kallsyms/index.js';
import { locateKernel } from '../locate.js';

const skip = !corpusAvailable() && !corpusRequired();
const memDir = corpusFile('mem');
const variants = !skip && existsSync(memDir) ? readdirSync(memDir).filter((v) => existsSync(join(memDir, v, 'meta.json'))).sort() : [];
const tmp = mkdtempSync(join(tmpdir(), 'introspect-profile-corpus-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Meta { kernel_release: string; package: string; package_version: string }
const meta = (v: string): Meta => JSON.parse(readFileSync(join(memDir, v, 'meta.json'), 'utf8')) as Meta;
const memImage = (v: string): string => join(memDir, v, readdirSync(join(memDir, v)).find((f) => /^mem\.(raw|elf|kdump)$/.test(f))!);
/** The shipped profile made from this variant's kernel package. */
const shippedFor = (v: string): Profile => {
  const found = ProfileRegistry.load().ofKind('linux-kernel').find((p) => p.meta?.package === meta(v).package);
  if (!found) throw new Error(`no shipped profile for ${meta(v).package}`);
  return found;
};

async function cli(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['--no-config', ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s), interactive: false }, { cwd });
  return { code, out, err };
}

describe.skipIf(skip)('shipped kernel profiles on the corpus', () => {
  it.each(variants)('%s: the shipped profile is what its recorded command makes from the corpus files', async (v) => {
    const profile = shippedFor(v);
    const words = String(profile.meta!.generatedBy).split(' ');
    expect(words.slice(0, 3)).toEqual(['introspect', 'profile', 'build']);
    expect(profile.meta).toMatchObject({ package: meta(v).package, packageVersion: meta(v).package_version, release: meta(v).kernel_release });
    const out = join(tmp, `${v}.json`);
    const r = await cli([...words.slice(1), '-o', out], join(memDir, v));
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(profile.origin!, 'utf8'));
  });

  it.each(variants)('%s: layouts and symbols equal those the image\'s own BTF and kallsyms give (where it has BTF)', (v) => {
    const introspector = new Introspector();
    memoryContainersPlugin.apply(introspector);
    const kernel = locateKernel(openMemoryImage(introspector, memImage(v)), {});
    let kallsyms;
    try {
      kallsyms = recoverKallsyms(kernel).table;
    } catch {
      kallsyms = undefined;
    }
    const shipped = shippedFor(v);
    const own = imageProfile(kernel, kallsyms).profile;
    if (!own) {
      // No BTF in the image (bookworm-i386): the profile is the only source of layouts.
      expect(v).toMatch(/i386/);
      return;
    }
    expect(shipped.data.structs).toEqual(own.data.structs);
    expect(shipped.signature!.facts).toMatchObject(own.signature!.facts!);
    expect(new RegExp(shipped.signature!.banner!).test(kernel.banner)).toBe(true);
    for (const [name, address] of Object.entries(own.data.symbols ?? {})) expect([name, shipped.data.symbols?.[name]]).toEqual([name, address]);
  });

  it.each(variants)('%s: --no-btf ps, dmesg and ifconfig equal the BTF run, through the shipped profile', async (v) => {
    const image = memImage(v);
    for (const command of ['ps', 'dmesg', 'ifconfig']) {
      const withBtf = await cli([command, '--json', image]);
      const without = await cli(['--no-btf', '--explain', command, '--json', image]);
      expect(withBtf.code, withBtf.err).toBe(0);
      expect(without.code, without.err).toBe(0);
      expect(without.err).toContain(`=> ${shippedFor(v).name} (chosen by shipped)`);
      expect(without.out).toBe(withBtf.out);
      expect(withBtf.out.length).toBeGreaterThan(500);
    }
  });

  it.each(variants)('%s: profile explain --no-btf shows the waterfall and the shipped choice; the others are rejected with a reason', async (v) => {
    const r = await cli(['--no-btf', 'profile', 'explain', memImage(v)]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('image: BTF not used (--no-btf)');
    expect(r.out).toMatch(new RegExp(`shipped: WON ${shippedFor(v).name.replaceAll('.', '\\.')} .*: fits \\(banner matches, facts hold\\)`));
    for (const other of ProfileRegistry.load().ofKind('linux-kernel').filter((p) => p !== shippedFor(v) && p.name !== shippedFor(v).name)) {
      expect(r.out).toMatch(new RegExp(`shipped: rejected ${other.name.replaceAll('.', '\\.')} .*: (arch|release|banner check failed)`));
    }
    expect(r.out).toContain(`=> ${shippedFor(v).name} (chosen by shipped)`);
  });

  it.each(variants.filter((v) => !v.includes('i386')))('%s: a profile of another build (same release pattern, wrong layout or symbol) is rejected by its facts, read from the image', async (v) => {
    const shipped = shippedFor(v);
    const doc = JSON.parse(readFileSync(shipped.origin!, 'utf8')) as { name: string; signature: { banner: string }; data: { structs: Record<string, { fields: Record<string, { offset: number }> }>; symbols: Record<string, string> } };
    doc.signature.banner = '^Linux version '; // the banner no longer tells the builds apart
    const wrongOffset = structuredClone(doc);
    wrongOffset.name = 'other-build-comm';
    wrongOffset.data.structs.task_struct.fields.comm.offset += 8;
    const wrongSymbol = structuredClone(doc);
    wrongSymbol.name = 'other-build-init-task';
    wrongSymbol.data.symbols.init_task = '0x' + (BigInt(doc.data.symbols.init_task) + 0x2000n).toString(16);
    const dir = join(tmp, `facts-${v}`);
    mkdirSync(join(dir, 'p'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name": "facts-test"}');
    writeFileSync(join(dir, '.introspectrc.json'), JSON.stringify({ profilePaths: ['./p'] }));
    writeFileSync(join(dir, 'p/comm.json'), JSON.stringify(wrongOffset));
    // With KALLSYMS_ALL (x86_64) the kernel's own init_task is used and a profile's wrong address is harmless: only arm64 gets this one.
    if (v.includes('arm64')) writeFileSync(join(dir, 'p/init-task.json'), JSON.stringify(wrongSymbol));
    let out = '';
    let err = '';
    const code = await runCli(['--no-btf', 'profile', 'explain', memImage(v)], { stdout: (s) => (out += s), stderr: (s) => (err += s), interactive: false }, { cwd: dir });
    expect(code, err).toBe(0);
    expect(out).toMatch(/shipped: rejected other-build-comm .*: fact check failed: task_struct@init_task\.comm reads "[^"]*" in the image, the profile expects/);
    // kallsyms without data symbols (arm64): the profile's own init_task address is what is read.
    if (v.includes('arm64')) expect(out).toMatch(/shipped: rejected other-build-init-task .*: fact check failed: task_struct@init_task\.comm reads/);
    expect(out).toContain(`=> ${shipped.name} (chosen by shipped)`);
  });
});
