/**
 * What the elements and attributes of the two KPR payloads mean, in bokmål and English, for hovers.
 *
 * Sources: the 2018 IPLOS schema (IPLOS(2018)rev2018_10_10.xsd: types, lengths, allowed values and its
 * comments), the XPR ide schema (XPR(ide).xsd and its coding schemes) and DOMAIN.md §2–4. Only what those
 * say is written here; the meaning of individual value codes is not guessed.
 */
import { PayloadKind } from '../analysis/types';

export interface ElementInfo {
  nb: string;
  en: string;
  /** The form or allowed values from the schema, as written there (language-neutral). */
  format?: string;
}

const DATE = 'YYYYMMDD';
const YES_NO = '1 | 2';
const YES_NO_NA = '1 | 2 | 9';

/** IPLOS 2018 (fagmelding, KPR_IPL). Keys are local names. */
const FAGMELDING: Record<string, ElementInfo> = {
  IPLOS: {
    nb: 'Fagmeldingen (KPR_IPL): årets IPLOS-data for kommunen, pseudonymisert – uten fødselsnummer.',
    en: 'The fagmelding (KPR_IPL): the year’s IPLOS data for the municipality, pseudonymous – no fødselsnummer.',
  },
  INNHINFO: {
    nb: 'Innholdsinformasjon: kommune, kontaktpersoner, rapporteringsperiode, fagsystem og løpenummer.',
    en: 'Content information: municipality, contact persons, reporting period, EPJ system and løpenummer.',
  },
  iiInnhType: { nb: 'Innholdstype; fast verdi P.', en: 'Content type; fixed value P.', format: 'P' },
  iiKomnr: { nb: 'Kommunenummeret til den rapporterende kommunen.', en: 'Number of the reporting municipality.', format: '4 tegn / characters' },
  iiBydelsnr: { nb: 'Bydelsnummer.', en: 'City district number.', format: '2 tegn / characters' },
  iiKontakt: {
    nb: 'Kontaktperson (2–3 stk.): Type 1 innsendingsansvarlig, 2 IPLOS-kontaktperson, 3 alternativ IPLOS-kontaktperson.',
    en: 'Contact person (2–3): Type 1 responsible for the submission, 2 IPLOS contact, 3 alternative IPLOS contact.',
  },
  Type: { nb: 'Type kontaktperson: 1 innsendingsansvarlig, 2 IPLOS-kontaktperson, 3 alternativ IPLOS-kontaktperson.', en: 'Contact type: 1 responsible for the submission, 2 IPLOS contact, 3 alternative IPLOS contact.', format: '1 | 2 | 3' },
  Navn: { nb: 'Navnet på kontaktpersonen.', en: 'Name of the contact person.' },
  Telefon: { nb: 'Telefonnummeret til kontaktpersonen.', en: 'Phone number of the contact person.' },
  Epost: { nb: 'E-postadressen til kontaktpersonen.', en: 'E-mail address of the contact person.' },
  iiFraDato: { nb: 'Første dag i rapporteringsperioden.', en: 'First day of the reporting period.', format: DATE },
  iiTilDato: { nb: 'Siste dag i rapporteringsperioden.', en: 'Last day of the reporting period.', format: DATE },
  iiLagetDato: { nb: 'Datoen uttrekket ble laget.', en: 'Date the extract was made.', format: DATE },
  iiSysID: { nb: 'Fagsystemet (EPJ) som laget uttrekket.', en: 'The EPJ system that made the extract.', format: '≤ 15' },
  iiSysVersjon: { nb: 'Versjonen av fagsystemet.', en: 'Version of the EPJ system.', format: '≤ 15' },
  iiLopenr: {
    nb: 'Løpenummeret: skal være det samme som i identmeldingen (Melding/@lopenr), slik at KPR kan koble de to meldingene.',
    en: 'The løpenummer: must equal the identmelding’s (Melding/@lopenr) so KPR can pair the two messages.',
  },
  PERSON: {
    nb: 'Én tjenestemottaker, identifisert med en lokal nøkkel (pePeID) – aldri fødselsnummer; koblingen til fødselsnummeret står i identmeldingen.',
    en: 'One service recipient, identified by a local key (pePeID) – never a fødselsnummer; the link to it is in the identmelding.',
  },
  peAlder: { nb: 'Alder.', en: 'Age.' },
  peKjonn: { nb: 'Kjønn.', en: 'Sex.', format: 'M | K' },
  peKomnr: { nb: 'Kommunenummer for personen.', en: 'Municipality number for the person.', format: '4 tegn / characters' },
  peBydelsnr: { nb: 'Bydelsnummer for personen.', en: 'City district number for the person.', format: '2 tegn / characters' },
  peFraDato: { nb: 'Fra-dato for personen.', en: 'From-date for the person.', format: DATE },
  peDodDato: { nb: 'Dødsdato.', en: 'Date of death.', format: DATE },
  peEndrDato: { nb: 'Endringsdato for personen.', en: 'Date of change for the person.', format: DATE },
  PERSONOPPL: {
    nb: 'Personopplysninger for en periode: husstand, hjelp, planer, koordinator, bistand og ernæring.',
    en: 'Person details for a period: household, help, plans, coordinator, assistance and nutrition.',
  },
  poHusstand: { nb: 'Husstand.', en: 'Household.', format: '1 | 2 | 3' },
  poOmsorgBarn: { nb: 'Omsorg for barn.', en: 'Care of children.', format: YES_NO },
  poPrivHjelp: { nb: 'Privat hjelp.', en: 'Private help.', format: '1–6' },
  poBoligTilr: { nb: 'Tilrettelagt bolig.', en: 'Adapted housing.', format: YES_NO },
  poVurdTann: { nb: 'Vurdering av tannhelse (år og måned).', en: 'Dental health assessment (year and month).', format: 'YYYYMM' },
  poVurdLege: { nb: 'Vurdering av lege (år og måned).', en: 'Assessment by a doctor (year and month).', format: 'YYYYMM' },
  poIndPlan: { nb: 'Individuell plan.', en: 'Individual plan.', format: '1 | 2 | 3 | 9' },
  poHarKoordinator: { nb: 'Har koordinator.', en: 'Has a coordinator.', format: YES_NO_NA },
  poArbBistBehov: { nb: 'Behov for bistand – arbeid/utdanning.', en: 'Needs assistance – work/education.', format: YES_NO_NA },
  poArbBistMottar: { nb: 'Mottar bistand – arbeid/utdanning.', en: 'Receives assistance – work/education.', format: '1 | 2 | 3' },
  poArbTranspBehov: { nb: 'Behov for transport – arbeid/utdanning.', en: 'Needs transport – work/education.', format: YES_NO_NA },
  poArbTranspMottar: { nb: 'Mottar transport – arbeid/utdanning.', en: 'Receives transport – work/education.', format: '1 | 2 | 3' },
  poFriBistBehov: { nb: 'Behov for bistand – fritid.', en: 'Needs assistance – leisure.', format: YES_NO_NA },
  poFriBistMottar: { nb: 'Mottar bistand – fritid.', en: 'Receives assistance – leisure.', format: '1 | 2 | 3' },
  poFriTranspBehov: { nb: 'Behov for transport – fritid.', en: 'Needs transport – leisure.', format: YES_NO_NA },
  poFriTranspMottar: { nb: 'Mottar transport – fritid.', en: 'Receives transport – leisure.', format: '1 | 2 | 3' },
  poLegeMiddGj: { nb: 'Legemiddelgjennomgang.', en: 'Medication review.', format: YES_NO_NA },
  poLegeMiddGjDato: { nb: 'Dato for legemiddelgjennomgang.', en: 'Date of the medication review.', format: DATE },
  poErnKartlagt: { nb: 'Ernæringsstatus kartlagt.', en: 'Nutritional status assessed.', format: YES_NO_NA },
  poErnKartlagtDato: { nb: 'Dato for kartlegging av ernæringsstatus.', en: 'Date of the nutritional assessment.', format: DATE },
  poErnRisiko: { nb: 'Ernæringsmessig risiko.', en: 'Nutritional risk.', format: YES_NO_NA },
  poErnRisikoDato: { nb: 'Dato for vurdering av ernæringsmessig risiko.', en: 'Date of the nutritional risk assessment.', format: DATE },
  poErnPlan: { nb: 'Ernæringsplan.', en: 'Nutrition plan.', format: YES_NO_NA },
  poErnPlanDato: { nb: 'Dato for ernæringsplan.', en: 'Date of the nutrition plan.', format: DATE },
  poFraDato: { nb: 'Fra-dato for personopplysningene.', en: 'From-date of the person details.', format: DATE },
  poTilDato: { nb: 'Til-dato for personopplysningene.', en: 'To-date of the person details.', format: DATE },
  FUNKSJON: {
    nb: 'En funksjonsvurdering: én IPLOS-funksjonsvariabel med skår og periode.',
    en: 'A functional assessment: one IPLOS function variable with its score and period.',
  },
  fnFunkType: { nb: 'Funksjonsvariabelen (nummer).', en: 'The function variable (number).' },
  fnFunkVerdi: { nb: 'Skår 1–5, eller 9 = ikke relevant.', en: 'Score 1–5, or 9 = not relevant.', format: '1 | 2 | 3 | 4 | 5 | 9' },
  fnFraDato: { nb: 'Fra-dato for vurderingen.', en: 'From-date of the assessment.', format: DATE },
  fnTilDato: { nb: 'Til-dato for vurderingen.', en: 'To-date of the assessment.', format: DATE },
  TJENESTE: {
    nb: 'Én tjeneste personen har fått vedtak om: tjenestetype (kodeverk 9151), vedtak, omfang, utførende enhet og periode.',
    en: 'One service the person has a decision (vedtak) on: service type (code list 9151), decision, extent, performing unit and period.',
  },
  tjTjenType: { nb: 'Tjenestetype, kodeverk 9151.', en: 'Service type, code list 9151.' },
  tjTjenUnderType: { nb: 'Undertype av tjenesten.', en: 'Sub-type of the service.' },
  tjSoknadDato: { nb: 'Søknadsdato.', en: 'Date of application.', format: DATE },
  tjVedtDato: { nb: 'Vedtaksdato.', en: 'Date of the decision (vedtak).', format: DATE },
  tjVedtak: { nb: 'Vedtak (1 | 2). Statistikken tar med tjenester med innvilget vedtak.', en: 'Decision (1 | 2). Statistics keep services with a granted decision.', format: YES_NO },
  tjTimerUke: {
    nb: 'Timer per uke. Mer enn 168 timer per uke på én tjeneste er ikke tillatt; timer per måned deles på 4.',
    en: 'Hours per week. More than 168 hours a week on one service is not allowed; monthly hours are divided by 4.',
    format: 'decimal(5,2)',
  },
  tjResTimerUke: { nb: 'Ressurstimer per uke.', en: 'Resource hours per week.', format: 'decimal(5,2)' },
  tjRullerende: { nb: 'Rullerende vedtak.', en: 'Rolling (rullerende) decision.', format: YES_NO },
  tjInstOrgnr: {
    nb: 'Organisasjonsnummeret til enheten som utfører tjenesten. Påkrevd, valgfritt eller forbudt etter tjenestetype (29 og 26 skal ikke ha det).',
    en: 'Organisation number of the unit performing the service. Required, optional or forbidden by service type (29 and 26 must not have one).',
    format: '≤ 9',
  },
  tjFraDato: { nb: 'Fra-dato for tjenesten.', en: 'Start date of the service.', format: DATE },
  tjTilDato: { nb: 'Til-dato for tjenesten (tom = pågår).', en: 'End date of the service (empty = ongoing).', format: DATE },
  tjKlageMottatt: { nb: 'Dato klage ble mottatt.', en: 'Date an appeal was received.', format: DATE },
  tjKlageBesvart: { nb: 'Dato klagen ble besvart.', en: 'Date the appeal was answered.', format: DATE },
  DIAGNOSE: { nb: 'En diagnose med kodeverk og periode.', en: 'A diagnosis with its code system and period.' },
  diKodeVersjon: { nb: 'Kodeverket: ICPC-2 eller ICD-10.', en: 'The code system: ICPC-2 or ICD-10.', format: 'ICPC-2 | ICD-10' },
  diDiagKode: { nb: 'Diagnosekoden (ICD-10 uten punktum).', en: 'The diagnosis code (ICD-10 without the dot).', format: '≤ 10' },
  diFraDato: { nb: 'Fra-dato for diagnosen.', en: 'From-date of the diagnosis.', format: DATE },
  diTilDato: { nb: 'Til-dato for diagnosen.', en: 'To-date of the diagnosis.', format: DATE },
  DOGNTILBUD: { nb: 'Et døgntilbud: institusjon (organisasjonsnummer) og periode.', en: 'A 24-hour service: institution (organisation number) and period.' },
  dgInstOrgnr: { nb: 'Organisasjonsnummeret til institusjonen.', en: 'Organisation number of the institution.', format: '9 sifre / digits' },
  dgFraDato: { nb: 'Fra-dato for døgntilbudet.', en: 'From-date of the 24-hour service.', format: DATE },
  dgTilDato: { nb: 'Til-dato for døgntilbudet.', en: 'To-date of the 24-hour service.', format: DATE },
};

const FAGMELDING_ATTRS: Record<string, ElementInfo> = {
  versjon: { nb: 'Skjemaversjonen (3.5 i 2018-skjemaet).', en: 'The schema version (3.5 in the 2018 schema).' },
  pePeID: { nb: 'Lokal personnøkkel. Den samme nøkkelen står som pid i identmeldingen.', en: 'Local person key. The same key appears as pid in the identmelding.' },
  poPeID: { nb: 'Personnøkkelen (pePeID) til personen opplysningene gjelder.', en: 'Person key (pePeID) of the person the details belong to.' },
  poPoID: { nb: 'Løpenummer for personopplysningene.', en: 'Sequence number of the person details.' },
  fnPeID: { nb: 'Personnøkkelen (pePeID) til personen vurderingen gjelder.', en: 'Person key (pePeID) of the person assessed.' },
  fnFnID: { nb: 'Løpenummer for funksjonsvurderingen.', en: 'Sequence number of the assessment.' },
  tjPeID: { nb: 'Personnøkkelen (pePeID) til personen tjenesten gjelder.', en: 'Person key (pePeID) of the person the service belongs to.' },
  tjTjID: { nb: 'Løpenummer for tjenesten.', en: 'Sequence number of the service.' },
  tjVeID: { nb: 'Unik referanse til et vedtak.', en: 'Unique reference to a decision (vedtak).' },
  tjVeNrID: { nb: 'Hvilket nummer i rekken vedtaket er.', en: 'Which number in the series the decision is.' },
  diPeID: { nb: 'Personnøkkelen (pePeID) til personen diagnosen gjelder.', en: 'Person key (pePeID) of the person diagnosed.' },
  diDiID: { nb: 'Løpenummer for diagnosen.', en: 'Sequence number of the diagnosis.' },
  dgPeID: { nb: 'Personnøkkelen (pePeID) til personen døgntilbudet gjelder.', en: 'Person key (pePeID) of the person the 24-hour service belongs to.' },
  dgDgID: { nb: 'Løpenummer for døgntilbudet.', en: 'Sequence number of the 24-hour service.' },
};

/** XPR ide (identmelding, KPR_IDE). */
const IDENTMELDING: Record<string, ElementInfo> = {
  Melding: {
    nb: 'Identmeldingen (KPR_IDE): koblingen fra lokal personnøkkel (pid) til fødselsnummer (fid). Sendes separat fra fagmeldingen.',
    en: 'The identmelding (KPR_IDE): the link from the local person key (pid) to the fødselsnummer (fid). Sent separately from the fagmelding.',
  },
  Kontaktperson: {
    nb: 'Kontaktperson for dialog mellom kommunen og registeret (typeKontaktperson 16 = IPLOS).',
    en: 'Contact person for the dialogue between the municipality and the register (typeKontaktperson 16 = IPLOS).',
  },
  Institusjon: { nb: 'Enheten identene rapporteres for (institusjonID).', en: 'The unit the identities are reported for (institutionID).' },
  PasientIdent: {
    nb: 'Én person: lokal nøkkel (pid, samme som pePeID i fagmeldingen), fødselsnummer eller annet nummer (fid) og type (typeID).',
    en: 'One person: local key (pid, the fagmelding’s pePeID), fødselsnummer or other number (fid) and its type (typeID).',
  },
};

const IDENTMELDING_ATTRS: Record<string, ElementInfo> = {
  versjon: { nb: 'Versjonen av XPR-modellen.', en: 'Version of the XPR model.' },
  meldingstype: { nb: 'Meldingstype.', en: 'Message type.', format: 'E | B' },
  fraDatoPeriode: { nb: 'Første dag i rapporteringsperioden.', en: 'First day of the reporting period.', format: 'YYYY-MM-DD' },
  tilDatoPeriode: { nb: 'Siste dag i rapporteringsperioden.', en: 'Last day of the reporting period.', format: 'YYYY-MM-DD' },
  uttakDato: { nb: 'Datoen uttrekket ble laget.', en: 'Date the extract was made.', format: 'YYYY-MM-DD' },
  leverandor: { nb: 'Leverandøren av fagsystemet.', en: 'Vendor of the EPJ system.' },
  navnEPJ: { nb: 'Navnet på fagsystemet (EPJ).', en: 'Name of the EPJ system.' },
  versjonEPJ: { nb: 'Versjonen av fagsystemet.', en: 'Version of the EPJ system.' },
  versjonUt: { nb: 'Versjonen av uttrekksprogrammet.', en: 'Version of the extraction program.' },
  lopenr: {
    nb: 'Løpenummeret: skal være det samme som iiLopenr i fagmeldingen.',
    en: 'The løpenummer: must equal iiLopenr in the fagmelding.',
  },
  lokalident: { nb: 'Lokal identifikator (valgfri).', en: 'Local identifier (optional).' },
  kontPerson: { nb: 'Navnet på kontaktpersonen.', en: 'Name of the contact person.' },
  meldTelefon: { nb: 'Telefonnummeret til kontaktpersonen.', en: 'Phone number of the contact person.' },
  meldEpost1: { nb: 'E-postadressen til kontaktpersonen.', en: 'E-mail address of the contact person.' },
  meldEpost2: { nb: 'Alternativ e-postadresse.', en: 'Alternative e-mail address.' },
  typeKontaktperson: { nb: 'Type kontaktperson (16 = IPLOS).', en: 'Contact type (16 = IPLOS).' },
  institusjonID: { nb: 'Identifikatoren til enheten.', en: 'Identifier of the unit.' },
  pid: { nb: 'Lokal personnøkkel – den samme som pePeID i fagmeldingen.', en: 'Local person key – the same as pePeID in the fagmelding.' },
  fid: {
    nb: 'Fødselsnummer, D-nummer, H-nummer eller felles hjelpenummer, etter typeID.',
    en: 'Fødselsnummer, D-nummer, H-nummer or common help number (FH), by typeID.',
  },
  typeID: {
    nb: 'Type personnummer (kodeverk 9032): 1 fødselsnummer, 2 D-nummer, 3 H-nummer, 12 felles hjelpenummer (FH).',
    en: 'Kind of person number (code list 9032): 1 fødselsnummer, 2 D-nummer, 3 H-nummer, 12 common help number (FH).',
  },
  pasientGUID: { nb: 'Valgfri GUID for personen.', en: 'Optional GUID of the person.' },
};

export function elementInfo(kind: PayloadKind, local: string): ElementInfo | undefined {
  const table = kind === 'fagmelding' ? FAGMELDING : IDENTMELDING;
  return Object.prototype.hasOwnProperty.call(table, local) ? table[local] : undefined;
}

export function attributeInfo(kind: PayloadKind, local: string): ElementInfo | undefined {
  const table = kind === 'fagmelding' ? FAGMELDING_ATTRS : IDENTMELDING_ATTRS;
  return Object.prototype.hasOwnProperty.call(table, local) ? table[local] : undefined;
}
