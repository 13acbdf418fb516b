// Small helpers shared by the signature probes: blkid-style UUID and label text.

/** 8-4-4-4-12 lower-case hex of a 16-byte UUID; undefined when all zero (blkid sets none). */
export function uuidText(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16 || bytes.every((b) => b === 0)) return undefined;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** NUL-terminated UTF-8 text, optionally with trailing spaces removed; undefined when empty. */
export function cString(bytes: Uint8Array, trimSpaces = false): string | undefined {
  const end = bytes.indexOf(0);
  let text = new TextDecoder('utf-8').decode(end < 0 ? bytes : bytes.subarray(0, end));
  if (trimSpaces) text = text.replace(/ +$/, '');
  return text === '' ? undefined : text;
}
