/** The test kit (`maker-ts/testing`): a scripted model for testing step functions, schedulers and agents, and a small tool-using task for the simulated model. */
export { createScriptedModel, response, toolCall, type ScriptedModel, type ScriptedModelOptions, type ScriptEntry } from './scripted-model.ts';
export { arithmeticPrompt, arithmeticTools, arithmeticToolsSim } from './arithmetic-tools.ts';
