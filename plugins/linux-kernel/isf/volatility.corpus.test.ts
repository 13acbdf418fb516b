// Optional: Volatility 3 reads an ISF exported by `introspect profile export-isf` and its linux.pslist
// agrees with our ps. Volatility is not a dependency: set INTROSPECT_VOLATILITY3 to a volatility3
// checkout's vol.py to run this (python3 must be able to run it). Volatility 3 reads neither 5-level
// paging, arm64 nor kdump files, so the 4-level x86_64 raw image of the corpus is the one compared.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { corpusAvailable, corpusFile, corpusRequired } from '../../../test/corpus/corpus.js';

const vol = process.env.INTROSPECT_VOLATILITY3;
const variant = 'bullseye-amd64';
const dir = corpusFile(`mem/${variant}`);
const skip = !vol || (!corpusAvailable() && !corpusRequired()) || !existsSync(join(dir, 'mem.raw'));
const tmp = mkdtempSync(join(tmpdir(), 'introspect-vol3-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(skip)('Volatility 3 with an exported ISF', () => {
  it(`${variant}: linux.pslist agrees with ps on pid, ppid and comm`, { timeout: 1_800_000 }, async () => {
    let out = '';
    let err = '';
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s), interactive: false };
    mkdirSync(join(tmp, 'symbols/linux'), { recursive: true });
    const isf = join(tmp, 'symbols/linux/introspect.json');
    const map = readFileSync(join(dir, 'meta.json'), 'utf8').match(/"system_map": "([^"]+)"/)![1];
    const kernel = readFileSync(join(dir, 'meta.json'), 'utf8').match(/"vmlinuz": "([^"]+)"/)![1];
    expect(await runCli(['--no-config', 'profile', 'export-isf', '--kernel', kernel, '--system-map', map, '-o', isf], io, { cwd: dir }), err).toBe(0);
    expect(await runCli(['--no-config', 'ps', '--json', join(dir, 'mem.raw')], io, { cwd: dir }), err).toBe(0);
    const ours = (JSON.parse(out.slice(out.indexOf('{'))) as { processes: { pid: number; ppid: number; comm: string }[] }).processes;
    const json = execFileSync('python3', [vol!, '-q', '-r', 'json', '-f', join(dir, 'mem.raw'), '-s', join(tmp, 'symbols'), 'linux.pslist'], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 1_700_000 });
    const theirs = (JSON.parse(json) as { PID: number; PPID: number; COMM: string }[]).map((r) => [r.PID, r.PPID, r.COMM]);
    // ps shows workqueue workers as /proc does ("kworker/0:1-events"); task_struct.comm has no "-desc".
    const mine = ours.map((p) => [p.pid, p.ppid, p.comm.startsWith('kworker/') ? p.comm.replace(/-.*$/, '') : p.comm]);
    const sort = (rows: (string | number)[][]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sort(theirs)).toEqual(sort(mine));
    expect(theirs.length).toBeGreaterThan(10);
  });
});
