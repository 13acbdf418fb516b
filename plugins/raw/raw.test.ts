import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IntrospectError } from '../../core/errors.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import { FileSource } from '../../core/source/file-source.js';
import { rawPlugin } from './index.js';

const work = mkdtempSync(join(tmpdir(), 'introspect-raw-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('raw images', () => {
  it('are the file itself', () => {
    const path = join(work, 'disk.img');
    writeFileSync(path, new Uint8Array(4096).fill(3));
    const source = new Introspector().use(rawPlugin).openImage(path);
    expect(source).toBeInstanceOf(FileSource);
    expect(source.size).toBe(4096);
  });

  it('name container formats no plugin reads instead of showing them as a disk, unless --format raw', () => {
    const path = join(work, 'disk.vmdk');
    const bytes = new Uint8Array(4096);
    bytes.set(Buffer.from('KDMV', 'latin1'));
    writeFileSync(path, bytes);
    const introspector = new Introspector().use(rawPlugin);
    expect(() => introspector.openImage(path)).toThrow(IntrospectError);
    expect(() => introspector.openImage(path)).toThrow(/looks like a VMDK \(sparse extent\) image/);
    expect(introspector.openImage(path, 'raw').size).toBe(4096);
  });

  it('run after other container plugins', () => {
    const path = join(work, 'other.img');
    writeFileSync(path, new Uint8Array(512));
    const seen: string[] = [];
    const introspector = new Introspector().use(rawPlugin, {
      name: 'late-registered container',
      apply: (i) => i.hooks.openImage.tap('late-registered container', () => void seen.push('container')),
    });
    introspector.openImage(path);
    expect(seen).toEqual(['container']);
  });
});
