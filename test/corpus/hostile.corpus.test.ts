// Hostile input against the corpus (issue 9):
// 1. every bad image, through the CLI (list, df, the default command; text and --json), exits as its
//    truth's bad_input asks (1, or 0 where the truth wants no error), with one-line errors on stderr
//    naming the file, the structure, the offset (one the truth's corruption record names) and what was
//    wrong, an `error` object with those fields under --json, and the sound parts still printed;
// 2. every image (disk and memory) is opened O_RDONLY and hashes the same before and after every command.
import { createHash } from 'node:crypto';
import fs, { readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../core/cli/io.js';
import { runCli } from '../../core/cli/program.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from './corpus.js';

const skip = !corpusAvailable() && !corpusRequired();

interface Truth {
  images: string[];
  kind: 'good' | 'bad';
  files: Array<{ file: string; sha256: string }>;
  bad_input: null | {
    corruption?: Record<string, unknown> | null;
    careful_tool_should: {
      summary: string;
      filesystems?: string[];
      filesystems_ok?: string[];
      partitions_missing?: string[];
      partitions_truncated?: string[];
      partitions_past_end?: string[];
      damaged_record?: number;
    };
  };
}

function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  const io: CliIo = { interactive: false, stdout: (t) => void (r.out += t), stderr: (t) => void (r.err += t) };
  return runCli(['--no-config', ...argv], io, { cwd: tmpdir() }).then((code) => ({ ...r, code }));
}

/** Byte offsets the truth's corruption record names: *offset* fields in bytes, *sector* fields times 512. */
function truthOffsets(corruption: Record<string, unknown> | null | undefined): number[] {
  const out: number[] = [];
  for (const [key, value] of Object.entries(corruption ?? {})) {
    if (typeof value !== 'number') continue;
    if (/offset/.test(key) && !/before/.test(key)) out.push(value);
    if (/^patched_.*sector$/.test(key)) out.push(value * 512);
  }
  return out;
}

/** Every object under a key "error" in a JSON document. */
function errorObjects(doc: unknown): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k === 'error' && child && typeof child === 'object') found.push(child as Record<string, unknown>);
        walk(child);
      }
    }
  };
  walk(doc);
  return found;
}

/** After the image path (or a source named after it, "PATH [partition 2]"): structure, offset, reason. */
const LOCATED = /^(?: \[[^\]]*\])*: (.+?) at offset (\d+) \(0x[0-9a-f]+\): (.+)$/;

/** [file, structure, offset, reason] of a stderr line that names one of the images, or undefined. */
function located(line: string, paths: readonly string[]): [string, string, number, string] | undefined {
  for (const path of paths) {
    const at = line.indexOf(path);
    if (at < 0) continue;
    const m = LOCATED.exec(line.slice(at + path.length));
    if (m) return [path, m[1], Number(m[2]), m[3]];
  }
  return undefined;
}

const truthNames = skip ? [] : readdirSync(corpusFile('disk')).filter((f) => f.endsWith('.truth.json')).sort();
const bad = truthNames.map((name) => ({ name, truth: readTruth<Truth>(`disk/${name}`) })).filter((t) => t.truth.kind === 'bad');
const COMMANDS: Array<{ label: string; argv: string[] }> = [
  { label: 'list', argv: ['list'] },
  { label: 'df', argv: ['df'] },
  { label: 'default', argv: [] },
];

describe.skipIf(skip)('bad corpus images through the CLI', () => {
  it('the corpus has bad images', () => {
    expect(bad.length).toBeGreaterThan(0);
  });

  for (const { name, truth } of bad) {
    const should = truth.bad_input!.careful_tool_should;
    const paths = truth.images.map((i) => corpusFile(`disk/${i}`));
    // "no error" in the truth: an empty disk is not a bad input for the tool, only for the guest.
    const wantsError = !/\bno error\b/.test(should.summary);
    const offsets = truthOffsets(truth.bad_input!.corruption);
    const sound = should.filesystems_ok ?? should.filesystems ?? [];

    for (const command of COMMANDS) {
      it(`${name}: ${command.label} exits ${wantsError ? 1 : 0} with one-line located errors`, async () => {
        const r = await run([...command.argv, ...paths]);
        expect(r.code, r.err).toBe(wantsError ? 1 : 0);
        const lines = r.err.split('\n').filter((l) => l !== '');
        for (const line of lines) expect(line).toMatch(/^introspect/);
        const found = lines.map((l) => located(l, paths)).filter((m) => m !== undefined);
        if (!wantsError) {
          expect(lines.filter((l) => / error|^introspect: \//.test(l)), r.err).toEqual([]);
          return;
        }
        // At least one line names the file, the structure, the offset and the reason.
        expect(found.length, r.err).toBeGreaterThan(0);
        for (const [, structure, , reason] of found) {
          expect(structure.length).toBeGreaterThan(0);
          expect(reason.length).toBeGreaterThan(0);
        }
        if (offsets.length > 0) expect(found.map((m) => m[2]).filter((o) => offsets.includes(o)), r.err).not.toEqual([]);
      });

      it(`${name}: ${command.label} --json carries the error object`, async () => {
        const r = await run(['--json', ...command.argv, ...paths]);
        expect(r.code, r.err).toBe(wantsError ? 1 : 0);
        const doc = JSON.parse(r.out) as unknown;
        const errors = errorObjects(doc);
        if (!wantsError) {
          expect(errors).toEqual([]);
          return;
        }
        expect(errors.length, r.out).toBeGreaterThan(0);
        for (const e of errors) {
          expect(typeof e.file).toBe('string');
          expect(typeof e.structure).toBe('string');
          expect(typeof e.reason).toBe('string');
        }
        const located = errors.filter((e) => e.offset !== null && e.offset !== undefined);
        expect(located.length, r.out).toBeGreaterThan(0);
        if (offsets.length > 0) expect(located.map((e) => Number(e.offset)).filter((o) => offsets.includes(o)), r.out).not.toEqual([]);
      });
    }

    if (sound.length > 0) {
      it(`${name}: the sound filesystems are still reported (${sound.join(', ')})`, async () => {
        const df = await run(['--json', 'df', ...paths]);
        const rows = (JSON.parse(df.out) as { filesystems: Array<{ device: string }> }).filesystems.map((f) => f.device);
        expect(rows).toEqual(expect.arrayContaining(sound));
        const list = await run(['list', ...paths]);
        for (const device of sound) expect(list.out).toMatch(new RegExp(`^${device} +filesystem`, 'm'));
        const dflt = await run(paths);
        for (const device of sound) expect(dflt.out).toMatch(new RegExp(`^${device} `, 'm'));
      });
    }
  }
});

// ---------------------------------------------------------------- read-only

function sha256(path: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(path, 'r');
  const buf = Buffer.alloc(8 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

const memDirs = skip ? [] : readdirSync(corpusFile('mem')).sort();
const memImages = memDirs.flatMap((d) => readdirSync(corpusFile(`mem/${d}`)).filter((f) => /^mem\.(raw|elf|kdump|lime)$/.test(f)).map((f) => corpusFile(`mem/${d}/${f}`)));

describe.skipIf(skip)('every image is opened read-only and never changes', () => {
  const opens: Array<{ path: string; flags: unknown }> = [];
  const original = fs.openSync;
  const guests = [...new Map(truthNames.map((n) => {
    const t = readTruth<Truth>(`disk/${n}`);
    return [t.images.join('+'), t] as const;
  })).values()];
  const disks = guests.flatMap((t) => t.files.map((f) => ({ path: corpusFile(`disk/${f.file}`), sha256: f.sha256 })));
  const before = new Map<string, string>();

  beforeAll(() => {
    for (const path of [...disks.map((d) => d.path), ...memImages]) before.set(path, sha256(path));
    // FileSource imports openSync from node:fs: replace it in the module and re-sync the ESM bindings.
    fs.openSync = ((path: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      opens.push({ path: String(path), flags });
      return original(path, flags ?? 'r', mode);
    }) as typeof fs.openSync;
    syncBuiltinESMExports();
  });
  afterAll(() => {
    fs.openSync = original;
    syncBuiltinESMExports();
  });

  it('the images hash as their truth files say before anything runs', () => {
    for (const d of disks) expect([d.path, before.get(d.path)]).toEqual([d.path, d.sha256]);
  });

  for (const t of guests) {
    it(`${t.images.join(' + ')}: list, df, default, with and without --json`, async () => {
      const paths = t.images.map((i) => corpusFile(`disk/${i}`));
      for (const argv of [['list'], ['df'], [], ['--json', 'list'], ['--json', 'df'], ['--json']]) await run([...argv, ...paths]);
    });
  }
  for (const path of memImages) {
    it(`${path.split('/').slice(-2).join('/')}: uname, and the disk commands`, async () => {
      for (const argv of [['uname'], ['--json', 'uname'], ['list'], ['df'], []]) await run([...argv, path]);
    });
  }

  it('every open of an image was O_RDONLY', () => {
    const images = new Set([...disks.map((d) => d.path), ...memImages]);
    const ofImages = opens.filter((o) => images.has(o.path));
    expect(ofImages.length).toBeGreaterThanOrEqual(images.size);
    const readOnly = (flags: unknown): boolean => flags === undefined || flags === 'r' || flags === fs.constants.O_RDONLY;
    expect(ofImages.filter((o) => !readOnly(o.flags))).toEqual([]);
  });

  it('every image hashes the same after every command', () => {
    for (const [path, hash] of before) expect([path, sha256(path)]).toEqual([path, hash]);
    void readFileSync;
  });
});
