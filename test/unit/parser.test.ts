import assert from 'node:assert/strict';
import { ParseControl, parseXml, XmlElement } from '../../server/src/xml/parser';
import { decodeXml } from '../../server/src/xml/encoding';
import { LineIndex } from '../../server/src/xml/lineIndex';
import { Rng } from '../fixtures/rng';

function keys(xml: string): string[] {
  return parseXml(xml).issues.map((i) => i.key);
}

describe('XML reader', () => {
  it('reads elements, attributes, text and namespaces with exact offsets', () => {
    const xml = '<?xml version="1.0"?>\n<a:r xmlns:a="urn:x" v=\'1\'><b>te&amp;xt</b><c/></a:r>';
    const r = parseXml(xml);
    assert.deepEqual(r.issues, []);
    const root = r.root!;
    assert.equal(root.local, 'r');
    assert.equal(root.ns, 'urn:x');
    assert.equal(root.attrs[1].value, '1');
    const b = root.children[0];
    assert.equal(b.text, 'te&xt');
    assert.equal(xml.slice(b.textStart, b.textEnd), 'te&amp;xt');
    assert.equal(xml.slice(b.start, b.end), '<b>te&amp;xt</b>');
    assert.equal(b.ns, '', 'unprefixed child without default namespace');
    assert.equal(root.children[1].selfClosing, true);
    assert.equal(xml.slice(root.start, root.end), xml.slice(xml.indexOf('<a:r')));
  });

  it('goes on after a syntax error and still finds later elements', () => {
    const xml = '<r><a>1</b><c>2</c><d x="1" x="2"/></r>';
    const r = parseXml(xml);
    assert.deepEqual(r.issues.map((i) => i.key), ['xml.mismatchedEnd', 'xml.duplicateAttr', 'xml.unclosedElement']);
    const names = r.root!.children.map((c) => c.name);
    assert.ok(names.includes('a'));
    assert.equal(r.root!.children[0].children.map((c) => c.name).join(), 'c,d', 'c and d are read inside the unclosed a');
  });

  it('reports unclosed elements at their start tags', () => {
    const xml = '<r><a><b>x</r>';
    const r = parseXml(xml);
    assert.deepEqual(r.issues.map((i) => [i.key, xml.slice(i.start, i.end)]), [
      ['xml.unclosedElement', '<b'],
      ['xml.unclosedElement', '<a'],
    ]);
  });

  it('never expands a DOCTYPE: an entity bomb is one finding and costs nothing', () => {
    const lol = ['<!DOCTYPE lolz [', '<!ENTITY lol "lol">'];
    for (let i = 1; i < 10; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i - 1 || ''};`.repeat(10)}">`);
    lol.push(']>');
    const xml = lol.join('\n') + '<lolz>&lol9;</lolz>';
    const before = process.memoryUsage().heapUsed;
    const r = parseXml(xml);
    assert.deepEqual(r.issues.map((i) => i.key), ['xml.doctype', 'xml.undefinedEntity']);
    assert.equal(r.root!.text, '&lol9;');
    assert.ok(process.memoryUsage().heapUsed - before < 50e6);
  });

  it('handles empty, blank, binary and truncated input', () => {
    assert.deepEqual(keys(''), ['xml.empty']);
    assert.deepEqual(keys('  \n '), ['xml.empty']);
    assert.ok(keys('\u0000\u0001\u0002garbage').includes('xml.binary'));
    assert.deepEqual(keys('<r><a>1</a><b'), ['xml.unterminatedTag', 'xml.unclosedElement', 'xml.unclosedElement']);
  });

  it('survives 1,000-deep nesting and a 2 MB single line', () => {
    const deep = '<a>'.repeat(1000) + '</a>'.repeat(1000);
    assert.deepEqual(keys(deep), []);
    const line = '<r>' + '<v x="1">abc</v>'.repeat(130_000) + '</r>';
    assert.ok(line.length > 2e6);
    const r = parseXml(line);
    assert.equal(r.root!.children.length, 130_000);
  });

  it('reports text outside the root, a second root and an unbound prefix', () => {
    assert.deepEqual(keys('x<r/>'), ['xml.textBeforeRoot']);
    assert.deepEqual(keys('<r/><s/>'), ['xml.multipleRoots']);
    assert.deepEqual(keys('<p:r/>'), ['xml.unboundPrefix']);
  });

  it('lets the caller prune checked subtrees', () => {
    const seen: string[] = [];
    const r = parseXml('<r><p><x/></p><p><y/></p></r>', {
      onClose: (el: XmlElement) => {
        if (el.local === 'p') {
          seen.push(el.children.map((c) => c.local).join());
          el.children = [];
        }
      },
    });
    assert.deepEqual(seen, ['x', 'y']);
    assert.deepEqual(r.root!.children.map((c) => c.children.length), [0, 0]);
  });
});

describe('decoding', () => {
  it('reads ISO-8859-1 when the declaration says so', () => {
    const bytes = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><r>Bjørn Ærø</r>', 'latin1');
    const d = decodeXml(bytes);
    assert.equal(d.encoding, 'iso-8859-1');
    assert.ok(d.text.includes('Bjørn Ærø'));
  });
  it('flags ISO-8859-1 bytes in a file that claims UTF-8', () => {
    const bytes = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><r>Bjørn</r>', 'latin1');
    const d = decodeXml(bytes);
    assert.equal(d.issue?.key, 'xml.encoding');
  });
  it('strips a UTF-8 BOM', () => {
    const d = decodeXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<r>å</r>')]));
    assert.equal(d.text, '<r>å</r>');
  });
  it('recognises binary files', () => {
    assert.equal(decodeXml(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 1])).binary, true);
  });
});

describe('line index', () => {
  it('maps offsets to positions and back', () => {
    const text = 'ab\ncd\r\nef';
    const li = new LineIndex(text);
    assert.deepEqual(li.positionAt(0), { line: 0, character: 0 });
    assert.deepEqual(li.positionAt(4), { line: 1, character: 1 });
    assert.deepEqual(li.positionAt(8), { line: 2, character: 1 });
    assert.equal(li.offsetAt({ line: 2, character: 1 }), 8);
  });
});

describe('XML reader: names', () => {
  it('matches end tags of names with unusual and non-ASCII characters', () => {
    const xml = '<r><bjørn a·b="1">x</bjørn><a$b/><q:é xmlns:q="urn:q">y</q:é><bjørn>z</bjørm></r>';
    const r = parseXml(xml);
    assert.deepEqual(r.root!.children.map((c) => [c.name, c.local, c.closed]), [
      ['bjørn', 'bjørn', true],
      ['a$b', 'a$b', true],
      ['q:é', 'é', true],
      ['bjørn', 'bjørn', false],
    ]);
    assert.equal(r.root!.children[2].ns, 'urn:q');
    assert.deepEqual(r.issues.map((i) => [i.key, xml.slice(i.start, i.end)]), [
      ['xml.mismatchedEnd', '</bjørm>'],
      ['xml.unclosedElement', '<bjørn'],
    ]);
  });

  it('stays exact when a document has more distinct names than the name table holds', () => {
    // 12,000 distinct names of 12 to 20 characters fill the shared name trie; the rest take the slow path.
    const names: string[] = [];
    for (let i = 0; i < 12_000; i++) names.push(`n${(i * 7919).toString(36)}_${'x'.repeat(i % 9)}${i}`);
    const xml = '<r>' + names.map((n) => `<${n} ${n}a="v">t</${n}>`).join('') + '<tail>t</taiL></r>';
    const r = parseXml(xml);
    assert.equal(r.root!.children.length, 12_001);
    r.root!.children.slice(0, -1).forEach((c, i) => {
      assert.equal(c.name, names[i]);
      assert.equal(c.attrs[0].name, names[i] + 'a');
      assert.ok(c.closed);
    });
    assert.deepEqual(r.issues.map((i) => i.key), ['xml.mismatchedEnd', 'xml.unclosedElement']);
    // Names seen before are still shared after the table filled up.
    const again = parseXml(`<r><${names[5]}/><${names[5]}/></r>`).root!.children;
    assert.equal(again[0].name, names[5]);
  });

  it('tells a < inside an attribute value from an unterminated value without reading past the next tag', () => {
    assert.deepEqual(keys('<r><a x="1<2">t</a></r>').slice(0, 1), ['xml.ltInAttr']);
    // The quote that would close the value only comes after the next tag: the value was never closed.
    assert.equal(keys('<r><a x="1><b>t</b> y="2"/></r>')[0], 'xml.attrUnterminated');
  });

  it('resumes inside given open elements and halts when a callback says so', () => {
    const xml = '<r><p>1</p><p>2</p><p>3</p></r>';
    const full = parseXml(xml);
    const root = full.root!;
    const copy = { ...root, children: root.children.slice(0, 1), closed: false };
    const control = new ParseControl();
    const seen: string[] = [];
    const r = parseXml(xml, {
      startOffset: root.children[0].end,
      openElements: [copy],
      control,
      onClose: (el) => {
        seen.push(el.text);
        if (el.text === '2') control.halt();
      },
    });
    assert.deepEqual(seen, ['2']);
    assert.equal(r.haltedAt, root.children[1].end);
    assert.deepEqual(r.open, [copy]);
    assert.equal(copy.children.length, 2);
    assert.equal(root.children.length, 3, 'the original tree is untouched');
    assert.deepEqual(r.issues, []);
  });
});

describe('Windows-1252', () => {
  it('decodes 0x80–0x9F as the characters Excel and Windows write (€, –, ’), not as control characters', () => {
    const bytes = Buffer.from([...Buffer.from('<?xml version="1.0" encoding="windows-1252"?><r>'), 0x80, 0x20, 0x96, 0x20, 0x92, 0xe6, ...Buffer.from('</r>')]);
    const d = decodeXml(bytes);
    assert.equal(d.encoding, 'windows-1252');
    assert.ok(d.text.includes('€ – ’æ'), JSON.stringify(d.text));
  });
});

describe('line index', () => {
  it('moves to an edited text exactly as a new index of that text would (withEdit)', () => {
    const rng = new Rng('line-index');
    let text = Array.from({ length: 6000 }, (_, i) => (i % 7 === 0 ? '' : `line ${i}`)).join('\n');
    let lines = new LineIndex(text);
    const inserts = ['', 'x', '\n', '\n\n', 'a\nb', '\r\n', 'tail\n'];
    for (let k = 0; k < 300; k++) {
      const start = rng.int(0, text.length);
      const oldEnd = Math.min(text.length, start + rng.int(0, 40));
      const insert = inserts[rng.int(0, inserts.length - 1)];
      text = text.slice(0, start) + insert + text.slice(oldEnd);
      lines = lines.withEdit(text, start, oldEnd, start + insert.length);
      const fresh = new LineIndex(text);
      assert.equal(lines.lineCount, fresh.lineCount, `edit ${k}`);
      for (let j = 0; j < 20; j++) {
        const o = rng.int(0, text.length);
        assert.deepEqual(lines.positionAt(o), fresh.positionAt(o), `edit ${k}, offset ${o}`);
      }
      const line = rng.int(0, fresh.lineCount - 1);
      assert.equal(lines.lineStart(line), fresh.lineStart(line));
    }
  });
});
