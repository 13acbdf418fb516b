// gnulib lib/human.c human_readable() with the options virt-df passes (df/output.c):
// human_round_to_nearest | human_autoscale | human_base_1024 | human_SI, to_block_size 1.
// Only its exact integer path is needed: n * from_block_size bytes is an integer.

const POWER_LETTERS = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y', 'R', 'Q'];
const EXPONENT_MAX = 8;

export function humanReadable(n: bigint | number, fromBlockSize: bigint | number): string {
  const base = 1024n;
  let amt = BigInt(n) * BigInt(fromBlockSize);
  let tenths = 0n;
  // 0: exact; 1: below the half; 2: exactly half; 3: above the half (of the next tenth).
  let rounding = 0n;
  let exponent = 0;
  let fraction = '';
  if (amt >= base) {
    do {
      const r10 = (amt % base) * 10n + tenths;
      const r2 = (r10 % base) * 2n + (rounding >> 1n);
      amt /= base;
      tenths = r10 / base;
      rounding = r2 < base ? (r2 + rounding !== 0n ? 1n : 0n) : 2n + (base < r2 + rounding ? 1n : 0n);
      exponent++;
    } while (amt >= base && exponent < EXPONENT_MAX);
    if (amt < 10n) {
      if (2n < rounding + (tenths & 1n)) {
        tenths++;
        rounding = 0n;
        if (tenths === 10n) {
          amt++;
          tenths = 0n;
        }
      }
      if (amt < 10n) {
        fraction = `.${tenths}`;
        tenths = 0n;
        rounding = 0n;
      }
    }
  }
  if (5n < tenths + (0n < rounding + (amt & 1n) ? 1n : 0n)) {
    amt++;
    if (amt === base && exponent < EXPONENT_MAX) {
      exponent++;
      fraction = '.0';
      amt = 1n;
    }
  }
  return `${amt}${fraction}${POWER_LETTERS[exponent]}`;
}
