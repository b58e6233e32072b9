// Writes that a crash cannot leave half done: a temp file beside the target, flushed to disk,
// then renamed over it (rename is atomic within a directory), then the directory flushed so the
// rename itself survives a power cut.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { jsonPieces } from './json-text';

/** Flushes a directory entry (the rename); a no-op where directories cannot be opened (Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/** The temp file writeFileAtomic and writeJsonAtomic use for `path`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}

/** Writes `data` (or its chunks, in order) to `path` atomically. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | readonly Uint8Array[],
): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'w');
  try {
    if (Array.isArray(data)) for (const chunk of data) await handle.write(chunk);
    else await handle.writeFile(data as Uint8Array | string);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/** Text gathered before each write of writeJsonAtomic: about a millisecond of stringifying. */
const JSON_CHUNK_CHARS = 256 * 1024;

/**
 * Writes JSON.stringify(value, null, 2) atomically, as writeFileAtomic does, a chunk at a time:
 * the event loop is free while each chunk is written, so a large file never holds it long.
 */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  /** Called once `value` is all serialized (it may change from then on), before the flush. */
  onSerialized?: () => void,
): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'w');
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const piece of jsonPieces(value)) {
      chunk.push(piece);
      size += piece.length;
      if (size < JSON_CHUNK_CHARS) continue;
      await handle.write(chunk.join(''));
      chunk = [];
      size = 0;
    }
    const last = chunk.join('');
    onSerialized?.();
    await handle.write(last);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, path);
  await syncDirectory(dirname(path));
}
