import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IntrospectError } from '../errors.js';
import type { PluginSpec } from '../config/schema.js';
import type { Plugin } from '../pipeline/plugin.js';

/** What a plugin module may default-export (or export as `plugin`): a Plugin, a factory, or a plugin class. */
export type PluginExport = Plugin | ((options?: Record<string, unknown>) => Plugin);

/** A spec is a path when it starts with ".", "/" or is absolute; otherwise it is an npm package name. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || isAbsolute(spec);
}

/**
 * Loads the configured plugins in order. Paths resolve against `baseDir` (the configuration file's
 * folder); package names resolve with Node's rules from `baseDir`, preferring the "import" condition.
 * `where` names the configuration file in errors.
 */
export async function loadPlugins(specs: readonly PluginSpec[], baseDir: string, where: string): Promise<Plugin[]> {
  const plugins: Plugin[] = [];
  for (const [index, spec] of specs.entries()) {
    const [name, options] = typeof spec === 'string' ? [spec, undefined] : spec;
    plugins.push(await loadPlugin(name, options, baseDir, where, `plugins[${index}] "${name}"`));
  }
  return plugins;
}

export async function loadPlugin(
  spec: string,
  options: Record<string, unknown> | undefined,
  baseDir: string,
  where: string,
  structure = `plugin "${spec}"`,
): Promise<Plugin> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new IntrospectError({ file: where, structure, reason }, { cause });
  };
  const file = isPathSpec(spec) ? resolve(baseDir, spec) : resolvePackage(spec, baseDir);
  if (file === undefined) return fail(`package not found from ${baseDir} (is it installed?)`);
  if (!existsSync(file)) return fail(`no such file: ${file}`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    return fail(`cannot be imported from ${file}: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  const exported = module.default ?? module.plugin;
  if (exported === undefined) return fail(`${file} has neither a default export nor an export named "plugin"`);
  return toPlugin(exported, options, fail);
}

/** Turns an export into a Plugin: objects are used as they are, factories are called, classes constructed. */
export function toPlugin(exported: unknown, options: Record<string, unknown> | undefined, fail: (reason: string) => never): Plugin {
  let value = exported;
  if (typeof value === 'function' && !isPlugin(value)) {
    const fn = value as (options?: Record<string, unknown>) => unknown;
    try {
      value = isClass(fn) ? new (fn as unknown as new (o?: Record<string, unknown>) => unknown)(options) : fn(options);
    } catch (error) {
      return fail(`its factory threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (options !== undefined) {
    return fail('options were given but the module exports a plugin object, not a factory');
  }
  if (!isPlugin(value)) {
    return fail('the export is not a plugin: expected { name: string, apply(introspector) } or a function returning one');
  }
  return value;
}

export function isPlugin(value: unknown): value is Plugin {
  // Objects only: every function has a `name` and an `apply` (Function.prototype.apply).
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { name?: unknown; apply?: unknown };
  return typeof v.name === 'string' && v.name !== '' && typeof v.apply === 'function';
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * Node's package resolution from `baseDir`: the nearest node_modules/<name>, then its "exports"
 * ("import", "node", "default" conditions) or "main". Falls back to require.resolve (NODE_PATH...).
 */
export function resolvePackage(name: string, baseDir: string): string | undefined {
  const [pkgName, subpath] = splitPackageName(name);
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', pkgName);
    if (existsSync(join(pkgDir, 'package.json'))) {
      const entry = packageEntry(pkgDir, subpath);
      if (entry !== undefined) return entry;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  try {
    return createRequire(join(resolve(baseDir), 'noop.js')).resolve(name);
  } catch {
    return undefined;
  }
}

function splitPackageName(name: string): [string, string] {
  const parts = name.split('/');
  const n = name.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return [parts.slice(0, n).join('/'), rest === '' ? '.' : `./${rest}`];
}

function packageEntry(pkgDir: string, subpath: string): string | undefined {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports?: unknown; main?: string };
  if (pkg.exports !== undefined) {
    const exportsMap =
      typeof pkg.exports === 'string' || Array.isArray(pkg.exports) || !Object.keys(pkg.exports as object).some((k) => k.startsWith('.'))
        ? { '.': pkg.exports }
        : (pkg.exports as Record<string, unknown>);
    const target = pickCondition(exportsMap[subpath]);
    return target === undefined ? undefined : join(pkgDir, target);
  }
  if (subpath !== '.') return join(pkgDir, subpath);
  return join(pkgDir, pkg.main ?? 'index.js');
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickCondition(t);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    const conditions = target as Record<string, unknown>;
    for (const c of ['import', 'node', 'default']) {
      if (c in conditions) {
        const picked = pickCondition(conditions[c]);
        if (picked !== undefined) return picked;
      }
    }
  }
  return undefined;
}
