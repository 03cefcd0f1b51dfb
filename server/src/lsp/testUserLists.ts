/**
 * The workspace's own list of test persons (.kpr/testbrukere.txt in a workspace folder), merged into
 * `kpr.testUsers` for the documents of that folder. Read once per folder and kept until the client
 * reports that the file changed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTestUserFile, TEST_USER_FILE } from '../domain/testUsers';
import { MaskedLog } from './log';

export class TestUserLists {
  private readonly byFolder = new Map<string, Promise<string[]>>();

  constructor(
    private readonly folders: () => Promise<readonly { uri: string }[]>,
    private readonly log: MaskedLog,
  ) {}

  /** The listed identities that apply to a document (none outside a workspace folder). */
  async forDocument(uri: string): Promise<string[]> {
    if (!uri.startsWith('file:')) return [];
    let folders: readonly { uri: string }[];
    try {
      folders = await this.folders();
    } catch {
      return [];
    }
    // The innermost folder wins when folders nest.
    const folder = folders
      .map((f) => f.uri.replace(/\/?$/, '/'))
      .filter((f) => uri.startsWith(f))
      .sort((a, b) => b.length - a.length)[0];
    if (!folder) return [];
    let list = this.byFolder.get(folder);
    if (!list) {
      list = this.read(folder);
      this.byFolder.set(folder, list);
    }
    return list;
  }

  invalidate(): void {
    this.byFolder.clear();
  }

  private async read(folderUri: string): Promise<string[]> {
    const file = path.join(fileURLToPath(folderUri), TEST_USER_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return [];
    }
    const parsed = parseTestUserFile(text);
    for (const issue of parsed.issues) {
      // The line's content is never logged: it may hold a person number.
      this.log.warn(`${TEST_USER_FILE}: line ${issue.line} skipped (${issue.reason})`);
    }
    return parsed.ids;
  }
}
