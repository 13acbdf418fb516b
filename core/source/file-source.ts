import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { IntrospectError } from '../errors.js';
import { checkRange, readStats, type Source } from './source.js';

/** A file opened read-only (O_RDONLY) and read with positional reads; never written. */
export class FileSource implements Source {
  readonly name: string;
  readonly size: number;
  private fd: number;

  constructor(path: string, name: string = path) {
    this.name = name;
    try {
      this.fd = openSync(path, constants.O_RDONLY);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new IntrospectError({ file: path, structure: 'image file', reason: `cannot open (${code})` }, { cause: error });
    }
    const stat = fstatSync(this.fd);
    if (stat.isDirectory()) {
      closeSync(this.fd);
      throw new IntrospectError({ file: path, structure: 'image file', reason: 'is a directory' });
    }
    this.size = stat.size;
  }

  read(offset: number, length: number, structure?: string): Uint8Array {
    checkRange(this, offset, length, structure);
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) {
        throw new IntrospectError({ file: this.name, structure: structure ?? 'read', offset: offset + done, reason: 'file ended early (was it truncated while open?)' });
      }
      done += n;
    }
    readStats.bytesRead += length;
    readStats.reads += 1;
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
