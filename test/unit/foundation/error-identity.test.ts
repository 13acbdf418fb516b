import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../../core/errors.js';

class SubError extends IntrospectError {}

describe('IntrospectError identity across module copies', () => {
  it('an error from another copy of the class (the bundled CLI vs a plugin importing the package) is an IntrospectError', () => {
    const foreign = Object.assign(new Error('disk.img: thing: bad'), {
      [Symbol.for('introspect.IntrospectError')]: true,
      file: 'disk.img',
      structure: 'thing',
      reason: 'bad',
    });
    expect(foreign instanceof IntrospectError).toBe(true);
    expect(new Error('plain') instanceof IntrospectError).toBe(false);
    expect((null as unknown) instanceof IntrospectError).toBe(false);
  });

  it('subclasses keep ordinary instanceof', () => {
    const base = new IntrospectError({ file: 'f', structure: 's', reason: 'r' });
    const sub = new SubError({ file: 'f', structure: 's', reason: 'r' });
    expect(sub instanceof IntrospectError).toBe(true);
    expect(sub instanceof SubError).toBe(true);
    expect(base instanceof SubError).toBe(false);
  });
});
