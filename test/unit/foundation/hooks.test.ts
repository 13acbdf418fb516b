import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';
import { Introspector } from '../../../core/pipeline/introspector.js';
import type { Content, StorageNode } from '../../../core/pipeline/model.js';
import type { Plugin } from '../../../core/pipeline/plugin.js';
import type { ProfileResolution } from '../../../core/profiles/types.js';
import { BytesSource } from '../../../core/source/derived-sources.js';

const node = (): StorageNode => ({ device: '/dev/sda', kind: 'disk', source: new BytesSource('img', new Uint8Array(512)), depth: 0 });

function detector(name: string, calls: string[], answer: boolean, stage?: number): Plugin {
  return {
    name,
    apply(i) {
      i.hooks.detect.tap({ name, stage }, () => {
        calls.push(name);
        return answer ? ({ type: name, plugin: name, role: 'filesystem' } satisfies Content) : undefined;
      });
    },
  };
}

describe('detect (SyncBailHook): first recogniser wins', () => {
  it('runs taps in registration order and stops at the first answer', () => {
    const calls: string[] = [];
    const i = new Introspector().use(detector('a', calls, false), detector('b', calls, true), detector('c', calls, true));
    expect(i.hooks.detect.call(node(), undefined as never)?.type).toBe('b');
    expect(calls).toEqual(['a', 'b']);
  });

  it('orders by stage before registration order: a late-registered early-stage tap wins', () => {
    const calls: string[] = [];
    const i = new Introspector().use(detector('raw', calls, true, 100), detector('ext3', calls, true), detector('early', calls, true, -10));
    expect(i.hooks.detect.call(node(), undefined as never)?.type).toBe('early');
    expect(calls).toEqual(['early']);
  });

  it('falls through to the last-resort stage when nothing else recognises', () => {
    const calls: string[] = [];
    const i = new Introspector().use(detector('raw', calls, true, 100), detector('ext3', calls, false));
    expect(i.hooks.detect.call(node(), undefined as never)?.type).toBe('raw');
    expect(calls).toEqual(['ext3', 'raw']);
  });

  it('inspectGuest marks unrecognised nodes unknown and runs expand after detect', () => {
    const calls: string[] = [];
    const plugin: Plugin = {
      name: 'order',
      apply(i) {
        i.hooks.detect.tap('order', (n) => {
          calls.push(`detect ${n.device}`);
          return n.kind === 'disk' ? { type: 'table', plugin: 'order', role: 'partition-table' } : undefined;
        });
        i.hooks.expand.tap('order', (n, session) => {
          calls.push(`expand ${n.device}`);
          if (n.kind === 'disk') session.addNode({ device: `${n.device}1`, kind: 'partition', source: n.source, parent: n });
        });
        i.hooks.assemble.tap('order', () => void calls.push('assemble'));
      },
    };
    const guest = new Introspector().use(plugin).inspectGuest([{ path: new URL(import.meta.url).pathname }]);
    expect(calls.slice(0, 5)).toEqual(['detect /dev/sda', 'expand /dev/sda', 'detect /dev/sda1', 'expand /dev/sda1', 'assemble']);
    expect(guest.nodes.map((n) => [n.device, n.content?.type, n.depth])).toEqual([
      ['/dev/sda', 'table', 0],
      ['/dev/sda1', 'unknown', 1],
    ]);
  });

  it('a throwing detector becomes a diagnostic naming the device, not a crash', () => {
    const plugin: Plugin = {
      name: 'bad',
      apply(i) {
        i.hooks.detect.tap('bad', () => {
          throw new IntrospectError({ file: 'img', structure: 'bad header', offset: 8, reason: 'nonsense' });
        });
      },
    };
    const guest = new Introspector().use(plugin).inspectGuest([{ path: new URL(import.meta.url).pathname }]);
    expect(guest.diagnostics).toHaveLength(1);
    expect(guest.diagnostics[0]).toMatchObject({ level: 'error', device: '/dev/sda' });
    expect(guest.diagnostics[0].error.structure).toBe('bad header');
  });

  it('use() registers a plugin name once', () => {
    const calls: string[] = [];
    const i = new Introspector().use(detector('a', calls, false)).use(detector('a', calls, false));
    i.hooks.detect.call(node(), undefined as never);
    expect(calls).toEqual(['a']);
  });
});

describe('resolveProfile (SyncWaterfallHook): each tap refines the value', () => {
  it('passes each result to the next tap, in stage order', () => {
    const i = new Introspector();
    const step = (name: string, stage: number) =>
      i.hooks.resolveProfile.tap({ name, stage }, (r: ProfileResolution) => ({ ...r, explanation: [...r.explanation, name] }));
    step('shipped', 100);
    step('rule', -300);
    step('image', 0);
    step('explicit', -200);
    const result = i.hooks.resolveProfile.call({ explanation: [], candidates: [] }, { kind: 'linux-kernel', imagePath: 'x' });
    expect(result.explanation).toEqual(['rule', 'explicit', 'image', 'shipped']);
  });

  it('a tap returning undefined keeps the previous value', () => {
    const i = new Introspector();
    i.hooks.resolveProfile.tap('a', (r) => ({ ...r, chosenBy: 'image' }));
    i.hooks.resolveProfile.tap('b', () => undefined as unknown as ProfileResolution);
    expect(i.hooks.resolveProfile.call({ explanation: [], candidates: [] }, { kind: 'linux-kernel', imagePath: 'x' }).chosenBy).toBe('image');
  });
});
