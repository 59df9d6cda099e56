import { completion, loggedTimestamp, type Random, type SampleContext } from './random';

// A tool-calling workload: an online store's support assistant that routes each request to
// one of its tools, sometimes after earlier turns (a tool result, a clarifying answer).

export const WORKLOAD_ID = 'customer_support';
const MODEL = 'meta/llama-3.1-70b-instruct';

const fn = (name: string, description: string, properties: Record<string, unknown>, required: string[]) => ({
  type: 'function',
  function: { name, description, parameters: { type: 'object', properties, required } },
});
const str = (description: string) => ({ type: 'string', description });

const TOOLS = [
  fn('get_order_status', 'Look up the status of an order', { order_id: str('Order number, e.g. A-10293') }, [
    'order_id',
  ]),
  fn(
    'track_shipment',
    'Track a parcel by carrier tracking number',
    { tracking_number: str('Carrier tracking number') },
    ['tracking_number'],
  ),
  fn(
    'initiate_return',
    'Start a return for items of an order',
    {
      order_id: str('Order number'),
      reason: { type: 'string', enum: ['damaged', 'wrong_item', 'no_longer_needed', 'too_small', 'too_large'] },
      item_skus: { type: 'array', items: { type: 'string' } },
    },
    ['order_id', 'reason'],
  ),
  fn(
    'search_products',
    'Search the catalogue',
    {
      query: str('What the customer is looking for'),
      category: str('Catalogue category'),
      max_price: { type: 'number', description: 'Price ceiling in USD' },
    },
    ['query'],
  ),
  fn(
    'update_shipping_address',
    'Change the delivery address of an order that has not shipped',
    {
      order_id: str('Order number'),
      street: str('Street and number'),
      city: str('City'),
      postal_code: str('Postal code'),
      country: str('ISO country code'),
    },
    ['order_id', 'street', 'city', 'postal_code', 'country'],
  ),
  fn('transfer_to_human_agent', 'Hand the conversation to a human agent', { reason: str('Why a human is needed') }, [
    'reason',
  ]),
];

const PRODUCTS = [
  'running shoes',
  'rain jacket',
  'espresso machine',
  'noise-cancelling headphones',
  'yoga mat',
  'desk lamp',
  'backpack',
  'wool socks',
  'blender',
  'phone case',
];
const CATEGORIES = ['footwear', 'outdoor', 'kitchen', 'electronics', 'fitness', 'home', 'accessories'];
const CITIES = [
  ['Portland', '97205', 'US'],
  ['Austin', '73301', 'US'],
  ['Toronto', 'M5V 2T6', 'CA'],
  ['Leeds', 'LS1 4AP', 'GB'],
  ['Denver', '80202', 'US'],
] as const;
const STREETS = ['Maple Ave', 'Oak Street', 'Harbor Road', 'Pine Lane', 'King Street', 'Elm Court'];
const HUMAN_REASONS = [
  'billing dispute over a double charge',
  'complaint about a rude courier',
  'wants to cancel the whole account',
  'asks for a manager',
];

const order = (r: Random) => `A-${r.int(10000, 99999)}`;
const tracking = (r: Random) => `1Z${r.id('', 12).toUpperCase()}`;

interface Turn {
  user: string;
  call: { name: string; arguments: Record<string, unknown> };
}

function turn(r: Random): Turn {
  const kind = r.int(0, 5);
  if (kind === 0) {
    const id = order(r);
    return {
      user: r.pick([
        `Where is my order ${id}?`,
        `Has order ${id} shipped yet?`,
        `Can you check on ${id} for me`,
        `status of ${id} please`,
      ]),
      call: { name: 'get_order_status', arguments: { order_id: id } },
    };
  }
  if (kind === 1) {
    const t = tracking(r);
    return {
      user: r.pick([
        `My tracking number is ${t}, where is the parcel?`,
        `Track ${t}`,
        `The carrier site says nothing for ${t}, can you look?`,
      ]),
      call: { name: 'track_shipment', arguments: { tracking_number: t } },
    };
  }
  if (kind === 2) {
    const id = order(r);
    const product = r.pick(PRODUCTS);
    const reason = r.pick(['damaged', 'wrong_item', 'no_longer_needed', 'too_small', 'too_large'] as const);
    const says = {
      damaged: 'arrived broken',
      wrong_item: 'is not what I ordered',
      no_longer_needed: "isn't needed anymore",
      too_small: 'is too small',
      too_large: 'is too big',
    }[reason];
    return {
      user: `The ${product} from order ${id} ${says}. I want to send it back.`,
      call: { name: 'initiate_return', arguments: { order_id: id, reason } },
    };
  }
  if (kind === 3) {
    const product = r.pick(PRODUCTS);
    const price = r.pick([30, 50, 80, 120, 200]);
    const withPrice = r.chance(0.5);
    return {
      user: withPrice ? `Do you have a ${product} under $${price}?` : `I'm looking for a good ${product}`,
      call: {
        name: 'search_products',
        arguments: { query: product, category: r.pick(CATEGORIES), ...(withPrice ? { max_price: price } : {}) },
      },
    };
  }
  if (kind === 4) {
    const id = order(r);
    const [city, postal, country] = r.pick(CITIES);
    const street = `${r.int(1, 999)} ${r.pick(STREETS)}`;
    return {
      user: `Please ship order ${id} to ${street}, ${city} ${postal} instead`,
      call: {
        name: 'update_shipping_address',
        arguments: { order_id: id, street, city, postal_code: postal, country },
      },
    };
  }
  const reason = r.pick(HUMAN_REASONS);
  return {
    user: `${r.pick(['I need a real person, it is about a', 'Get me a human please:', 'Can someone from staff call me? Topic:'])} ${reason}`,
    call: { name: 'transfer_to_human_agent', arguments: { reason } },
  };
}

const SYSTEM = (userId: number) =>
  `You are the support assistant of Northwind Outfitters. Use the tools to answer. Never invent order details. The customer's account id is ${userId}.`;

function toolCall(r: Random, call: Turn['call'], stringArgs: boolean) {
  return {
    id: r.id('call_', 12),
    type: 'function',
    function: { name: call.name, arguments: stringArgs ? JSON.stringify(call.arguments) : call.arguments },
  };
}

export function customerSupportRecord(ctx: SampleContext, defect: boolean): Record<string, unknown> {
  const r = ctx.random;
  const messages: Record<string, unknown>[] = [{ role: 'system', content: SYSTEM(r.int(100, 9999)) }];
  if (r.chance(0.35)) {
    // an earlier exchange in the same conversation: a tool result and the assistant's answer
    const earlier = turn(r);
    const call = toolCall(r, earlier.call, true);
    messages.push(
      { role: 'user', content: earlier.user },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ ok: true, detail: 'done' }) },
      { role: 'assistant', content: r.pick(['Done. Anything else?', 'All set. Can I help with something else?']) },
    );
  }
  const current = turn(r);
  messages.push({ role: 'user', content: current.user });
  const stringArgs = r.chance(0.3);
  const call = toolCall(r, current.call, stringArgs);
  if (defect) call.function.arguments = '{"order_id": "A-1';
  return {
    timestamp: loggedTimestamp(r, ctx.time),
    workload_id: WORKLOAD_ID,
    client_id: ctx.clientId,
    request: { model: MODEL, messages, tools: TOOLS, temperature: 0.2, max_tokens: 512 },
    response: completion(r, ctx.time, MODEL, { role: 'assistant', content: '', tool_calls: [call] }),
  };
}
