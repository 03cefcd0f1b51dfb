/** Offsets ↔ line/character positions (UTF-16 code units, as LSP counts them by default). */
export interface Position {
  line: number;
  character: number;
}

export class LineIndex {
  private readonly starts: Int32Array | number[];

  constructor(text: string) {
    const starts: number[] = [0];
    let i = text.indexOf('\n');
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = starts.length > 4096 ? Int32Array.from(starts) : starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  positionAt(offset: number): Position {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - s[lo] };
  }

  offsetAt(pos: Position): number {
    return this.lineStart(pos.line) + pos.character;
  }
}
