import assert from 'node:assert/strict';
import { checkMapping, decodeMapping, MAX_LINE_LENGTH, parseMapping, ParsedMapping } from '../../../server/src/mapping';
import { encodeMapping, ENGLISH_HEADER, generateMapping, serializeMapping } from '../../fixtures/mappingGenerator';
import { Rng } from '../../fixtures/rng';
import { expectMapping, extractModel, HEADER, mapping, mappingFindings } from './helpers';

/** Every field of every row as `{field: value}`, for compact assertions. */
function table(p: ParsedMapping): Record<string, string>[] {
  return p.rows.map((r) => Object.fromEntries(Object.entries(r.fields).map(([k, c]) => [k, c!.value])));
}

function issueKeys(p: ParsedMapping): string[] {
  return p.issues.map((i) => i.key);
}

describe('mapping files: reading', () => {
  it('reads the documented header and rows, with exact offsets for every cell', () => {
    const text = mapping(['HSP01;Hjemmesykepleie sone nord;15;974589095;;;', 'BOL01; Omsorgsbolig Solbakken ;29;;2023-01-01;;Bygg A']);
    const p = parseMapping(text);
    assert.equal(p.delimiter, ';');
    assert.deepEqual(p.issues, []);
    assert.deepEqual(p.header?.columns, ['localCode', 'localName', 'kprCode', 'orgnr', 'validFrom', 'validTo', 'comment']);
    assert.deepEqual(table(p)[1], {
      localCode: 'BOL01',
      localName: 'Omsorgsbolig Solbakken',
      kprCode: '29',
      orgnr: '',
      validFrom: '2023-01-01',
      validTo: '',
      comment: 'Bygg A',
    });
    for (const row of p.rows) {
      for (const c of row.cells) {
        assert.equal(text.slice(c.valueStart, c.valueEnd), c.value);
        assert.ok(c.start <= c.valueStart && c.valueEnd <= c.end);
      }
      assert.equal(text.slice(row.start, row.end), text.split('\n')[row.line]);
    }
    assert.deepEqual(p.rows.map((r) => r.line), [1, 2]);
  });

  it('accepts Norwegian and English header names in any case, with accents, spaces and any column order', () => {
    const variants = [
      'Lokal kode;KPR-kode;Organisasjonsnummer;Gyldig fra;Gyldig til',
      'LOKALKODE;TJENESTETYPE;ORGNR;GYLDIG_FRA;GYLDIG_TIL',
      'local_code;kpr_code;org_number;valid_from;valid_to',
      'Lokal_Kode;Tjenestetype;Org.nr;Gyldig-fra;Gyldig-til',
      'lokalkode;kpr_tjenestetype;orgnr;gyldig_fom;gyldig_tom',
    ];
    for (const header of variants) {
      const p = parseMapping(`${header}\nHSP01;15;974589095;01.01.2023;31.12.2023\n`);
      assert.deepEqual(issueKeys(p), [], header);
      assert.deepEqual(table(p), [{ localCode: 'HSP01', kprCode: '15', orgnr: '974589095', validFrom: '01.01.2023', validTo: '31.12.2023' }], header);
    }
    const reordered = parseMapping('tjenestetype;Kommentar;lokalt_navn;Lokal_kode\n29;;Omsorgsbolig Solbakken;BOL01\n');
    assert.deepEqual(table(reordered), [{ kprCode: '29', comment: '', localName: 'Omsorgsbolig Solbakken', localCode: 'BOL01' }]);
    const english = serializeMapping(generateMapping(extractModel()), { header: ENGLISH_HEADER, delimiter: ',' });
    assert.deepEqual(checkMapping(english), []);
  });

  it('takes the delimiter from the header line: the more frequent one, ";" on a tie', () => {
    assert.equal(parseMapping('lokal_kode,tjenestetype,orgnr\nA,15,974589095\n').delimiter, ',');
    assert.equal(parseMapping('lokal_kode;tjenestetype;"orgnr, enhet"\nA;15;974589095\n').delimiter, ';');
    assert.equal(parseMapping('lokal_kode;tjenestetype,orgnr\n').delimiter, ';');
    const comma = parseMapping('lokal_kode,lokalt_navn,tjenestetype\nHSP01,"Hjemmesykepleie, sone nord",15\n');
    assert.deepEqual(table(comma), [{ localCode: 'HSP01', localName: 'Hjemmesykepleie, sone nord', kprCode: '15' }]);
  });

  it('follows RFC 4180: quoted delimiters, doubled quotes and line breaks inside quotes', () => {
    const text = mapping([
      'LTO01;"Langtidsopphold Solbakken; avd. 2";21;974589095;;;',
      'TA01;"Safemate ""Go"" trygghetsalarm";6;;;;"Første linje',
      'andre linje"',
      'GPS01;GPS-klokke;26;;;;',
    ]);
    const p = parseMapping(text);
    assert.deepEqual(issueKeys(p), []);
    const rows = table(p);
    assert.equal(rows[0].localName, 'Langtidsopphold Solbakken; avd. 2');
    assert.equal(rows[1].localName, 'Safemate "Go" trygghetsalarm');
    assert.equal(rows[1].comment, 'Første linje\nandre linje');
    assert.equal(rows[2].localCode, 'GPS01');
    assert.deepEqual(p.rows.map((r) => r.line), [1, 2, 4], 'a line break inside quotes keeps the line count');
    const name = p.rows[0].fields.localName!;
    assert.equal(name.quoted, true);
    assert.equal(text.slice(name.valueStart, name.valueEnd), 'Langtidsopphold Solbakken; avd. 2');
    assert.equal(text.slice(name.start, name.end), '"Langtidsopphold Solbakken; avd. 2"');
  });

  it('skips # comments, blank lines and rows of only delimiters; ignores a BOM character', () => {
    const text = '\ufeff# Mapping for Eksempel kommune\n\n' + HEADER + '\n  # kommentar med innrykk\n;;;;;;\nHSP01;Hjemmesykepleie;15;974589095;;;\n\n';
    const p = parseMapping(text);
    assert.deepEqual(issueKeys(p), []);
    assert.equal(p.header?.line, 2);
    assert.deepEqual(table(p).map((r) => r.localCode), ['HSP01']);
    assert.equal(p.rows[0].line, 5);
    const excel = parseMapping(';;;;;;\r\n;;;;;;\r\n' + HEADER + '\r\nHSP01;x;15;974589095;;;\r\n');
    assert.deepEqual(issueKeys(excel), [], 'Excel’s empty rows above the header');
    assert.equal(excel.header?.line, 2);
  });

  it('reads CRLF, LF and lone-CR line ends alike', () => {
    const rows = ['HSP01;Hjemmesykepleie;15;974589095;;;', 'BOL01;Omsorgsbolig;29;;;;'];
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = mapping(rows, HEADER, eol);
      const p = parseMapping(text);
      assert.deepEqual(issueKeys(p), [], JSON.stringify(eol));
      assert.deepEqual(table(p).map((r) => r.localCode), ['HSP01', 'BOL01']);
      assert.deepEqual(p.rows.map((r) => r.line), [1, 2]);
      assert.equal(p.rows[0].fields.comment?.value, '');
    }
  });

  it('decodes UTF-8 with and without BOM, Windows-1252 and UTF-16, the way Excel saves CSV', () => {
    const text = mapping(['LTO01;Langtidsopphold Bjørkly – avd. 2;21;974589095;;;']);
    for (const enc of ['utf-8', 'utf-8-bom', 'windows-1252'] as const) {
      const d = decodeMapping(encodeMapping(text, enc));
      assert.equal(d.text, text, enc);
      assert.equal(d.encoding, enc === 'windows-1252' ? 'windows-1252' : 'utf-8');
      assert.equal(d.bom, enc === 'utf-8-bom');
    }
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.equal(decodeMapping(utf16).text, text);
    // Plain ASCII is valid UTF-8: no guess needed.
    assert.equal(decodeMapping(Buffer.from(HEADER)).encoding, 'utf-8');
  });

  describe('bad input: a diagnostic, never a crash or a hang', () => {
    it('a binary file', () => {
      const p = parseMapping('PK\u0003\u0004\u0000\u0000garbage');
      assert.equal(p.binary, true);
      assert.deepEqual(issueKeys(p), ['mapping.binary']);
      assert.deepEqual(p.rows, []);
    });

    it('an empty file, and one of only comments', () => {
      for (const text of ['', '\n\n', '# bare kommentar\n']) {
        const seen = mappingFindings(text);
        assert.deepEqual(seen.map((s) => [s.code, s.severity]), [['mapping-format', 3]], JSON.stringify(text));
        assert.match(seen[0].message, /The file is empty\. Start with a header line, e\.g\. lokal_kode;lokalt_navn;tjenestetype/);
      }
    });

    it('a 1 MB line, within the time of a keystroke', () => {
      const long = 'x'.repeat(1 << 20);
      for (const text of [mapping([`HSP01;${long};15;974589095;;;`, 'BOL01;Omsorgsbolig;29;;;;']), mapping([';'.repeat(1 << 20), 'BOL01;Omsorgsbolig;29;;;;'])]) {
        const t0 = performance.now();
        const p = parseMapping(text);
        assert.ok(performance.now() - t0 < 500, 'bounded');
        assert.deepEqual(issueKeys(p), ['mapping.lineTooLong']);
        assert.deepEqual(table(p).map((r) => r.localCode), ['BOL01'], 'the next row is still read');
        assert.ok(p.issues[0].end - p.issues[0].start < 10, 'the diagnostic does not cover the megabyte');
      }
      const seen = mappingFindings(mapping([`${'9'.repeat(MAX_LINE_LENGTH - 100)};x;15;;;;`]));
      for (const s of seen) assert.ok(s.message.length < 400, `message stays short: ${s.message.length}`);
    });

    it('a file with one header and 200 cells a line does not build 200 × lines cells', () => {
      const text = HEADER + '\n' + ('A;'.repeat(300) + '\n').repeat(100);
      const p = parseMapping(text);
      assert.equal(p.rows.length, 100);
      assert.ok(p.rows.every((r) => r.malformed && r.cells.length <= 200));
      assert.equal(p.issues.filter((i) => i.key === 'mapping.tooManyColumns').length, 100);
    });

    it('mixed delimiters: a ","-row in a ";"-file is read with its own delimiter', () => {
      const text = mapping(['HSP01,Hjemmesykepleie,15,974589095,,,', 'OBS01;Omsorgsbolig;12;;;;']);
      const seen = expectMapping(text, 'mapping-format', ['HSP01,Hjemmesykepleie,15,974589095,,,']);
      assert.equal(seen[0].severity, 2);
      assert.match(seen[0].message, /separated by ","/);
      assert.deepEqual(table(parseMapping(text))[0], {
        localCode: 'HSP01', localName: 'Hjemmesykepleie', kprCode: '15', orgnr: '974589095', validFrom: '', validTo: '', comment: '',
      });
      expectMapping(text, 'deprecated-service-code', ['12']);
    });

    it('a quote that never closes: the row is skipped, the rest is read', () => {
      const text = mapping(['HSP01;"Hjemmesykepleie;15;974589095;;;', 'OBS01;Omsorgsbolig;12;;;;', 'GPS01;GPS;26;;;;']);
      const p = parseMapping(text);
      assert.deepEqual(issueKeys(p), ['mapping.unterminatedQuote']);
      assert.equal(text.slice(p.issues[0].start, p.issues[0].end), '"');
      assert.deepEqual(
        p.rows.map((r) => [r.fields.localCode?.value, !!r.malformed]),
        [['HSP01', true], ['OBS01', false], ['GPS01', false]],
      );
      expectMapping(text, 'deprecated-service-code', ['12']);
    });

    it('a stray quote is bounded: it cannot swallow more than 50 lines', () => {
      const rows = ['HSP01;"Hjemmesykepleie;15;974589095;;;'];
      for (let i = 0; i < 80; i++) rows.push(`X${i};Navn;15;974589095;;;`);
      rows.push('END;"slutt";6;;;;');
      const p = parseMapping(mapping(rows));
      assert.equal(p.rows.length, 82);
      assert.equal(p.rows.filter((r) => r.malformed).length, 1);
    });

    it('text after a closing quote is kept and reported', () => {
      const text = mapping(['HSP01;"Hjemmesykepleie" nord;15;974589095;;;']);
      const seen = expectMapping(text, 'mapping-format', [' nord']);
      assert.equal(seen[0].severity, 2);
      assert.equal(table(parseMapping(text))[0].localName, 'Hjemmesykepleie nord');
    });

    it('random bytes in any encoding: never throws, offsets stay inside the text', function () {
      this.timeout(20_000);
      const rng = new Rng('mapping-fuzz');
      const alphabet = ';;;,,,""\n\r\n#  -0123456789abcæøå\t';
      for (let n = 0; n < 300; n++) {
        const len = rng.int(0, 3000);
        let text = '';
        if (rng.chance(0.5)) text += HEADER + '\n';
        for (let i = 0; i < len; i++) text += rng.chance(0.9) ? alphabet[rng.int(0, alphabet.length - 1)] : String.fromCharCode(rng.int(1, 0xffff));
        const bytes = decodeMapping(Buffer.from(text, rng.chance(0.5) ? 'utf8' : 'latin1'));
        for (const t of [text, bytes.text]) {
          const findings = checkMapping(t);
          for (const f of findings) assert.ok(f.start >= 0 && f.start <= f.end && f.end <= t.length, `${f.code} ${f.start}-${f.end} of ${t.length}`);
        }
      }
    });
  });

  it('a file without a header is read in the documented column order, and says so', () => {
    const text = 'HSP01;Hjemmesykepleie;15;974589095;;;\nOBS01;Omsorgsbolig;12;;;;\n';
    const seen = expectMapping(text, 'mapping-format', ['HSP01;Hjemmesykepleie;15;974589095;;;']);
    assert.match(seen[0].message, /The first line is not a header line/);
    assert.match(seen[0].message, /lokal_kode;lokalt_navn;tjenestetype;orgnr;gyldig_fra;gyldig_til;kommentar/);
    expectMapping(text, 'deprecated-service-code', ['12']);
  });
});
