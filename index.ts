/** maker-ts: MAKER (maximal decomposition, first-to-ahead-by-k voting, red-flagging) for long LLM tasks. */
export * from './core/index.ts';
export * from './voting/index.ts';
export * from './agent/index.ts';
