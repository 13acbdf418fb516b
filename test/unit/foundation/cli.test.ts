import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type RegisterCommand } from '../../../core/cli/program.js';
import { readStats } from '../../../core/source/source.js';
import { NotImplementedError } from '../../../core/errors.js';
import { collect, fixturePlugins, profileJson, project, write } from './helpers.js';

const magicConfig = { plugins: [join(fixturePlugins, 'magic-detect.mjs'), join(fixturePlugins, 'named-export.mjs')] };

/** A 64 KiB image whose first bytes are the fixture plugin's magic. */
function fixtureImage(dir: string, name = 'disk.img', magic = 'FIXTURE!'): string {
  const bytes = new Uint8Array(65536);
  bytes.set(new TextEncoder().encode(magic));
  return write(dir, name, bytes);
}

describe('CLI: exit codes', () => {
  it('0 for --help (listing the default command and every subcommand) and --version', async () => {
    const io = collect();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const word of ['inspect', 'plugins', 'df', 'profile', '--profile', '--config', '--json', '--explain', '--stats', '--no-btf', '--debug']) {
      expect(io.out).toContain(word);
    }
    const v = collect();
    expect(await runCli(['--version'], v)).toBe(0);
    expect(v.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('2 for usage errors: unknown option, unknown command, no image, missing --config file', async () => {
    const dir = project();
    for (const argv of [['--bogus'], ['no-such-command'], [], ['--config', 'missing.json', 'plugins']]) {
      const io = collect();
      expect(await runCli(argv, io, { cwd: dir }), argv.join(' ')).toBe(2);
      expect(io.err).not.toBe('');
    }
  });

  it('1 for a subcommand whose issue has not landed, with one line naming the issue', async () => {
    const unfinished: RegisterCommand = (program) => {
      program.command('unfinished').action(() => {
        throw new NotImplementedError('introspect unfinished', 99);
      });
    };
    const io = collect();
    expect(await runCli(['unfinished'], io, { cwd: project(), commands: [unfinished] })).toBe(1);
    expect(io.err).toBe('introspect: introspect unfinished is not implemented yet (tracked in issue #99)\n');
  });

  it('1 for a bad configuration, naming the file and the key; --json prints the error object', async () => {
    const dir = project({ '.introspectrc.json': { output: 'yaml' } });
    const io = collect();
    expect(await runCli(['--json', 'plugins'], io, { cwd: dir })).toBe(1);
    expect(io.err).toBe(`introspect: ${join(dir, '.introspectrc.json')}: configuration key "output": expected "text" or "json", got the string "yaml"\n`);
    expect(JSON.parse(io.out)).toEqual({
      error: {
        file: join(dir, '.introspectrc.json'),
        structure: 'configuration key "output"',
        offset: null,
        reason: 'expected "text" or "json", got the string "yaml"',
        message: `${join(dir, '.introspectrc.json')}: configuration key "output": expected "text" or "json", got the string "yaml"`,
      },
    });
  });

  it('no stack trace unless --debug', async () => {
    const dir = project({ '.introspectrc.json': { plugins: ['./missing.mjs'] } });
    const quiet = collect();
    expect(await runCli(['plugins'], quiet, { cwd: dir })).toBe(1);
    expect(quiet.err.trim().split('\n')).toHaveLength(1);
    const loud = collect();
    expect(await runCli(['--debug', 'plugins'], loud, { cwd: dir })).toBe(1);
    expect(loud.err).toContain('    at ');
  });
});

describe('CLI: plugins', () => {
  it('--json lists built-in and configured plugins with the hooks each taps', async () => {
    const dir = project({ '.introspectrc.json': magicConfig });
    const io = collect();
    expect(await runCli(['plugins', '--json'], io, { cwd: dir })).toBe(0);
    const { plugins } = JSON.parse(io.out) as { plugins: { name: string; hooks: string[] }[] };
    const byName = Object.fromEntries(plugins.map((p) => [p.name, p.hooks]));
    expect(byName['profiles']).toEqual(['resolveProfile']);
    expect(byName['fixture-magic']).toEqual(['detect']);
    expect(byName['fixture-named'].sort()).toEqual(['assemble', 'statfs']);
    expect(plugins.at(-1)?.name).toBe('fixture-named');
  });

  it('attributes taps to the plugin that made them, whatever the tap names', async () => {
    const dir = project({
      '.introspectrc.json': { plugins: ['./multi.mjs'] },
      'multi.mjs': `export default {
        name: 'multi',
        apply(i) {
          i.hooks.openMemory.tap('multi-elf', () => undefined);
          i.hooks.openMemory.tap({ name: 'multi-raw', stage: 100 }, () => undefined);
          i.hooks.detect.tap('whatever', () => undefined);
        },
      };\n`,
    });
    const io = collect();
    expect(await runCli(['plugins', '--json'], io, { cwd: dir })).toBe(0);
    const { plugins } = JSON.parse(io.out) as { plugins: { name: string; hooks: string[] }[] };
    expect(plugins.at(-1)).toEqual({ name: 'multi', hooks: ['detect', 'openMemory'] });
    expect(plugins.map((p) => p.name)).not.toContain('multi-elf');
    const text = collect();
    expect(await runCli(['plugins'], text, { cwd: dir })).toBe(0);
    expect(text.out).toMatch(/^multi {2,}detect, openMemory$/m);
  });

  it('--no-config ignores a discovered configuration (it could load code)', async () => {
    const dir = project({ '.introspectrc.json': { plugins: ['./evil.mjs'] }, 'evil.mjs': "throw new Error('should not run');\n" });
    const io = collect();
    expect(await runCli(['--no-config', 'plugins', '--json'], io, { cwd: dir })).toBe(0);
    expect(JSON.parse(io.out).plugins.map((p: { name: string }) => p.name)).not.toContain('evil');
    expect(await runCli(['plugins'], collect(), { cwd: dir })).toBe(1);
  });

  it('--config FILE selects the configuration; `output: json` applies without --json', async () => {
    const dir = project({ 'conf/my.json': { ...magicConfig, output: 'json' } });
    const io = collect();
    expect(await runCli(['--config', 'conf/my.json', 'plugins'], io, { cwd: dir })).toBe(0);
    expect(JSON.parse(io.out).plugins.map((p: { name: string }) => p.name)).toContain('fixture-magic');
  });
});

describe('CLI: default command (inspect)', () => {
  it('prints each device found by a configured plugin and exits 0', async () => {
    const dir = project({ '.introspectrc.json': magicConfig });
    fixtureImage(dir);
    const io = collect();
    expect(await runCli(['disk.img'], io, { cwd: dir })).toBe(0);
    expect(io.out).toBe('DEVICE    TYPE     LABEL    UUID  SIZE   NOTE\n/dev/sda  fixture  FIXTURE        65536\n');
    expect(io.err).toBe('');
  });

  it('--json gives the nodes; --stats reports the bytes read on stderr', async () => {
    const dir = project({ '.introspectrc.json': magicConfig });
    fixtureImage(dir);
    const io = collect();
    expect(await runCli(['--json', '--stats', 'disk.img'], io, { cwd: dir })).toBe(0);
    const out = JSON.parse(io.out);
    expect(out.guest).toBe('disk.img');
    expect(out.nodes).toEqual([{ device: '/dev/sda', kind: 'disk', type: 'fixture', plugin: 'fixture-magic', label: 'FIXTURE', size: 65536 }]);
    // The count covers every plugin's reads (built-ins probe too), counted afresh for each run.
    expect(io.err).toBe(`introspect: stats: ${readStats.bytesRead} bytes read in ${readStats.reads} reads\n`);
    expect(readStats.bytesRead).toBeGreaterThanOrEqual(8);
    const again = collect();
    await runCli(['--stats', 'disk.img'], again, { cwd: dir });
    expect(again.err).toBe(io.err);
  });

  it('an image nothing recognises, disk or memory: listed as an unknown disk with a note, exit 0 (a blank disk is no error)', async () => {
    const dir = project();
    fixtureImage(dir, 'mem.raw', 'NOTHING!');
    const io = collect();
    expect(await runCli(['mem.raw'], io, { cwd: dir })).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toMatch(/^\/dev\/sda +unknown +65536 +no partition table, filesystem or Linux kernel recognised$/m);
    const json = collect();
    expect(await runCli(['--json', 'mem.raw'], json, { cwd: dir })).toBe(0);
    const doc = JSON.parse(json.out) as { nodes: Array<{ device: string; type: string; note?: string }>; diagnostics: unknown[] };
    expect(doc.nodes).toEqual([expect.objectContaining({ device: '/dev/sda', type: 'unknown', note: 'no partition table, filesystem or Linux kernel recognised' })]);
    expect(doc.diagnostics).toEqual([]);
  });

  it('one recognised and one unrecognised image: prints both, the unknown one with a note, exit 0', async () => {
    const dir = project({ '.introspectrc.json': magicConfig });
    fixtureImage(dir, 'a.img');
    fixtureImage(dir, 'b.img', 'NOTHING!');
    const io = collect();
    expect(await runCli(['a.img', 'b.img'], io, { cwd: dir })).toBe(0);
    expect(io.out).toContain('/dev/sda  fixture');
    expect(io.out).toMatch(/^\/dev\/sdb +unknown .*no partition table, filesystem or Linux kernel recognised$/m);
  });

  it('a missing image is an error diagnostic naming the file, exit 1', async () => {
    const dir = project();
    const io = collect();
    expect(await runCli(['./gone.img'], io, { cwd: dir })).toBe(1);
    expect(io.err).toContain(`introspect: error: /dev/sda: ${join(dir, 'gone.img')}: image file: cannot open (ENOENT)`);
  });
});

describe('CLI: default command and memory plugins', () => {
  it('reads an image a configured memory plugin opens; no kernel in it is exit 1 naming the file', async () => {
    const dir = project({
      '.introspectrc.json': { plugins: ['./elf-memory.mjs'] },
      'elf-memory.mjs': `export default {
        name: 'fake-elf-memory',
        apply(i) {
          i.hooks.openMemory.tap('fake-elf-memory', (r) => {
            const head = r.source.read(0, 4);
            return head[0] === 0x7f && head[1] === 0x45 ? { name: r.path, format: 'elf', ranges: [], cpus: [], read() { throw new Error('x'); }, isPresent: () => false } : undefined;
          });
        },
      };\n`,
    });
    fixtureImage(dir, 'vm.core', '\x7fELF');
    const io = collect();
    expect(await runCli(['vm.core'], io, { cwd: dir })).toBe(1);
    expect(io.err).toMatch(new RegExp(`^introspect: ${join(dir, 'vm.core').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Linux kernel: kernel not found: .*\\n$`));
  });
});

describe('CLI: profile resolution through the command context', () => {
  // A stand-in for the memory commands: resolves a profile for what it "read" from the image.
  const resolveCommand: RegisterCommand = (program, context) => {
    program
      .command('test-resolve')
      .argument('<image>')
      .option('--release <release>')
      .option('--banner <banner>')
      .action(async (image: string, o: { release?: string; banner?: string }) => {
        const ctx = context();
        const query = { kind: 'linux-kernel' as const, imagePath: image, release: o.release, arch: 'x86_64', banner: o.banner };
        const seen: { btf?: boolean } = {};
        const introspector = await ctx.introspector();
        introspector.hooks.resolveProfile.tap('btf-probe', (r, q) => ((seen.btf = q.btf), r));
        const r = await ctx.resolveProfile(query);
        ctx.io.stdout(`${r.profile?.name ?? 'none'} ${r.chosenBy ?? '-'} btf=${String(seen.btf)}\n`);
      });
  };
  const files = {
    '.introspectrc.yaml': 'profilePaths: [./p]\nrules:\n  - match: { image: "rt-*", banner: PREEMPT_RT }\n    profile: k-rt\n',
    'p/k.json': profileJson({ name: 'k', versions: '>=99.1.0 <99.2.0' }),
    'p/k-wide.json': profileJson({ name: 'k-wide', versions: '>=99.0.0 <100.0.0' }),
    'p/k-rt.json': profileJson({ name: 'k-rt', versions: '>=99.0.0 <100.0.0', signature: { banner: 'PREEMPT_RT' } }),
  };
  const run = async (argv: string[]) => {
    const dir = project(files);
    const io = collect();
    const code = await runCli(argv, io, { cwd: dir, commands: [resolveCommand] });
    return { code, ...io };
  };

  it('auto: the most specific shipped/profilePaths profile; no explanation without --explain', async () => {
    expect(await run(['test-resolve', 'web.core', '--release', '99.1.7-2-amd64'])).toMatchObject({ code: 0, out: 'k shipped btf=true\n', err: '' });
  });

  it('--explain prints every stage and candidate to stderr', async () => {
    const r = await run(['--explain', 'test-resolve', 'web.core', '--release', '99.1.7-2-amd64']);
    expect(r.out).toBe('k shipped btf=true\n');
    expect(r.err).toContain('profile resolution for web.core (linux-kernel, release 99.1.7-2-amd64, arch x86_64):');
    expect(r.err).toContain('  rule: rules[0] does not apply: image web.core does not match rt-*');
    expect(r.err).toMatch(/shipped: lost k-wide .*: fits, but k is more specific \(\[99\.1\.0, 99\.2\.0\) lies inside \[99\.0\.0, 100\.0\.0\)\)/);
    expect(r.err).toMatch(/shipped: rejected k-rt .*requires a banner check/);
    expect(r.err).toContain('=> k (chosen by shipped)');
  });

  it('a configuration rule, then --profile, in that order; --no-btf reaches the image stage', async () => {
    expect((await run(['test-resolve', 'rt-1.core', '--release', '99.1.0', '--banner', 'SMP PREEMPT_RT'])).out).toBe('k-rt rule btf=true\n');
    expect((await run(['--profile', 'k-wide', 'test-resolve', 'web.core', '--release', '99.1.0'])).out).toBe('k-wide explicit btf=true\n');
    expect((await run(['test-resolve', 'web.core', '--release', '99.1.0', '--no-btf'])).out).toBe('k shipped btf=false\n');
  });

  it('--profile naming no profile exits 2; nothing fitting is not an error by itself', async () => {
    const r = await run(['--profile', 'nope', 'test-resolve', 'web.core', '--release', '99.1.0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--profile nope: no such profile \(known linux-kernel profiles: k, k-rt, k-wide(, linux-[^,)]+)*\)/); // + the shipped kernel profiles
    expect((await run(['test-resolve', 'web.core', '--release', '4.19.0'])).out).toBe('none - btf=true\n');
  });
});

describe('CLI: default command and diagnostics', () => {
  it('an unrecognised disk a plugin diagnosed: its warning on stderr, the disk listed as unknown, exit 0', async () => {
    const dir = project({
      '.introspectrc.json': { plugins: ['./warn.mjs'] },
      'warn.mjs': `export default {
        name: 'warner',
        apply(i) {
          i.hooks.expand.tap('warner', (node, session) => {
            session.report('warning', Object.assign(new Error('x'), { message: 'img: superblock: bad magic' }), node.device);
          });
        },
      };\n`,
    });
    fixtureImage(dir, 'bad.img', 'NOTHING!');
    const io = collect();
    expect(await runCli(['bad.img'], io, { cwd: dir })).toBe(0);
    expect(io.err).toBe('introspect: warning: /dev/sda: img: superblock: bad magic\n');
    expect(io.out).toMatch(/^\/dev\/sda +unknown /m);
  });
});
