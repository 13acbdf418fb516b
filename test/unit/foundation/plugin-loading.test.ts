import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/load.js';
import { IntrospectError } from '../../../core/errors.js';
import { createIntrospector } from '../../../core/plugins/create.js';
import { loadPlugins, resolvePackage } from '../../../core/plugins/load.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { fixturePlugins, project, write } from './helpers.js';

const magic = join(fixturePlugins, 'magic-detect.mjs');

async function loadError(promise: Promise<unknown>): Promise<IntrospectError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(IntrospectError);
  return error as IntrospectError;
}

describe('plugin loading', () => {
  it('loads a default-exported factory, a `plugin` export and a class, in order', async () => {
    const plugins = await loadPlugins(
      [magic, join(fixturePlugins, 'named-export.mjs'), [join(fixturePlugins, 'class-plugin.mjs'), { name: 'cls' }]],
      '/',
      'cfg',
    );
    expect(plugins.map((p) => p.name)).toEqual(['fixture-magic', 'fixture-named', 'cls']);
  });

  it('passes configuration options to a factory', async () => {
    const [plugin] = await loadPlugins([[magic, { name: 'renamed', label: 'L1' }]], '/', 'cfg');
    expect(plugin.name).toBe('renamed');
  });

  it('resolves relative paths against the configuration folder', async () => {
    const dir = project({ 'plugins/mine.mjs': "export default { name: 'mine', apply() {} };\n" });
    const [plugin] = await loadPlugins(['./plugins/mine.mjs'], dir, 'cfg');
    expect(plugin.name).toBe('mine');
  });

  it('resolves npm package names from the configuration folder, preferring the "import" condition', async () => {
    const dir = project();
    write(dir, 'node_modules/introspect-plugin-fake/package.json', {
      name: 'introspect-plugin-fake',
      type: 'module',
      exports: { '.': { require: './cjs.cjs', import: './esm.js' } },
    });
    write(dir, 'node_modules/introspect-plugin-fake/esm.js', "export const plugin = { name: 'fake-esm', apply() {} };\n");
    write(dir, 'node_modules/introspect-plugin-fake/cjs.cjs', "module.exports = { plugin: { name: 'fake-cjs', apply() {} } };\n");
    write(dir, 'node_modules/@scope/plugin/package.json', { name: '@scope/plugin', main: 'main.mjs' });
    write(dir, 'node_modules/@scope/plugin/main.mjs', "export default () => ({ name: 'scoped', apply() {} });\n");
    const sub = join(dir, 'config');
    expect(resolvePackage('introspect-plugin-fake', sub)).toBe(join(dir, 'node_modules/introspect-plugin-fake/esm.js'));
    const plugins = await loadPlugins(['introspect-plugin-fake', '@scope/plugin'], sub, 'cfg');
    expect(plugins.map((p) => p.name)).toEqual(['fake-esm', 'scoped']);
  });

  it.each([
    ['introspect-plugin-not-installed', 'package not found'],
    ['./does-not-exist.mjs', 'no such file'],
    [join(fixturePlugins, 'malformed.mjs'), 'not a plugin'],
    [join(fixturePlugins, 'no-export.mjs'), 'neither a default export nor an export named "plugin"'],
    [join(fixturePlugins, 'throws-on-import.mjs'), 'fixture import failure'],
  ])('a clear error for %s', async (spec, reason) => {
    const dir = project();
    const error = await loadError(loadPlugins([spec], dir, join(dir, '.introspectrc')));
    expect(error.file).toBe(join(dir, '.introspectrc'));
    expect(error.structure).toBe(`plugins[0] "${spec}"`);
    expect(error.reason).toContain(reason);
  });

  it('rejects options given to a plugin object', async () => {
    const error = await loadError(loadPlugins([[join(fixturePlugins, 'named-export.mjs'), { a: 1 }]], '/', 'cfg'));
    expect(error.reason).toContain('not a factory');
  });
});

describe('createIntrospector from configuration', () => {
  it('registers the configured plugins after the built-in ones, and they take part in detection', async () => {
    const dir = project({ '.introspectrc.json': { plugins: ['./p/magic.mjs'] } });
    write(dir, 'p/magic.mjs', `export { default } from ${JSON.stringify(magic)};\n`);
    const introspector = await createIntrospector({ config: await loadConfig({ cwd: dir }) });
    const names = introspector.plugins.map((p) => p.name);
    expect(names.at(-1)).toBe('fixture-magic');
    expect(names).toContain('profiles');

    const image = new Uint8Array(4096);
    image.set(new TextEncoder().encode('FIXTURE!'));
    const node = { device: '/dev/sda', kind: 'disk' as const, source: new BytesSource('img', image), depth: 0 };
    const content = introspector.hooks.detect.call(node, undefined as never);
    expect(content).toMatchObject({ type: 'fixture', plugin: 'fixture-magic', label: 'FIXTURE' });
  });

  it('refuses a configured plugin whose name is taken', async () => {
    const dir = project({ '.introspectrc.json': { plugins: [magic, [magic, {}]] } });
    const error = await loadError(createIntrospector({ config: await loadConfig({ cwd: dir }) }));
    expect(error.structure).toBe('configuration key "plugins[1]"');
    expect(error.reason).toContain('already registered');
  });

  it('reports a plugin whose apply() throws', async () => {
    const dir = project({
      '.introspectrc.json': { plugins: ['./bad.mjs'] },
      'bad.mjs': "export default { name: 'bad', apply() { throw new Error('boom'); } };\n",
    });
    const error = await loadError(createIntrospector({ config: await loadConfig({ cwd: dir }) }));
    expect(error.structure).toBe('plugin "bad"');
    expect(error.reason).toContain('boom');
  });
});
