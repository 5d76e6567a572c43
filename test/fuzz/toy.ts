/**
 * A planted bug for the fuzzer's own test (fuzz.test.ts): a parser that fails with a TypeError only
 * on inputs starting "FU" followed by a byte above 0xf0, one byte checked at a time, so that each
 * byte found opens a new branch — what coverage guidance finds and blind mutation hardly does.
 */
export function toyParser(data: Uint8Array): number {
  if (data.length < 3) return 0;
  if (data[0] !== 0x46) return 1;
  if (data[1] !== 0x55) return 2;
  if (data[2]! <= 0xf0) return 3;
  throw new TypeError('the planted bug');
}
