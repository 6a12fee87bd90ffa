/** What an agent spent: its own model calls and tool calls, plus every sub-agent's reported into it. */
export interface AgentUsage {
  /** Model calls that returned a response (every sample of a voted turn counts). */
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** US dollars at the models' prices. */
  costUsd: number;
  /** Tool executions (retries by middleware included; invalid and denied calls excluded). */
  toolCalls: number;
}

/** Fresh, zeroed usage. */
export function emptyUsage(): AgentUsage {
  return { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, toolCalls: 0 };
}

/** Adds `more` into `into`, in place. */
export function addUsage(into: AgentUsage, more: Readonly<AgentUsage>): void {
  into.calls += more.calls;
  into.promptTokens += more.promptTokens;
  into.completionTokens += more.completionTokens;
  into.costUsd += more.costUsd;
  into.toolCalls += more.toolCalls;
}

/** Prompt plus completion tokens. */
export function totalTokens(usage: Readonly<AgentUsage>): number {
  return usage.promptTokens + usage.completionTokens;
}
