import { Random } from './random';

// A sample retrieval workload (written for this project): a help-centre search whose users ask
// in their own words ("get my money back", "cancel") while the help articles are written in
// the documents' words ("reimbursement", "terminating"). Production runs a large embedder
// (logged /v1/embeddings calls) and a reranker whose /v1/ranking judgements say which article
// answers each query. Only the shared product names connect a query to its article's
// neighbourhood; the wording of the request is a gap that only data can bridge.

export const WORKLOAD_ID = 'help_center_search';
export const CLIENT_ID = 'acme-help';
export const PRODUCTION_EMBEDDER = 'nvidia/nv-embedqa-mistral-7b-v2';
export const PRODUCTION_RERANKER = 'nvidia/llama-3.2-nv-rerankqa-1b-v2';

interface Action {
  title: string;
  body: string;
  asks: string[];
}

const ACTIONS: Action[] = [
  {
    title: 'Requesting a reimbursement for the {o}',
    body: 'Reimbursements for the {o} are credited to the original payment method within five business days once approved.',
    asks: ['how do i get my money back for the {o}', '{o} want my money returned', 'can i be paid back for my {o}'],
  },
  {
    title: 'Terminating the {o}',
    body: 'Termination of the {o} takes effect at the close of the current billing period; open Settings and choose End service.',
    asks: ['how can i cancel my {o}', 'i want to stop the {o} for good', 'quit {o} now'],
  },
  {
    title: 'Changing the tier of the {o}',
    body: 'A tier change on the {o} is prorated, and the higher allowance applies immediately after confirmation.',
    asks: ['upgrade my {o} to something better', 'get a bigger {o}', 'move my {o} up a level'],
  },
  {
    title: 'Recovering the credentials of the {o}',
    body: 'Credential recovery for the {o} sends a one-time verification link to the registered e-mail address.',
    asks: ['forgot my password for the {o}', 'locked out of my {o} cannot sign in', 'reset login {o}'],
  },
  {
    title: 'Tracking the delivery of the {o}',
    body: 'Delivery tracking for the {o} lists the carrier, the consignment number and the estimated arrival date.',
    asks: ['where is my {o} it never came', '{o} has not arrived yet', 'when will the {o} show up'],
  },
  {
    title: 'Disputing a charge on the {o}',
    body: 'A disputed charge on the {o} is investigated by the billing team and any overbilling is reversed on the next statement.',
    asks: ['charged twice for the {o}', 'wrong amount billed on my {o}', 'why did the {o} cost more this month'],
  },
  {
    title: 'Amending the postal details of the {o}',
    body: 'Postal details of the {o} can be amended under Profile; correspondence goes to the new residence from the next cycle.',
    asks: ['change my address on the {o}', 'i moved house update the {o}', 'new home address for {o}'],
  },
  {
    title: 'Obtaining a statement for the {o}',
    body: 'Statements for the {o} are available as PDF documents under Billing history for the past twenty-four months.',
    asks: ['need a receipt for the {o}', 'download the bill of my {o}', 'where can i find {o} paperwork for taxes'],
  },
  {
    title: 'Suspending the {o} temporarily',
    body: 'Suspension of the {o} keeps the contract but halts service and fees for up to ninety days.',
    asks: ['put my {o} on hold', 'freeze the {o} for a while', 'take a break from the {o} during holidays'],
  },
  {
    title: 'Reassigning the {o} to another holder',
    body: 'Reassignment of the {o} requires consent from both holders and completes after identity verification.',
    asks: ['give my {o} to my wife', 'hand over the {o} to a different person', 'put the {o} in my sons name'],
  },
];

const PRODUCTS = [
  'premium plan',
  'family account',
  'gift card',
  'mobile line',
  'fiber internet',
  'streaming bundle',
  'smart watch',
  'cloud storage',
  'travel insurance',
  'car lease',
  'gym membership',
  'magazine subscription',
];

const fill = (template: string, product: string) => template.replaceAll('{o}', product);
const passageOf = (a: Action, product: string) => `${fill(a.title, product)}. ${fill(a.body, product)}`;

/** A short, deterministic stand-in for the production embedder's vector (the real one has 4096 dimensions). */
function vector(random: Random): number[] {
  return Array.from({ length: 8 }, () => Math.round((random.next() * 2 - 1) * 1e4) / 1e4);
}

export function retrievalRecords(seed = 17, end = 1_767_000_000): Record<string, unknown>[] {
  const random = new Random(seed);
  const records: Record<string, unknown>[] = [];
  const envelope = (time: number) => ({ timestamp: time, workload_id: WORKLOAD_ID, client_id: CLIENT_ID });
  let time = end - 86_400 * 20;
  const tick = () => {
    time += random.int(60, 3600);
    return time;
  };
  const passages = PRODUCTS.flatMap((p) => ACTIONS.map((a) => passageOf(a, p)));

  // The index build: every article embedded as a passage, in batches.
  for (let i = 0; i < passages.length; i += 20) {
    const batch = passages.slice(i, i + 20);
    records.push({
      ...envelope(tick()),
      endpoint: '/v1/embeddings',
      request: { model: PRODUCTION_EMBEDDER, input: batch, input_type: 'passage', encoding_format: 'float' },
      response: {
        object: 'list',
        model: PRODUCTION_EMBEDDER,
        data: batch.map((_, index) => ({ object: 'embedding', index, embedding: vector(random) })),
        usage: { prompt_tokens: batch.join(' ').length / 4, total_tokens: batch.join(' ').length / 4 },
      },
    });
  }

  // Every query: embedded, then its retrieved passages reranked.
  const asked = PRODUCTS.flatMap((product) =>
    ACTIONS.flatMap((action) =>
      // two of the three ways users ask, varying by product
      action.asks
        .filter((_, i) => i !== PRODUCTS.indexOf(product) % action.asks.length)
        .map((ask) => ({ product, action, query: fill(ask, product) })),
    ),
  );
  for (const { product, action, query } of shuffle(asked, random)) {
    const at = tick();
    records.push({
      ...envelope(at),
      endpoint: '/v1/embeddings',
      request: { model: PRODUCTION_EMBEDDER, input: [query], input_type: 'query' },
      response: {
        object: 'list',
        model: PRODUCTION_EMBEDDER,
        data: [{ object: 'embedding', index: 0, embedding: vector(random) }],
        usage: { prompt_tokens: 12, total_tokens: 12 },
      },
    });
    const answer = passageOf(action, product);
    const sameProduct = ACTIONS.filter((a) => a !== action).map((a) => passageOf(a, product));
    const sameAction = PRODUCTS.filter((p) => p !== product).map((p) => passageOf(action, p));
    const candidates = shuffle(
      [answer, ...shuffle(sameProduct, random).slice(0, 4), ...shuffle(sameAction, random).slice(0, 1)],
      random,
    );
    const logits = candidates.map((text) => (text === answer ? 4 + random.next() * 5 : -(2 + random.next() * 7)));
    const order = candidates.map((_, i) => i).sort((a, b) => (logits[b] ?? 0) - (logits[a] ?? 0));
    records.push({
      ...envelope(at + 1),
      endpoint: '/v1/ranking',
      request: {
        model: PRODUCTION_RERANKER,
        query: { text: query },
        passages: candidates.map((text) => ({ text })),
        truncate: 'END',
      },
      response: { rankings: order.map((index) => ({ index, logit: Math.round((logits[index] ?? 0) * 1000) / 1000 })) },
    });
  }
  return records;
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
