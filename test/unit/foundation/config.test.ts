import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load.js';
import { validateConfig } from '../../../core/config/schema.js';
import { IntrospectError, UsageError } from '../../../core/errors.js';
import { project, write } from './helpers.js';

const sample = { output: 'json', profile: 'debian-6.1', profilePaths: ['./profiles'] };

describe('configuration discovery', () => {
  it.each([
    ['.introspectrc', JSON.stringify(sample)],
    ['.introspectrc', 'output: json\nprofile: debian-6.1\nprofilePaths:\n  - ./profiles\n'],
    ['.introspectrc.json', JSON.stringify(sample)],
    ['.introspectrc.yaml', 'output: json\nprofile: debian-6.1\nprofilePaths: [./profiles]\n'],
    ['introspect.config.js', `export default ${JSON.stringify(sample)};\n`],
    ['introspect.config.mjs', `export default ${JSON.stringify(sample)};\n`],
    ['introspect.config.cjs', `module.exports = ${JSON.stringify(sample)};\n`],
  ])('finds %s', async (name, text) => {
    // .js is ESM here because the project's package.json says "type": "module".
    const dir = project({ [name]: text }, { packageJson: { name: 'x', type: 'module' } });
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.filepath).toBe(join(dir, name));
    expect(loaded.dir).toBe(dir);
    expect(loaded.config).toEqual(sample);
  });

  it('reads the "introspect" key of package.json', async () => {
    const dir = project({}, { packageJson: { name: 'x', introspect: { output: 'text' } } });
    const loaded = await loadConfig({ cwd: dir });
    expect(loaded.filepath).toBe(join(dir, 'package.json'));
    expect(loaded.config).toEqual({ output: 'text' });
  });

  it('walks up from a subfolder to the project root, and not past it', async () => {
    const dir = project({ '.introspectrc.json': { output: 'json' } });
    const sub = join(dir, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    expect((await loadConfig({ cwd: sub })).filepath).toBe(join(dir, '.introspectrc.json'));

    const inner = project({ 'inner/package.json': { name: 'inner' } });
    write(inner, '.introspectrc.json', { output: 'json' });
    const loaded = await loadConfig({ cwd: join(inner, 'inner') });
    expect(loaded.filepath).toBeUndefined();
    expect(loaded.config).toEqual({});
    expect(loaded.dir).toBe(join(inner, 'inner'));
  });

  it('returns defaults when there is no configuration', async () => {
    const dir = project();
    expect(await loadConfig({ cwd: dir })).toEqual({ config: {}, dir });
  });

  it('--config loads exactly that file, ignoring discovered ones', async () => {
    const dir = project({ '.introspectrc.json': { output: 'json' }, 'conf/custom.yaml': 'output: text\n' });
    const loaded = await loadConfig({ cwd: dir, file: 'conf/custom.yaml' });
    expect(loaded.filepath).toBe(join(dir, 'conf/custom.yaml'));
    expect(loaded.dir).toBe(join(dir, 'conf'));
    expect(loaded.config).toEqual({ output: 'text' });
  });

  it('--config with a missing file is a usage error', async () => {
    const dir = project();
    await expect(loadConfig({ cwd: dir, file: 'nope.json' })).rejects.toThrow(UsageError);
  });

  it('a syntax error names the file', async () => {
    const dir = project({ '.introspectrc.json': '{ "output": ' });
    const error = await loadConfig({ cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntrospectError);
    expect((error as IntrospectError).file).toBe(join(dir, '.introspectrc.json'));
  });

  it('validation errors from a discovered file name the key and the file', async () => {
    const dir = project({ '.introspectrc.yaml': 'output: xml\n' });
    const error = (await loadConfig({ cwd: dir }).catch((e: unknown) => e)) as IntrospectError;
    expect(error).toBeInstanceOf(IntrospectError);
    expect(error.file).toBe(join(dir, '.introspectrc.yaml'));
    expect(error.message).toContain('"output"');
    expect(error.message).toContain('.introspectrc.yaml');
  });
});

describe('configuration validation', () => {
  const reject = (raw: unknown): IntrospectError => {
    try {
      validateConfig(raw, '/etc/x.json');
    } catch (error) {
      expect(error).toBeInstanceOf(IntrospectError);
      expect((error as IntrospectError).file).toBe('/etc/x.json');
      return error as IntrospectError;
    }
    throw new Error('expected the configuration to be rejected');
  };

  it('accepts every key', () => {
    const config = {
      plugins: ['introspect-plugin-x', './local.mjs', ['./opts.mjs', { label: 'L' }]],
      profile: 'auto',
      profilePaths: ['./profiles', '/abs/p.json'],
      rules: [{ match: { image: '*.img', banner: 'PREEMPT_RT', release: '>=6.1 <6.2', arch: 'x86_64' }, profile: 'rt' }],
      output: 'text',
    };
    expect(validateConfig(config, 'f')).toEqual(config);
  });

  it.each([
    [{ plugns: [] }, 'configuration key "plugns"', 'unknown key'],
    [{ plugins: 'x' }, 'configuration key "plugins"', 'expected an array'],
    [{ plugins: [3] }, 'configuration key "plugins[0]"', 'expected a package name'],
    [{ plugins: [['x', 'y']] }, 'configuration key "plugins[0]"', 'expected a package name'],
    [{ plugins: [''] }, 'configuration key "plugins[0]"', 'must not be empty'],
    [{ profile: 7 }, 'configuration key "profile"', 'expected a string'],
    [{ profilePaths: ['ok', false] }, 'configuration key "profilePaths[1]"', 'expected a string'],
    [{ output: 'xml' }, 'configuration key "output"', 'expected "text" or "json"'],
    [{ rules: {} }, 'configuration key "rules"', 'expected an array'],
    [{ rules: [{ profile: 'p' }] }, 'configuration key "rules[0].match"', 'expected an object'],
    [{ rules: [{ match: {}, profile: 'p' }] }, 'configuration key "rules[0].match"', 'needs at least one'],
    [{ rules: [{ match: { image: '*' } }] }, 'configuration key "rules[0].profile"', 'missing'],
    [{ rules: [{ match: { image: '*' }, profile: 'p', when: 1 }] }, 'configuration key "rules[0].when"', 'unknown key'],
    [{ rules: [{ match: { imag: '*' }, profile: 'p' }] }, 'configuration key "rules[0].match.imag"', 'unknown key'],
    [{ rules: [{ match: { banner: '(' }, profile: 'p' }] }, 'configuration key "rules[0].match.banner"', 'regular expression'],
    [{ rules: [{ match: { release: 'six' }, profile: 'p' }] }, 'configuration key "rules[0].match.release"', 'semver range'],
    [{ rules: [{ match: { arch: 1 }, profile: 'p' }] }, 'configuration key "rules[0].match.arch"', 'expected a string'],
    [[1], 'configuration', 'expected an object'],
  ])('rejects %j', (raw, structure, reason) => {
    const error = reject(raw);
    expect(error.structure).toBe(structure);
    expect(error.reason).toContain(reason);
    expect(error.message).toContain('/etc/x.json');
  });

  it('treats an empty file as no settings', () => {
    expect(validateConfig(undefined, 'f')).toEqual({});
    expect(validateConfig(null, 'f')).toEqual({});
  });
});
