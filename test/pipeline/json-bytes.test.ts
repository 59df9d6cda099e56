import fc from 'fast-check';
import { JsonBytes, UNSURE } from '../../pipeline/json-bytes';

// The byte walker under the record workers' byte path: it may only call a value canonical
// when JSON.stringify(JSON.parse(text)) gives the same text back, since the byte path copies
// such values into training lines as they are.

/** Whether the walker takes `text` as one canonical value (true), or not (false). */
function canonical(text: string): boolean {
  const sc = new JsonBytes();
  const bytes = Buffer.from(text);
  sc.reset(bytes, 0);
  try {
    sc.value(true);
    return sc.pos === bytes.length;
  } catch (err) {
    if (err === UNSURE) return false;
    throw err;
  }
}

const roundTrips = (text: string) => JSON.stringify(JSON.parse(text)) === text;

describe('the JSON byte walker', () => {
  test('what it calls canonical is what JSON.stringify writes back, for 3,000 random values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        if (canonical(text)) expect(roundTrips(text)).toBe(true);
      }),
      { numRuns: 3_000, seed: 15 },
    );
  });

  test('it takes the usual shapes and leaves the others', () => {
    const taken = [
      '{"a":"b","c":[1,-2,0,3.5,1e+21,true,false,null],"d":{}}',
      '"line\\nnext\\t\\"q\\" \\\\ \\u0001 é 😀"',
      '123456789012345',
      '[]',
    ];
    for (const text of taken) expect([text, canonical(text), roundTrips(text)]).toEqual([text, true, true]);
    const left = [
      '{ "a":1}',
      '"\\/"',
      '"\\u00e9"',
      '"\\u001F"',
      '"\\ud83d\\ude00"',
      '1.0',
      '-0',
      '1E5',
      '12345678901234567890',
      '{"a":1,"a":2}',
      '{"1":1,"a":2}',
      '{"__proto__":1}',
      '[1,]',
      '{"a":tru}',
      '"raw\u0001control"',
      `${'['.repeat(70)}${']'.repeat(70)}`,
    ];
    for (const text of left) expect([text, canonical(text)]).toEqual([text, false]);
  });

  test('skipContainer ends where the value ends, strings and escaped quotes included', () => {
    const sc = new JsonBytes();
    for (const text of ['{"a":"}\\"]","b":[{"c":"\\\\"}]}', '[["]"],{"x":"\\\\\\""}]']) {
      const bytes = Buffer.from(`${text},"rest"`);
      sc.reset(bytes, 0);
      sc.skipContainer();
      expect(sc.pos).toBe(Buffer.byteLength(text));
    }
    // a known value is jumped over only as a "tools" member's whole value
    const tools = Buffer.from('[{"n":"]"}]');
    const text = '{"tools":[{"n":"]"}],"x":"tools"}';
    sc.reset(Buffer.from(text), 0);
    sc.skipContainer([tools]);
    expect(sc.pos).toBe(text.length);
  });
});
