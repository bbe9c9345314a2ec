import { expect } from 'chai';
import { InputError } from '../../src/errors.js';
import { planPush } from '../../src/run/push-metrics.js';
import { groupUrl, parseGroupingLabel, parsePushgatewayUrl } from '../../src/util/pushgateway.js';

describe('--push URL and --push-group', () => {
  it('takes an http(s) base URL; credentials move into a Basic header and out of messages', () => {
    const gateway = parsePushgatewayUrl('https://ci:s%3Acret@gw.example:9091/prefix/');
    expect(gateway.shown).to.equal('https://gw.example:9091/prefix');
    expect(gateway.authorization).to.equal(`Basic ${Buffer.from('ci:s:cret').toString('base64')}`);
    expect(parsePushgatewayUrl('http://127.0.0.1:9091').authorization).to.equal(undefined);
  });

  for (const bad of ['not a url', 'ftp://gw:21', 'http://gw:9091/?x=1', 'http://gw:9091/#a', 'http://gw:9091/metrics/job/x', 'file:///tmp/x']) {
    it(`refuses ${JSON.stringify(bad)} as input (exit 2)`, () => {
      expect(() => parsePushgatewayUrl(bad))
        .to.throw(InputError)
        .with.property('exitCode', 2);
    });
  }

  it('addresses the group with base64url values, empty and "/" included', () => {
    const url = groupUrl(parsePushgatewayUrl('http://gw:9091/p'), [
      ['job', 'podchurn'],
      ['scenario', 'a/b'],
      ['pipeline', ''],
    ]);
    expect(url.href).to.equal(
      `http://gw:9091/p/metrics/job@base64/${Buffer.from('podchurn').toString('base64url')}` +
        `/scenario@base64/${Buffer.from('a/b').toString('base64url')}/pipeline@base64/=`,
    );
    expect(groupUrl(parsePushgatewayUrl('http://gw:9091/'), [['job', 'podchurn']]).href).to.equal('http://gw:9091/metrics/job@base64/cG9kY2h1cm4');
    expect(parsePushgatewayUrl('http://gw:9091/').shown).to.equal('http://gw:9091');
  });

  it("grouping labels: name=value with a valid label name; podchurn's own labels and repeats refused", () => {
    expect(parseGroupingLabel('pipeline=nightly=1')).to.deep.equal(['pipeline', 'nightly=1']);
    for (const bad of ['pipeline', '1x=a', '__name__=a', 'a-b=c']) expect(() => parseGroupingLabel(bad), bad).to.throw(InputError);
    for (const taken of ['job=x', 'scenario=x', 'cell=x', 'axis_foo=x', 'containerd_version=x'])
      expect(() => planPush('http://gw:9091', [taken]), taken).to.throw(InputError);
    expect(() => planPush('http://gw:9091', ['a=1', 'a=2'])).to.throw(InputError, /twice/);
    expect(() => planPush(undefined, ['a=1'])).to.throw(InputError, /--push URL/);
    expect(planPush(undefined, [])).to.equal(undefined);
  });
});
