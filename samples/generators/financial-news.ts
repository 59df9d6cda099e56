import { completion, loggedTimestamp, type SampleContext } from './random';

// A classification workload: financial news headlines sorted into topics, the answer carrying
// its label as [[[label]]] (the Blueprint's financial variant).

export const WORKLOAD_ID = 'news_classifier';
const MODEL = 'meta/llama-3.3-70b-instruct';

const COMPANIES = [
  'Halvorsen Energy',
  'Brightpath Bank',
  'Quillon Pharma',
  'Tessaract Semiconductors',
  'Marlowe Retail',
  'Oakridge Insurance',
  'Velto Motors',
  'Sundial Foods',
  'Cobalt Cloud',
  'Ferro Steel',
];
const SOURCES = ['Wire desk', 'Market Pulse', 'The Ledger', 'Capital Daily', 'Ticker Times'];
const dateline = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
const COUNTRIES = ['the US', 'the euro area', 'Japan', 'the UK', 'Canada', 'Brazil'];

const LABELS: Record<string, ((c: string, c2: string, n: number, place: string) => string)[]> = {
  earnings: [
    (c, _c2, n) => `${c} beats quarterly profit estimates as revenue climbs ${n}%`,
    (c, _c2, n) => `${c} misses earnings forecast, shares slide ${n}% after hours`,
    (c) => `${c} raises full-year guidance on strong demand`,
  ],
  mergers_acquisitions: [
    (c, c2, n) => `${c} agrees to buy ${c2} for $${n} billion`,
    (c, c2) => `${c2} rejects takeover approach from ${c}`,
    (c, c2) => `Regulators clear ${c}'s merger with ${c2}`,
  ],
  monetary_policy: [
    (_c, _c2, n, place) => `Central bank in ${place} holds rates, signals ${n} cuts next year`,
    (_c, _c2, _n, place) => `Inflation cools in ${place}, raising hopes of a rate cut`,
    (_c, _c2, n, place) => `Bond yields in ${place} jump ${n} basis points after hawkish minutes`,
  ],
  regulation: [
    (c) => `${c} fined by competition watchdog over pricing practices`,
    (c, _c2, _n, place) => `Lawmakers in ${place} propose new capital rules; ${c} among banks affected`,
    (c) => `${c} settles securities fraud probe without admitting wrongdoing`,
  ],
  markets: [
    (_c, _c2, n) => `Stocks rally ${n}% as tech shares rebound`,
    (_c, _c2, _n, place) => `Currency in ${place} falls to a two-year low against the dollar`,
    (c, _c2, n) => `${c} shares hit record high, up ${n}% this year`,
  ],
  bankruptcy: [
    (c) => `${c} files for Chapter 11 protection amid debt pile`,
    (c) => `Creditors take control of struggling ${c}`,
  ],
};
const LABEL_NAMES = Object.keys(LABELS);
// topic shares, the rare ones rare, as in a real news feed
const WEIGHTS = [0.3, 0.15, 0.2, 0.12, 0.2, 0.03];

const SYSTEM = `You classify financial news headlines by topic. Topics: ${LABEL_NAMES.join(', ')}. Reply with one short sentence of reasoning, then the topic in triple brackets, e.g. [[[markets]]].`;

function weightedLabel(x: number): string {
  let acc = 0;
  for (let i = 0; i < LABEL_NAMES.length; i++) {
    acc += WEIGHTS[i] as number;
    if (x < acc) return LABEL_NAMES[i] as string;
  }
  return LABEL_NAMES[LABEL_NAMES.length - 1] as string;
}

export function financialNewsRecord(ctx: SampleContext, defect: boolean): Record<string, unknown> {
  const r = ctx.random;
  const label = weightedLabel(r.next());
  const company = r.pick(COMPANIES);
  let other = r.pick(COMPANIES);
  if (other === company) other = COMPANIES[(COMPANIES.indexOf(company) + 1) % COMPANIES.length] as string;
  const headline = r.pick(LABELS[label] as NonNullable<(typeof LABELS)[string]>)(
    company,
    other,
    r.int(2, 45),
    r.pick(COUNTRIES),
  );
  const reasoning = {
    earnings: 'The headline reports company results.',
    mergers_acquisitions: 'It is about a deal between companies.',
    monetary_policy: 'It concerns interest rates or inflation.',
    regulation: 'A regulator or lawmaker acts on companies.',
    markets: 'It describes market price moves.',
    bankruptcy: 'The company is insolvent.',
  }[label];
  const content = defect ? `${reasoning} The topic is ${label}.` : `${reasoning} [[[${label}]]]`;
  return {
    timestamp: loggedTimestamp(r, ctx.time),
    workload_id: WORKLOAD_ID,
    client_id: ctx.clientId,
    request: {
      model: MODEL,
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: `Headline: ${headline}\nSource: ${r.pick(SOURCES)}, ${dateline(ctx.time)}` },
      ],
      temperature: 0,
      max_tokens: 64,
    },
    response: completion(r, ctx.time, MODEL, { role: 'assistant', content }),
  };
}
