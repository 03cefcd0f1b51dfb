/**
 * Tiny builders and assertions so rule tests read like the rule's documentation:
 *
 *   const xml = fag(person({ services: [service({ code: 12 })] }));
 *   expectFindings(xml, 'deprecated-service-code', ['12']);
 *
 * The builders produce schema-valid documents by default; a test changes only what it is about.
 */
import assert from 'node:assert/strict';
import { analyzeText, AnalysisResult } from '../../server/src/analysis/analyze';
import { defaultSettings, KprSettings } from '../../server/src/analysis/types';
import { t } from '../../server/src/i18n';

export const IPLOS_NS = 'http://www.npr.no/xmlstds/iplos/2018';
export const IDE_NS = 'http://www.npr.no/xmlstds/53_1_2_ide';

export interface ServiceOpts {
  code?: number | string;
  orgnr?: string | null;
  vedtDato?: string;
  from?: string | null;
  to?: string | null;
  timerUke?: string;
  resTimerUke?: string;
  tjTjID?: number;
  peId?: number;
  extra?: string;
}

export function service(o: ServiceOpts = {}): string {
  const code = o.code ?? 15;
  const orgnr = o.orgnr === undefined ? (String(code) === '29' || String(code) === '26' ? null : '974589095') : o.orgnr;
  return [
    `    <TJENESTE tjPeID="${o.peId ?? 1}" tjTjID="${o.tjTjID ?? 1}" tjVeID="1" tjVeNrID="1">`,
    `      <tjTjenType>${code}</tjTjenType>`,
    `      <tjVedtDato>${o.vedtDato ?? '20230105'}</tjVedtDato>`,
    `      <tjVedtak>1</tjVedtak>`,
    o.timerUke !== undefined ? `      <tjTimerUke>${o.timerUke}</tjTimerUke>` : '',
    o.resTimerUke !== undefined ? `      <tjResTimerUke>${o.resTimerUke}</tjResTimerUke>` : '',
    orgnr !== null ? `      <tjInstOrgnr>${orgnr}</tjInstOrgnr>` : '',
    o.from !== null ? `      <tjFraDato>${o.from ?? '20230110'}</tjFraDato>` : '',
    o.to !== null && o.to !== undefined ? `      <tjTilDato>${o.to}</tjTilDato>` : '',
    o.extra ?? '',
    `    </TJENESTE>`,
  ]
    .filter(Boolean)
    .join('\n');
}

export interface PersonOpts {
  id?: number | string;
  services?: string[];
  fraDato?: string;
  dodDato?: string;
  /** Elements inserted after the person's fixed fields (PERSONOPPL, FUNKSJON…), before services. */
  before?: string;
  /** Elements inserted after the services (DIAGNOSE, DOGNTILBUD). */
  after?: string;
}

export function person(o: PersonOpts = {}): string {
  return [
    `  <PERSON pePeID="${o.id ?? 1}">`,
    `    <peAlder>84</peAlder>`,
    `    <peKjonn>K</peKjonn>`,
    `    <peKomnr>5001</peKomnr>`,
    `    <peBydelsnr>00</peBydelsnr>`,
    `    <peFraDato>${o.fraDato ?? '20200101'}</peFraDato>`,
    o.dodDato ? `    <peDodDato>${o.dodDato}</peDodDato>` : '',
    `    <peEndrDato>20230301</peEndrDato>`,
    o.before ?? '',
    ...(o.services ?? [service({ peId: Number(o.id ?? 1) || 1 })]),
    o.after ?? '',
    `  </PERSON>`,
  ]
    .filter(Boolean)
    .join('\n');
}

export interface FagOpts {
  year?: number;
  lopenr?: string;
  versjon?: string;
  ns?: string;
  from?: string;
  to?: string;
}

export function fag(persons: string | string[], o: FagOpts = {}): string {
  const y = o.year ?? 2023;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<IPLOS xmlns="${o.ns ?? IPLOS_NS}" versjon="${o.versjon ?? '3.5'}">`,
    `  <INNHINFO>`,
    `    <iiInnhType>P</iiInnhType>`,
    `    <iiKomnr>5001</iiKomnr>`,
    `    <iiBydelsnr>00</iiBydelsnr>`,
    `    <iiKontakt><Type>1</Type><Navn>Kari Testesen</Navn><Telefon>12345678</Telefon><Epost>kari@example.org</Epost></iiKontakt>`,
    `    <iiKontakt><Type>2</Type><Navn>Ola Eksempel</Navn><Telefon>87654321</Telefon><Epost>ola@example.org</Epost></iiKontakt>`,
    `    <iiFraDato>${o.from ?? `${y}0101`}</iiFraDato>`,
    `    <iiTilDato>${o.to ?? `${y}1231`}</iiTilDato>`,
    `    <iiLagetDato>${y + 1}0105</iiLagetDato>`,
    `    <iiSysID>EPJ</iiSysID>`,
    `    <iiSysVersjon>1.0</iiSysVersjon>`,
    `    <iiLopenr>${o.lopenr ?? '1'}</iiLopenr>`,
    `  </INNHINFO>`,
    ...(Array.isArray(persons) ? persons : [persons]),
    `</IPLOS>`,
    ``,
  ].join('\n');
}

export interface IdentOpts {
  pid?: string;
  fid?: string;
  typeID?: string;
}

export function ident(o: IdentOpts = {}): string {
  return `      <PasientIdent pid="${o.pid ?? '1'}" fid="${o.fid ?? ''}" typeID="${o.typeID ?? '1'}"/>`;
}

export function ide(idents: string | string[], o: { lopenr?: string; ns?: string; year?: number } = {}): string {
  const y = o.year ?? 2023;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<Melding xmlns="${o.ns ?? IDE_NS}" versjon="53.1.2" meldingstype="B" fraDatoPeriode="${y}-01-01" tilDatoPeriode="${y}-12-31" uttakDato="${y + 1}-01-05" leverandor="Leverandør AS" navnEPJ="EPJ" versjonEPJ="1.0" versjonUt="1.0" lopenr="${o.lopenr ?? '1'}">`,
    `  <Kontaktperson kontPerson="Kari Testesen" meldEpost1="kari@example.org" typeKontaktperson="16"/>`,
    `  <Institusjon institusjonID="5001">`,
    ...(Array.isArray(idents) ? idents : [idents]),
    `  </Institusjon>`,
    `</Melding>`,
    ``,
  ].join('\n');
}

export function analyze(xml: string, settings: Partial<KprSettings> = {}): AnalysisResult {
  return analyzeText(xml, { settings: defaultSettings(settings) });
}

export interface Seen {
  code: string;
  /** The text the finding points at. */
  at: string;
  message: string;
  severity: number;
}

export function findings(xml: string, code?: string, settings: Partial<KprSettings> = {}): Seen[] {
  const s = defaultSettings(settings);
  return analyze(xml, settings)
    .findings.filter((f) => !code || f.code === code)
    .map((f) => ({ code: f.code, at: xml.slice(f.start, f.end), message: t(s.language, f.key, f.args), severity: f.severity }));
}

/** Asserts that `code` is found exactly at the given texts (in document order). */
export function expectFindings(xml: string, code: string, at: string[], settings: Partial<KprSettings> = {}): Seen[] {
  const seen = findings(xml, code, settings);
  assert.deepEqual(
    seen.map((s) => s.at),
    at,
    `findings of ${code}: ${JSON.stringify(seen, null, 1)}`,
  );
  return seen;
}

export function expectNone(xml: string, code?: string, settings: Partial<KprSettings> = {}): void {
  const seen = findings(xml, code, settings);
  assert.deepEqual(seen, [], `expected no ${code ?? ''} findings`);
}
