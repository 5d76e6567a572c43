import type { ChineseWhispersRng } from '../../src/cluster/index.js';

/** Replays 32-bit numbers (as dlib::rand would have drawn them), then fails loudly. */
export class ReplayRng implements ChineseWhispersRng {
  private k = 0;
  constructor(private readonly values: readonly number[]) {}
  getRandom32bitNumber(): number {
    if (this.k >= this.values.length) throw new Error('ReplayRng exhausted');
    return this.values[this.k++]!;
  }
  get used(): number {
    return this.k;
  }
}
