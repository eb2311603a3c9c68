/**
 * The shell blocks of an operator page (docs/quickstart.md), as the quick-start test runs them.
 *
 * Convention, written in the page's fence info strings:
 * - ```sh                 runnable: the test runs it, in page order, with bash (`set -euo pipefail`);
 * - ```sh no-run          shown only (starting the platform, waits of hours);
 * - ```sh id=<name>       runnable, with a name the test may attach a step to (done before the block runs).
 * Fences of other languages (json, yaml, none) are never run.
 */
export interface ShellBlock {
  /** 1-based position among the page's sh blocks. */
  index: number;
  /** The line of the opening fence (1-based), to find the block in the page. */
  line: number;
  /** The nearest heading above the block. */
  heading: string;
  run: boolean;
  id?: string;
  script: string;
}

const FENCE = /^```(\S*)(.*)$/;

export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) {
      if (/^#{1,6} /.test(lines[i])) heading = lines[i].replace(/^#+ /, '');
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end < 0) throw new Error(`line ${i + 1}: a code fence that never closes`);
    const [lang, info] = [open[1], open[2].trim().split(/\s+/).filter(Boolean)];
    if (lang === 'sh' || lang === 'bash') {
      const unknown = info.filter((w) => w !== 'no-run' && !/^id=[\w-]+$/.test(w));
      if (unknown.length) throw new Error(`line ${i + 1}: unknown fence words ${unknown.join(' ')} (use no-run or id=<name>)`);
      const id = info.find((w) => w.startsWith('id='))?.slice(3);
      blocks.push({
        index: blocks.length + 1,
        line: i + 1,
        heading,
        run: !info.includes('no-run'),
        ...(id ? { id } : {}),
        script: lines.slice(i + 1, end).join('\n'),
      });
    }
    i = end;
  }
  return blocks;
}

/**
 * One runnable block as a bash script: the variables exported by the blocks before it are read
 * back from `stateFile`, and the block's own are written there when it succeeds, so the blocks
 * share a shell's exports as a reader pasting them into one terminal would.
 */
export function blockScript(block: ShellBlock, stateFile: string): string {
  const q = `'${stateFile.replace(/'/g, `'\\''`)}'`;
  return [`set -euo pipefail`, `[ -f ${q} ] && source ${q}`, block.script, `export -p > ${q}`, ''].join('\n');
}
