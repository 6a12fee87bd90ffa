/**
 * The architecture, checked: dependencies point one way down the folder list (no folder imports one above it)
 * and no two source files import each other, directly or through others. Every import counts: type-only ones
 * and literal dynamic `import()`s too, since each ties one file to another. Tests are exempt (a test may use the
 * test kit or the CLI from any folder); the root index.ts composes every folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The folders, lowest first: a file may import from its own folder and those before it. */
export const LAYERS = ['core', 'models', 'dispatch', 'voting', 'planning', 'run', 'agent', 'durable', 'tasks', 'testing', 'bench', 'cli'] as const;

const root = resolve(import.meta.dirname);

/** Every non-test TypeScript source of the layers, relative to the root with `/` separators, and the root index. */
function sourceFiles(): string[] {
  const files = ['index.ts'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const layer of LAYERS) {
    try {
      walk(layer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return files;
}

const PUNCTUATION_BEFORE_REGEX = new Set(['(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await']);

type Token = { readonly kind: 'word' | 'punct'; readonly text: string } | { readonly kind: 'string'; readonly text: string };

/**
 * The tokens of a TypeScript source that matter for imports: words, punctuation and string literals. Comments,
 * template literals and regular expressions are skipped, so an `import` inside any of them is not one.
 */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const skipString = (quote: string): string => {
    let text = '';
    for (i++; i < source.length && source[i] !== quote; i++) {
      if (source[i] === '\\') i++;
      text += source[i];
    }
    i++;
    return text;
  };
  const skipTemplate = (): void => {
    let depth = 0;
    for (i++; i < source.length; i++) {
      const char = source[i]!;
      if (char === '\\') i++;
      else if (depth === 0 && char === '`') break;
      else if (char === '$' && source[i + 1] === '{') (depth++, i++);
      else if (depth > 0 && char === '{') depth++;
      else if (depth > 0 && char === '}') depth--;
      else if (depth > 0 && (char === "'" || char === '"')) (skipString(char), i--);
    }
    i++;
  };
  while (i < source.length) {
    const char = source[i]!;
    const next = source[i + 1];
    if (/\s/.test(char)) i++;
    else if (char === '/' && next === '/') i = source.indexOf('\n', i) < 0 ? source.length : source.indexOf('\n', i);
    else if (char === '/' && next === '*') i = source.indexOf('*/', i + 2) < 0 ? source.length : source.indexOf('*/', i + 2) + 2;
    else if (char === "'" || char === '"') tokens.push({ kind: 'string', text: skipString(char) });
    else if (char === '`') skipTemplate();
    else if (/[A-Za-z_$]/.test(char)) {
      const word = /^[\w$]+/.exec(source.slice(i, i + 200))![0];
      tokens.push({ kind: 'word', text: word });
      i += word.length;
    } else if (char === '/') {
      const previous = tokens.at(-1);
      const regex = previous === undefined || (previous.kind === 'punct' && PUNCTUATION_BEFORE_REGEX.has(previous.text)) || (previous.kind === 'word' && KEYWORDS_BEFORE_REGEX.has(previous.text));
      if (regex) {
        let inClass = false;
        for (i++; i < source.length && (inClass || source[i] !== '/'); i++) {
          if (source[i] === '\\') i++;
          else if (source[i] === '[') inClass = true;
          else if (source[i] === ']') inClass = false;
        }
        i++;
        while (i < source.length && /\w/.test(source[i]!)) i++;
      } else {
        tokens.push({ kind: 'punct', text: char });
        i++;
      }
    } else {
      tokens.push({ kind: 'punct', text: char });
      i++;
    }
  }
  return tokens;
}

/** Module specifiers a source imports: `import ... from`, `export ... from`, `import 'x'` and literal `import('x')`. */
export function importSpecifiers(source: string): string[] {
  const tokens = tokenize(source);
  const specifiers: string[] = [];
  tokens.forEach((token, index) => {
    const next = tokens[index + 1];
    if (token.kind !== 'word' || next === undefined) return;
    if ((token.text === 'from' || token.text === 'import') && next.kind === 'string') specifiers.push(next.text);
    const afterParen = tokens[index + 2];
    if (token.text === 'import' && next.text === '(' && afterParen?.kind === 'string') specifiers.push(afterParen.text);
  });
  return specifiers;
}

/** The folder a file belongs to (its first path segment), or undefined for root files. */
function layerOf(file: string): string | undefined {
  const first = file.split('/')[0]!;
  return file.includes('/') ? first : undefined;
}

/** Each source's imports of other sources of the project, as root-relative paths. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importSpecifiers(readFileSync(join(root, file), 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => relative(root, resolve(root, dirname(file), specifier)).split(sep).join('/'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Imports that point up the layer list: `file` in a lower folder importing `target` in a higher one. */
export function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const rank = (file: string): number | undefined => {
    const layer = layerOf(file);
    return layer === undefined ? undefined : LAYERS.indexOf(layer as (typeof LAYERS)[number]);
  };
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = rank(file);
    if (from === undefined) continue; // the root index composes every folder
    for (const target of targets) {
      const to = rank(target);
      if (to === undefined || to > from) problems.push(`${file} imports ${target}: ${layerOf(file)}/ may not import ${layerOf(target) ?? 'the root'}${to === undefined ? '' : '/'}`);
    }
  }
  return problems;
}

/** Every import cycle among the files (Tarjan's strongly connected components), each as a path that closes on itself. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(cyclePath(graph, new Set(component)));
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** One concrete cycle through a strongly connected component, found by breadth-first search back to its first file. */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of graph.get(file) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

describe('the architecture', () => {
  const graph = importGraph(sourceFiles());

  it('finds the sources and their imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('cli/main.ts')).toContain('cli/commands.ts');
    // A dynamic import counts: the command table loads the run command this way.
    expect(graph.get('cli/commands.ts')).toContain('cli/run.ts');
  });

  it('has no folder importing one above it', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(importCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('read static, type-only, re-exported and dynamic imports, and nothing in comments, strings, templates or regexes', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "export * from './d.ts';",
      "import './e.ts';",
      "const f = await import('./f.ts');",
      "// import { x } from './comment.ts';",
      "/* import('./block.ts') */",
      "const s = \"import { y } from './string.ts'\";",
      "const t = `import { z } from './template.ts' ${'}'}`;",
      "const r = /from '.\\/regex.ts'/;",
      "const ratio = 1 / 2; const g = import('./g.ts');",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts', './f.ts', './g.ts']);
  });

  it('report an upward import, naming the file and what it imports', () => {
    const graph = new Map([
      ['core/task.ts', ['run/run-task.ts']],
      ['run/run-task.ts', ['core/task.ts']],
    ]);
    expect(upwardImports(graph)).toEqual(['core/task.ts imports run/run-task.ts: core/ may not import run/']);
  });

  it('report a cycle as the path that closes it', () => {
    const graph = new Map([
      ['cli/main.ts', ['cli/commands.ts']],
      ['cli/commands.ts', ['cli/run.ts']],
      ['cli/run.ts', ['cli/main.ts', 'cli/flags.ts']],
      ['cli/flags.ts', []],
    ]);
    expect(importCycles(graph)).toEqual([['cli/commands.ts', 'cli/run.ts', 'cli/main.ts', 'cli/commands.ts']]);
  });
});
