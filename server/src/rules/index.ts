/** Every rule, in the order their findings are usually read. One file per rule, named after its code. */
import { Rule } from './rule';

export const RULES: readonly Rule[] = [];
