import { mulberry32 } from '../../nemo-emulator/runtime/rng';

// Small, realistic, generated datasets: a web-shop assistant that routes requests to seven
// tools (production log records, OpenAI format) and financial headlines labelled with a
// sentiment in [[[label]]]. Phrasings vary per record, so a model must generalise.

export interface LogRow {
  request: { messages: { role: string; content: string }[]; tools?: unknown[] };
  response: {
    choices: { message: { role: 'assistant'; content: string | null; tool_calls?: unknown[] } }[];
  };
}

const SYSTEM =
  'You are ShopMate, the assistant of an online store. Use the tools to help the customer. The customer id is';

const tool = (name: string, description: string, properties: Record<string, unknown>) => ({
  type: 'function',
  function: {
    name,
    description,
    parameters: { type: 'object', properties, required: Object.keys(properties) },
  },
});

export const SHOP_TOOLS = [
  tool('get_order_status', 'Look up where a customer order is and when it will arrive', {
    order_id: { type: 'string', description: 'The order number' },
  }),
  tool('get_weather', 'Current weather forecast for a city', {
    city: { type: 'string' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  }),
  tool('book_flight', 'Reserve a plane ticket between two airports on a date', {
    origin: { type: 'string' },
    destination: { type: 'string' },
    date: { type: 'string', description: 'YYYY-MM-DD' },
  }),
  tool('convert_currency', 'Convert an amount of money from one currency to another', {
    amount: { type: 'number' },
    from_currency: { type: 'string' },
    to_currency: { type: 'string' },
  }),
  tool('set_alarm', 'Schedule a wake-up alarm at a time of day', { time: { type: 'string', description: 'HH:MM' } }),
  tool('cancel_subscription', 'End a membership plan the customer pays for', {
    plan: { type: 'string', enum: ['basic', 'premium', 'family'] },
  }),
  tool('get_account_balance', 'Store credit and gift card balance of the customer', {
    customer_id: { type: 'string' },
  }),
];

type Pick = <T>(list: readonly T[]) => T;

const CITIES = ['Paris', 'Berlin', 'Denver', 'Lisbon', 'Tokyo', 'Nairobi', 'Toronto', 'Madrid', 'Oslo', 'Lima'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD'];

interface Intent {
  call: (pick: Pick, rnd: () => number, customer: string) => { text: string; args: Record<string, unknown> };
}

const order = (rnd: () => number) => String(10000 + Math.floor(rnd() * 89999));
const date = (rnd: () => number) =>
  `2025-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
const clock = (rnd: () => number) =>
  `${String(5 + Math.floor(rnd() * 5)).padStart(2, '0')}:${['00', '15', '30', '45'][Math.floor(rnd() * 4)]}`;

const INTENTS: Record<string, Intent> = {
  get_order_status: {
    call: (pick, rnd) => {
      const id = order(rnd);
      const text = pick([
        `Where is my order ${id}?`,
        `Has order ${id} shipped yet?`,
        `When will order ${id} arrive?`,
        `Can you track the parcel for order ${id} please`,
        `My package from order ${id} is late, what is going on`,
      ]);
      return { text, args: { order_id: id } };
    },
  },
  get_weather: {
    call: (pick) => {
      const city = pick(CITIES);
      const unit = pick(['celsius', 'fahrenheit'] as const);
      const text = pick([
        `What's the weather in ${city} in ${unit}?`,
        `Is it going to rain in ${city} today? Give me the temperature in ${unit}`,
        `How warm is it in ${city} right now, in ${unit} please`,
        `Forecast for ${city} in ${unit}`,
      ]);
      return { text, args: { city, unit } };
    },
  },
  book_flight: {
    call: (pick, rnd) => {
      const origin = pick(CITIES);
      let destination = pick(CITIES);
      if (destination === origin) destination = CITIES[(CITIES.indexOf(origin) + 1) % CITIES.length] as string;
      const day = date(rnd);
      const text = pick([
        `Book a flight from ${origin} to ${destination} on ${day}`,
        `I need a plane ticket from ${origin} to ${destination} for ${day}`,
        `Please reserve me a seat flying from ${origin} to ${destination} on ${day}`,
        `Get me on a flight from ${origin} to ${destination}, date ${day}`,
      ]);
      return { text, args: { origin, destination, date: day } };
    },
  },
  convert_currency: {
    call: (pick, rnd) => {
      const amount = 10 * (1 + Math.floor(rnd() * 90));
      const from = pick(CURRENCIES);
      let to = pick(CURRENCIES);
      if (to === from) to = CURRENCIES[(CURRENCIES.indexOf(from) + 1) % CURRENCIES.length] as string;
      const text = pick([
        `Convert ${amount} ${from} to ${to}`,
        `How much is ${amount} ${from} in ${to}?`,
        `What do I get for ${amount} ${from} in ${to} today`,
        `Exchange ${amount} ${from} into ${to} for me`,
      ]);
      return { text, args: { amount, from_currency: from, to_currency: to } };
    },
  },
  set_alarm: {
    call: (pick, rnd) => {
      const time = clock(rnd);
      const text = pick([
        `Wake me up at ${time}`,
        `Set an alarm for ${time} tomorrow`,
        `I have to get up at ${time}, ring me`,
        `Alarm at ${time} please`,
      ]);
      return { text, args: { time } };
    },
  },
  cancel_subscription: {
    call: (pick) => {
      const plan = pick(['basic', 'premium', 'family'] as const);
      const text = pick([
        `Cancel my ${plan} subscription`,
        `I want to stop paying for the ${plan} plan`,
        `Please end my ${plan} membership`,
        `How do I quit the ${plan} plan? Do it for me`,
      ]);
      return { text, args: { plan } };
    },
  },
  get_account_balance: {
    call: (pick, _rnd, customer) => {
      const text = pick([
        'How much store credit do I have left?',
        'What is my gift card balance?',
        'Check my account balance',
        'Do I still have credit on my account?',
      ]);
      return { text, args: { customer_id: customer } };
    },
  },
};

/** Tool-calling production logs, `count` records from a seeded generator. */
export function shopLogs(count: number, seed: number): LogRow[] {
  const rnd = mulberry32(seed);
  const pick: Pick = (list) => list[Math.floor(rnd() * list.length)] as (typeof list)[number];
  const names = Object.keys(INTENTS);
  return Array.from({ length: count }, (_, i) => {
    const name = names[i % names.length] as string;
    const customer = `C-${1000 + Math.floor(rnd() * 9000)}`;
    const { text, args } = (INTENTS[name] as Intent).call(pick, rnd, customer);
    return {
      request: {
        messages: [
          { role: 'system', content: `${SYSTEM} ${customer}.` },
          { role: 'user', content: text },
        ],
        tools: SHOP_TOOLS,
      },
      response: {
        choices: [
          {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: `call_${i}`, type: 'function', function: { name, arguments: args } }],
            },
          },
        ],
      },
    };
  });
}

/** A log as a Customizer training line: the request's messages followed by the answer. */
export function trainingLine(row: LogRow) {
  const answer = row.response.choices[0]?.message;
  return {
    messages: [...row.request.messages, { ...answer, content: answer?.content ?? '' }],
    ...(row.request.tools ? { tools: row.request.tools } : {}),
  };
}

const HEADLINE_SYSTEM =
  'Classify the sentiment of the financial news headline for investors. Answer with exactly one label in triple brackets: [[[positive]]], [[[negative]]] or [[[neutral]]].';

const COMPANIES = ['Acme Corp', 'Globex', 'Initech', 'Umbrella', 'Stark Industries', 'Wayne Enterprises', 'Hooli'];
const HEADLINES: Record<string, string[]> = {
  positive: [
    '{c} beats quarterly earnings expectations',
    '{c} shares surge after record revenue',
    '{c} raises full-year profit guidance',
    'Analysts upgrade {c} on strong demand',
  ],
  negative: [
    '{c} misses revenue estimates, shares slump',
    '{c} cuts jobs as losses widen',
    '{c} warns of weaker profit amid falling demand',
    'Regulators fine {c} over accounting errors',
  ],
  neutral: [
    '{c} to hold annual shareholder meeting in May',
    '{c} appoints new board member',
    '{c} schedules earnings call for next Tuesday',
    '{c} moves headquarters to a new office building',
  ],
};

export function headlineLogs(count: number, seed: number): LogRow[] {
  const rnd = mulberry32(seed);
  const labels = Object.keys(HEADLINES);
  return Array.from({ length: count }, (_, i) => {
    const label = labels[i % labels.length] as string;
    const templates = HEADLINES[label] as string[];
    const template = templates[Math.floor(rnd() * templates.length)] as string;
    const company = COMPANIES[Math.floor(rnd() * COMPANIES.length)] as string;
    return {
      request: {
        messages: [
          { role: 'system', content: HEADLINE_SYSTEM },
          { role: 'user', content: template.replace('{c}', company) },
        ],
      },
      response: { choices: [{ message: { role: 'assistant', content: `Sentiment: [[[${label}]]]` } }] },
    };
  });
}
