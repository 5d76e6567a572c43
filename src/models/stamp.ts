/**
 * The verification cache, `<models>/cache/prepare-stamp.json` (an ignored path): for each file
 * `prepare` verified, its size, inode, mtime and ctime (nanoseconds) and the sha256 it had then.
 * A later run that finds the same stat trusts the recorded sha256 instead of re-reading the
 * file — unless the entry is "racy" (the file changed less than RACY_MS before the entry was
 * written: a write in the same clock tick would leave the mtime unchanged), as git does for
 * its index.
 *
 * The stamp also remembers where a file came from when it is not the manifest's content (an
 * upstream ResNet model installed with `--resnet`), so that it is not mistaken for corruption.
 */
import { readFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from './fsutil.js';

export const STAMP_FILE = path.join('cache', 'prepare-stamp.json');
const RACY_MS = 2000;

export interface StampEntry {
  size: number;
  ino: string;
  dev: string;
  mtimeNs: string;
  ctimeNs: string;
  sha256: string;
  /** Date.now() when this entry was written. */
  stampedAtMs: number;
  /** Absolute path of a user-given source whose content differs from the manifest's (`--resnet`). */
  userSource?: string;
}

export interface StampData {
  formatVersion: 1;
  entries: Record<string, StampEntry>;
}

export class Stamp {
  private changed = false;
  private constructor(readonly file: string, private readonly data: StampData) {}

  static async load(modelsDir: string): Promise<Stamp> {
    const file = path.join(modelsDir, STAMP_FILE);
    try {
      const d = JSON.parse(await readFile(file, 'utf8')) as StampData;
      if (d?.formatVersion === 1 && typeof d.entries === 'object' && d.entries !== null) return new Stamp(file, d);
    } catch {
      // missing or unreadable: start afresh (it is only a cache)
    }
    return new Stamp(file, { formatVersion: 1, entries: {} });
  }

  get(key: string): StampEntry | undefined {
    return Object.prototype.hasOwnProperty.call(this.data.entries, key) ? this.data.entries[key] : undefined;
  }

  /**
   * The sha256 recorded for `file` if its stat still matches the entry and the entry is not
   * racy; else undefined (the caller must hash the file).
   */
  async trusted(key: string, file: string): Promise<StampEntry | undefined> {
    const e = this.get(key);
    if (e === undefined) return undefined;
    let st;
    try {
      st = await stat(file, { bigint: true });
    } catch {
      return undefined;
    }
    if (Number(st.size) !== e.size || String(st.ino) !== e.ino || String(st.dev) !== e.dev ||
        String(st.mtimeNs) !== e.mtimeNs || String(st.ctimeNs) !== e.ctimeNs) return undefined;
    // A content write sets the mtime to "now" (in coarse clock ticks): if that is too close to
    // when the entry was written, a later write could have left the mtime as it was. (Setting
    // the mtime back with utimes changes the ctime, which the comparison above catches.)
    if (Number(st.mtimeNs / 1_000_000n) >= e.stampedAtMs - RACY_MS) return undefined;
    return e;
  }

  /** Records the current stat of `file` with its sha256. */
  async record(key: string, file: string, sha256: string, userSource?: string): Promise<void> {
    const st = await stat(file, { bigint: true });
    const entry: StampEntry = {
      size: Number(st.size),
      ino: String(st.ino),
      dev: String(st.dev),
      mtimeNs: String(st.mtimeNs),
      ctimeNs: String(st.ctimeNs),
      sha256,
      stampedAtMs: Date.now(),
    };
    if (userSource !== undefined) entry.userSource = userSource;
    this.data.entries[key] = entry;
    this.changed = true;
  }

  forget(key: string): void {
    if (this.get(key) !== undefined) {
      delete this.data.entries[key];
      this.changed = true;
    }
  }

  async save(): Promise<void> {
    if (!this.changed) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeAtomic(this.file, JSON.stringify(this.data, null, 1) + '\n');
    this.changed = false;
  }
}
