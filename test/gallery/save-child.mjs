// A child process for test/gallery/gallery.test.ts: saves a gallery of N random faces over FILE
// (opening FILE first when it exists), through the compiled dist/ code. With
// FACEMETRIC_TEST_KILL_MID_WRITE=1 the process kills itself (SIGKILL) after writing half of the
// temporary file: fs/promises.writeFile is wrapped before facemetric is loaded
// (syncBuiltinESMExports makes its `import { writeFile } from 'node:fs/promises'` see the wrapper).
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

if (process.env.FACEMETRIC_TEST_KILL_MID_WRITE === '1') {
  const original = fsp.writeFile;
  fsp.writeFile = async (path, data, opts) => {
    if (String(path).includes('.tmp-')) {
      await original(path, data.subarray(0, data.length >> 1), opts);
      process.kill(process.pid, 'SIGKILL');
    }
    return original(path, data, opts);
  };
  syncBuiltinESMExports();
}
const { Gallery } = await import('../../dist/src/gallery/gallery.js');
const { openGallery, saveGallery } = await import('../../dist/src/gallery/file.js');

const [file, n] = process.argv.slice(2);
const g = existsSync(file) ? await openGallery(file) : new Gallery({ modelSha256: 'a'.repeat(64) });
for (let i = 0; i < Number(n); i++) g.add(`p${i % 10}`, { descriptor: Float32Array.from({ length: 128 }, (_, k) => Math.sin(i * 128 + k) * 0.2) });
try {
  await saveGallery(g, file);
} catch (e) {
  process.stderr.write(`facemetric: ${e.message}\n`);
  process.exit(1);
}
