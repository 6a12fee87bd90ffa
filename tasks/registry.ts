/**
 * The tasks the tools know by name, and tasks loaded from a user's module by path. A module's default export is a
 * task definition (`defineTask({...})`) or a task object itself (a `StepTask` or a `GraphTask`, with an optional
 * `sim` beside it: `export const sim = {...}`, or a `sim` field on the default export).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../core/errors.ts';
import type { SimBehaviour } from '../models/sim-behaviour.ts';
import { convexityDefinition } from './convexity/definition.ts';
import type { RunnableTask, TaskDefinition } from './definition.ts';
import { hanoiDefinition } from './hanoi/definition.ts';
import { multiplicationDefinition } from './multiplication/definition.ts';
import { sortingDefinition } from './sorting/definition.ts';

/** The built-in tasks, by name. */
export const TASKS: Readonly<Record<string, TaskDefinition<any>>> = Object.freeze({
  hanoi: hanoiDefinition,
  convexity: convexityDefinition,
  multiplication: multiplicationDefinition,
  sorting: sortingDefinition,
});

/** True when `specifier` names a module file rather than a built-in task. */
export function isModuleSpecifier(specifier: string): boolean {
  return /[\\/]/.test(specifier) || /\.(?:[mc]?[jt]s)$/.test(specifier);
}

/** The built-in task `name`. */
export function builtInTask(name: string): TaskDefinition<any> {
  const definition = TASKS[name];
  if (definition === undefined) throw new InputError(`Unknown task \`${name}\`; known: ${Object.keys(TASKS).join(', ')}, or a path to a task module (./my-task.ts)`);
  return definition;
}

const isTask = (value: unknown): value is RunnableTask =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name?: unknown }).name === 'string' &&
  typeof (value as { parse?: unknown }).parse === 'function' &&
  (typeof (value as { ready?: unknown }).ready === 'function' || typeof (value as { prompt?: unknown }).prompt === 'function');

/** A definition from what a module exports. */
export function definitionFromExports(namespace: Record<string, unknown>, path: string): TaskDefinition<any> {
  // A module compiled or loaded as CommonJS arrives wrapped once more: its exports under `default`.
  const inner = namespace['default'];
  const exports =
    typeof inner === 'object' && inner !== null && 'default' in inner && !isTask(inner) && typeof (inner as { build?: unknown }).build !== 'function'
      ? (inner as Record<string, unknown>)
      : namespace;
  const main = exports['default'] ?? exports['task'];
  if (typeof main === 'object' && main !== null && typeof (main as { build?: unknown }).build === 'function') {
    const definition = main as TaskDefinition<any>;
    if (typeof definition.name !== 'string') throw new InputError(`The task definition in \`${path}\` has no \`name\``);
    return definition;
  }
  if (isTask(main)) {
    const sim = (exports['sim'] ?? (main as { sim?: unknown }).sim) as SimBehaviour | undefined;
    return {
      name: main.name,
      description: `task module ${path}`,
      build: () => main,
      ...(sim === undefined ? {} : { sim }),
    };
  }
  throw new InputError(
    `Expected \`${path}\` to export (as default) a task definition (defineTask) or a task object with name, parse and prompt or ready, got ${main === undefined ? 'no default export' : typeof main}`,
  );
}

/** Imports a task module by path (`.ts` and `.mts` through tsx, `.js` and `.mjs` as they are). */
export async function loadTaskModule(path: string, cwd = process.cwd()): Promise<TaskDefinition<any>> {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  const url = pathToFileURL(absolute).href;
  let exports: Record<string, unknown>;
  try {
    if (/\.[mc]?ts$/.test(absolute)) {
      const tsx = (await import('tsx/esm/api').catch((error: unknown) => {
        throw new InputError(`Loading a TypeScript task module needs tsx: \`npm install tsx\`, or compile \`${path}\` to .js`, { cause: error });
      })) as { tsImport: (specifier: string, parent: string) => Promise<Record<string, unknown>> };
      const { tsImport } = tsx;
      exports = await tsImport(url, import.meta.url);
    } else {
      exports = (await import(url)) as Record<string, unknown>;
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(absolute)) {
      throw new InputError(`Cannot find the task module \`${path}\``, { cause: error });
    }
    throw new InputError(`Cannot load the task module \`${path}\`: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  return definitionFromExports(exports, path);
}

/** A built-in task by name, or a module by path. */
export async function findTask(specifier: string, cwd?: string): Promise<TaskDefinition<any>> {
  return isModuleSpecifier(specifier) ? loadTaskModule(specifier, cwd) : builtInTask(specifier);
}
