/** The two languages the view models are tested in: English as written, bokmål from the shipped bundle. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleL10n, L10n } from '../../../client/src/views/model/l10n';

const REPO = path.resolve(__dirname, '../../..');

export const en: L10n = bundleL10n();
export const nb: L10n = bundleL10n(JSON.parse(fs.readFileSync(path.join(REPO, 'l10n/bundle.l10n.nb.json'), 'utf8')) as Record<string, string>);
