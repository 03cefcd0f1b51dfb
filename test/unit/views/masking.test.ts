/**
 * What the "KPR" output channel may print (client/src/masking.ts): never a fødselsnummer, never a secret,
 * also not in the LSP trace of a `kpr/submit` request, which carries the secrets.
 */
import assert from 'node:assert/strict';
import { makePersonId } from '../../../server/src/domain/identifiers';
import { maskLogArg, maskLogText, SecretRegistry } from '../../../client/src/masking';
import { Rng } from '../../fixtures/rng';

describe('output channel masking', () => {
  const fnr = makePersonId(new Rng('masking'), { kind: 'fnr' });

  it('masks person numbers but for their last two digits', () => {
    const line = maskLogText(`analysed file:///data/${fnr}.xml: PasientIdent fid="${fnr}"`);
    assert.ok(!line.includes(fnr));
    assert.ok(line.includes(`*********${fnr.slice(-2)}`));
    assert.equal(maskLogText('org 974589095, phone 12345678, MsgId 5f0c'), 'org 974589095, phone 12345678, MsgId 5f0c', 'other numbers stay');
  });

  it('masks the secrets of a traced kpr/submit request', () => {
    const params = { submissionId: 'x', uris: ['file:///a.xml'], env: 'qa', secrets: { amqpPassword: 'hunter2-amqp', signP12Passphrase: 'p12 "quoted" pass', decryptP12Passphrase: 'dec-pass-1' } };
    const trace = `[Trace - 10:41:07] Sending request 'kpr/submit - (12)'.\nParams: ${JSON.stringify(params, null, 4)}`;
    const masked = maskLogText(trace);
    for (const secret of ['hunter2-amqp', 'p12 \\"quoted\\" pass', 'dec-pass-1']) assert.ok(!masked.includes(secret), secret);
    assert.match(masked, /"amqpPassword": "\*\*\*\*"/);
    assert.match(masked, /"uris": \[\s*"file:\/\/\/a\.xml"/, 'the rest of the request stays readable');
  });

  it('masks a secret it has seen wherever it shows up, escaped or not', () => {
    const secrets = new SecretRegistry();
    secrets.add('s3cr3t"pass');
    secrets.add('abc'); // too short to register: masking it would blank ordinary words
    assert.equal(maskLogText('the broker said: bad password s3cr3t"pass', secrets), 'the broker said: bad password ****');
    assert.equal(maskLogText('{"x":"s3cr3t\\"pass"}', secrets), '{"x":"****"}');
    assert.equal(maskLogText('abc', secrets), 'abc');
  });

  it('masks passwords in URLs, and errors and objects passed as arguments', () => {
    assert.equal(maskLogText('connecting to amqps://kommune:topsecret@tb.test.nhn.no:5671/X'), 'connecting to amqps://kommune:****@tb.test.nhn.no:5671/X');
    const err = new Error(`rejected ${fnr}`);
    assert.ok(!maskLogArg(err).includes(fnr));
    assert.ok(!maskLogArg({ pid: fnr, passphrase: 'pp-value-1' }).includes(fnr));
    assert.ok(!maskLogArg({ pid: fnr, passphrase: 'pp-value-1' }).includes('pp-value-1'));
  });
});
