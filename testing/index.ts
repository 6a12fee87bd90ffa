/** The test kit (`maker-ts/testing`): a scripted model for testing step functions and schedulers. */
export { createScriptedModel, response, toolCall, type ScriptedModel, type ScriptedModelOptions, type ScriptEntry } from './scripted-model.ts';
