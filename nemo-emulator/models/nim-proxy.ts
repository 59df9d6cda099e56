import { openAiError } from '../http/errors';
import { unitHash } from '../runtime/rng';
import type { EmulatorState } from '../state/store';
import { embedTuned } from './embedding-tuning';
import { EMBEDDING_MODEL, embed } from './embeddings';
import { contentText } from './exemplars';
import { generalSkill } from './forgetting';
import { JUDGE_MODEL, judgeReply } from './judge';
import { type ChatRequest, viewOf } from './prompt';
import { answerPrompt, baseProfile, customizedProfile, type StudentProfile } from './student';
import { readWordProblem, workAnswer } from './word-problem';

// What the NIM proxy serves: base models of ready deployments, completed customizations whose
// base model is served, and the always-on judge and embedder. Chat completions are answered
// in-process here, for the HTTP route and for the Evaluator alike.

export const ALWAYS_ON = [JUDGE_MODEL, EMBEDDING_MODEL];

export interface ServedModel {
  id: string;
  owned_by: string;
}

export class NimProxy {
  constructor(
    private readonly state: () => EmulatorState,
    private readonly seed: number,
    /** The emulator's clock: an adapter is served once its sync time has passed on it. */
    private readonly now: () => number = Date.now,
  ) {}

  served(): ServedModel[] {
    const state = this.state();
    const bases = new Set(
      [...state.deployments.values()]
        .filter((d) => d.status_details.status === 'ready' && !d.deleting)
        .map((d) => d.config.model),
    );
    const ids = new Set<string>([...ALWAYS_ON, ...bases]);
    for (const tuned of state.trainedEmbedders.values()) {
      // a tuned embedder is served once synced, next to its base (always on, or deployed)
      const baseServed = bases.has(tuned.baseModel) || ALWAYS_ON.includes(tuned.baseModel);
      if (this.now() >= tuned.servedFrom && baseServed && state.models.has(tuned.id)) ids.add(tuned.id);
    }
    for (const trained of state.trainedModels.values()) {
      // the adapter is served once it has synced to the NIM of its base model
      const synced = this.now() >= trained.servedFrom;
      if (synced && bases.has(trained.baseModel) && state.models.has(trained.id)) ids.add(trained.id);
    }
    return [...ids].map((id) => ({ id, owned_by: id.includes('/') ? (id.split('/')[0] ?? 'system') : 'system' }));
  }

  /**
   * The vectors an embedding model gives these texts: the base embedder, or a tuned one; a
   * model that is not served or not an embedding model is refused as the NIM refuses it.
   */
  embed(model: string, texts: string[], inputType: 'query' | 'passage', dimensions?: number): number[][] {
    const tuned = this.state().trainedEmbedders.get(model);
    const isEmbedder = tuned !== undefined || model === EMBEDDING_MODEL || /embed/i.test(model);
    if (!isEmbedder || !this.isServed(model)) {
      throw openAiError(404, `The model \`${model}\` does not exist or is not an embedding model.`);
    }
    return texts.map((t) => (tuned ? embedTuned(tuned.tuned, t, inputType, dimensions) : embed(t, dimensions)));
  }

  isServed(model: string): boolean {
    return this.served().some((m) => m.id === model);
  }

  complete(request: ChatRequest) {
    if (!this.isServed(request.model)) {
      throw openAiError(404, `The model \`${request.model}\` does not exist or is not deployed.`);
    }
    if (request.model === EMBEDDING_MODEL) {
      throw openAiError(400, `The model \`${request.model}\` is an embedding model and does not support chat.`);
    }
    let content: string;
    let toolCalls: { name: string; arguments: Record<string, unknown> }[] = [];
    // the judge is also a general instruct model: asked to call a tool, it calls one
    const mustCallTool = (request.tools?.length ?? 0) > 0 && request.tool_choice === 'required';
    const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
    const problem = !mustCallTool && lastUser ? readWordProblem(contentText(lastUser.content)) : undefined;
    if (problem) {
      // general skill is the base model's, less what its training made it forget; the roll is
      // the base model's on this question, so a customized model fails a superset of its base's misses
      const trained = this.state().trainedModels.get(request.model);
      const base = trained?.baseModel ?? request.model;
      const slip =
        unitHash(this.seed, base, 'word-problem', contentText(lastUser?.content)) >=
        generalSkill(base, trained?.training);
      content = workAnswer(problem, slip);
    } else if (request.model === JUDGE_MODEL && !mustCallTool) {
      content = judgeReply(request.messages.map((m) => contentText(m.content)).join('\n'));
    } else {
      const reply = answerPrompt(viewOf(request), this.profile(request.model), this.seed);
      content = reply.content;
      toolCalls = reply.toolCalls;
    }
    if (request.max_tokens) content = content.slice(0, request.max_tokens * 4);
    const promptTokens = approxTokens(request.messages.map((m) => contentText(m.content)).join(' '));
    const completionTokens = approxTokens(content) + toolCalls.length * 12;
    const withCalls = toolCalls.length > 0;
    return {
      id: `chatcmpl-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: withCalls ? null : content,
            ...(withCalls
              ? {
                  tool_calls: toolCalls.map((c, i) => ({
                    id: `call_${i}`,
                    type: 'function',
                    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                  })),
                }
              : {}),
          },
          finish_reason: withCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  }

  private profile(model: string): StudentProfile {
    const trained = this.state().trainedModels.get(model);
    return trained
      ? // answers hash on the requested name, not the server-chosen `@<job id>` suffix, so the
        // same training answers the same whichever job id the Customizer handed out
        customizedProfile(model.replace(/@[^@/]*$/, ''), trained.baseModel, trained.exemplars, trained.epochs)
      : baseProfile(model);
  }
}

function approxTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export type ChatCompletion = ReturnType<NimProxy['complete']>;
