import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Installs several files as one unit: after a crash (kill -9 at any instant) the next start
 * finds either every old file or every new one, never a mix.
 *
 *   1. each new file is written beside its destination (`<path>.certctl-new`) and fsynced;
 *   2. the journal (the list of files) is committed in the state directory (write, fsync, rename);
 *   3. each `.certctl-new` is renamed over its destination (rename is atomic per file);
 *   4. the journal is removed.
 *
 * `recoverFileSets` (run at start) rolls a committed journal forward (every new file is
 * complete on disk before the commit) and removes the leftovers of an uncommitted one.
 * The previous contents are kept as `<path>.certctl-prev` for rollback.
 */

export interface FileSpec {
  path: string;
  content: string | Buffer;
  /** Permission bits, e.g. 0o600 for a key, 0o644 for a certificate. */
  mode: number;
}

interface JournalEntry {
  path: string;
  hadPrevious: boolean;
}

interface Journal {
  id: string;
  committed: boolean;
  files: JournalEntry[];
}

export interface FileSetBackup {
  files: JournalEntry[];
  /** Puts the previous files back (atomically, as a set) and deletes the ones that did not exist. */
  restore(): Promise<void>;
}

const NEW = '.certctl-new';
const PREV = '.certctl-prev';

async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurable(path: string, content: string | Buffer, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode); // the umask must not widen or narrow what the target asks for
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeJournal(stateDir: string, journal: Journal): Promise<string> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, `fileset-${journal.id}.json`);
  await writeDurable(`${path}.tmp`, JSON.stringify(journal), 0o600);
  await rename(`${path}.tmp`, path);
  await fsyncPath(stateDir);
  return path;
}

async function syncDirectories(paths: string[]): Promise<void> {
  for (const dir of new Set(paths.map((path) => dirname(path)))) await fsyncPath(dir);
}

/** Installs `files` as one unit (see above) and returns what restores the previous state. */
export async function writeFileSet(stateDir: string, files: FileSpec[]): Promise<FileSetBackup> {
  const journal: Journal = { id: randomUUID(), committed: false, files: [] };
  for (const file of files) journal.files.push({ path: file.path, hadPrevious: await exists(file.path) });
  const journalPath = await writeJournal(stateDir, journal);

  const previous = new Map<string, Buffer>();
  for (const [index, file] of files.entries()) {
    await writeDurable(file.path + NEW, file.content, file.mode);
    if (journal.files[index].hadPrevious) {
      const old = await readFile(file.path);
      previous.set(file.path, old);
      await writeDurable(file.path + PREV, old, (await stat(file.path)).mode & 0o777);
    }
  }
  await syncDirectories(files.map((file) => file.path));

  await writeJournal(stateDir, { ...journal, committed: true });
  await rollForward(journal.files);
  await unlink(journalPath);

  const modes = new Map(files.map((file) => [file.path, file.mode]));
  return {
    files: journal.files,
    restore: async () => {
      const back = journal.files.filter((entry) => entry.hadPrevious);
      if (back.length) {
        await writeFileSet(
          stateDir,
          back.map((entry) => ({ path: entry.path, content: previous.get(entry.path)!, mode: modes.get(entry.path)! })),
        );
      }
      for (const entry of journal.files.filter((item) => !item.hadPrevious)) await rm(entry.path, { force: true });
    },
  };
}

async function rollForward(entries: JournalEntry[]): Promise<void> {
  for (const entry of entries) {
    if (await exists(entry.path + NEW)) await rename(entry.path + NEW, entry.path);
  }
  await syncDirectories(entries.map((entry) => entry.path));
}

/**
 * Finishes or undoes what a crash interrupted: a committed journal is rolled forward, an
 * uncommitted one loses its half-written `.certctl-new` files (the old files never moved).
 * Returns the journals it settled, for the agent's log.
 */
export async function recoverFileSets(stateDir: string): Promise<{ rolledForward: string[][]; discarded: string[][] }> {
  const settled = { rolledForward: [] as string[][], discarded: [] as string[][] };
  const names = await readdir(stateDir).catch(() => [] as string[]);
  for (const name of names.filter((entry) => entry.startsWith('fileset-') && entry.endsWith('.json'))) {
    const path = join(stateDir, name);
    const journal = JSON.parse(await readFile(path, 'utf8')) as Journal;
    if (journal.committed) {
      await rollForward(journal.files);
      settled.rolledForward.push(journal.files.map((entry) => entry.path));
    } else {
      for (const entry of journal.files) await rm(entry.path + NEW, { force: true });
      settled.discarded.push(journal.files.map((entry) => entry.path));
    }
    await unlink(path);
  }
  for (const name of names.filter((entry) => entry.endsWith('.json.tmp'))) await rm(join(stateDir, name), { force: true });
  return settled;
}

/** Writes one small file atomically (beside, fsync, rename): the agent's own state files. */
export async function writeFileAtomic(path: string, content: string | Buffer, mode = 0o600): Promise<void> {
  await writeDurable(path + NEW, content, mode);
  await rename(path + NEW, path);
  await fsyncPath(dirname(path));
}
