import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The example's imports as a user writes them, from the package instead of this checkout. */
function asPublished(source: string): string {
  return source
    .replace("from '../../index.ts'", "from 'maker-ts'")
    .replace("from '../index.ts'", "from 'maker-ts/testing'")
    .replace("import '../vitest.ts';", "import 'maker-ts/testing/vitest';")
    .replace("from '../../tasks/hanoi/index.ts'", "from 'maker-ts/tasks/hanoi'");
}

describe('the README section on testing step functions', () => {
  it('shows the example test file the suite runs, word for word but for its imports', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Testing your own step functions'));
    const block = /```typescript\n([\s\S]*?)```/.exec(section)?.[1];
    const example = readFileSync(join(import.meta.dirname, 'hanoi-step.test.ts'), 'utf8');
    expect(block).toBeDefined();
    expect(asPublished(example)).not.toContain("'../");
    expect(block).toBe(asPublished(example));
  });
});
