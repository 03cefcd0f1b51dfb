/** Every rule, in the order their findings are usually read. One file per rule, named after its code. */
import { Rule } from './rule';
import { dateInvalid } from './dateInvalid';
import { deprecatedServiceCode } from './deprecatedServiceCode';
import { unknownServiceCode } from './unknownServiceCode';
import { orgNumberMissing } from './orgNumberMissing';
import { orgNumberInvalid } from './orgNumberInvalid';
import { orgNumberNotAllowed } from './orgNumberNotAllowed';
import { dateOrder } from './dateOrder';
import { dateOutsidePeriod } from './dateOutsidePeriod';
import { hoursPerWeek } from './hoursPerWeek';
import { testUser } from './testUser';
import { personIdInvalid } from './personIdInvalid';
import { personIdInFagmelding } from './personIdInFagmelding';
import { duplicateId } from './duplicateId';
import { identMismatch } from './identMismatch';

export const RULES: readonly Rule[] = [
  dateInvalid,
  deprecatedServiceCode,
  unknownServiceCode,
  orgNumberMissing,
  orgNumberInvalid,
  orgNumberNotAllowed,
  dateOrder,
  dateOutsidePeriod,
  hoursPerWeek,
  testUser,
  personIdInvalid,
  personIdInFagmelding,
  duplicateId,
  identMismatch,
];
