import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared corpus folder: INTROSPECT_CORPUS, else ../shared/corpus beside the repository. */
export function corpusDir(): string {
  return process.env.INTROSPECT_CORPUS ?? resolve(repoRoot, '../shared/corpus');
}

/** Where the corpus is unpacked once (outside the repository). */
export function corpusCacheDir(): string {
  return process.env.INTROSPECT_CORPUS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'introspect-corpus');
}

/** CI (and INTROSPECT_REQUIRE_CORPUS=1) treats a missing corpus as a failure, not a skip. */
export function corpusRequired(): boolean {
  return process.env.CI === 'true' || process.env.INTROSPECT_REQUIRE_CORPUS === '1';
}

export function corpusAvailable(): boolean {
  return existsSync(join(corpusDir(), 'unpack.sh'));
}

/** Unpack the corpus (idempotent) and return the cache folder. */
export function unpackCorpus(): string {
  const dir = corpusDir();
  if (!corpusAvailable()) {
    throw new Error(`corpus not found at ${dir} (set INTROSPECT_CORPUS)`);
  }
  const cache = corpusCacheDir();
  execFileSync('bash', [join(dir, 'unpack.sh'), cache], { stdio: ['ignore', 'ignore', 'inherit'] });
  return cache;
}

/** Path of an unpacked corpus file, e.g. corpusFile('disk/mbr-ext3.img'). */
export function corpusFile(relative: string): string {
  return join(corpusCacheDir(), relative);
}

export function readTruth<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(corpusFile(relative), 'utf8')) as T;
}
