import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../core/cli/program.js';
import { loadConfig } from '../../../core/config/load.js';
import { IntrospectError } from '../../../core/errors.js';
import { createIntrospector } from '../../../core/plugins/create.js';
import { BytesSource } from '../../../core/source/derived-sources.js';
import { squashfsStatfs, squashfsSuperBlock } from '../../../examples/plugins/squashfs/index.js';
import { collect, project, repoRoot, write } from './helpers.js';

const examplePlugin = join(repoRoot, 'examples/plugins/squashfs/index.ts');

/** A SquashFS 4.0 image: the super block, then zeros up to `size`. */
function squashfsImage(fields: Partial<Record<string, number | bigint>> = {}, size = 256 * 1024): Uint8Array {
  const image = new Uint8Array(size);
  image.set(
    squashfsSuperBlock.build({
      inodes: 42,
      mkfs_time: 1_700_000_000,
      block_size: 131072,
      fragments: 3,
      compression: 4,
      block_log: 17,
      flags: 0,
      no_ids: 1,
      s_major: 4,
      s_minor: 0,
      root_inode: 0n,
      bytes_used: 200_000n,
      ...fields,
    } as Parameters<typeof squashfsSuperBlock.build>[0]),
  );
  return image;
}

describe('example plugin (examples/plugins/squashfs)', () => {
  it('is loaded through configuration with options and detects a squashfs image', async () => {
    const dir = project({ '.introspectrc.json': { plugins: [[examplePlugin, { label: 'rootfs' }]] } });
    write(dir, 'sq.img', squashfsImage());
    const io = collect();
    expect(await runCli(['--json', 'sq.img'], io, { cwd: dir })).toBe(0);
    expect(JSON.parse(io.out).nodes).toEqual([
      { device: '/dev/sda', kind: 'disk', type: 'squashfs', plugin: 'example-squashfs', label: 'rootfs', size: 262144, note: 'read-only, xz' },
    ]);
  });

  it('answers statfs as squashfs_statfs does', async () => {
    const dir = project({ '.introspectrc.json': { plugins: [examplePlugin] } });
    const introspector = await createIntrospector({ config: await loadConfig({ cwd: dir }) });
    const path = write(dir, 'sq.img', squashfsImage());
    const guest = introspector.inspectGuest([{ path }]);
    const stats = introspector.statfs(guest.nodes[0], undefined as never);
    // ((200000 - 1) >> 17) + 1 = 2 blocks of 128 KiB; nothing free; files = inodes.
    expect(stats).toEqual({ blockSize: 131072, blocks: 2, bfree: 0, bavail: 0, files: 42, ffree: 0 });
  });

  it('leaves other images alone and marks old versions unmountable', async () => {
    const dir = project({ '.introspectrc.json': { plugins: [examplePlugin] } });
    write(dir, 'zero.img', new Uint8Array(4096));
    write(dir, 'v3.img', squashfsImage({ s_major: 3, s_minor: 1 }));
    const io = collect();
    expect(await runCli(['--json', 'v3.img'], io, { cwd: dir })).toBe(0);
    expect(JSON.parse(io.out).nodes[0]).toMatchObject({ type: 'squashfs', note: 'squashfs 3.1: not mountable by Linux' });
    const zero = collect();
    expect(await runCli(['zero.img'], zero, { cwd: dir })).toBe(0);
    expect(zero.out).toMatch(/^\/dev\/sda +unknown /m);
  });

  it('refuses a super block the kernel would refuse, naming the field', () => {
    const bad = (fields: Partial<Record<string, number | bigint>>) => () => squashfsStatfs(new BytesSource('bad.img', squashfsImage(fields)));
    expect(bad({ block_log: 16 })).toThrow(/bad\.img: squashfs super block at offset 12 .*block_size 131072 does not match block_log 16/);
    expect(bad({ bytes_used: 10n ** 9n })).toThrow(IntrospectError);
    expect(bad({ block_log: 40, block_size: 0 })).toThrow(/block_log 40 is larger than 20/);
  });
});
