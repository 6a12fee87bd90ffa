/** What a task supplies so the simulated model can answer its prompts: kept beside a task, never part of its type. */
import type { ChatMessage, ToolSpec } from '../core/model.ts';
import type { Random } from '../core/rng.ts';

/**
 * How the simulated model answers a task's prompts. It sees only the prompt text: a responder that cannot
 * find what it needs there answers wrongly, so a scheduler that leaves state out of the prompt fails.
 */
export interface SimBehaviour {
  /** The correct response text, derived from the prompt text alone; undefined if the prompt lacks what is needed. */
  respond(prompt: string): string | undefined;
  /**
   * Plausible wrong response texts for this prompt, deterministic in the prompt, none equal to the correct one.
   * The simulated model picks the prompt's attractor among them by hash and spreads the other errors over all.
   * `correct` is the responder's answer, if it had one.
   */
  wrongAnswers(prompt: string, correct: string | undefined): readonly string[];
  /** A malformed response (fails the task's parser). Defaults to prose without an answer. */
  malformed?(prompt: string, random: Random): string;
  /**
   * Which label among `wrongAnswers` the attractor should favour, as an index; defaults to a hash of the prompt.
   * Lets a task make errors lean one way (convexity: toward UNKNOWN).
   */
  attractorIndex?(prompt: string, wrong: readonly string[], hash: number): number;
  /**
   * How many steps one answer to this prompt must get right; defaults to 1. A prompt that asks for `m` steps at
   * once (a flat, undecomposed call) is wrong with probability `1 - (1 - e)^m` for the mean per-step error `e`,
   * and its ordinary answers are longer by the correct answer's own tokens.
   */
  stepsInAnswer?(prompt: string): number;
  /**
   * How requests that offer tools are answered. Without it, such requests get text answers from `respond`, as a
   * model that ignores its tools would give. A behaviour made only for tool use can give text answers of none
   * (`respond: () => undefined`, `wrongAnswers: () => []`).
   */
  readonly tools?: SimToolBehaviour;
}

/** One tool call the simulated model makes. */
export interface SimToolCall {
  readonly name: string;
  /** The arguments: an object, serialised as JSON; a string is sent as it is (a corrupter's broken JSON). */
  readonly arguments: Readonly<Record<string, unknown>> | string;
}

/** One simulated turn: tool calls (several are parallel calls), a final text, or both. */
export interface SimTurn {
  readonly text?: string;
  readonly toolCalls?: readonly SimToolCall[];
}

/** What a tool-aware responder sees: the whole conversation (tool calls and results included) and the tools offered. */
export interface SimConversation {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolSpec[];
  /** The conversation as one text (contents, and each call as `name(arguments)`): what difficulty is drawn from. */
  readonly text: string;
}

/**
 * How the simulated model answers a request that offers tools. Like the text responder, it derives the correct
 * turn from what the conversation shows (tool results included) and offers plausible wrong turns; the simulated
 * model's error rate, heterogeneity, context degradation and red flags apply to turns exactly as to texts.
 */
export interface SimToolBehaviour {
  /** The correct next turn; undefined if the conversation lacks what is needed. */
  respond(conversation: SimConversation): SimTurn | undefined;
  /** Plausible wrong turns (wrong tool, wrong arguments, a premature answer), none equal to the correct one. */
  wrongTurns(conversation: SimConversation, correct: SimTurn | undefined): readonly SimTurn[];
  /** A malformed turn. @default the correct turn's first call with its arguments cut short (broken JSON), else prose */
  malformed?(conversation: SimConversation, random: Random): SimTurn;
  /** How many steps the correct turn must get right at once (an answer aggregated from m earlier results). @default 1 */
  stepsInAnswer?(conversation: SimConversation): number;
}
