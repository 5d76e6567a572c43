/**
 * `npm run example:toy`: runs dlib's toy metric-learning example (src/train/toy.ts) and prints
 * what `examples/dnn_metric_learning_ex.cpp` prints — "done training", each sample's label and
 * embedding (dlib's matrix printing: fields right-aligned to the widest, each followed by a
 * space), num_right and num_wrong — plus, first, the steps after which the learning rate shrank
 * and the loss at a few steps. It runs the steps as the example does (`likeDlibThread`: one
 * step after the last shrink), so the printed embeddings are the example's.
 */
import { runToyExample } from './toy.js';

/** C++'s default `ostream << float` (printf %g with 6 significant digits). */
function formatG6(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const exp = Number(v.toExponential(5).split('e')[1]);
  if (exp < -4 || exp >= 6) {
    const [m, e] = v.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toFixed(Math.max(0, 5 - exp));
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function main(): void {
  const t0 = performance.now();
  const r = runToyExample({
    likeDlibThread: true,
    onStep: (s) => {
      if (s.shrunk) console.log(`step ${s.step}: learning rate ${s.learningRate} -> ${s.learningRate * 0.1} (loss ${s.loss})`);
    },
  });
  const ms = performance.now() - t0;
  console.log(`${r.losses.length} steps in ${ms.toFixed(0)} ms (as dlib's example runs them: the last one, after the final shrink, ` +
    `is the step its loop hands the trainer's thread before it sees the shrink); loss at step 1: ${r.losses[0]}, step 2: ${r.losses[1]}; ` +
    `learning rate shrank after steps ${r.learningRateChanges.join(', ')}`);
  console.log('done training');
  for (let i = 0; i < r.embeddings.length; i++) {
    const fields = r.embeddings[i].map((v) => formatG6(v));
    const w = Math.max(...fields.map((s) => s.length));
    console.log(`label: ${[1, 1, 2, 2, 3, 3, 4, 4][i]}\t${fields.map((s) => s.padStart(w) + ' ').join('')}`);
  }
  console.log(`num_right: ${r.numRight}`);
  console.log(`num_wrong: ${r.numWrong}`);
}

main();
