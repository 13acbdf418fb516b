import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDfArgs } from '../../../core/cli/commands/df.js';
import { runCli } from '../../../core/cli/program.js';
import { UsageError } from '../../../core/errors.js';
import { buildExt, ext4OneKSpec, type ExtImageSpec } from '../../../plugins/ext3/testing/build-ext.js';

const ext4: ExtImageSpec = { ...ext4OneKSpec, label: 'root' };

async function df(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['df', ...args], { stdout: (t) => void (out += t), stderr: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

let dir: string;
let good: string;
let other: string;
let broken: string;
let blank: string;
const ROW = '      3524       2524        715   72%\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'introspect-df-'));
  good = join(dir, 'good.img');
  other = join(dir, 'other.img');
  broken = join(dir, 'broken.img');
  blank = join(dir, 'blank.img');
  writeFileSync(good, buildExt(ext4));
  writeFileSync(other, buildExt({ ...ext4, label: 'data', uuid: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] }));
  writeFileSync(broken, buildExt(ext4).subarray(0, 3000 * 1024)); // superblock says 4096 blocks
  writeFileSync(blank, new Uint8Array(1 << 20));
  const domain = (name: string, uuid: string, disks: string[]) =>
    `<?xml version="1.0"?>\n<!-- test -->\n<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>${uuid}</uuid>\n  <devices>\n${disks
      .map((d, i) => `    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='${d.replace(/&/g, '&amp;')}'/>\n      <target dev='vd${'ab'[i]}' bus='virtio'/>\n    </disk>\n`)
      .join('')}    <disk type='network' device='disk'><source protocol='nbd' name='x'/><target dev='vdz'/></disk>\n  </devices>\n</domain>\n`;
  writeFileSync(join(dir, 'web.xml'), domain('web', '11111111-2222-3333-4444-555555555555', [good, other]));
  writeFileSync(join(dir, 'db.xml'), domain('db', 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', [other]));
});

afterAll(() => undefined);

describe('df argument parsing (virt-df options)', () => {
  it('--format applies to the -a options after it; bare --format returns to detection', () => {
    const o = parseDfArgs(['-a', 'a.img', '--format=raw', '-a', 'b.img', '--format', '-a', 'c.img']);
    expect(o.drives).toEqual([
      { kind: 'a', path: 'a.img', format: undefined },
      { kind: 'a', path: 'b.img', format: 'raw' },
      { kind: 'a', path: 'c.img', format: undefined },
    ]);
  });

  it('clustered short options and attached values', () => {
    const o = parseDfArgs(['-hiP4', '-ax.img', '-d', 'dom']);
    expect(o).toMatchObject({ human: true, inodes: true, parallel: 4, drives: [{ kind: 'a', path: 'x.img' }, { kind: 'd', name: 'dom' }] });
  });

  it.each([
    [['-h', '--csv'], /-h and --csv/],
    [['-P', 'many'], /-P option is not numeric/],
    [['-a', 'x.img', '--format=raw'], /--format parameter must appear before -a/],
    [['-a', 'x.img', 'y.img'], /extra arguments/],
    [['--bogus'], /unknown option --bogus/],
    [['-q'], /unknown option -q/],
    [['-a'], /requires an argument/],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseDfArgs(args as string[])).toThrow(UsageError);
    expect(() => parseDfArgs(args as string[])).toThrow(message as RegExp);
  });

  it('-c maps the local qemu URIs to their domain folders; other URIs are usage errors', () => {
    expect(parseDfArgs(['-c', 'qemu:///system']).libvirtDir).toBe('/etc/libvirt/qemu');
    expect(parseDfArgs(['--connect=qemu:///session']).libvirtDir).toMatch(/libvirt\/qemu$/);
    expect(() => parseDfArgs(['-c', 'qemu+ssh://host/system'])).toThrow(/only qemu:\/\/\/system and qemu:\/\/\/session/);
  });

  it('-h with --csv exits 2 from the CLI', async () => {
    const r = await df(['-h', '--csv', '-a', 'x.img']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('you cannot use -h and --csv options together.');
  });
});

describe('introspect df', () => {
  it('one guest from -a: title and row, exit 0', async () => {
    const r = await df(['-a', good]);
    expect(r).toEqual({ code: 0, err: '', out: `Filesystem                           1K-blocks       Used  Available  Use%\ngood.img:/dev/sda${' '.repeat(19)}${ROW}` });
  });

  it('several -a disks are one guest named after the first disk plus one + per extra disk', async () => {
    const r = await df(['-a', good, '-a', other, '--csv']);
    expect(r.out).toBe('VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\ngood.img+,/dev/sda,3524,2524,715,71.6\ngood.img+,/dev/sdb,3524,2524,715,71.6\n');
  });

  it('a broken filesystem is named on stderr, the others are still reported, exit 1', async () => {
    const r = await df(['-a', good, '-a', broken]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('good.img+:/dev/sda');
    expect(r.out).not.toContain('/dev/sdb');
    expect(r.err).toMatch(/good\.img\+:\/dev\/sdb: .*broken\.img: ext superblock s_blocks_count .*exceeds the size of the device/);
  });

  it('bare image arguments: each is a guest of its own; unknown content is a note, not an error', async () => {
    const r = await df([good, blank]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`Filesystem                           1K-blocks       Used  Available  Use%\ngood.img:/dev/sda${' '.repeat(19)}${ROW}`);
    expect(r.err).toBe('introspect df: note: blank.img:/dev/sda: no filesystem recognised\n');
  });

  it('--json: filesystems with statfs figures in f_bsize units, skipped contents and errors apart', async () => {
    const r = await df(['--json', '-a', good, '-a', blank, '-a', broken]);
    const json = JSON.parse(r.out) as { filesystems: unknown[]; skipped: unknown[]; errors: { device: string }[] };
    expect(json.filesystems).toEqual([
      { guest: 'good.img++', device: '/dev/sda', type: 'ext4', label: 'root', uuid: 'c0e30005-0001-4000-8000-000000000001', blockSize: 1024, blocks: 3524, bfree: 1000, bavail: 715, files: 1024, ffree: 100 },
    ]);
    expect(json.skipped).toEqual([{ guest: 'good.img++', device: '/dev/sdb', type: 'unknown', label: null, uuid: null, note: 'no filesystem recognised' }]);
    expect(json.errors.map((e) => e.device)).toEqual(['/dev/sdc']);
    expect(r.code).toBe(1);
  });

  it('-i prints inodes', async () => {
    const r = await df(['-i', good]);
    expect(r.out.split('\n')[1]).toBe(`good.img:/dev/sda${' '.repeat(19)}      1024        924        100   91%`);
  });

  it('-P is accepted', async () => {
    expect((await df(['-P', '2', good])).code).toBe(0);
  });
});

describe('introspect df with libvirt domains', () => {
  it('no image argument: every domain of --libvirt-dir, sorted by name, network disks noted', async () => {
    const r = await df(['--libvirt-dir', dir, '--csv']);
    expect(r.out).toBe(
      'VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\ndb,/dev/sda,3524,2524,715,71.6\nweb,/dev/sda,3524,2524,715,71.6\nweb,/dev/sdb,3524,2524,715,71.6\n',
    );
    expect(r.err).toContain('introspect df: note: web: disk vdz: network disk (nbd) skipped');
    expect(r.code).toBe(0);
  });

  it('-d NAME, a bare domain name, and --uuid', async () => {
    expect((await df(['--libvirt-dir', dir, '-d', 'db', '--csv'])).out.split('\n')[1]).toBe('db,/dev/sda,3524,2524,715,71.6');
    expect((await df(['--libvirt-dir', dir, 'db', '--csv', '--uuid'])).out.split('\n')[1]).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee,/dev/sda,3524,2524,715,71.6');
  });

  it('an unknown domain is an error naming it', async () => {
    const r = await df(['--libvirt-dir', dir, '-d', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no domain named nope');
  });
});

describe('introspect df: guests that cannot be listed', () => {
  it('an unreadable domain definition or an unknown bare domain is an error; the other guests are reported', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'introspect-df-bad-'));
    writeFileSync(join(bad, 'ok.xml'), `<domain><name>ok</name><devices><disk device='disk'><source file='${good}'/></disk></devices></domain>`);
    writeFileSync(join(bad, 'broken.xml'), '<domain><name>broken</name>');
    const all = await df(['--libvirt-dir', bad, '--csv']);
    expect(all.out).toBe('VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\nok,/dev/sda,3524,2524,715,71.6\n');
    expect(all.err).toMatch(/^introspect df: broken\.xml: .*broken\.xml: libvirt domain XML/m);
    expect(all.code).toBe(1);
    const bare = await df(['--libvirt-dir', bad, 'nosuchdomain', good, '--csv']);
    expect(bare.out).toBe('VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\ngood.img,/dev/sda,3524,2524,715,71.6\n');
    expect(bare.err).toContain('introspect df: nosuchdomain: ');
    expect(bare.code).toBe(1);
  });
});

describe('introspect df: relative paths', () => {
  it('image paths and --libvirt-dir are taken from the working folder the CLI runs in', async () => {
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, interactive: false };
    expect(await runCli(['--no-config', 'df', '--csv', 'good.img', '-P', '1'], io, { cwd: dir })).toBe(0);
    expect(out).toBe('VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\ngood.img,/dev/sda,3524,2524,715,71.6\n');
    out = '';
    expect(await runCli(['--no-config', 'df', '--csv', '--libvirt-dir', '.', '-d', 'db'], io, { cwd: dir })).toBe(0);
    expect(out.split('\n')[1]).toBe('db,/dev/sda,3524,2524,715,71.6');
  });
});
