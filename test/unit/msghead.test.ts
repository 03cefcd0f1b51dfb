import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KprError } from '../../server/src/errors';
import { resolveConfig, KprConfig } from '../../server/src/submit/config';
import { KprEnvironment } from '../../server/src/submit/environments';
import {
  detectPayloadType,
  msgHeadPayload,
  MSGHEAD_NS,
  packMsgHead,
  readMsgHead,
} from '../../server/src/submit/msghead';
import { encodeXml, generateExtract, serializeFagmelding, serializeIdentmelding } from '../fixtures/generator';

const REPO = path.resolve(__dirname, '../..');
const SCHEMAS = path.join(REPO, 'schemas');
const CATALOG = path.join(SCHEMAS, 'catalog.xml');

/** Synthetic municipality; the org number passes the mod 11 check. */
const MUNICIPALITY = {
  name: 'Eksempel kommune',
  orgNumber: '864123457',
  herId: '1110001',
  serviceHerId: '1110002',
};

function config(extra: Record<string, unknown> = {}): KprConfig {
  return resolveConfig({ municipality: MUNICIPALITY, ...extra }, { baseDir: os.tmpdir(), env: {} });
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

describe('msghead: packMsgHead / readMsgHead', () => {
  let tmp: string;
  let wrapperXsd: string;
  const model = generateExtract({ seed: 'msghead-test', persons: 6, year: 2023 });
  const fag = serializeFagmelding(model);
  const ide = serializeIdentmelding(model);

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kpr-msghead-'));
    // MsgHead's Content is <any processContents="strict">: xmllint can only validate a packed message when
    // the payload's schema is loaded too, so this wrapper imports MsgHead-v1_2.xsd plus the two KPR schemas.
    wrapperXsd = path.join(tmp, 'msghead-with-kpr.xsd');
    fs.writeFileSync(
      wrapperXsd,
      `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="${MSGHEAD_NS}" schemaLocation="${path.join(SCHEMAS, 'msghead', 'MsgHead-v1_2.xsd')}"/>
  <xs:import namespace="http://www.npr.no/xmlstds/iplos/2018" schemaLocation="${path.join(SCHEMAS, 'kpr', 'IPLOS(2018)rev2018_10_10.xsd')}"/>
  <xs:import namespace="http://www.npr.no/xmlstds/53_1_2_ide" schemaLocation="${path.join(SCHEMAS, 'kpr', 'XPR(ide).xsd')}"/>
</xs:schema>
`,
    );
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function xmllint(xml: string, xsd: string): { ok: boolean; output: string } {
    const file = path.join(tmp, `m-${Math.random().toString(36).slice(2)}.xml`);
    fs.writeFileSync(file, xml, 'utf8');
    const r = spawnSync('xmllint', ['--nonet', '--noout', '--schema', xsd, file], {
      env: { ...process.env, XML_CATALOG_FILES: CATALOG },
      encoding: 'utf8',
    });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  }

  function assertValid(xml: string): void {
    const r = xmllint(xml, wrapperXsd);
    assert.ok(r.ok, r.output);
  }

  for (const env of ['test', 'prod'] as KprEnvironment[]) {
    for (const [label, payload, type] of [
      ['fagmelding', fag, 'KPR_IPL'],
      ['identmelding', ide, 'KPR_IDE'],
    ] as const) {
      it(`packs the ${label} as ${type} for ${env} that validates against MsgHead v1.2`, () => {
        const cfg = config();
        const packed = packMsgHead({ payloadXml: payload, config: cfg, environment: env });
        assert.equal(packed.type, type);
        assertValid(packed.xml);

        const info = readMsgHead(packed.xml);
        assert.equal(info.type, type);
        assert.equal(info.msgId, packed.msgId);
        assert.equal(info.genDate, packed.genDate);
        assert.equal(info.migVersion, 'v1.2 2006-05-24');
        assert.equal(info.ack, 'J');
        assert.equal(info.sender.herId, MUNICIPALITY.herId);
        assert.equal(info.sender.orgNumber, MUNICIPALITY.orgNumber);
        assert.deepEqual(info.sender.service, { name: 'Saksbehandling', herId: MUNICIPALITY.serviceHerId });
        assert.equal(info.receiver.herId, env === 'test' ? '8133973' : '122612');
        assert.equal(info.payload?.kprType, type);
      });
    }
  }

  it('sends QA to HER-id 171479 and a configured local receiver to its own HER-id', () => {
    const cfg = config({ environments: { local: { receiverHerId: '9990001' } } });
    assert.equal(readMsgHead(packMsgHead({ payloadXml: fag, config: cfg, environment: 'qa' }).xml).receiver.herId, '171479');
    assert.equal(readMsgHead(packMsgHead({ payloadXml: fag, config: cfg, environment: 'local' }).xml).receiver.herId, '9990001');
    // Without an explicit environment the configuration's own choice (default test) is used.
    assert.equal(readMsgHead(packMsgHead({ payloadXml: fag, config: cfg }).xml).receiver.herId, '8133973');
  });

  it('nests a configured KPR service under the receiver and still validates', () => {
    const cfg = config({ environments: { test: { receiverServiceHerId: '8133974', receiverServiceName: 'KPR mottak' } } });
    const packed = packMsgHead({ payloadXml: ide, config: cfg });
    assertValid(packed.xml);
    const info = readMsgHead(packed.xml);
    assert.deepEqual(info.receiver.service, { name: 'KPR mottak', herId: '8133974' });
    assert.equal(info.receiver.communicationPartyHerId, '8133974');
  });

  it('chooses the type from the payload and refuses a type that disagrees', () => {
    assert.equal(detectPayloadType(fag).type, 'KPR_IPL');
    assert.equal(detectPayloadType(ide).type, 'KPR_IDE');
    // Later XPR model versions change the number in the namespace; any …_ide namespace is an identmelding.
    const ide57 = ide.replace('http://www.npr.no/xmlstds/53_1_2_ide', 'http://www.npr.no/xmlstds/57_0_1_ide');
    assert.equal(detectPayloadType(ide57).type, 'KPR_IDE');
    assert.equal(packMsgHead({ payloadXml: fag, type: 'KPR_IPL', config: config() }).type, 'KPR_IPL');
    const err = expectKprError(() => packMsgHead({ payloadXml: fag, type: 'KPR_IDE', config: config() }), 'submit.msghead.typeMismatch');
    assert.match(err.message, /KPR_IDE.*KPR_IPL/);
  });

  it('refuses a payload that is neither a fagmelding nor an identmelding, naming its root', () => {
    const noNamespace = fag.replace(' xmlns="http://www.npr.no/xmlstds/iplos/2018"', '');
    const err = expectKprError(() => packMsgHead({ payloadXml: noNamespace, config: config() }), 'submit.msghead.unknownPayload');
    assert.match(err.localized('nb'), /IPLOS/);
    const dialog = '<?xml version="1.0"?><Dialogmelding xmlns="http://www.kith.no/xmlstds/dialog/2013-01-23"/>';
    expectKprError(() => packMsgHead({ payloadXml: dialog, config: config() }), 'submit.msghead.unknownPayload');
    expectKprError(() => packMsgHead({ payloadXml: '   ', config: config() }), 'submit.msghead.noRoot');
    expectKprError(
      () => packMsgHead({ payloadXml: '<?xml version="1.0"?>\n<!DOCTYPE IPLOS []>\n' + fag.slice(fag.indexOf('<IPLOS')), config: config() }),
      'submit.msghead.doctype',
    );
    expectKprError(() => packMsgHead({ payloadXml: fag.slice(0, fag.lastIndexOf('</IPLOS>') + 3), config: config() }), 'submit.msghead.truncated');
  });

  it('gives every sending a new MsgId, keeps a given GUID and refuses a non-GUID', () => {
    const cfg = config();
    const ids = new Set(Array.from({ length: 20 }, () => packMsgHead({ payloadXml: fag, config: cfg }).msgId));
    assert.equal(ids.size, 20);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const given = '0f8fad5b-d9cb-469f-a165-70867728950e';
    assert.equal(readMsgHead(packMsgHead({ payloadXml: fag, config: cfg, msgId: given }).xml).msgId, given);
    expectKprError(() => packMsgHead({ payloadXml: fag, config: cfg, msgId: 'løpenummer-1' }), 'submit.msghead.badMsgId');
  });

  it('writes GenDate from the clock it is given', () => {
    const now = new Date('2024-01-10T08:30:00.000Z');
    const packed = packMsgHead({ payloadXml: fag, config: config(), now });
    assert.equal(packed.genDate, '2024-01-10T08:30:00.000Z');
    assert.match(packed.xml, /<GenDate>2024-01-10T08:30:00.000Z<\/GenDate>/);
  });

  it('drops the payload BOM and ISO-8859-1 declaration and keeps its æøå as UTF-8', () => {
    const latin1Text = serializeFagmelding(model, { encoding: 'ISO-8859-1' });
    const bytes = encodeXml(latin1Text, 'ISO-8859-1');
    const decoded = '\ufeff' + bytes.toString('latin1');
    const packed = packMsgHead({ payloadXml: decoded, config: config() });
    assert.equal((packed.xml.match(/<\?xml/g) ?? []).length, 1, 'exactly one XML declaration');
    assert.ok(packed.xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
    assert.ok(!packed.xml.includes('\ufeff'));
    assertValid(packed.xml);
    const info = readMsgHead(packed.xml);
    assert.equal(readMsgHead(Buffer.from(packed.xml, 'utf8')).msgId, packed.msgId);
    const body = msgHeadPayload(packed.xml, info)!;
    const name = model.fag.innhinfo.contacts.map((c) => c.name).find((n) => /[æøåÆØÅ]/.test(n));
    if (name) assert.ok(body.includes(name), `payload keeps ${name}`);
    assert.equal(body, latin1Text.slice(latin1Text.indexOf('<IPLOS')).trimEnd());
  });

  it('keeps a prefixed payload out of the MsgHead default namespace', () => {
    const prefixed = fag
      .replace(/<(\/?)([A-Za-z])/g, '<$1ipl:$2')
      .replace(' xmlns="http://www.npr.no/xmlstds/iplos/2018"', ' xmlns:ipl="http://www.npr.no/xmlstds/iplos/2018"');
    const packed = packMsgHead({ payloadXml: prefixed, config: config() });
    assert.match(packed.xml, /<ipl:IPLOS xmlns="" xmlns:ipl=/);
    assertValid(packed.xml);
  });

  it('reads a real MsgHead with service-based addressing (BOM, prefixes, several Documents)', () => {
    const xml = '\ufeff' + SERVICE_ADDRESSING_SAMPLE;
    const info = readMsgHead(xml);
    assert.equal(info.msgId, 'de1a95c0-4d0c-11e7-9598-0800200c9a66');
    assert.equal(info.type, 'DIALOG_HELSEFAGLIG');
    assert.equal(info.genDate, '2017-06-12T09:35:22');
    assert.equal(info.sender.herId, '56704');
    assert.equal(info.receiver.herId, '59');
    assert.equal(info.receiver.service?.herId, '90998');
    assert.equal(info.payload?.root, 'Dialogmelding');
    assert.equal(info.payload?.kprType, undefined);
  });

  it('refuses to read something that is not a MsgHead', () => {
    expectKprError(() => readMsgHead(fag), 'submit.msghead.notMsgHead');
    const packed = packMsgHead({ payloadXml: fag, config: config() }).xml;
    expectKprError(() => readMsgHead(packed.replace(/<MsgId>[^<]*<\/MsgId>/, '')), 'submit.msghead.missingField');
    expectKprError(() => readMsgHead(packed.replace('</MsgInfo>', '</MsgInf>')), 'submit.msghead.malformed');
  });

  it('packs and reads a 49 MB fagmelding quickly without copying it through an XML library', function () {
    this.timeout(60_000);
    const start = fag.indexOf('<PERSON');
    const end = fag.lastIndexOf('</IPLOS>');
    const persons = fag.slice(start, end);
    const target = 49 * 1024 * 1024;
    const big = fag.slice(0, start) + persons.repeat(Math.ceil((target - (fag.length - persons.length)) / persons.length)) + fag.slice(end);
    assert.ok(big.length >= target);
    // A file read from disk is one flat string; flatten the concatenation so that is what gets measured.
    big.charCodeAt(big.length >> 1);

    const cfg = config();
    packMsgHead({ payloadXml: fag, config: cfg }); // warm-up: module initialisation is not what is measured
    const rssBefore = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    const packed = packMsgHead({ payloadXml: big, config: cfg });
    const t1 = process.hrtime.bigint();
    const utf8 = Buffer.from(packed.xml, 'utf8');
    const t2 = process.hrtime.bigint();
    const info = readMsgHead(packed.xml);
    const t3 = process.hrtime.bigint();
    const rssAfter = process.memoryUsage().rss;

    const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
    console.log(
      `      payload ${(big.length / 1048576).toFixed(1)} MB: packMsgHead ${ms(t0, t1).toFixed(1)} ms, ` +
        `to UTF-8 bytes ${ms(t1, t2).toFixed(1)} ms, readMsgHead ${ms(t2, t3).toFixed(1)} ms, ` +
        `RSS +${((rssAfter - rssBefore) / 1048576).toFixed(0)} MB`,
    );
    assert.equal(info.msgId, packed.msgId);
    assert.equal(info.type, 'KPR_IPL');
    assert.equal(msgHeadPayload(packed.xml, info)!.length, big.length - big.indexOf('<IPLOS') - (big.length - big.trimEnd().length));
    assert.ok(utf8.length > big.length);
    assert.ok(ms(t0, t1) < 500, `packMsgHead took ${ms(t0, t1)} ms`);
    assert.ok(ms(t2, t3) < 1000, `readMsgHead took ${ms(t2, t3)} ms`);
  });
});

/** examples/msghead-service-addressing-sample.xml from the shared reference (a public standard example), verbatim after its BOM. */
const SERVICE_ADDRESSING_SAMPLE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Eksempel på helsefaglig dialog ettersending av informasjon vedrørende henvisning -->
<MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24" xmlns:xsd="http://www.w3.org/2001/XMLSchema.xsd" xmlns:fk1="http://www.kith.no/xmlstds/felleskomponent1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.kith.no/xmlstds/msghead/2006-05-24 MsgHead-v1_2.xsd">
	<MsgInfo>
		<Type V="DIALOG_HELSEFAGLIG" DN="Helsefaglig dialog"/>
		<MIGversion>v1.2 2006-05-24</MIGversion>
		<GenDate>2017-06-12T09:35:22</GenDate>
		<MsgId>de1a95c0-4d0c-11e7-9598-0800200c9a66</MsgId>
		<ConversationRef>
			<RefToParent>d14ea2f3-d796-4d7b-8271-a4480d2b4035</RefToParent>
			<RefToConversation>a14ea2f3-d796-4d7b-8271-a4480d2b4037</RefToConversation>
		</ConversationRef>
		<Sender>
			<Organisation>
				<OrganisationName>Kattskinnet legesenter</OrganisationName>
				<Ident>
					<Id>9999</Id>
					<TypeId V="HPR" DN="Hpr nummer"/>
				</Ident>				
				<Ident>
					<Id>56704</Id>
					<TypeId V="HER" DN="HER-id" S="2.16.578.1.12.4.1.1.9051"/>
				</Ident>	
				<HealthcareProfessional>
					<RoleToPatient DN="Fastlege" V="6" S="2.16.578.1.12.4.1.1.9034"/>
					<FamilyName>Lin</FamilyName>
					<GivenName>Rita</GivenName>
					<Ident>
						<Id>258521</Id>
						<TypeId DN="HER-id" V="HER" S="2.16.578.1.12.4.1.1.9051"/>
					</Ident>
				</HealthcareProfessional>
			</Organisation>
		</Sender>
		<Receiver>
			<Organisation>
				<OrganisationName>ST OLAVS HOSPITAL HF</OrganisationName>
				<Ident>
					<Id>59</Id>
					<TypeId V="HER" DN="HER-id" S="2.16.578.1.12.4.1.1.9051"/>
				</Ident>
				<Organisation>
					<OrganisationName>Ortopedisk kirurgi</OrganisationName>
					<Ident>
						<Id>90998</Id>
						<TypeId V="HER" DN="HER-id" S="2.16.578.1.12.4.1.1.9051"/>
					</Ident>
				</Organisation>
			</Organisation>
		</Receiver>
		<Patient>
			<FamilyName>Danser</FamilyName>
			<GivenName>Line</GivenName>
			<Ident>
				<Id>13116900216</Id>
				<TypeId V="FNR" DN="Fødselsnummer" S="2.16.578.1.12.4.1.1.8116"/>
			</Ident>
		</Patient>
	</MsgInfo>
	<Document>
		<RefDoc>
			<IssueDate V="2017-06-12T09:23:47"/>
			<MsgType V="XML" DN="XML-instans"/>
			<Content>
				<Dialogmelding xmlns="http://www.kith.no/xmlstds/dialog/2013-01-23" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.kith.no/xmlstds/dialog/2013-01-23 dialogmelding-v1.1.xsd">
					<Notat>
						<TemaKodet V="6" DN="Henvendelse om pasient" S="2.16.578.1.12.4.1.1.7322"/>
						<Tema>EKG tatt i dag</Tema>
						<TekstNotatInnhold>Pasienten er henvist til
							kardiologisk poliklinikk for utredning med spørsmål om cardial årsak og mulig angina pectoris.
							Ettersender EKG tatt i dag uten funn. Se vedlegg.						</TekstNotatInnhold>
						<RollerRelatertNotat>
							<RoleToPatient DN="Fastlege" V="6" S="2.16.578.1.12.4.1.1.9034"/>
							<HealthcareProfessional>
								<FamilyName>Lin</FamilyName>
								<GivenName>Rita</GivenName>
								<Ident>
									<fk1:Id>258521</fk1:Id>
									<fk1:TypeId V="HPR" DN="HPR-nummer" S="2.16.578.1.12.4.1.1.8116"/>
								</Ident>
								<TeleCom>
									<fk1:TeleAddress V="tel:12345678"/>
								</TeleCom>
							</HealthcareProfessional>
						</RollerRelatertNotat>
					</Notat>
				</Dialogmelding>
			</Content>
		</RefDoc>
	</Document>
	<Document>
		<RefDoc>
			<IssueDate V="2017-06-12T08:45:11"/>
			<MsgType V="A" DN="Vedlegg"/>
			<MimeType>application/pdf</MimeType>
			<Description>EKG-2017-06-12</Description>
			<Content>
				<Base64Container xsi:schemaLocation="http://www.kith.no/xmlstds/base64container kith-base64.xsd" xmlns="http://www.kith.no/xmlstds/base64container" xmlns:xsi="http://www.w3.org/2001/XMLSchemainstance">
					<!-- Inkludert vedlegg -->
					TG90c2FuZExvdHNPZkF0dGFjaG1lbnRUZXh0w4bDmMOF
				</Base64Container>
			</Content>
		</RefDoc>
	</Document>
	<Document>
		<RefDoc>
			<IssueDate V="2017-06-12T10:45:11"/>
			<MsgType V="A" DN="Vedlegg"/>
			<MimeType>application/pdf</MimeType>
			<Description>EKG-2017-06-12</Description>
			<FileReference>https://someurl.com/myfile.pdf</FileReference>
		</RefDoc>
	</Document>
	<Document>
		<RefDoc>
			<IssueDate V="2017-06-12T08:45:11"/>
			<MsgType V="A" DN="Vedlegg"/>
			<MimeType>application/pdf</MimeType>
			<Description>EKG-2017-06-12</Description>
			<Content>
				<Base64Container xsi:schemaLocation="http://www.kith.no/xmlstds/base64container kith-base64.xsd" xmlns="http://www.kith.no/xmlstds/base64container" xmlns:xsi="http://www.w3.org/2001/XMLSchemainstance">
					<!-- Inkludert vedlegg -->
					TG90c2FuZExvdHNPZkF0dGFjaG1lbnRUZXh0w4bDmMOFDQpMb3RzYW5kTG90c09m
					QXR0YWNobWVudFRleHTDhsOYw4UNCkxvdHNhbmRMb3RzT2ZBdHRhY2htZW50VGV4
					dMOGw5jDhQ==
				</Base64Container>
			</Content>
		</RefDoc>
	</Document>
</MsgHead>`;
