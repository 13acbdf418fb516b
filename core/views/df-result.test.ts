import { describe, expect, it } from 'vitest';
import { errorJson, IntrospectError } from '../errors.js';
import { OrderedMerge, plainProblem } from './df-result.js';

describe('OrderedMerge', () => {
  const collect = (): { seen: [number, string][]; merge: OrderedMerge<string> } => {
    const seen: [number, string][] = [];
    return { seen, merge: new OrderedMerge<string>((i, v) => seen.push([i, v])) };
  };

  it('hands results on in index order whatever order they arrive in', () => {
    const { seen, merge } = collect();
    merge.put(2, 'c');
    merge.put(1, 'b');
    expect(seen).toEqual([]);
    merge.put(0, 'a');
    expect(seen).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
    merge.put(4, 'e');
    expect(merge.emitted).toBe(3);
    merge.put(3, 'd');
    expect(seen.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    expect(seen.map(([, v]) => v).join('')).toBe('abcde');
  });

  it('emits at once what is next', () => {
    const { seen, merge } = collect();
    merge.put(0, 'a');
    expect(seen).toEqual([[0, 'a']]);
  });

  it('refuses a result given twice', () => {
    const { merge } = collect();
    merge.put(1, 'b');
    expect(() => merge.put(1, 'b')).toThrow(/twice/);
    merge.put(0, 'a');
    expect(() => merge.put(0, 'a')).toThrow(/twice/);
    expect(() => merge.put(-1, 'x')).toThrow();
  });

  it('a throwing emit stops the merge there', () => {
    const seen: number[] = [];
    const merge = new OrderedMerge<number>((i) => {
      if (i === 1) throw new Error('fatal');
      seen.push(i);
    });
    merge.put(1, 1);
    expect(() => merge.put(0, 0)).toThrow('fatal');
    expect(seen).toEqual([0]);
  });
});

describe('plain problems', () => {
  it('keep what IntrospectError.toJSON() gives, bigint offsets included', () => {
    for (const offset of [undefined, 4096, 1n << 60n]) {
      const error = new IntrospectError({ file: 'a.img', structure: 'qcow2 L1 table', offset, reason: 'bad' });
      const plain = plainProblem('error', '/dev/sda', error);
      expect(plain.message).toBe(error.message);
      expect(errorJson(structuredClone(plain))).toEqual(error.toJSON());
    }
  });
});
