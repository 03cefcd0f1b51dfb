/**
 * The shortcuts taken on the hot paths of a whole-year check give the answers of the long way round: end
 * tags compared with the open element's name, attributes looked up by their declared position, children
 * found by a short forward scan of the sequence, integers valued in the pass that checks their digits.
 */
import assert from 'node:assert/strict';
import { builtinType } from '../../server/src/schema/xsd';
import { parseXml, XmlElement } from '../../server/src/xml/parser';
import { Rng } from '../fixtures/rng';
import { expectFindings, expectNone, fag, findings, person } from '../support/kpr';

/** `xml` with `from` replaced once by `to`; fails loudly when `from` is not there (a stale test). */
function edit(xml: string, from: string, to: string): string {
  assert.ok(xml.includes(from), `test document lacks ${from}`);
  return xml.replace(from, to);
}

/** Every element in document order, with what an end tag decides about it. */
function closings(xml: string): { issues: string[]; elements: string[] } {
  const r = parseXml(xml);
  const elements: string[] = [];
  const walk = (el: XmlElement): void => {
    elements.push(`${el.name} ${el.closed ? 'closed' : 'open'} ${el.endTagStart}-${el.end}`);
    el.children.forEach(walk);
  };
  if (r.root) walk(r.root);
  return { issues: r.issues.map((i) => `${i.key}@${i.start}`), elements };
}

describe('hot paths: end tags', () => {
  it('closes elements with names outside ASCII, with a prefix, or with space before the >', () => {
    const xml = '<r xmlns:p="urn:p"><Ærlig>x</Ærlig><p:b>y</p:b><c>z</c ><d></d></r>';
    assert.deepEqual(closings(xml), {
      issues: [],
      elements: ['r closed 63-67', 'Ærlig closed 27-35', 'p:b closed 41-47', 'c closed 51-56', 'd closed 59-63'],
    });
  });

  it('does not take an end tag for the open element when its name only begins the same', () => {
    const xml = '<r><ab>1</a></ab><a>2</ab></a></r>';
    assert.deepEqual(closings(xml), {
      issues: ['xml.mismatchedEnd@8', 'xml.mismatchedEnd@21'],
      elements: ['r closed 30-34', 'ab closed 12-17', 'a closed 26-30'],
    });
  });

  it('closes the elements left open when an end tag names an ancestor', () => {
    assert.deepEqual(closings('<r><a><b>1</a></r>'), {
      issues: ['xml.unclosedElement@6'],
      elements: ['r closed 14-18', 'a closed 10-14', 'b open 10-10'],
    });
  });

  it('reports an end tag cut off by the end of the text', () => {
    const { issues, elements } = closings('<r><a>1</a');
    assert.deepEqual(issues, ['xml.unterminatedTag@7', 'xml.unclosedElement@0']);
    assert.deepEqual(elements, ['r open 10-10', 'a closed 7-10']);
  });
});

describe('hot paths: attributes and children in the schema check', () => {
  it('accepts the attributes of an element in any order', () => {
    const xml = edit(fag(person()), 'tjPeID="1" tjTjID="1" tjVeID="1" tjVeNrID="1"', 'tjVeNrID="1" tjVeID="1" tjTjID="1" tjPeID="1"');
    expectNone(xml, 'schema');
  });

  it('checks each attribute against its own declaration whatever its position', () => {
    const xml = edit(fag(person()), 'tjPeID="1" tjTjID="1" tjVeID="1" tjVeNrID="1"', 'tjPeID="1" tjX="1" tjVeNrID="x" tjTjID="1"');
    const seen = findings(xml, 'schema', { language: 'en' });
    assert.deepEqual(
      seen.map((s) => s.at),
      ['tjX', 'x', 'TJENESTE'],
      JSON.stringify(seen, null, 1),
    );
    assert.match(seen[2].message, /tjVeID/);
  });

  it('finds children that skip a few or many optional elements, and those that come too late', () => {
    const written = `<tjTjenType>15</tjTjenType>
      <tjVedtDato>20230105</tjVedtDato>
      <tjVedtak>1</tjVedtak>
      <tjInstOrgnr>974589095</tjInstOrgnr>
      <tjFraDato>20230110</tjFraDato>`;
    const withChildren = (children: string): string => edit(fag(person()), written, children);
    // tjVedtDato comes two places after tjTjenType, tjKlageBesvart (the last of thirteen) nine after that.
    expectNone(withChildren('<tjTjenType>15</tjTjenType><tjVedtDato>20230105</tjVedtDato><tjKlageBesvart>20230201</tjKlageBesvart>'), 'schema');
    // Far back (tjTjenUnderType after tjFraDato) and near back (tjVedtDato after tjVedtak) are out of order.
    expectFindings(withChildren(`${written}<tjTjenUnderType>1</tjTjenUnderType>`), 'schema', ['tjTjenUnderType']);
    expectFindings(withChildren('<tjTjenType>15</tjTjenType><tjVedtak>1</tjVedtak><tjVedtDato>20230105</tjVedtDato>'), 'schema', ['tjVedtDato']);
  });
});

describe('hot paths: integer values', () => {
  const ranges: [string, bigint, bigint][] = [
    ['byte', -128n, 127n],
    ['short', -32768n, 32767n],
    ['int', -2147483648n, 2147483647n],
    ['long', -9223372036854775808n, 9223372036854775807n],
    ['unsignedByte', 0n, 255n],
    ['unsignedInt', 0n, 4294967295n],
    ['unsignedLong', 0n, 18446744073709551615n],
  ];

  it('checks lexical form and range exactly like a big-integer comparison, signs and leading zeros included', () => {
    const rng = new Rng(20261125);
    const values = ['0', '-0', '+0', '007', '+5', '-1', '', '+', '-', '1.0', '1 2', ' 1', '１'];
    for (const [, min, max] of ranges) {
      for (const edge of [min, max]) for (const d of [-1n, 0n, 1n]) values.push(String(edge + d), '00' + String(edge + d).replace('-', ''));
    }
    for (let i = 0; i < 2000; i++) {
      const digits = Array.from({ length: rng.int(1, 21) }, () => String(rng.int(0, 9))).join('');
      values.push(['', '+', '-'][rng.int(0, 2)] + digits);
    }
    for (const [name, min, max] of ranges) {
      const check = builtinType(name)!.check;
      for (const v of values) {
        const lexical = /^[+-]?[0-9]+$/.test(v);
        // Every one of these types has both bounds, so a value outside is a 'range' problem.
        const expected = !lexical ? 'integer' : BigInt(v) < min || BigInt(v) > max ? 'range' : undefined;
        assert.equal(check(v)?.kind, expected, `xs:${name} ${JSON.stringify(v)}`);
      }
    }
  });
});
