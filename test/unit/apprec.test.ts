import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KprError } from '../../server/src/errors';
import {
  APPREC_ERROR_CODES,
  APPREC_ERROR_OID,
  ApprecPartyInput,
  buildApprec,
  BuildApprecOptions,
  isApprec,
  parseApprec,
  parseDetails,
} from '../../server/src/submit/apprec';

const REPO = path.resolve(__dirname, '../..');
const CATALOG = path.join(REPO, 'schemas', 'catalog.xml');
const XSD = {
  '1.1': path.join(REPO, 'schemas', 'apprec', 'AppRec-v1.1.xsd'),
  '1.0': path.join(REPO, 'schemas', 'apprec', 'AppRec-v1-2004-11-21.xsd'),
};

const KPR: ApprecPartyInput = { name: 'Kommunalt pasient- og brukerregister (KPR)', herId: '8133973' };
const MUNICIPALITY: ApprecPartyInput = {
  name: 'Eksempel kommune',
  herId: '1110001',
  orgNumber: '864123457',
  service: { name: 'Saksbehandling', herId: '1110002' },
};
const ORIGINAL = { msgType: 'KPR_IPL', issueDate: '2024-01-10T08:30:00.000Z', id: '0f8fad5b-d9cb-469f-a165-70867728950e' };

function build(extra: Partial<BuildApprecOptions>): string {
  return buildApprec({ status: 1, original: ORIGINAL, sender: KPR, receiver: MUNICIPALITY, ...extra });
}

function expectKprError(fn: () => unknown, key: string): KprError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KprError, `expected KprError ${key}, got ${String(err)}`);
    assert.equal(err.key, key);
    return err;
  }
  assert.fail(`expected KprError ${key}, nothing was thrown`);
}

describe('apprec: parseApprec / buildApprec', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-apprec-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function assertValid(xml: string, version: '1.0' | '1.1'): void {
    const file = path.join(tmp, `a-${Math.random().toString(36).slice(2)}.xml`);
    fs.writeFileSync(file, xml, 'utf8');
    const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', XSD[version], file], {
      env: { ...process.env, XML_CATALOG_FILES: CATALOG },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  }

  describe('real samples', () => {
    it('reads the v1.0 sample: OK, accepted, two-level parties', () => {
      const a = parseApprec(SAMPLE_V1_0);
      assert.equal(a.version, '1.0');
      assert.equal(a.migVersion, '1.0 2004-11-21');
      assert.equal(a.id, 'A76D8934-D4BA-4A22-8F5D-5DF5E3FC5756');
      assert.equal(a.genDate, '2020-09-16T12:52:17.0009763Z');
      assert.deepEqual(a.status, { code: '1', dn: 'OK' });
      assert.equal(a.outcome, 'accepted');
      assert.deepEqual(a.errors, []);
      assert.deepEqual(a.warnings, []);
      assert.equal(a.sender.name, 'ST OLAVS HOSPITAL HF');
      assert.equal(a.sender.herId, '59');
      assert.equal(a.sender.communicationPartyHerId, '90998');
      assert.equal(a.receiver.herId, '56704');
      assert.deepEqual(a.originalMsgId, {
        msgType: 'DIALOG_HELSEFAGLIG',
        msgTypeText: 'Helsefaglig dialog',
        issueDate: '2017-06-12T09:35:22',
        id: 'de1a95c0-4d0c-11e7-9598-0800200c9a66',
      });
    });

    it('reads the v1.1 sample with an HCPerson as the lowest level', () => {
      const a = parseApprec(SAMPLE_V1_1);
      assert.equal(a.version, '1.1');
      assert.equal(a.outcome, 'accepted');
      assert.equal(a.sender.herId, '56704');
      assert.deepEqual(a.sender.role, { v: 'PRIM', dn: 'Primærmottaker' });
      assert.deepEqual(a.sender.units, [{ kind: 'person', name: 'Rita Lin', id: '258521', idType: 'HER' }]);
      assert.equal(a.sender.communicationPartyHerId, '258521');
      assert.equal(a.receiver.communicationPartyHerId, '90998');
      assert.equal(a.originalMsgId.id, 'de1a95c0-4d0c-11e7-9598-0800200c9a66');
    });

    it('reads the status-3 example with its five errors from a message-specific list', () => {
      const a = parseApprec(SAMPLE_STATUS_3);
      assert.equal(a.version, '1.0');
      assert.deepEqual(a.status, { code: '3', dn: 'OK, feil i delmelding' });
      assert.equal(a.outcome, 'accepted-with-errors');
      assert.deepEqual(
        a.errors.map((e) => [e.code, e.system, e.details]),
        [
          ['53', '2.16.578.1.12.4.1.1.8223', '3'],
          ['1239', '2.16.578.1.12.4.1.1.8223', '2'],
          ['531', '2.16.578.1.12.4.1.1.8223', '2'],
          ['53', '2.16.578.1.12.4.1.1.8223', '4'],
          ['531', '2.16.578.1.12.4.1.1.8223', '1'],
        ],
      );
      assert.equal(a.errors[0].text, 'Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret.');
      // Codes of another list are not looked up in 8221.
      assert.equal(a.errors[0].known, undefined);
      assert.equal(a.sender.orgNumber, '889640782');
      assert.deepEqual(a.receiver.units, []);
      assert.equal(a.originalMsgId.msgType, 'PROM');
      assert.deepEqual(a.warnings, []);
    });
  });

  it('flags a rejection without errors but still reads it', () => {
    const xml = SAMPLE_STATUS_3.replace(/<Error [^>]*\/>\s*/g, '').replace('<Status V="3" DN="OK, feil i delmelding"/>', '<Status V="2" DN="Avvist"/>');
    const a = parseApprec(xml);
    assert.equal(a.outcome, 'rejected');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(a.warnings, ['status-without-errors']);
  });

  it('refuses what is not an AppRec with a clear error', () => {
    const err = expectKprError(() => parseApprec('<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24"/>'), 'submit.apprec.notApprec');
    assert.match(err.localized('nb'), /applikasjonskvittering/);
    assert.match(err.localized('en'), /MsgHead/);
    expectKprError(() => parseApprec('<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2099-01-01"/>'), 'submit.apprec.notApprec');
    expectKprError(() => parseApprec('not xml at all'), 'submit.apprec.malformed');
    expectKprError(() => parseApprec(SAMPLE_V1_1.replace('</AppRec>', '')), 'submit.apprec.malformed');
    expectKprError(() => parseApprec(SAMPLE_V1_1.replace('<Status V="1" DN="OK" />', '<Status V="7" />')), 'submit.apprec.badStatus');
    expectKprError(() => parseApprec(SAMPLE_V1_1.replace(/<OriginalMsgId>[\s\S]*<\/OriginalMsgId>/, '')), 'submit.apprec.missing');
    assert.equal(isApprec(SAMPLE_V1_0), true);
    assert.equal(isApprec('<MsgHead/>'), false);
  });

  describe('buildApprec', () => {
    it('writes an OK receipt that validates against AppRec v1.1 and reads back', () => {
      const now = new Date('2024-01-10T09:00:00.000Z');
      const xml = build({ id: '5b2e5f3e-1111-4222-8333-944455556666', now, softwareName: 'kpr local receiver' });
      assertValid(xml, '1.1');
      const a = parseApprec(xml);
      assert.equal(a.version, '1.1');
      assert.equal(a.id, '5b2e5f3e-1111-4222-8333-944455556666');
      assert.equal(a.genDate, '2024-01-10T09:00:00.000Z');
      assert.equal(a.outcome, 'accepted');
      assert.deepEqual(a.originalMsgId, ORIGINAL);
      assert.equal(a.sender.herId, '8133973');
      assert.equal(a.receiver.herId, '1110001');
      assert.equal(a.receiver.orgNumber, '864123457');
      assert.equal(a.receiver.communicationPartyHerId, '1110002');
      assert.deepEqual(a.warnings, []);
    });

    it('writes a rejection (status 2) with T01/T02/T10/S01/S02/E21 that validates and reads back', () => {
      const codes = ['T01', 'T02', 'T10', 'S01', 'S02', 'E21'];
      const xml = build({ status: 'rejected', errors: codes.map((code) => ({ code, details: `detalj ${code}` })) });
      assertValid(xml, '1.1');
      const a = parseApprec(xml);
      assert.equal(a.status.code, '2');
      assert.equal(a.status.dn, 'Avvist');
      assert.equal(a.outcome, 'rejected');
      assert.deepEqual(
        a.errors.map((e) => [e.code, e.text, e.system, e.details]),
        codes.map((c) => [c, APPREC_ERROR_CODES[c].dn, APPREC_ERROR_OID, `detalj ${c}`]),
      );
      assert.equal(a.errors[0].known?.en, 'Not XML / not well-formed / unreadable');
    });

    it('writes status 3 with X99 errors that carry the rule code and location', () => {
      const xml = build({
        status: 3,
        errors: [
          { code: 'X99', rule: 'KPR-TJ-017', location: '/IPLOS/PERSON[12]/TJENESTE[3]/tjVedtDato', details: 'Vedtaksdato mangler' },
          { code: 'X99', rule: 'KPR-PE-002', details: 'peAlder er negativ' },
        ],
      });
      assertValid(xml, '1.1');
      const a = parseApprec(xml);
      assert.equal(a.outcome, 'accepted-with-errors');
      assert.deepEqual(
        a.errors.map((e) => ({ code: e.code, text: e.text, rule: e.rule, location: e.location })),
        [
          { code: 'X99', text: 'Annen feil', rule: 'KPR-TJ-017', location: '/IPLOS/PERSON[12]/TJENESTE[3]/tjVedtDato' },
          { code: 'X99', text: 'Annen feil', rule: 'KPR-PE-002', location: undefined },
        ],
      );
      assert.equal(a.errors[0].details, '[KPR-TJ-017] @ /IPLOS/PERSON[12]/TJENESTE[3]/tjVedtDato: Vedtaksdato mangler');
      assert.deepEqual(parseDetails(a.errors[1].details!), { rule: 'KPR-PE-002', text: 'peAlder er negativ' });
    });

    it('writes AppRec v1.0 on request, valid against the 2004 schema', () => {
      const xml = build({ version: '1.0', status: 2, errors: [{ code: 'E10' }] });
      assertValid(xml, '1.0');
      const a = parseApprec(xml);
      assert.equal(a.version, '1.0');
      assert.equal(a.errors[0].text, 'Ugyldig meldingsidentifikator');
      // Decrypted receipts arrive as bytes; an ISO-8859-1 one must keep its æøå.
      const latin1 = xml.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('Eksempel kommune', 'Bærum-Øst kommune');
      assert.equal(parseApprec(Buffer.from(latin1, 'latin1')).receiver.name, 'Bærum-Øst kommune');
    });

    it('never writes a fødselsnummer into a receipt', () => {
      const fnr = '01015012345';
      const xml = build({ status: 2, errors: [{ code: 'E31', details: `fid ${fnr} har feil kontrollsiffer` }] });
      assert.ok(!xml.includes(fnr));
      assert.match(parseApprec(xml).errors[0].details!, /\*{9}45/);
      // Nor does reading one keep it, so a journal of receipts holds no person numbers.
      const incoming = SAMPLE_STATUS_3.replace('OT="3"', `OT="${fnr}"`);
      assert.equal(parseApprec(incoming).errors[0].details, '*********45');
    });

    it('refuses receipts the standard forbids', () => {
      expectKprError(() => build({ status: 1, errors: [{ code: 'T02' }] }), 'submit.apprec.buildErrorsForOk');
      expectKprError(() => build({ status: 2 }), 'submit.apprec.buildNoErrors');
      expectKprError(() => build({ status: 3, errors: [] }), 'submit.apprec.buildNoErrors');
      expectKprError(() => build({ status: 2, errors: [{ code: 'Q42' }] }), 'submit.apprec.buildUnknownCode');
      // A code from another list is fine when its text and list are given.
      const other = build({ status: 2, errors: [{ code: '42', text: 'Egen feil', system: '2.16.578.1.12.4.1.1.8222' }] });
      assertValid(other, '1.1');
      assert.equal(parseApprec(other).errors[0].known, undefined);
    });
  });

  it('has the bokmål texts of code list 8221', () => {
    assert.equal(APPREC_ERROR_CODES.T01.dn, "Ikke XML / ikke 'well formed' / uleselig");
    assert.equal(APPREC_ERROR_CODES.E21.dn, 'Mottaker finnes ikke');
    assert.equal(APPREC_ERROR_CODES.X99.dn, 'Annen feil');
    for (const code of ['T01', 'T02', 'T10', 'T99', 'S01', 'S02', 'S03', 'S99', 'E10', 'E20', 'E21', 'E30', 'E31', 'E32', 'E35', 'E36', 'E53', 'E54', 'X99']) {
      assert.ok(APPREC_ERROR_CODES[code]?.dn, code);
    }
  });
});

// The real samples from the shared reference (public standard examples), verbatim.
/** examples/apprec-v1.0-sample.xml */
const SAMPLE_V1_0 = `<AppRec xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21">
    <MsgType V="APPREC" />
    <MIGversion>1.0 2004-11-21</MIGversion>
    <GenDate>2020-09-16T12:52:17.0009763Z</GenDate>
    <Id>A76D8934-D4BA-4A22-8F5D-5DF5E3FC5756</Id>
    <Sender>
        <Role V="REQ" />
        <HCP>
            <Inst>
                <Name>ST OLAVS HOSPITAL HF</Name>
                <Id>59</Id>
                <TypeId V="HER" DN="HER-id" />
                <Dept>
                    <Name>Ortopedisk kirurgi</Name>
                    <Id>90998</Id>
                    <TypeId V="HER" DN="HER-id" />
                </Dept>
            </Inst>
        </HCP>
    </Sender>
    <Receiver>
        <Role V="RECEIVER" />
        <HCP>
            <Inst>
                <Name>Kattskinnet legesenter</Name>
                <Id>56704</Id>
                <TypeId V="HER" DN="HER-id" />
                <Dept>
                    <Name>Rita Lin</Name>
                    <Id>258521</Id>
                    <TypeId V="HER" DN="HER-id" />
                </Dept>
            </Inst>
        </HCP>
    </Receiver>
    <Status V="1" DN="OK" />
    <OriginalMsgId>
        <MsgType V="DIALOG_HELSEFAGLIG" DN="Helsefaglig dialog" />
        <IssueDate>2017-06-12T09:35:22</IssueDate>
        <Id>de1a95c0-4d0c-11e7-9598-0800200c9a66</Id>
    </OriginalMsgId>
</AppRec>
`;

/** examples/apprec-v1.1-sample.xml (its '>>' in Name is in the original) */
const SAMPLE_V1_1 = `<AppRec xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15">
    <MsgType V="APPREC" />
    <MIGversion>v1.1 2012-02-15</MIGversion>
    <GenDate>2020-09-14T14:01:45.0004673Z</GenDate>
    <Id>C829A5F9-5BBF-4376-A37F-ADE4B399916C</Id>
    <Sender>
        <Role V="PRIM" DN="Primærmottaker" />
        <HCP>
            <Inst>
                <Name>>Kattskinnet legesenter</Name>
                <Id>56704</Id>
                <TypeId V="HER" DN="HER-id" />                
                <HCPerson>
                    <Name>Rita Lin</Name>
                    <Id>258521</Id>
                    <TypeId V="HER" DN="HER-id"/>
                </HCPerson>
            </Inst>
        </HCP>
    </Sender>
    <Receiver>
        <Role V="AVS" />
        <HCP>
            <Inst>
                <Name>ST OLAVS HOSPITAL HF</Name>
                <Id>59</Id>
                <TypeId V="HER" DN="HER-id" />
                <Dept>
                    <Name>Ortopedisk kirurgi</Name>
                    <Id>90998</Id>
                    <TypeId V="HER" DN="HER-id" />
                </Dept>
            </Inst>
        </HCP>
    </Receiver>
    <Status V="1" DN="OK" />
    <OriginalMsgId>
        <MsgType V="DIALOG_HELSEFAGLIG" DN="Helsefaglig dialog" />
        <IssueDate>2017-06-12T09:35:22</IssueDate>
        <Id>de1a95c0-4d0c-11e7-9598-0800200c9a66</Id>
    </OriginalMsgId>
</AppRec>
`;

/** examples/apprec-eksempel.xml: status 3 with errors from list 8223 */
const SAMPLE_STATUS_3 = ` <AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21" xmlns:xsd="http://www.w3.org/2001/XMLSchema.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.kith.no/xmlstds/apprec/2004-11-21 AppRec-v1-2004-11-21.xsd">
        <MsgType V="APPREC"/>
        <MIGversion>1.0 2004-11-21</MIGversion>
        <GenDate>2009-09-10T11:31:54.148+02:00</GenDate>
        <Id>fe6225205b3d3049e5f600a44a34ca77</Id>
        <Sender>
            <HCP>
                <Inst>
                    <Name>ARBEIDS- OG VELFERDSETATEN</Name>
                    <Id>889640782</Id>
                    <TypeId V="ENH"/>
                    <Dept>
                        <Name>Kontrollsystem</Name>
                    </Dept>
                </Inst>
            </HCP>
        </Sender>
        <Receiver>
            <HCP>
                <Inst/>
            </HCP>
        </Receiver>
        <Status V="3" DN="OK, feil i delmelding"/>
        <Error DN="Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret." S="2.16.578.1.12.4.1.1.8223" V="53" OT="3"/>
        <Error DN="Sum krav overstiger maksimal egenandel for pasientreiser." S="2.16.578.1.12.4.1.1.8223" V="1239" OT="2"/>
        <Error DN="Dobbeltregning: Regningen er allerede innsendt" S="2.16.578.1.12.4.1.1.8223" V="531" OT="2"/>
        <Error DN="Pasientens fødselsnummer eller D-nummer finnes ikke registrert i Folkeregisteret." S="2.16.578.1.12.4.1.1.8223" V="53" OT="4"/>
        <Error DN="Dobbeltregning: Regningen er allerede innsendt" S="2.16.578.1.12.4.1.1.8223" V="531" OT="1"/>
        <OriginalMsgId>
            <MsgType V="PROM" DN=""/>
            <IssueDate>2008-05-13T20:45:30+02:00</IssueDate>
            <Id>1b08b3f5-76c1-4560-ae4e-90e04cb0bc70</Id>
        </OriginalMsgId>
    </AppRec>`;
