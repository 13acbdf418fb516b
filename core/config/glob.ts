/**
 * Image-path globs for configuration rules. Node 20's path.matchesGlob is experimental (it prints an
 * ExperimentalWarning), so this is a small translator to RegExp:
 *   `*`   any run of characters except "/"
 *   `**`  any run of characters including "/" (a whole segment `**` / also matches zero segments)
 *   `?`   one character except "/"
 *   `[abc]`, `[a-z]`, `[!abc]` / `[^abc]`  one character of (or not of) a class, never "/"
 *   `\x`  the character x literally
 * Everything else matches itself; the whole path must match.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atSegmentStart = i === 0 || glob[i - 1] === '/';
        const beforeSlash = glob[i + 2] === '/';
        if (atSegmentStart && beforeSlash) {
          re += '(?:.*/)?'; // "**/" : zero or more whole segments
          i += 3;
        } else {
          re += '.*';
          i += 2;
        }
      } else {
        re += '[^/]*';
        i += 1;
      }
    } else if (c === '?') {
      re += '[^/]';
      i += 1;
    } else if (c === '[') {
      const close = findClassEnd(glob, i);
      if (close < 0) {
        re += '\\[';
        i += 1;
      } else {
        let body = glob.slice(i + 1, close);
        const negated = body.startsWith('!') || body.startsWith('^');
        if (negated) body = body.slice(1);
        const escaped = body.replace(/\\(.)/g, '$1').replace(/[\\\]^]/g, '\\$&');
        re += negated ? `[^/${escaped}]` : `(?!/)[${escaped}]`;
        i = close + 1;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      re += escapeRegExp(glob[i + 1]);
      i += 2;
    } else {
      re += escapeRegExp(c);
      i += 1;
    }
  }
  return new RegExp(`^${re}$`);
}

/** Index of the "]" closing the class opened at `open`, or -1 (then "[" is literal). */
function findClassEnd(glob: string, open: number): number {
  let j = open + 1;
  if (glob[j] === '!' || glob[j] === '^') j++;
  if (glob[j] === ']') j++; // "[]abc]": a leading "]" is a member
  for (; j < glob.length; j++) {
    if (glob[j] === '\\') j++;
    else if (glob[j] === ']') return j;
  }
  return -1;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function matchesGlob(path: string, glob: string): boolean {
  return globToRegExp(glob).test(path);
}
