import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Finding } from '../../../server/src/analysis/types';
import { analyze, expectFindings, expectNone, fag, findings, person, service } from '../../support/kpr';

const CODE = 'deprecated-service-code';
const IPLOS_XSD = join(__dirname, '../../../schemas/kpr/IPLOS(2018)rev2018_10_10.xsd');

/** Applies the migration fix the way the editor does: the code and the org-number removal in one edit. */
function applyMigration(xml: string, f: Finding): string {
  assert.equal(f.data?.fix, 'replace-service-code');
  if (f.data?.fix !== 'replace-service-code') return xml;
  const edits = [{ start: f.start, end: f.end, text: String(f.data.to) }];
  if (f.data.removeOrg) edits.push({ ...f.data.removeOrg, text: '' });
  edits.sort((a, b) => b.start - a.start);
  let out = xml;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Validates against the official schema with xmllint; undefined when xmllint is not installed. */
function schemaErrors(xml: string): string | undefined {
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', IPLOS_XSD, '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
    return '';
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') return undefined;
    return e.stderr?.toString() ?? String(err);
  }
}

describe('deprecated-service-code', () => {
  it('finds nothing in a valid fagmelding from the builders, nor on current codes', () => {
    expectNone(fag(person()), CODE);
    expectNone(fag(person({ services: [service({ code: 29 }), service({ code: 26, tjTjID: 2 }), service({ code: 11, tjTjID: 3 })] })), CODE);
  });

  it('reports 12 and 13 with their replacement 29 and the org number to remove', () => {
    const xml = fag(person({ services: [service({ code: 12 }), service({ code: 13, tjTjID: 2, orgnr: null })] }));
    const f = expectFindings(xml, CODE, ['12', '13']);
    assert.equal(
      f[0].message,
      'Service type 12 (Sheltered housing) has expired and KPR rejects or discards it. Report the service as service type 29 (Housing the municipality provides for health and care purposes) and remove the organisation number (tjInstOrgnr), which service type 29 must not have.',
    );
    assert.equal(
      findings(xml, CODE, { language: 'nb' })[0].message,
      'Tjenestetype 12 (Omsorgsbolig) er utgått og avvises eller forkastes av KPR. Rapporter tjenesten som tjenestetype 29 (Bolig som kommunen disponerer for helse- og omsorgsformål) og fjern organisasjonsnummeret (tjInstOrgnr), som tjenestetype 29 ikke skal ha.',
    );
    assert.equal(
      f[1].message,
      'Service type 13 (Other housing) has expired and KPR rejects or discards it. Report the service as service type 29 (Housing the municipality provides for health and care purposes).',
    );
    assert.equal(f[0].severity, 1);
  });

  it('carries the migration fix: 12 → 29 with the whole tjInstOrgnr line removed', () => {
    const xml = fag(person({ services: [service({ code: 12 })] }));
    const [f] = analyze(xml).findings.filter((x) => x.code === CODE);
    assert.deepEqual(f.data && { fix: f.data.fix, from: (f.data as { from: number }).from, to: (f.data as { to: number }).to }, {
      fix: 'replace-service-code',
      from: 12,
      to: 29,
    });
    const removeOrg = f.data?.fix === 'replace-service-code' ? f.data.removeOrg : undefined;
    assert.ok(removeOrg, 'removeOrg is set when the service has an org number');
    assert.equal(xml.slice(removeOrg.start, removeOrg.end), '\n      <tjInstOrgnr>974589095</tjInstOrgnr>');

    const fixed = applyMigration(xml, f);
    assert.equal(fixed, fag(person({ services: [service({ code: 29 })] })), 'the same text as a 29 written by hand');
    assert.match(fixed, /<tjVedtak>1<\/tjVedtak>\n {6}<tjFraDato>/);
    expectNone(fixed, CODE);
    expectNone(fixed, 'org-number-not-allowed');
    const errors = schemaErrors(fixed);
    if (errors !== undefined) assert.equal(errors, '', 'the fixed file validates against IPLOS 2018');
  });

  it('fixes 13 without an org number by changing the code only', () => {
    const xml = fag(person({ services: [service({ code: 13, orgnr: null })] }));
    const [f] = analyze(xml).findings.filter((x) => x.code === CODE);
    assert.deepEqual(f.data, { fix: 'replace-service-code', from: 13, to: 29 });
    const fixed = applyMigration(xml, f);
    assert.equal(fixed, fag(person({ services: [service({ code: 29 })] })));
    expectNone(fixed, CODE);
  });

  it('keeps the rest of the line when tjInstOrgnr shares it with another element', () => {
    const xml = fag(person({ services: [service({ code: 12 })] })).replace(
      '<tjVedtak>1</tjVedtak>\n      <tjInstOrgnr>',
      '<tjVedtak>1</tjVedtak><tjInstOrgnr>',
    );
    const [f] = analyze(xml).findings.filter((x) => x.code === CODE);
    const fixed = applyMigration(xml, f);
    assert.match(fixed, /<tjVedtak>1<\/tjVedtak>\n {6}<tjFraDato>20230110<\/tjFraDato>/);
    expectNone(fixed, CODE);
  });

  it('points 16 to the person flag poHab and 10 to a new mapping, without a fix', () => {
    const xml = fag(person({ services: [service({ code: 16 }), service({ code: 10, tjTjID: 2 })] }));
    const f = expectFindings(xml, CODE, ['16', '10']);
    assert.equal(
      f[0].message,
      'Service type 16 (Rehabilitation/habilitation outside an institution) has expired and KPR rejects or discards it. Record the person flag poHab (re/habilitation outside an institution) in PERSONOPPL instead.',
    );
    assert.equal(
      f[1].message,
      'Service type 10 has expired and KPR rejects or discards it. It has no replacement: map the local service again to a valid service type in code list 9151.',
    );
    const nb = findings(xml, CODE, { language: 'nb' });
    assert.match(nb[0].message, /Registrer i stedet personopplysningen poHab/);
    assert.match(nb[1].message, /kartlegg \(map\) den lokale tjenesten på nytt/);
    assert.ok(analyze(xml).findings.filter((x) => x.code === CODE).every((x) => x.data === undefined));
  });

  it('reads the code as the schema does (xs:short: leading zeros, sign) and skips non-integers', () => {
    expectFindings(fag(person({ services: [service({ code: '012' })] })), CODE, ['012']);
    expectFindings(fag(person({ services: [service({ code: ' +16 ' })] })), CODE, ['+16']);
    expectNone(fag(person({ services: [service({ code: '12.0' })] })), CODE);
  });

  it('can be lowered to a warning in the settings', () => {
    const xml = fag(person({ services: [service({ code: 16 })] }));
    assert.equal(findings(xml, CODE, { severity: { [CODE]: 'warning' } })[0].severity, 2);
  });
});
