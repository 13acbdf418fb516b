import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMixedMbr, writeMsdosSector } from '../../../plugins/dos-partitions/test-image.js';
import { buildGpt } from '../../../plugins/gpt/test-image.js';
import { buildQcow2 } from '../../../plugins/qcow2/test-image.js';
import type { CliIo } from '../io.js';
import { runCli } from '../program.js';

const work = mkdtempSync(join(tmpdir(), 'introspect-list-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

async function runIn(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io: CliIo & { out: string; err: string } = { out: '', err: '', interactive: false, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
  const code = await runCli(['--no-config', ...args], io, { cwd });
  return { code, out: io.out, err: io.err };
}

const run = (...args: string[]) => runIn(work, ...args);

const mixed = file('mixed.img', buildMixedMbr());
const gpt = file('gpt.img', buildGpt({
  sectorSize: 512,
  sectors: 8192,
  diskGuid: 'C0E30003-0000-4000-8000-0000000000D0',
  partitions: [{ slot: 1, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', uuid: 'C0E30003-0001-4000-8000-000000000001', first: 2048, last: 4095, name: 'root' }],
}));

describe('introspect list', () => {
  it('prints the issue #4 JSON for a guest of two disks', async () => {
    const { code, out, err } = await run('list', '--json', '-a', mixed, '-a', gpt);
    expect(err).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['guest', 'disks', 'partitions', 'volumeGroups', 'logicalVolumes', 'contents', 'errors']);
    expect(doc.errors).toEqual([]);
    expect(doc.guest).toBe('mixed.img+');
    expect(doc.disks).toEqual([
      { device: '/dev/sda', size: 16384 * 512, table: 'dos' },
      { device: '/dev/sdb', size: 8192 * 512, table: 'gpt' },
    ]);
    expect(doc.partitions).toEqual([
      { device: '/dev/sda1', parent: '/dev/sda', number: 1, start: 2048 * 512, size: 2048 * 512, type: '83', name: null },
      { device: '/dev/sda2', parent: '/dev/sda', number: 2, start: 4096 * 512, size: 2048 * 512, type: '7', name: null },
      { device: '/dev/sda3', parent: '/dev/sda', number: 3, start: 6144 * 512, size: 8192 * 512, type: '5', name: null },
      { device: '/dev/sda5', parent: '/dev/sda', number: 5, start: 8192 * 512, size: 2048 * 512, type: '83', name: null },
      { device: '/dev/sda6', parent: '/dev/sda', number: 6, start: 12288 * 512, size: 2048 * 512, type: '7', name: null },
      { device: '/dev/sdb1', parent: '/dev/sdb', number: 1, start: 2048 * 512, size: 2048 * 512, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', name: 'root' },
    ]);
    expect(doc.volumeGroups).toEqual([]);
    expect(doc.logicalVolumes).toEqual([]);
    // Blank partitions hold nothing recognisable; the extended container is not listed as content.
    expect(doc.contents.map((c: { device: string; type: string }) => [c.device, c.type])).toEqual([
      ['/dev/sda1', 'unknown'],
      ['/dev/sda2', 'unknown'],
      ['/dev/sda5', 'unknown'],
      ['/dev/sda6', 'unknown'],
      ['/dev/sdb1', 'unknown'],
    ]);
    expect(doc.contents[0]).toEqual({ device: '/dev/sda1', type: 'unknown', label: null, uuid: null, size: 2048 * 512 });
  });

  it('prints a virt-filesystems style table', async () => {
    const { code, out } = await run('list', mixed);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['Name', 'Type', 'VFS', 'Label', 'MBR', 'Size', 'Parent', 'UUID']);
    expect(lines.some((l) => /^\/dev\/sda3\s+partition\s+extended\s+-\s+5\s+4194304\s+\/dev\/sda\s+-$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\/dev\/sda\s+device\s+dos\s+-\s+-\s+8388608\s+-\s+c0e30002$/);
  });

  it('reports problems on stderr, one line each, prints what it found and exits 1', async () => {
    const disk = buildMixedMbr();
    writeMsdosSector(disk, 6144 + 4096, [
      { sys_ind: 0x07, start_sect: 2048, nr_sects: 2048 },
      { sys_ind: 0x05, start_sect: 4096, nr_sects: 4096 },
    ]);
    const { code, out, err } = await run('--json', 'list', file('loop.img', disk));
    expect(code).toBe(1);
    expect(JSON.parse(out).partitions.map((p: { device: string }) => p.device)).toEqual(['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sda5', '/dev/sda6']);
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^introspect: error: \/dev\/sda: .*loop\.img: EBR at sector 10240 at offset 5242880 \(0x500000\): EBR chain loops/);
  });

  it('--format applies to the -a images that follow it', async () => {
    const q = file('fmt/disk.qcow2', buildQcow2({ size: 1 << 20 }));
    const asQcow2 = JSON.parse((await run('list', '--json', '-a', q)).out);
    expect(asQcow2.disks[0].size).toBe(1 << 20);
    const both = JSON.parse((await run('list', '--json', '--format', 'raw', '-a', q, '--format', 'auto', '-a', q)).out);
    expect(both.disks.map((d: { size: number }) => d.size)).toEqual([buildQcow2({ size: 1 << 20 }).length, 1 << 20]);
    const wrong = await run('list', '--format', 'qcow2', '-a', mixed);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/not a qcow2 image/);
  });

  it('follows backing files outside the image folder only with --allow-backing', async () => {
    const baseDir = join(work, 'bases');
    file('bases/base.img', buildMixedMbr());
    const overlay = file('vms/overlay.qcow2', buildQcow2({ size: 16384 * 512, backing: { name: '../bases/base.img', format: 'raw' } }));
    const refused = await run('list', '--json', overlay);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/introspect: error: \/dev\/sda: .*qcow2 backing file: .*outside the image's folder.*--allow-backing DIR/);
    expect(JSON.parse(refused.out).disks).toEqual([]);
    const allowed = await run('list', '--json', '--allow-backing', baseDir, overlay);
    expect(allowed.err).toBe('');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out).partitions).toHaveLength(5);
  });

  it('reads relative image and --allow-backing paths from the working folder', async () => {
    const doc = JSON.parse((await run('list', '--json', 'mixed.img')).out);
    expect(doc.guest).toBe('mixed.img');
    expect(doc.partitions).toHaveLength(5);
    file('rel/bases/base.img', buildMixedMbr());
    const overlay = file('rel/vms/overlay.qcow2', buildQcow2({ size: 16384 * 512, backing: { name: '../bases/base.img', format: 'raw' } }));
    const allowed = await runIn(join(work, 'rel'), 'list', '--json', '--allow-backing', 'bases', overlay);
    expect(allowed.err).toBe('');
    expect(JSON.parse(allowed.out).partitions).toHaveLength(5);
  });

  it('is a usage error without images or with an unknown format', async () => {
    expect((await run('list')).code).toBe(2);
    const bad = await run('list', '--format', 'vmdk', mixed);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown format "vmdk"/);
  });
});
