import { expect } from 'chai';
import { InputError } from '../../../src/errors.js';
import { countOccurrences, describeOccurrenceMeasure, parseOccurrenceMeasure } from '../../../src/measurements/occurrence/occurrence.js';
import { outcomes } from '../../../src/results/pod-record.js';
import type { CellSummary } from '../../../src/results/summary.js';

/** The parts of a cell summary an occurrence count reads; the rest is irrelevant here. */
function cell(podCount: number, parts: Partial<Pick<CellSummary, 'outcomes' | 'signatures' | 'criErrors' | 'per1000Stops'>>): CellSummary {
  const none = Object.fromEntries(outcomes.map((o) => [o, 0])) as CellSummary['outcomes'];
  return {
    podCount,
    outcomes: { ...none, ...parts.outcomes },
    signatures: parts.signatures ?? {},
    criErrors: parts.criErrors ?? {},
    per1000Stops: parts.per1000Stops ?? { stops: podCount, stuck: 0, stateMismatch: 0 },
  } as CellSummary;
}

describe('occurrence measures (pods as Bernoulli trials)', () => {
  it('parses each kind and prints it back the same way', () => {
    for (const text of [
      'stateMismatch',
      'lostExit',
      'sandboxNotRemoved',
      'ipLeaked',
      'processLeft',
      'stopIgnored',
      'outcome:stuck',
      'criError:inspect:DEADLINE_EXCEEDED',
      'signature:stop-deadline',
      'criError:stop:DEADLINE_EXCEEDED',
    ])
      expect(describeOccurrenceMeasure(parseOccurrenceMeasure(text))).to.equal(text);
  });

  it('refuses what it cannot count, naming the accepted forms', () => {
    for (const text of ['stuck', 'outcome:lost', 'signature:', 'criError:DEADLINE_EXCEEDED'])
      expect(() => parseOccurrenceMeasure(text)).to.throw(InputError, /use stateMismatch, outcome:</);
  });

  it('adds cells up, counts state mismatches back from their rate, and never counts more occurrences than pods', () => {
    const cells = [
      cell(100, { outcomes: { stuck: 3 } as CellSummary['outcomes'], per1000Stops: { stops: 100, stuck: 30, stateMismatch: 120 } }),
      cell(40, { signatures: { 'stop-deadline': 90 }, per1000Stops: { stops: 40, stuck: 0, stateMismatch: 25 } }),
    ];
    expect(countOccurrences(cells, parseOccurrenceMeasure('outcome:stuck'))).to.deep.equal({ trials: 140, occurrences: 3 });
    expect(countOccurrences(cells, parseOccurrenceMeasure('stateMismatch'))).to.deep.equal({ trials: 140, occurrences: 13 });
    expect(countOccurrences(cells, parseOccurrenceMeasure('signature:stop-deadline'))).to.deep.equal({ trials: 140, occurrences: 40 });
    expect(countOccurrences([], parseOccurrenceMeasure('stateMismatch'))).to.deep.equal({ trials: 0, occurrences: 0 });
  });

  it('counts lost exits from the stop waterfall (no exit event, process gone), and refuses a cell without exit events', () => {
    const waterfall = (lostExits: number, exitEvents: 'streamed' | 'not-served') =>
      ({ ...cell(40, {}), stopWaterfall: { exitEvents, lostExits } }) as CellSummary;
    // A loaded host: two exit events came after the stop's deadline (state mismatches), none was lost.
    const late = { ...waterfall(0, 'streamed'), per1000Stops: { stops: 40, stuck: 50, stateMismatch: 50 } };
    expect(countOccurrences([late, waterfall(3, 'streamed')], parseOccurrenceMeasure('lostExit'))).to.deep.equal({ trials: 80, occurrences: 3 });
    expect(countOccurrences([late], parseOccurrenceMeasure('stateMismatch'))).to.deep.equal({ trials: 40, occurrences: 2 });
    expect(() => countOccurrences([waterfall(0, 'not-served')], parseOccurrenceMeasure('lostExit'))).to.throw(InputError, /no exit events/);
    expect(() => countOccurrences([cell(40, {})], parseOccurrenceMeasure('lostExit'))).to.throw(InputError, /no exit events/);
  });

  it('counts pods whose sandbox the runtime refused to remove, and refuses a summary written before that count existed', () => {
    const withCount = (podCount: number, sandboxesNotRemoved: number) => ({ ...cell(podCount, {}), sandboxesNotRemoved }) as CellSummary;
    expect(countOccurrences([withCount(5, 5), withCount(5, 0)], parseOccurrenceMeasure('sandboxNotRemoved'))).to.deep.equal({ trials: 10, occurrences: 5 });
    // A failed stop is not a sandbox left behind: the measure reads its own count only.
    const stopFailed = { ...withCount(5, 0), criErrors: { 'stop:DEADLINE_EXCEEDED': 5 } } as CellSummary;
    expect(countOccurrences([stopFailed], parseOccurrenceMeasure('sandboxNotRemoved'))).to.deep.equal({ trials: 5, occurrences: 0 });
    expect(() => countOccurrences([cell(5, {})], parseOccurrenceMeasure('sandboxNotRemoved'))).to.throw(InputError, /predates the sandboxNotRemoved count/);
  });

  it('counts pods whose IP the CNI IPAM kept after the sandbox was gone, and refuses a summary without that count', () => {
    const withCount = (ipsLeaked: number) => ({ ...cell(4, {}), ipsLeaked }) as CellSummary;
    expect(countOccurrences([withCount(4), withCount(1)], parseOccurrenceMeasure('ipLeaked'))).to.deep.equal({ trials: 8, occurrences: 5 });
    expect(() => countOccurrences([cell(4, {})], parseOccurrenceMeasure('ipLeaked'))).to.throw(InputError, /predates the ipLeaked count/);
  });

  it('counts pods whose container left a process after the pod was gone, and refuses a summary without that count', () => {
    const withCount = (processesLeft: number) => ({ ...cell(5, {}), processesLeft }) as CellSummary;
    expect(countOccurrences([withCount(5), withCount(0)], parseOccurrenceMeasure('processLeft'))).to.deep.equal({ trials: 10, occurrences: 5 });
    expect(() => countOccurrences([cell(5, {})], parseOccurrenceMeasure('processLeft'))).to.throw(InputError, /predates the processLeft count/);
  });

  it('counts pods whose container ran on after a stop sent during its start, and refuses a summary without that count', () => {
    const withCount = (stopsIgnored: number) => ({ ...cell(5, {}), stopsIgnored }) as CellSummary;
    expect(countOccurrences([withCount(5), withCount(2)], parseOccurrenceMeasure('stopIgnored'))).to.deep.equal({ trials: 10, occurrences: 7 });
    expect(() => countOccurrences([cell(5, {})], parseOccurrenceMeasure('stopIgnored'))).to.throw(InputError, /predates the stopIgnored count/);
  });
});
