import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import lzmaNative from 'lzma-native';
import { afterEach, describe, expect, it } from 'vitest';
import { IntrospectError, UsageError } from '../../../core/errors.js';
import { checkProfileSchema } from '../../../core/profiles/schema.js';
import { validateProfile } from '../../../core/profiles/validate.js';
import { parseBtf } from '../btf/parse.js';
import { VIEW_SYMBOLS } from '../image-profile/needs.js';
import { archOfFlavour, buildProfile, debianFlavour, releaseFromFileName, serializeProfile } from './build.js';
import { decompress, detectCompression, lz4Block, unlz4Legacy } from './compression.js';
import { elfBuildId, parseElf } from './elf.js';
import { openKernelFile, scanBanner } from './kernel-file.js';
import { parseSystemMap } from './system-map.js';
import { arm64Image, BANNER, bzImage, gzipPayload, RODATA, tinyKernelBtf, vmlinux } from './testing.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tmp(files: Record<string, Uint8Array | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'introspect-pb-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const SYSTEM_MAP = ['ffffffff81000000 T _text', 'ffffffff81000000 T _stext', `${(RODATA + 33n).toString(16)} D linux_banner`, 'ffffffff82a0c940 D init_task', 'ffffffff82b00000 D init_net', 'ffffffff82c00000 D prb', 'ffffffff82000000 d some_local'].join('\n') + '\n';

describe('compression (linux lib/decompress.c formats)', () => {
  it('recognises every magic the kernel knows', () => {
    expect(detectCompression(Uint8Array.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(detectCompression(Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))).toBe('xz');
    expect(detectCompression(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Uint8Array.from([0x02, 0x21, 0x4c, 0x18]))).toBe('lz4');
    expect(detectCompression(Uint8Array.from([0x5d, 0, 0, 0x80]))).toBe('lzma');
    expect(detectCompression(Uint8Array.from([0x42, 0x5a, 0x68, 0x39]))).toBe('bzip2');
    expect(detectCompression(Uint8Array.from([0x89, 0x4c, 0x5a, 0x4f]))).toBe('lzo');
    expect(detectCompression(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]))).toBeUndefined();
  });

  it('gzip with the size trailer; a wrong trailer is an error', async () => {
    const data = Buffer.from('vmlinux bytes '.repeat(100));
    expect(Buffer.from(await decompress('gzip', gzipPayload(data), 'k', true))).toEqual(data);
    expect(Buffer.from(await decompress('gzip', gzipSync(data), 'k'))).toEqual(data);
    const bad = gzipPayload(data);
    bad[bad.length - 4] ^= 1;
    await expect(decompress('gzip', bad, 'k', true)).rejects.toThrow(/the size trailer says/);
  });

  it('xz and lzma through liblzma', async () => {
    const data = Buffer.from('0123456789abcdef'.repeat(64));
    const xz = await (lzmaNative as unknown as { compress(b: Buffer, o: object): Promise<Buffer> }).compress(data, { preset: 1 });
    expect(Buffer.from(await decompress('xz', xz, 'k'))).toEqual(data);
    const native = lzmaNative as unknown as { createStream(kind: string, o: object): NodeJS.ReadWriteStream };
    const alone = await new Promise<Buffer>((done) => {
      const enc = native.createStream('aloneEncoder', { preset: 1 });
      const chunks: Buffer[] = [];
      enc.on('data', (c: Buffer) => chunks.push(c));
      enc.on('end', () => done(Buffer.concat(chunks)));
      enc.end(data);
    });
    expect(detectCompression(alone)).toBe('lzma');
    expect(Buffer.from(await decompress('lzma', alone, 'k'))).toEqual(data);
  });

  it('zstd (a raw-block frame) and bzip2', async () => {
    const payload = Buffer.from('hello zstd');
    // magic, FHD (single segment, 1-byte content size), size, block header (last, raw, size), data
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, payload.length, ...[1 | (payload.length << 3), 0, 0], ...payload]);
    expect(Buffer.from(await decompress('zstd', frame, 'k')).toString()).toBe('hello zstd');
    const bz = Buffer.from('425a68393141592653599e625bfe000002910040000244a000211460668291ef23470bb9229c28484f312dff00', 'hex');
    expect(Buffer.from(await decompress('bzip2', bz, 'k')).toString()).toBe('hello hello hello');
  });

  it('LZ4 legacy frames and blocks (literals, overlapping matches); bad offsets are errors', () => {
    // "abcabcabcabc!": literals "abc", match offset 3 length 9, last literals "!"
    const block = Uint8Array.from([0x35, 0x61, 0x62, 0x63, 3, 0, 0x10, 0x21]);
    expect(Buffer.from(lz4Block(block, 64, 'k')).toString()).toBe('abcabcabcabc!');
    const frame = Uint8Array.from([0x02, 0x21, 0x4c, 0x18, block.length, 0, 0, 0, ...block, 13, 0, 0, 0]);
    expect(Buffer.from(unlz4Legacy(frame, 'k')).toString()).toBe('abcabcabcabc!');
    expect(() => lz4Block(Uint8Array.from([0x05, 0x61, 9, 0]), 64, 'k')).toThrow(IntrospectError);
    expect(() => lz4Block(Uint8Array.from([0xf0]), 64, 'k')).toThrow(/length runs past the block/);
  });

  it('lzo is refused with a way out', async () => {
    await expect(decompress('lzo', Uint8Array.from([0x89, 0x4c, 0x5a, 0x4f, 0, 0, 0, 0]), 'k')).rejects.toThrow(/extract-vmlinux/);
  });
});

describe('kernel files', () => {
  it('ELF64 and ELF32 vmlinux: sections, .BTF, build id, banner in .rodata', async () => {
    for (const bits of [64, 32] as const) {
      const elf = parseElf(vmlinux(bits), 'vmlinux');
      expect(elf.bits).toBe(bits);
      expect(elf.sections.map((s) => s.name)).toEqual(['', '.text', '.rodata', '.BTF', '.notes', '.shstrtab']);
      expect(elfBuildId(elf)).toBe('deadbeef01020304');
      const k = await openKernelFile(vmlinux(bits), 'vmlinux');
      expect(k.arch).toBe(bits === 64 ? 'x86_64' : 'i386');
      expect(k.banner).toBe(BANNER);
      expect(parseBtf(k.btf).struct('task_struct')?.size).toBe(256);
    }
  });

  it('an ELF without .BTF says how to get BTF', async () => {
    const { elfFile } = await import('./testing.js');
    await expect(openKernelFile(elfFile(64, 62, [{ name: '.text', data: new Uint8Array(8) }]), 'v')).rejects.toThrow(/pahole --btf_encode_detached/);
  });

  it('bzImage: the payload found through the setup header, decompressed, unwrapped', async () => {
    const k = await openKernelFile(bzImage(gzipPayload(vmlinux(64))), 'vmlinuz');
    expect(k.steps[0]).toMatch(/^bzImage payload at 2304 \(gzip, \d+ bytes\)$/);
    expect(k.banner).toBe(BANNER);
    expect(k.buildId).toBe('deadbeef01020304');
  });

  it('bzImage with lz4 (legacy frame) and zstd payloads', async () => {
    const elf = vmlinux(64);
    const trailer = (body: number[]): Uint8Array => Uint8Array.from([...body, elf.length & 0xff, (elf.length >> 8) & 0xff, (elf.length >> 16) & 0xff, elf.length >>> 24]);
    // One LZ4 block of literals only: token 0xf0, the length past 15 in 255-steps, the bytes.
    const lit: number[] = [0xf0];
    for (let n = elf.length - 15; ; n -= 255) {
      lit.push(Math.min(n, 255));
      if (n < 255) break;
    }
    lit.push(...elf);
    const lz4 = trailer([0x02, 0x21, 0x4c, 0x18, lit.length & 0xff, (lit.length >> 8) & 0xff, lit.length >> 16, 0, ...lit]);
    expect((await openKernelFile(bzImage(lz4), 'vmlinuz')).steps[0]).toMatch(/\(lz4, \d+ bytes\)/);
    // A zstd frame with one raw block: FHD single segment + 2-byte content size (size - 256).
    const n = elf.length;
    const zstd = trailer([0x28, 0xb5, 0x2f, 0xfd, 0x60, (n - 256) & 0xff, (n - 256) >> 8, (1 | (n << 3)) & 0xff, (n << 3 >> 8) & 0xff, (n << 3) >> 16, ...elf]);
    const k = await openKernelFile(bzImage(zstd), 'vmlinuz');
    expect(k.steps[0]).toMatch(/\(zstd, \d+ bytes\)/);
    expect(k.banner).toBe(BANNER);
  });

  it('bzImage whose payload lies past the end of the file is refused', async () => {
    const img = bzImage(gzipPayload(vmlinux(64))).subarray(0, 2400);
    await expect(openKernelFile(img, 'vmlinuz')).rejects.toThrow(/payload \[2304, \d+\) is outside the 2400-byte file/);
  });

  it('arm64 Image: not ELF, BTF found by its header; the banner by _text + linux_banner or by scan', async () => {
    const img = arm64Image();
    const k = await openKernelFile(img, 'Image');
    expect(k.arch).toBe('aarch64');
    expect(parseBtf(k.btf).struct('task_struct')).toBeDefined();
    expect(k.banner).toMatch(/^Linux version 6\.1\.0-99-arm64 /);
    const bySymbols = await openKernelFile(img, 'Image', { textAddress: 0xffff800008000000n, bannerAddress: 0xffff800008001000n });
    expect(bySymbols.banner).toBe(k.banner);
  });

  it('raw BTF and compressed vmlinux files; unknown bytes are refused', async () => {
    expect((await openKernelFile(tinyKernelBtf(), 'vmlinux.btf')).steps).toEqual(['raw BTF']);
    expect((await openKernelFile(gzipSync(vmlinux(64)), 'vmlinux.gz')).arch).toBe('x86_64');
    await expect(openKernelFile(new Uint8Array(4096), 'zeros')).rejects.toThrow(/not raw BTF, an ELF vmlinux/);
  });

  it('scanBanner skips format strings and copies without "#N"', () => {
    const text = 'Linux version %s (%s)\0Linux version 6.1.0 (x) no-hash\n\0' + BANNER + '\n\0';
    expect(scanBanner(Buffer.from(text, 'latin1'))).toBe(BANNER);
  });
});

describe('names', () => {
  it('Debian flavours, their arch, releases from file names', () => {
    expect(debianFlavour('6.1.0-56-amd64')).toBe('amd64');
    expect(debianFlavour('6.1.0-50-686-pae')).toBe('686-pae');
    expect(debianFlavour('6.1.0-56-rt-amd64')).toBe('rt-amd64');
    expect(debianFlavour('6.8.0-45-generic')).toBe('generic');
    expect(debianFlavour('6.10.3')).toBeUndefined();
    expect(archOfFlavour('rt-amd64')).toBe('x86_64');
    expect(archOfFlavour('686-pae')).toBe('i386');
    expect(archOfFlavour('arm64')).toBe('aarch64');
    expect(archOfFlavour('generic')).toBeUndefined();
    expect(releaseFromFileName('/boot/vmlinuz-6.1.0-56-amd64')).toBe('6.1.0-56-amd64');
    expect(releaseFromFileName('System.map-5.10.0-46-amd64')).toBe('5.10.0-46-amd64');
    expect(releaseFromFileName('vmlinux.btf')).toBeUndefined();
  });

  it('System.map: first symbol of a name wins; a placeholder file is refused', () => {
    const map = parseSystemMap(SYSTEM_MAP + 'ffffffff82a0ffff D init_task\n', 'System.map');
    expect(map.get('init_task')).toEqual({ address: 0xffffffff82a0c940n, type: 'D' });
    expect(() => parseSystemMap('ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n'.replace('ffffffffffffffff B ', 'x '), 'System.map')).toThrow(/placeholder/);
  });
});

describe('profile build', () => {
  it('from a bzImage and System.map: the views\' layouts, link-time symbols, exact banner, flavour, provenance', async () => {
    const dir = tmp({ 'vmlinuz-6.1.0-99-amd64': bzImage(gzipPayload(vmlinux(64))), 'System.map-6.1.0-99-amd64': SYSTEM_MAP });
    const { profile } = await buildProfile({ kernel: join(dir, 'vmlinuz-6.1.0-99-amd64'), systemMap: join(dir, 'System.map-6.1.0-99-amd64'), package: 'linux-image-6.1.0-99-amd64', packageVersion: '6.1.999-1' });
    const text = serializeProfile(profile);
    const loaded = validateProfile(JSON.parse(text), 'p.json');
    checkProfileSchema(JSON.parse(text), 'p.json');
    expect(loaded).toMatchObject({ kind: 'linux-kernel', name: 'linux-6.1.0-99-amd64', versions: '6.1.0', arch: 'x86_64', flavour: 'amd64' });
    expect(new RegExp(loaded.signature!.banner!).test(BANNER)).toBe(true);
    expect(new RegExp(loaded.signature!.banner!).test(BANNER.replace('-amd64', '-rt-amd64'))).toBe(false);
    expect(loaded.signature!.facts).toEqual({ 'sizeof(task_struct)': 256, 'sizeof(printk_info)': 88, 'task_struct@init_task.comm': '/^swapper(\\/0)?$/' });
    const task = loaded.data.structs!.task_struct;
    expect(task.fields.comm).toEqual({ offset: 64, size: 16, type: 'char[16]' });
    expect(task.fields.pid).toEqual({ offset: 32, size: 4, type: 'pid_t' }); // through the anonymous member
    expect(task.fields.exit_state).toEqual({ offset: 104, size: 4, type: 'unsigned int', bitOffset: 3, bitSize: 5 });
    expect(loaded.data.symbols).toEqual({ init_task: '0xffffffff82a0c940', init_net: '0xffffffff82b00000', prb: '0xffffffff82c00000', linux_banner: '0xffffffff82000021', _stext: '0xffffffff81000000', _text: '0xffffffff81000000' });
    expect(Object.keys(loaded.data.symbols!).every((s) => VIEW_SYMBOLS.includes(s))).toBe(true);
    expect(loaded.meta).toMatchObject({ symbolAddresses: 'link-time', package: 'linux-image-6.1.0-99-amd64', packageVersion: '6.1.999-1', banner: BANNER, buildId: 'deadbeef01020304', release: '6.1.0-99-amd64' });
    expect(loaded.meta!.generatedBy).toBe('introspect profile build --kernel vmlinuz-6.1.0-99-amd64 --system-map System.map-6.1.0-99-amd64');
  });

  it('from raw BTF: release from the file names, arch from the flavour, banner signature from release and package version', async () => {
    const dir = tmp({ 'vmlinux.btf': tinyKernelBtf({ pointerSize: 4 }), 'System.map-6.1.0-50-686-pae': 'c1000000 T _text\nc1c5f4c0 D init_task\n' });
    const { profile } = await buildProfile({ btf: join(dir, 'vmlinux.btf'), systemMap: join(dir, 'System.map-6.1.0-50-686-pae'), packageVersion: '6.1.176-1' });
    expect(profile).toMatchObject({ arch: 'i386', flavour: '686-pae', versions: '6.1.0' });
    const banner = new RegExp(profile.signature!.banner!);
    expect(banner.test('Linux version 6.1.0-50-686-pae (debian-kernel@lists.debian.org) (gcc-12) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02)')).toBe(true);
    expect(banner.test('Linux version 6.1.0-50-686-pae (debian-kernel@lists.debian.org) (gcc-12) #1 SMP PREEMPT_DYNAMIC Debian 6.1.177-1 (2026-07-02)')).toBe(false);
    expect(banner.test('Linux version 6.1.0-50-rt-686-pae (x) #1 SMP PREEMPT_RT Debian 6.1.176-1 (2026-07-02)')).toBe(false);
    expect(profile.data.structs!.list_head.size).toBe(8);
  });

  it('without a release anywhere, or with neither input, it is a usage error', async () => {
    const dir = tmp({ 'vmlinux.btf': tinyKernelBtf() });
    await expect(buildProfile({ btf: join(dir, 'vmlinux.btf') })).rejects.toThrow(UsageError);
    await expect(buildProfile({})).rejects.toThrow(/give --kernel/);
  });

  it('BTF without task_struct (a module\'s) is refused', async () => {
    const { BtfBuilder } = await import('../btf/builder.js');
    const b = new BtfBuilder();
    b.int('int', 4, { signed: true });
    const dir = tmp({ 'mod.btf': b.build() });
    await expect(buildProfile({ btf: join(dir, 'mod.btf'), release: '6.1.0-1-amd64' })).rejects.toThrow(/defines no struct task_struct/);
  });
});
