import { completion, loggedTimestamp, type Random, type SampleContext } from './random';

// A generic workload: a company help desk answering employees' questions in free text, about a
// fifth of them in Japanese (a Tokyo office), some over several turns.

export const WORKLOAD_ID = 'faq_assistant';
const MODEL = 'meta/llama-3.1-8b-instruct';

interface Qa {
  q: string;
  a: string;
}

const CITIES = ['Berlin', 'Osaka', 'Chicago', 'Singapore', 'Madrid', 'Seattle', 'Nairobi', 'Lyon'];
const DEVICES = ['laptop', 'monitor', 'phone', 'headset', 'docking station', 'keyboard'];

const ENGLISH: ((r: Random) => Qa)[] = [
  (r) => {
    const days = r.int(2, 15);
    return {
      q: `How many days in advance do I need to book a ${days}-day business trip to ${r.pick(CITIES)}?`,
      a: `Book at least 14 days ahead for international trips and 7 days for domestic ones. A ${days}-day trip needs manager approval in the travel portal before booking.`,
    };
  },
  (r) => {
    const amount = r.int(20, 400);
    return {
      q: `Can I expense a $${amount} dinner with a client?`,
      a: `Client meals are reimbursable up to $75 per person. For $${amount}, list every attendee in the expense report and attach the itemised receipt.`,
    };
  },
  (r) => {
    const device = r.pick(DEVICES);
    return {
      q: `My ${device} stopped working, how do I get a replacement?`,
      a: `Open an IT ticket under Hardware > ${device}. If you are in the office, the IT desk can swap it the same day; remote staff get a courier within 3 business days.`,
    };
  },
  (r) => {
    const weeks = r.int(1, 6);
    return {
      q: `I want to take ${weeks} weeks of leave in ${r.pick(['March', 'July', 'August', 'December'])}. What is the process?`,
      a: `Request the leave in the HR system at least ${weeks * 2} weeks ahead. Leave longer than 2 weeks also needs your director's sign-off.`,
    };
  },
  (r) => ({
    q: `What is the Wi-Fi password for the ${r.pick(CITIES)} office guest network?`,
    a: 'Guest Wi-Fi passwords rotate weekly and are shown on the screens at reception. Employees should use the corporate network with their SSO login.',
  }),
];

const JAPANESE: ((r: Random) => Qa)[] = [
  (r) => {
    const days = r.int(2, 10);
    return {
      q: `${r.pick(CITIES)}への${days}日間の出張は、何日前までに申請すればよいですか？`,
      a: `海外出張は14日前、国内出張は7日前までに出張ポータルで申請してください。${days}日間の出張には上長の承認が必要です。`,
    };
  },
  (r) => {
    const device = r.pick(['ノートパソコン', 'モニター', 'スマートフォン', 'ヘッドセット']);
    return {
      q: `${device}が故障しました。交換の手続きを教えてください。`,
      a: `ITチケットを「ハードウェア」カテゴリで起票してください。出社している場合は当日中にITデスクで交換できます。在宅勤務の方には3営業日以内に配送します。`,
    };
  },
  (r) => {
    const amount = r.int(3000, 50000);
    return {
      q: `取引先との会食費${amount.toLocaleString('en-US')}円は経費精算できますか？`,
      a: '取引先との会食は1人あたり1万円まで精算できます。参加者全員の氏名を記入し、明細付きの領収書を添付してください。',
    };
  },
];

const SYSTEM =
  'You are the internal help desk assistant. Answer in the language of the question, briefly and precisely.';

export function faqRecord(ctx: SampleContext, defect: boolean): Record<string, unknown> {
  const r = ctx.random;
  const japanese = r.chance(0.2);
  const make = () => r.pick(japanese ? JAPANESE : ENGLISH)(r);
  const messages: Record<string, unknown>[] = [{ role: 'system', content: SYSTEM }];
  if (r.chance(0.25)) {
    const earlier = make();
    messages.push({ role: 'user', content: earlier.q }, { role: 'assistant', content: earlier.a });
  }
  const current = make();
  const ticket = japanese ? `（社員番号 ${r.int(10000, 99999)}）` : ` (employee #${r.int(10000, 99999)})`;
  messages.push({ role: 'user', content: `${current.q}${ticket}` });
  return {
    timestamp: loggedTimestamp(r, ctx.time),
    workload_id: WORKLOAD_ID,
    client_id: ctx.clientId,
    request: { model: MODEL, messages, temperature: 0.3, max_tokens: 400 },
    response: completion(r, ctx.time, MODEL, { role: 'assistant', content: defect ? '' : current.a }),
  };
}
