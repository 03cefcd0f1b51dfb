/**
 * The mapping files of a workspace on disk, for the cross-check in the editor: an extract is compared with
 * the mapping files of its own folder and the folders above it (as `kpr check` does), whether or not they
 * are open. Files are found once (again after `invalidate()`, which the language server calls when its file
 * watcher reports a change) and parsed once per modification (a stat per file and call tells).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeMapping, isMappingPath } from './file';
import { MappingRow, parseMapping } from './parse';

/** A workspace is searched this deep and this wide, so a huge folder cannot stall the editor. */
export const MAX_DEPTH = 8;
export const MAX_ENTRIES = 20_000;
/** A mapping file larger than this is not read in the background (`kpr check` still reads it). */
export const MAX_MAPPING_BYTES = 8 * 1024 * 1024;

export interface MappingOnDisk {
  path: string;
  /** Changes whenever the file does: for cache keys. */
  version: string;
  rows: MappingRow[];
}

/** True when the mapping file at `mappingPath` applies to the extract at `extractPath`: its folder or one above. */
export function mappingApplies(mappingPath: string, extractPath: string): boolean {
  const rel = path.relative(path.dirname(mappingPath), path.dirname(extractPath));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class WorkspaceMappings {
  private discovered: Promise<string[]> | undefined;
  private readonly parsed = new Map<string, MappingOnDisk>();

  /**
   * @param roots the workspace folders (file system paths)
   * @param onError told about folders or files that could not be read (the rest is still used)
   */
  constructor(
    private readonly roots: () => Promise<string[]>,
    private readonly onError: (what: string, err: unknown) => void = () => {},
  ) {}

  /** Forget which files exist: the next call searches the folders again (for created and deleted files). */
  invalidate(): void {
    this.discovered = undefined;
  }

  /** Every mapping file under the workspace folders, parsed. */
  async all(): Promise<MappingOnDisk[]> {
    this.discovered ??= this.discover();
    const paths = await this.discovered;
    const out: MappingOnDisk[] = [];
    for (const p of paths) {
      const m = await this.read(p);
      if (m) out.push(m);
    }
    return out;
  }

  /** The mapping files that apply to an extract (see `mappingApplies`). */
  async forExtract(extractPath: string): Promise<MappingOnDisk[]> {
    return (await this.all()).filter((m) => mappingApplies(m.path, extractPath));
  }

  private async discover(): Promise<string[]> {
    const found: string[] = [];
    let budget = MAX_ENTRIES;
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (depth > MAX_DEPTH || budget <= 0) return;
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        this.onError(dir, err);
        return;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (--budget <= 0) return;
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full, depth + 1);
        else if (e.isFile() && isMappingPath(e.name)) found.push(full);
      }
    };
    for (const root of await this.roots()) await walk(root, 0);
    return found;
  }

  private async read(p: string): Promise<MappingOnDisk | undefined> {
    try {
      const st = await fs.stat(p);
      const version = `${st.mtimeMs}:${st.size}`;
      const cached = this.parsed.get(p);
      if (cached?.version === version) return cached;
      if (st.size > MAX_MAPPING_BYTES) return undefined;
      const rows = parseMapping(decodeMapping(await fs.readFile(p)).text).rows;
      const m = { path: p, version, rows };
      this.parsed.set(p, m);
      return m;
    } catch (err) {
      this.parsed.delete(p);
      this.onError(p, err);
      return undefined;
    }
  }
}
