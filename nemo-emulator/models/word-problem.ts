// How an emulated model works a grade-school word problem ("Question: ... Answer:"): it reads
// the starting amount and each change from the text, then reasons step by step. Whether it gets
// every step right is the caller's roll against the model's general skill; a model that slips
// drops the last change. No answer key: the answer is computed from the question alone.

export interface WordProblem {
  start: number;
  steps: { op: '+' | '-' | '*' | '/'; n: number }[];
}

const QUESTION = /Question:\s*([\s\S]*?)\s*Answer:\s*$/;

/** The problem in the last user turn, or undefined when it is not one the model can read. */
export function readWordProblem(prompt: string): WordProblem | undefined {
  const question = QUESTION.exec(prompt)?.[1];
  if (!question || !/\bHow many\b/i.test(question)) return undefined;
  const sentences = question.split(/(?<=[.?])\s+/);
  const start = /\bhas (\d+)\b/.exec(sentences[0] ?? '');
  if (!start) return undefined;
  const steps: WordProblem['steps'] = [];
  for (const sentence of sentences.slice(1)) {
    if (/\?$/.test(sentence)) break;
    const add = /\b(?:buys|finds|gets|receives) (\d+) more\b/.exec(sentence);
    const sub = /\b(?:gives away|loses|eats|sells) (\d+)\b/.exec(sentence);
    const div = /\bequally into (\d+)\b/.exec(sentence);
    if (add) steps.push({ op: '+', n: Number(add[1]) });
    else if (sub) steps.push({ op: '-', n: Number(sub[1]) });
    else if (/\bdoubles\b/.test(sentence)) steps.push({ op: '*', n: 2 });
    else if (/\btriples\b/.test(sentence)) steps.push({ op: '*', n: 3 });
    else if (div) steps.push({ op: '/', n: Number(div[1]) });
    else return undefined;
  }
  return steps.length > 0 ? { start: Number(start[1]), steps } : undefined;
}

/** The worked answer in GSM8K's form; `slip` drops the last step (the usual small-model error). */
export function workAnswer(problem: WordProblem, slip: boolean): string {
  const steps = slip ? problem.steps.slice(0, -1) : problem.steps;
  let value = problem.start;
  const lines = [`Start with ${value}.`];
  for (const { op, n } of steps) {
    const next = op === '+' ? value + n : op === '-' ? value - n : op === '*' ? value * n : value / n;
    lines.push(`${value} ${op} ${n} = ${next}.`);
    value = next;
  }
  return `${lines.join(' ')}\n#### ${value}`;
}
